//! Leads as staff see them: the field-visibility policy in one place, decryption audited in
//! the same transaction as the read, and manual assignment.
//!
//! Who sees what (the web layer maps roles and scopes to [`LeadAccess`] through the
//! capability policy): intake staff, owners and admins see every lead of the sites in their
//! scope, all classes but `sensitive`; an attorney sees only the leads assigned to them, and
//! of those only the `contact` and `assessment` classes. Nobody else sees leads at all.

use std::collections::BTreeMap;

use leadvault_audit::{Acting, Chain, append, append_alone};
use leadvault_documents::{Document, Owner};
use leadvault_store::sqlx::any::AnyRow;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, SiteId, TenantScope, Timestamp, Tx};
use uuid::Uuid;

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::attachments::LEAD_DOCUMENTS;
use crate::error::IntakeError;
use crate::first_contact::note_first_contact;
use crate::history::{HistoryKind, Trail, record_event};
use crate::ids::{FormId, LeadId};
use crate::notes::{Note, notes_of};
use crate::pipeline::{NEW, pipeline_in};
use crate::sealed::{CLASS_COLUMNS, open_answers};
use crate::submission::LEADS_TABLE;
use crate::vault::Vault;

/// A lead, decrypted as far as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadView {
    pub id: LeadId,
    pub form_id: FormId,
    pub form_version: i64,
    pub status: String,
    pub assigned_to: Option<Uuid>,
    /// The site of the form it came through, if the form belongs to one.
    pub site_id: Option<SiteId>,
    pub created_at: Timestamp,
    /// Answers by field key, of the classes the viewer may see.
    pub answers: BTreeMap<String, String>,
    /// Staff notes, oldest first.
    pub notes: Vec<Note>,
    /// Documents sent with it, oldest first.
    pub documents: Vec<Document>,
    /// Plain meta data (JSON).
    pub meta: String,
    /// When staff first contacted the person (none yet: still waiting).
    pub first_contact_at: Option<Timestamp>,
    /// When it is to be followed up, if staff said.
    pub follow_up_at: Option<Timestamp>,
    /// The channel it came through, as analytics names them (none: not known).
    pub channel: Option<String>,
}

/// Reads and decrypts a lead for `by`, recording the read (with the names of the fields
/// shown) before anything is returned. A lead the viewer may not see answers
/// [`IntakeError::UnknownLead`], like one that does not exist.
#[allow(clippy::too_many_arguments)] // stores, tenant, record, reach, actor and time
pub async fn read_lead(
    vault: Vault<'_>,
    acting: &Acting,
    lead: LeadId,
    access: &LeadAccess,
) -> Result<LeadView, IntakeError> {
    let Vault {
        db,
        keyring,
        documents,
    } = vault;
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let reach = access.condition("leads", 3);
    // Read (and keys fetched) without holding the write lock; the read is recorded before
    // anything is returned, in a write of its own.
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT form_id, form_version, status, assigned_to, created_at, meta, contact, \
         assessment, sensitive, site_id, first_contact_at, follow_up_at, channel \
         FROM leads WHERE id = $1 AND org_id = $2{}",
        reach.sql
    )))
    .bind(lead.to_string())
    .bind(org.to_string());
    let row = reach
        .bind_to(query)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(IntakeError::UnknownLead)?;
    let assigned_to: Option<String> = row.try_get(3)?;
    let mut answers = BTreeMap::new();
    for (i, (class, _)) in CLASS_COLUMNS.iter().enumerate() {
        if !access.classes().contains(class) {
            continue;
        }
        let Some(sealed) = row.try_get::<Option<Vec<u8>>, _>(6 + i)? else {
            continue;
        };
        let object = open_answers(
            keyring,
            org,
            LEADS_TABLE,
            &lead.to_string(),
            *class,
            &sealed,
            now,
        )
        .await?;
        answers.extend(object);
    }
    let notes = notes_of(&mut tx, keyring, org, lead, now).await?;
    let id = lead.to_string();
    let owner = Owner {
        kind: LEAD_DOCUMENTS,
        id: &id,
    };
    let attached = documents
        .documents_of(&mut tx, keyring, org, owner, now)
        .await?;
    let mut fields: Vec<&str> = answers.keys().map(String::as_str).collect();
    if !notes.is_empty() {
        fields.push("notes");
    }
    fields.extend(attached.iter().map(|d| d.field.as_str()));
    let event = by
        .event(IntakeAction::LeadRead)
        .on("lead", lead)
        .touching(&fields);
    tx.commit().await?;
    append_alone(db, Chain::of(org), &event, now).await?;
    let corrupt = || IntakeError::Corrupt("a lead");
    Ok(LeadView {
        id: lead,
        form_id: FormId::parse(&row.try_get::<String, _>(0)?).ok_or_else(corrupt)?,
        form_version: row.try_get(1)?,
        status: row.try_get(2)?,
        assigned_to: assigned_to.as_deref().and_then(|a| Uuid::try_parse(a).ok()),
        site_id: site_of(row.try_get(9)?)?,
        created_at: Timestamp::from_unix_micros(row.try_get(4)?),
        answers,
        notes,
        documents: attached,
        meta: row.try_get(5)?,
        first_contact_at: row
            .try_get::<Option<i64>, _>(10)?
            .map(Timestamp::from_unix_micros),
        follow_up_at: row
            .try_get::<Option<i64>, _>(11)?
            .map(Timestamp::from_unix_micros),
        channel: row.try_get(12)?,
    })
}

