//! Refusals: every 403 for want of a right is recorded in the organization's audit log
//! before it is answered, so that an investigator sees who tried to reach what.

use leadvault_audit::{By, Chain, append_alone};
use leadvault_store::{OrgId, Timestamp};

use crate::error::AppError;
use crate::state::AppState;

/// Records that `by` was refused something that needs `needed` (a capability's name, or a
/// kind of page) in `org`, and returns the refusal to answer with. If the record cannot be
/// written, that failure is answered instead: still a refusal, never an unrecorded one.
pub async fn forbidden(state: &AppState, org: OrgId, by: By, needed: &'static str) -> AppError {
    match record(state, org, by, needed).await {
        Ok(()) => AppError::Forbidden,
        Err(err) => err,
    }
}

async fn record(
    state: &AppState,
    org: OrgId,
    by: By,
    needed: &'static str,
) -> Result<(), AppError> {
    let event = by.event("access.denied").on("capability", needed).denied();
    append_alone(state.db(), Chain::of(org), &event, Timestamp::now()).await?;
    Ok(())
}
