//! A lead's e-mail addresses and phone numbers as blind indexes (HMAC under the
//! organization's blind-index key): recorded with the lead, and looked up for the duplicate
//! hint staff see. One statement each way, whatever the number of indexes: on SQLite every
//! statement inside the submission's write lock counts.

use std::collections::HashMap;

use leadvault_crypto::{
    BlindIndex, IndexKind, KeyBytes, blind_index, normalize_email, normalize_phone,
};
use leadvault_keys::{KeyPurpose, Keyring};
use leadvault_store::Timestamp;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, Done, OrgId, Statement, TenantScope};

use crate::error::IntakeError;
use crate::form::{DataClass, FieldType, FormDefinition};
use crate::forms::form_version;
use crate::ids::{FormId, LeadId};
use crate::sealed::open_answers;
use crate::submission::LEADS_TABLE;

/// One index: its kind (`email` or `phone`) and digest.
pub(crate) type Contact = (&'static str, BlindIndex);

/// The indexes of the e-mail and phone answers among `answers` (field key, value), as
/// `definition` types them, under the blind-index `key`.
pub(crate) fn contacts_of<'a>(
    definition: &FormDefinition,
    answers: impl Iterator<Item = (&'a str, &'a str)>,
    key: &KeyBytes,
) -> Vec<Contact> {
    answers
        .filter_map(
            |(field, value)| match definition.field(field).map(|f| f.field_type) {
                Some(FieldType::Email) => normalize_email(value)
                    .ok()
                    .map(|v| ("email", blind_index(key, IndexKind::Email, &v))),
                Some(FieldType::Phone) => normalize_phone(value, "1")
                    .ok()
                    .map(|v| ("phone", blind_index(key, IndexKind::Phone, &v))),
                _ => None,
            },
        )
        .collect()
}

/// The statement that finds a few earlier leads of `org` sharing any of `contacts` (none to
/// look for: `None`). A hint needs a few, not every one: a much-repeated address (a
/// spammer's) must not make each new submission slower. It runs in the submission's own
/// write, before the lead's contacts are recorded: on SQLite a statement more in a batch
/// costs far less than a read of its own.
pub(crate) fn earlier_leads(org: OrgId, contacts: &[Contact]) -> Option<Statement> {
    if contacts.is_empty() {
        return None;
    }
    // One bounded lookup per index, joined: an `OR` of the terms would make the engines
    // gather every match of each term before the limit (a phone number shared by thousands
    // of leads would be read in full every time).
    let lookups: Vec<String> = (0..contacts.len())
        .map(|i| {
            format!(
                "SELECT lead_id FROM (SELECT lead_id FROM lead_contacts \
                 WHERE org_id = $1 AND kind = ${} AND digest = ${} LIMIT 10) AS l{i}",
                2 + 2 * i,
                3 + 2 * i
            )
        })
        .collect();
    // Our own text, with numbered parameters only.
    let sql = sqlx::AssertSqlSafe(lookups.join(" UNION "));
    Some(contacts.iter().fold(
        Statement::new(sql).bind(org.to_string()),
        |s, (kind, digest)| s.bind(*kind).bind(digest.as_bytes().to_vec()),
    ))
}

/// The leads [`earlier_leads`] found.
pub(crate) fn earlier_leads_found(done: &Done) -> Result<Vec<LeadId>, IntakeError> {
    done.rows
        .iter()
        .map(|row| {
            LeadId::parse(&row.try_get::<String, _>(0)?).ok_or(IntakeError::Corrupt("a lead id"))
        })
        .collect()
}

/// Adds to `batch` the recording of `contacts` as `lead`'s.
pub(crate) fn record_contacts(batch: &mut Batch, org: OrgId, lead: LeadId, contacts: &[Contact]) {
    if contacts.is_empty() {
        return;
    }
    let rows: Vec<String> = (0..contacts.len())
        .map(|i| format!("($1, $2, ${}, ${})", 3 + 2 * i, 4 + 2 * i))
        .collect();
    let sql = format!(
        "INSERT INTO lead_contacts (org_id, lead_id, kind, digest) VALUES {}",
        rows.join(", ")
    );
    let statement = contacts.iter().fold(
        Statement::new(sqlx::AssertSqlSafe(sql))
            .bind(org.to_string())
            .bind(lead.to_string()),
        |statement, (kind, digest)| statement.bind(*kind).bind(digest.as_bytes().to_vec()),
    );
    batch.push(statement);
}

/// Leads re-indexed per transaction.
const REINDEX_BATCH: usize = 200;

/// Recomputes every lead's indexes under the organization's current blind-index key: after
/// a tenant key rotation the key is new, and earlier leads would no longer be found as
/// duplicates until this has run. Decrypts each lead's contact answers (nothing is
/// returned or logged); safe to run again, or to resume after an interruption. Returns how
/// many leads were indexed.
pub async fn reindex_contacts(
    db: &Db,
    keyring: &Keyring,
    org: OrgId,
    now: Timestamp,
) -> Result<u64, IntakeError> {
    let key = keyring.current(org, KeyPurpose::BlindIndex, now).await?;
    let mut definitions: HashMap<(String, i64), FormDefinition> = HashMap::new();
    let mut after = String::new();
    let mut indexed = 0;
    loop {
        let mut tx = db.begin_in(TenantScope::Org(org)).await?;
        let rows = sqlx::query(
            "SELECT id, form_id, form_version, contact FROM leads \
             WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(org.to_string())
        .bind(&after)
        .bind(i64::try_from(REINDEX_BATCH).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let mut indexes = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get(0)?;
            let lead = LeadId::parse(&id).ok_or(IntakeError::Corrupt("a lead id"))?;
            let form: (String, i64) = (row.try_get(1)?, row.try_get(2)?);
            if !definitions.contains_key(&form) {
                let form_id = FormId::parse(&form.0).ok_or(IntakeError::Corrupt("a form id"))?;
                let definition = form_version(&mut tx, form_id, form.1).await?;
                definitions.insert(form.clone(), definition);
            }
            let contacts = match row.try_get::<Option<Vec<u8>>, _>(3)? {
                Some(sealed) => {
                    let answers = open_answers(
                        keyring,
                        org,
                        LEADS_TABLE,
                        &id,
                        DataClass::Contact,
                        &sealed,
                        now,
                    )
                    .await?;
                    let definition = definitions
                        .get(&form)
                        .ok_or(IntakeError::Corrupt("a form version"))?;
                    contacts_of(
                        definition,
                        answers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                        &key.key,
                    )
                }
                None => Vec::new(),
            };
            indexes.push((lead, contacts));
            after = id;
        }
        tx.commit().await?;
        if indexes.is_empty() {
            return Ok(indexed);
        }
        let mut writes = Batch::new();
        for (lead, contacts) in &indexes {
            writes.push(
                Statement::new("DELETE FROM lead_contacts WHERE org_id = $1 AND lead_id = $2")
                    .bind(org.to_string())
                    .bind(lead.to_string()),
            );
            record_contacts(&mut writes, org, *lead, contacts);
        }
        let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
        writes.run(&mut tx).await?;
        tx.commit().await?;
        indexed += indexes.len() as u64;
    }
}