/// Assigns a lead within `access` to a member (an attorney), recording it in the lead's
/// history and the audit log. The caller checks that `to` is a member who may work assigned
/// leads of the lead's site.
pub async fn assign_lead(
    db: &Db,
    acting: &Acting,
    lead: LeadId,
    access: &LeadAccess,
    to: Uuid,
) -> Result<(), IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    set_column(
        &mut tx,
        org,
        lead,
        access,
        Column::AssignedTo,
        &to.to_string(),
        now,
    )
    .await?;
    let mut writes = Batch::new();
    record_event(
        &mut writes,
        org,
        Trail::Lead(lead),
        by.actor,
        HistoryKind::Assigned,
        &to.to_string(),
        now,
    );
    let event = by
        .event(IntakeAction::LeadAssigned)
        .on("lead", lead)
        .touching(&["assigned_to"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A lead in a list: no personal data, so listing decrypts nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadSummary {
    pub id: LeadId,
    pub form_name: String,
    pub status: String,
    pub assigned_to: Option<Uuid>,
    pub site_id: Option<SiteId>,
    pub created_at: Timestamp,
}

/// A stored site id (of a lead or a work order), read back.
pub(crate) fn site_of(stored: Option<String>) -> Result<Option<SiteId>, IntakeError> {
    stored
        .map(|site| SiteId::parse(&site).ok_or(IntakeError::Corrupt("a site id")))
        .transpose()
}

/// One lead within `access`, without decrypting anything.
pub async fn lead_summary(
    db: &Db,
    org: OrgId,
    lead: LeadId,
    access: &LeadAccess,
) -> Result<LeadSummary, IntakeError> {
    summaries(db, org, access, Some(lead), 1)
        .await?
        .pop()
        .ok_or(IntakeError::UnknownLead)
}

async fn summaries(
    db: &Db,
    org: OrgId,
    access: &LeadAccess,
    only: Option<LeadId>,
    limit: i64,
) -> Result<Vec<LeadSummary>, IntakeError> {
    let reach = access.condition("l", 4);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, f.name, l.status, l.assigned_to, l.created_at, l.site_id FROM leads l \
         JOIN forms f ON f.id = l.form_id WHERE l.org_id = $1 AND ($3 IS NULL OR l.id = $3){} \
         ORDER BY l.created_at DESC LIMIT $2",
        reach.sql
    )))
    .bind(org.to_string())
    .bind(limit)
    .bind(only.map(|lead| lead.to_string()));
    let rows = reach.bind_to(query).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    rows.iter().map(summary_of).collect()
}

