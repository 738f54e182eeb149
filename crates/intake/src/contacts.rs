//! A lead's e-mail addresses and phone numbers as blind indexes (HMAC under the
//! organization's blind-index key): recorded with the lead, and looked up for the duplicate
//! hint staff see. One statement each way, whatever the number of indexes: on SQLite every
//! statement inside the submission's write lock counts.

use leadvault_crypto::BlindIndex;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{OrgId, Tx};

use crate::error::IntakeError;
use crate::ids::LeadId;

/// One index: its kind (`email` or `phone`) and digest.
pub(crate) type Contact = (&'static str, BlindIndex);

/// A few earlier leads of `org` sharing any of `contacts`. A hint needs a few, not every
/// one: a much-repeated address (a spammer's) must not make each new submission slower.
pub(crate) async fn earlier_leads(
    tx: &mut Tx,
    org: OrgId,
    contacts: &[Contact],
) -> Result<Vec<LeadId>, IntakeError> {
    if contacts.is_empty() {
        return Ok(Vec::new());
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
    let sql = lookups.join(" UNION ");
    let query = contacts.iter().fold(
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_string()),
        |query, (kind, digest)| query.bind(*kind).bind(digest.as_bytes().to_vec()),
    );
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| {
            LeadId::parse(&row.try_get::<String, _>(0)?).ok_or(IntakeError::Corrupt("a lead id"))
        })
        .collect()
}

/// Records `contacts` as `lead`'s.
pub(crate) async fn record_contacts(
    tx: &mut Tx,
    org: OrgId,
    lead: LeadId,
    contacts: &[Contact],
) -> Result<(), IntakeError> {
    if contacts.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..contacts.len())
        .map(|i| format!("($1, $2, ${}, ${})", 3 + 2 * i, 4 + 2 * i))
        .collect();
    let sql = format!(
        "INSERT INTO lead_contacts (org_id, lead_id, kind, digest) VALUES {}",
        rows.join(", ")
    );
    let query = contacts.iter().fold(
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.to_string())
            .bind(lead.to_string()),
        |query, (kind, digest)| query.bind(*kind).bind(digest.as_bytes().to_vec()),
    );
    query.execute(&mut **tx).await?;
    Ok(())
}
