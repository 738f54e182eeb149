//! A change made to several leads at once (from the inbox): each lead goes through the same
//! domain call, access condition and audit record as when it is changed on its own page, so
//! a bulk change can do nothing a member could not do one lead at a time.

use leadvault_audit::Acting;
use leadvault_store::{Db, SiteId};
use uuid::Uuid;

use crate::access::LeadAccess;
use crate::error::IntakeError;
use crate::ids::LeadId;
use crate::inbox::MAX_PAGE;
use crate::leads::{assign_lead, lead_summary, set_status};
use crate::pipeline::pipeline;

/// What to do to each lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkChange {
    Status(String),
    /// Give each lead to this member; `may_take` (below) says for which sites they may.
    AssignTo(Uuid),
}

/// What became of a bulk change: the leads changed, and those left as they were with why.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    pub changed: Vec<LeadId>,
    pub skipped: Vec<(LeadId, &'static str)>,
}

/// Applies `change` to each of `leads` within `access`, one lead (and one audit record) at
/// a time. A lead out of reach is skipped as unknown; for an assignment, so is one of a site
/// the member cannot be given (`may_take` says which they can).
pub async fn change_leads(
    db: &Db,
    acting: &Acting,
    access: &LeadAccess,
    leads: &[LeadId],
    change: &BulkChange,
    may_take: impl Fn(Option<SiteId>) -> bool,
) -> Result<BulkOutcome, IntakeError> {
    if leads.is_empty() {
        return Err(IntakeError::Invalid("choose the leads to change".into()));
    }
    if leads.len() > MAX_PAGE {
        return Err(IntakeError::Invalid(format!(
            "change at most {MAX_PAGE} leads at a time"
        )));
    }
    if let BulkChange::Status(status) = change
        && pipeline(db, acting.org).await?.find(status).is_none()
    {
        return Err(IntakeError::Invalid("choose a status from the list".into()));
    }
    let mut outcome = BulkOutcome::default();
    for &lead in leads {
        let done = match change {
            BulkChange::Status(status) => set_status(db, acting, lead, access, status).await,
            BulkChange::AssignTo(member) => {
                match lead_summary(db, acting.org, lead, access).await {
                    Ok(summary) if may_take(summary.site_id) => {
                        assign_lead(db, acting, lead, access, *member).await
                    }
                    Ok(_) => {
                        outcome
                            .skipped
                            .push((lead, "the attorney does not work its site"));
                        continue;
                    }
                    Err(other) => Err(other),
                }
            }
        };
        match done {
            Ok(()) => outcome.changed.push(lead),
            Err(IntakeError::UnknownLead) => outcome.skipped.push((lead, "no such lead")),
            Err(other) => return Err(other),
        }
    }
    Ok(outcome)
}
