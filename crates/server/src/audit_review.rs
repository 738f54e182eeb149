//! The audit review page for owners and admins: `GET /audit` shows who did what to which
//! records, how often, refusals first, filtered by member, action and dates and paginated;
//! `GET /audit.csv` downloads the same report. Every look at the log is itself recorded.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{Capability, UserId, list_members};
use leadvault_audit::{Chain, ReportQuery, ReportRow, append_alone, report, report_csv};
use leadvault_store::{OrgId, Timestamp};
use serde::Deserialize;

use crate::actions::WebAction;
use crate::routes::Route;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::render::{render, utc};
use crate::web::shell::{Section, Shell};

/// Rows per page.
const PAGE: i64 = 50;
/// Without a start date, the last thirty days.
const DEFAULT_WINDOW: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The filters, as typed into the page's form (all optional).
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    member: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

/// The filters, checked.
struct Checked {
    query: ReportQuery,
    page: i64,
}

fn check(filters: &Filters, now: Timestamp) -> Result<Checked, String> {
    let date = |text: &str, what: &str| -> Result<Option<Timestamp>, String> {
        match text.trim() {
            "" => Ok(None),
            day => Timestamp::parse_date(day)
                .map(Some)
                .ok_or_else(|| format!("{what}: give a date like 2026-11-01")),
        }
    };
    let from = date(&filters.from, "From")?;
    // "To" includes the whole day.
    let to = date(&filters.to, "To")?.map(|t| t.saturating_add(Duration::from_secs(86_400)));
    let actor_id = match filters.member.trim() {
        "" => None,
        id => Some(
            UserId::parse(id)
                .ok_or("Member: choose one from the list")?
                .to_string(),
        ),
    };
    let action = match filters.action.trim() {
        "" => None,
        action
            if action.len() <= 64
                && action
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_') =>
        {
            Some(action.to_owned())
        }
        _ => return Err("Action: a name like sign_in.password or member.removed".to_owned()),
    };
    let page = match filters.page.trim() {
        "" => 1,
        n => n
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or("Page: a page number")?,
    };
    Ok(Checked {
        query: ReportQuery {
            since: from.unwrap_or_else(|| now.saturating_sub(DEFAULT_WINDOW)),
            until: to,
            actor_id,
            action,
        },
        page,
    })
}

/// Records that `signed_in` read the audit log, with which filters.
async fn record_review(
    state: &AppState,
    signed_in: &SignedIn,
    action: WebAction,
    query: &ReportQuery,
) -> Result<(), AppError> {
    let mut fields = vec!["since"];
    if query.until.is_some() {
        fields.push("until");
    }
    if query.actor_id.is_some() {
        fields.push("member");
    }
    if query.action.is_some() {
        fields.push("action");
    }
    let org = signed_in.org();
    let event = signed_in
        .by()
        .event(action)
        .on("audit_log", org)
        .touching(&fields);
    append_alone(state.db(), Chain::of(org), &event, Timestamp::now()).await?;
    Ok(())
}

fn link(filters: &Filters, page: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("member", &filters.member),
        ("action", &filters.action),
        ("from", &filters.from),
        ("to", &filters.to),
    ] {
        if !value.trim().is_empty() {
            query.append_pair(name, value.trim());
        }
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    query.finish()
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    filters: &Filters,
    rows: Vec<ReportRow>,
    page: i64,
    error: Option<String>,
) -> Result<AuditPage, AppError> {
    let org: OrgId = signed_in.org();
    let members = list_members(state.db(), org).await?;
    let emails: HashMap<String, String> = members
        .iter()
        .map(|m| (m.user_id.to_string(), m.email.clone()))
        .collect();
    let more = rows.len() as i64 > PAGE;
    let rows = rows
        .into_iter()
        .take(PAGE as usize)
        .map(|r| AuditRow {
            actor: match (r.actor_kind.as_str(), emails.get(&r.actor_id)) {
                (_, Some(email)) => email.clone(),
                ("anonymous", _) => "someone not signed in".to_owned(),
                (kind, None) => format!("{kind} {}", r.actor_id),
            },
            action: r.action,
            target: if r.target_kind.is_empty() {
                String::new()
            } else {
                format!("{} {}", r.target_kind, r.target_id)
            },
            denied: r.outcome == "denied",
            count: r.count,
            first: utc(r.first),
            last: utc(r.last),
        })
        .collect();
    Ok(AuditPage {
        shell: Some(Shell::of(state, signed_in, Section::Audit).await?),
        members: members
            .iter()
            .map(|m| MemberOption {
                id: m.user_id.to_string(),
                email: m.email.clone(),
                selected: m.user_id.to_string() == filters.member.trim(),
            })
            .collect(),
        action: filters.action.trim().to_owned(),
        from: filters.from.trim().to_owned(),
        to: filters.to.trim().to_owned(),
        rows,
        page,
        previous: (page > 1).then(|| link(filters, page - 1)),
        next: more.then(|| link(filters, page + 1)),
        csv: link(filters, 1),
        error,
    })
}

/// The page with the filters' problem, as 422: nothing was read.
async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    filters: &Filters,
    message: String,
) -> Result<Response, AppError> {
    let shown = page(state, signed_in, filters, Vec::new(), 1, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&shown)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ReviewAudit).await?;
    let checked = match check(&filters, Timestamp::now()) {
        Ok(checked) => checked,
        Err(message) => return refused(&state, &signed_in, &filters, message).await,
    };
    let org = signed_in.org();
    record_review(&state, &signed_in, WebAction::AuditReviewed, &checked.query).await?;
    let window = ((checked.page - 1) * PAGE, PAGE + 1);
    let rows = report(state.db(), Chain::of(org), &checked.query, Some(window)).await?;
    let shown = page(&state, &signed_in, &filters, rows, checked.page, None).await?;
    Ok(render(&shown).into_response())
}

pub async fn download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ReviewAudit).await?;
    let checked = match check(&filters, Timestamp::now()) {
        Ok(checked) => checked,
        Err(message) => return refused(&state, &signed_in, &filters, message).await,
    };
    record_review(
        &state,
        &signed_in,
        WebAction::AuditDownloaded,
        &checked.query,
    )
    .await?;
    let org = signed_in.org();
    let rows = report(state.db(), Chain::of(org), &checked.query, None).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-report.csv\"",
            ),
        ],
        report_csv(&rows),
    )
        .into_response())
}

/// One line of the audit report, as shown.
#[derive(Debug)]
pub struct AuditRow {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub denied: bool,
    pub count: i64,
    pub first: String,
    pub last: String,
}

/// A member to filter the audit report by.
#[derive(Debug)]
pub struct MemberOption {
    pub id: String,
    pub email: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "audit_review/audit.html")]
pub struct AuditPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
    pub members: Vec<MemberOption>,
    pub action: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<AuditRow>,
    pub page: i64,
    /// Query strings of the neighbouring pages and of the CSV download.
    pub previous: Option<String>,
    pub next: Option<String>,
    pub csv: String,
    pub error: Option<String>,
}

/// The audit review's routes: its slice of the one table ([`crate::routes`]).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::get("/audit", show),
        Route::get("/audit.csv", download),
    ]
}
