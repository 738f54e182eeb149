//! Refusals: every 403 for want of a right is recorded in the organization's audit log
//! before it is answered, so that an investigator sees who tried to reach what.

use leadvault_accounts::Capability;
use leadvault_audit::{By, Chain, Event, append_alone};
use leadvault_store::{OrgId, Timestamp};

use crate::actions::WebAction;
use crate::state::AppState;
use crate::web::error::AppError;

/// What a refused request needed: a capability of the role, or a reach or a kind of page
/// that the role alone does not give. Its name is what the audit record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    Capability(Capability),
    /// Staff pages, refused to a client of the portal.
    StaffPages,
    /// The client portal, refused to staff.
    ClientPortal,
    /// Granting or changing a role above one's own.
    AssignRole,
    /// The analytics of a site outside the member's reach.
    AnalyticsOfSite,
    /// A lead outside the member's reach.
    WorkLeads,
    /// Assigning leads to others.
    AssignLeads,
    /// An order outside the member's reach.
    WorkOrders,
}

impl Needed {
    pub fn name(self) -> &'static str {
        match self {
            Self::Capability(capability) => capability.name(),
            Self::StaffPages => "staff_pages",
            Self::ClientPortal => "client_portal",
            Self::AssignRole => "assign_role",
            Self::AnalyticsOfSite => "analytics_of_site",
            Self::WorkLeads => "work_leads",
            Self::AssignLeads => "assign_leads",
            Self::WorkOrders => "work_orders",
        }
    }
}

/// Records that `by` was refused something that needs `needed` in `org`, and returns the
/// refusal to answer with. If the record cannot be written, that failure is answered
/// instead: still a refusal, never an unrecorded one.
pub async fn forbidden(state: &AppState, org: OrgId, by: By, needed: Needed) -> AppError {
    let event = by
        .event(WebAction::AccessDenied)
        .on("capability", needed.name())
        .denied();
    recorded(state, org, &event, AppError::Forbidden).await
}

/// Records that `by`'s state-changing request in `org` was refused for want of its anti-CSRF
/// token, and returns the refusal (or the failure to record it: still a refusal).
pub async fn csrf_refused(state: &AppState, org: OrgId, by: By) -> AppError {
    let event = by
        .event(WebAction::AccessDenied)
        .on("check", "csrf")
        .denied();
    recorded(state, org, &event, AppError::CsrfRejected).await
}

/// `refusal`, once `event` is in `org`'s audit log; the failure to write it otherwise.
async fn recorded(state: &AppState, org: OrgId, event: &Event, refusal: AppError) -> AppError {
    match append_alone(state.db(), Chain::of(org), event, Timestamp::now()).await {
        Ok(_) => refusal,
        Err(err) => err.into(),
    }
}
