use axum::extract::State;
use axum::http::{HeaderName, header};
use axum::response::{Html, IntoResponse};
use leadvault_accounts::{Capability, owner_exists};

use crate::error::AppError;
use crate::pages::{HomePage, MemberSummary, render};
use crate::person::{Person, Relation};
use crate::state::AppState;

pub async fn home(
    State(state): State<AppState>,
    person: Option<Person>,
) -> Result<Html<String>, AppError> {
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

/// A script, with its type and a cache lifetime (the files are part of the binary).
fn javascript(source: &'static str, resource_policy: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                resource_policy,
            ),
        ],
        source,
    )
}

/// The public form's own script: inline errors, conditional questions, its height.
pub async fn form_script() -> impl IntoResponse {
    javascript(include_str!("../../static/form.js"), "same-origin")
}

/// The embed script a firm puts on its site: the one resource other sites load.
pub async fn embed_script() -> impl IntoResponse {
    javascript(include_str!("../../static/embed.js"), "cross-origin")
}

/// The analytics script a firm puts in its pages' head: minified at build time
/// (`build.rs`), loaded by other sites.
pub async fn analytics_script() -> impl IntoResponse {
    javascript(
        include_str!(concat!(env!("OUT_DIR"), "/lv.min.js")),
        "cross-origin",
    )
}