/// A lead's summary from a row of `id, form name, status, assignee, received, site`.
pub(crate) fn summary_of(row: &AnyRow) -> Result<LeadSummary, IntakeError> {
    Ok(LeadSummary {
        id: LeadId::parse(&row.try_get::<String, _>(0)?)
            .ok_or(IntakeError::Corrupt("a lead id"))?,
        form_name: row.try_get(1)?,
        status: row.try_get(2)?,
        assigned_to: row
            .try_get::<Option<String>, _>(3)?
            .and_then(|a| Uuid::try_parse(&a).ok()),
        site_id: site_of(row.try_get(5)?)?,
        created_at: Timestamp::from_unix_micros(row.try_get(4)?),
    })
}

/// Moves a lead to `status` (a state of the organization's pipeline), with history and audit.
pub async fn set_status(
    db: &Db,
    acting: &Acting,
    lead: LeadId,
    access: &LeadAccess,
    status: &str,
) -> Result<(), IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    // Reads the pipeline, then writes: a write transaction from the start (SQLite).
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    if pipeline_in(&mut tx, org).await?.find(status).is_none() {
        return Err(IntakeError::Invalid("choose a status from the list".into()));
    }
    set_column(&mut tx, org, lead, access, Column::Status, status, now).await?;
    let mut writes = Batch::new();
    record_event(
        &mut writes,
        org,
        Trail::Lead(lead),
        by.actor,
        HistoryKind::Status,
        status,
        now,
    );
    if status != NEW {
        note_first_contact(&mut writes, org, lead, now);
    }
    let data = serde_json::json!({"lead_id": lead.to_string(), "status": status});
    leadvault_webhooks::enqueue(&mut writes, org, "lead.status_changed", data, now);
    let event = by
        .event(IntakeAction::LeadStatusChanged)
        .on("lead", lead)
        .touching(&["status"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Other leads within `access` with the same e-mail address or phone number as `lead` (by
/// blind index): the duplicate hint for intake staff.
pub async fn possible_duplicates(
    db: &Db,
    org: OrgId,
    lead: LeadId,
    access: &LeadAccess,
) -> Result<Vec<LeadId>, IntakeError> {
    let reach = access.condition("l", 3);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT other.lead_id FROM lead_contacts mine JOIN lead_contacts other \
         ON other.org_id = mine.org_id AND other.kind = mine.kind AND other.digest = mine.digest \
         JOIN leads l ON l.id = other.lead_id \
         WHERE mine.lead_id = $1 AND mine.org_id = $2 AND other.lead_id <> $1{} LIMIT 20",
        reach.sql
    )))
    .bind(lead.to_string())
    .bind(org.to_string());
    let rows = reach.bind_to(query).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            LeadId::parse(&row.try_get::<String, _>(0)?).ok_or(IntakeError::Corrupt("a lead id"))
        })
        .collect()
}

/// The columns staff change directly.
#[derive(Debug, Clone, Copy)]
enum Column {
    Status,
    AssignedTo,
}

/// Sets one column of a lead within `access`, and its `updated_at`; a lead out of reach is
/// [`IntakeError::UnknownLead`] and nothing changes.
async fn set_column(
    tx: &mut Tx,
    org: OrgId,
    lead: LeadId,
    access: &LeadAccess,
    column: Column,
    value: &str,
    now: Timestamp,
) -> Result<(), IntakeError> {
    let name = match column {
        Column::Status => "status",
        Column::AssignedTo => "assigned_to",
    };
    let reach = access.condition("leads", 5);
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE leads SET {name} = $1, updated_at = $2 WHERE id = $3 AND org_id = $4{}",
        reach.sql
    )))
    .bind(value.to_owned())
    .bind(now.as_unix_micros())
    .bind(lead.to_string())
    .bind(org.to_string());
    let changed = reach
        .bind_to(query)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if changed == 1 {
        Ok(())
    } else {
        Err(IntakeError::UnknownLead)
    }
}
