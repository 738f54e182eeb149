//! Speed to lead: a lead's first contact is the first time staff did something that reaches
//! the person — its first status change out of `new`, its first note, or an explicit
//! "contacted" — recorded once, in the same transaction as that change. And follow-up
//! dates: staff say when a lead is to be looked at again, and the reminder job says so then.

use leadvault_audit::{Acting, Chain, append};
use leadvault_store::{Batch, Db, OrgId, Statement, TenantScope, Timestamp};

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::error::IntakeError;
use crate::history::{HistoryKind, Trail, record_event};
use crate::ids::LeadId;
use crate::notes::within_reach;

/// Adds to `batch` the lead's first contact at `now`, if it has none yet (a later contact
/// changes nothing): for the transaction of the change that is the contact.
pub(crate) fn note_first_contact(batch: &mut Batch, org: OrgId, lead: LeadId, now: Timestamp) {
    batch.push(
        Statement::new(
            "UPDATE leads SET first_contact_at = $1 \
             WHERE id = $2 AND org_id = $3 AND first_contact_at IS NULL",
        )
        .bind(now.as_unix_micros())
        .bind(lead.to_string())
        .bind(org.to_string()),
    );
}

/// Records that staff contacted the person behind a lead within `access` (a call, an
/// e-mail sent outside Leadvault): a line in its history, an audit record and, the first
/// time, its first contact.
pub async fn mark_contacted(
    db: &Db,
    acting: &Acting,
    lead: LeadId,
    access: &LeadAccess,
) -> Result<(), IntakeError> {
    let (org, now) = (acting.org, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    if !within_reach(&mut tx, org, lead, access).await? {
        return Err(IntakeError::UnknownLead);
    }
    let mut writes = Batch::new();
    note_first_contact(&mut writes, org, lead, now);
    record_event(
        &mut writes,
        org,
        Trail::Lead(lead),
        acting.by.actor,
        HistoryKind::Contacted,
        "",
        now,
    );
    let event = acting
        .by
        .event(IntakeAction::LeadContacted)
        .on("lead", lead)
        .touching(&["first_contact_at"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets (or with `None`, clears) when a lead within `access` is to be followed up; the
/// reminder for the new date is yet to be sent.
pub async fn set_follow_up(
    db: &Db,
    acting: &Acting,
    lead: LeadId,
    access: &LeadAccess,
    when: Option<Timestamp>,
) -> Result<(), IntakeError> {
    let (org, now) = (acting.org, acting.now);
    if when.is_some_and(|when| when.as_unix_micros() < now.as_unix_micros() - DAY_MICROS) {
        return Err(IntakeError::Invalid(
            "a follow-up date is today or later".into(),
        ));
    }
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    if !within_reach(&mut tx, org, lead, access).await? {
        return Err(IntakeError::UnknownLead);
    }
    let mut writes = Batch::new();
    writes.push(
        Statement::new(
            "UPDATE leads SET follow_up_at = $1, follow_up_reminded = 0 \
             WHERE id = $2 AND org_id = $3",
        )
        .bind(when.map(Timestamp::as_unix_micros))
        .bind(lead.to_string())
        .bind(org.to_string()),
    );
    record_event(
        &mut writes,
        org,
        Trail::Lead(lead),
        acting.by.actor,
        HistoryKind::FollowUp,
        &when.map(Timestamp::rfc3339).unwrap_or_default(),
        now,
    );
    let event = acting
        .by
        .event(IntakeAction::LeadFollowUpSet)
        .on("lead", lead)
        .touching(&["follow_up_at"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

const DAY_MICROS: i64 = 24 * 60 * 60 * 1_000_000;
