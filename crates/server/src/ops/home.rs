//! `GET /`: for a member, the organization's name and what their role does there: intake
//! staff what needs doing, attorneys their leads, owners and admins the firm's figures (see
//! [`crate::intake::desk`]); for a client, the way to their portal; signed out, the way in.

use axum::extract::State;
use axum::response::Html;
use leadvault_accounts::{Capability, find_member, owner_exists};

use crate::intake::desk::desk_of;
use crate::ops::views::{HomePage, MemberSummary};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::person::{Person, Relation};
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

pub async fn home(
    State(state): State<AppState>,
    person: Option<Person>,
) -> Result<Html<String>, AppError> {
    // A member is found once, for the frame and the desk; a client has neither.
    let found = match &person {
        Some(p) if p.relation != Relation::Customer => {
            find_member(state.db(), p.user_id, p.org_id).await?
        }
        _ => None,
    };
    let (shell, desk) = match (&person, &found) {
        (Some(p), Some(member)) => (
            Some(Shell::of_member(&state, member, p.csrf_token(), Section::Home).await?),
            Some(desk_of(&state, member, p.acting.now).await?),
        ),
        _ => (None, None),
    };
    let member = person.map(|p| MemberSummary {
        manages_members: p.may(Capability::ManageMembers),
        reviews_audit: p.may(Capability::ReviewAudit),
        manages_forms: p.may(Capability::ManageForms),
        sets_up_intake: p.may(Capability::SetUpIntake),
        works_leads: p.may(Capability::WorkAllLeads) || p.may(Capability::WorkAssignedLeads),
        sees_sites: p.may(Capability::ViewSites),
        is_client: p.relation == Relation::Customer,
        role: p.relation.to_string(),
        org_name: p.org_name,
        email: p.email,
    });
    let needs_setup = member.is_none() && !owner_exists(state.db()).await?;
    Ok(render(&HomePage {
        shell,
        needs_setup,
        member,
        desk,
    }))
}
