//! Leads taken out as a spreadsheet: the inbox's filters choose them, the reader's access
//! decides which classes of answers are decrypted (the field-visibility policy, as on a
//! lead's page), and every lead exported is recorded in the audit log, with the fields
//! taken, before anything is returned.

use std::collections::BTreeMap;

use leadvault_audit::{Acting, Chain, append};
use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{TenantScope, Timestamp};

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::error::IntakeError;
use crate::inbox::{InboxFilter, InboxQuery, MAX_PAGE, Sort, inbox};
use crate::leads::LeadSummary;
use crate::sealed::{CLASS_COLUMNS, open_answers};
use crate::submission::LEADS_TABLE;
use crate::vault::Vault;

/// Leads in one export, at most: a larger view is to be narrowed (by dates, say).
pub const MAX_EXPORT: usize = 10_000;

/// A lead as exported: what the inbox lists, and its answers as far as the reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedLead {
    pub summary: LeadSummary,
    pub channel: Option<String>,
    pub first_contact_at: Option<Timestamp>,
    /// Answers by field key, of the classes the reader may see.
    pub answers: BTreeMap<String, String>,
}

/// The leads of `filter` within `access`, in `sort` order, decrypted as far as `access`
/// allows; each is recorded as exported (with the fields taken) before they are returned.
pub async fn export_leads(
    vault: Vault<'_>,
    acting: &Acting,
    access: &LeadAccess,
    filter: &InboxFilter,
    sort: Sort,
) -> Result<Vec<ExportedLead>, IntakeError> {
    let Vault { db, keyring, .. } = vault;
    let org = acting.org;
    let mut summaries = Vec::new();
    let mut after = None;
    loop {
        let query = InboxQuery {
            filter: filter.clone(),
            sort,
            after,
            limit: MAX_PAGE,
        };
        let page = inbox(db, keyring, acting, access, &query).await?;
        summaries.extend(page.leads);
        if summaries.len() > MAX_EXPORT {
            return Err(IntakeError::Invalid(format!(
                "more than {MAX_EXPORT} leads: narrow the view (by dates, say) and export each part"
            )));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut exported = Vec::with_capacity(summaries.len());
    for chunk in summaries.chunks(MAX_PAGE) {
        let mut tx = db.begin_in(TenantScope::Org(org)).await?;
        let places: Vec<String> = (0..chunk.len()).map(|n| format!("${}", n + 2)).collect();
        let reach = access.condition("l", chunk.len() + 2);
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT l.id, l.contact, l.assessment, l.sensitive, l.channel, l.first_contact_at \
             FROM leads l WHERE l.org_id = $1 AND l.id IN ({}){}",
            places.join(", "),
            reach.sql
        )))
        .bind(org.to_string());
        let query = chunk
            .iter()
            .fold(query, |query, lead| query.bind(lead.id.to_string()));
        let rows = reach.bind_to(query).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let mut by_id = BTreeMap::new();
        for row in &rows {
            by_id.insert(row.try_get::<String, _>(0)?, row);
        }
        for summary in chunk {
            // A lead that left the reader's reach between the two reads is not exported.
            let Some(row) = by_id.get(&summary.id.to_string()) else {
                continue;
            };
            let mut answers = BTreeMap::new();
            for (i, (class, _)) in CLASS_COLUMNS.iter().enumerate() {
                if !access.classes().contains(class) {
                    continue;
                }
                if let Some(sealed) = row.try_get::<Option<Vec<u8>>, _>(1 + i)? {
                    let id = summary.id.to_string();
                    let opened =
                        open_answers(keyring, org, LEADS_TABLE, &id, *class, &sealed, acting.now)
                            .await?;
                    answers.extend(opened);
                }
            }
            exported.push(ExportedLead {
                summary: summary.clone(),
                channel: row.try_get(4)?,
                first_contact_at: row
                    .try_get::<Option<i64>, _>(5)?
                    .map(Timestamp::from_unix_micros),
                answers,
            });
        }
    }
    // Recorded before anything leaves: one record per lead, naming the fields taken.
    for chunk in exported.chunks(MAX_PAGE) {
        let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
        for lead in chunk {
            let fields: Vec<&str> = lead.answers.keys().map(String::as_str).collect();
            let event = acting
                .by
                .event(IntakeAction::LeadsExported)
                .on("lead", lead.summary.id)
                .touching(&fields);
            append(&mut tx, Chain::of(org), &event, acting.now).await?;
        }
        tx.commit().await?;
    }
    Ok(exported)
}
