use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use leadvault_accounts::{Capability, owner_exists};

use crate::auth::SignedIn;
use crate::error::AppError;
use crate::pages::{HomePage, MemberSummary, render};
use crate::state::AppState;

pub async fn home(
    State(state): State<AppState>,
    signed_in: Option<SignedIn>,
) -> Result<Html<String>, AppError> {
    let member = signed_in.map(|s| MemberSummary {
        manages_members: s.member.may(Capability::ManageMembers),
        sees_sites: s.member.may(Capability::ViewSites),
        org_name: s.member.org_name,
        email: s.member.email,
        role: s.member.role.to_string(),
    });
    let needs_setup = member.is_none() && !owner_exists(state.db()).await?;
    Ok(render(&HomePage {
        needs_setup,
        member,
    }))
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}
