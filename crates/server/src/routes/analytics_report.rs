//! A site's analytics for members with the analytics capability on that site: the
//! dashboard (`GET /sites/{id}/analytics`), the same report as JSON
//! (`GET /api/sites/{id}/analytics`) and as CSV (`GET /sites/{id}/analytics.csv`), a goal's
//! conversions by a dimension (`GET /api/sites/{id}/analytics/goals/{goal}`), and the site's
//! goals (`POST /sites/{id}/analytics/goals`, `…/goals/{goal}/remove`, audited). Reports take
//! `period` (today, yesterday, 7d, 30d, month, last_month, 12mo, custom with `from` and
//! `to`), 30 days when none is given.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use leadvault_accounts::{Capability, Site, SiteId, list_sites};
use leadvault_analytics::{
    Conversion, Dimension, FORM_SUBMITTED, Goal, GoalError, GoalKind, Range, Report, add_goal,
    conversions, goal_by, list_goals, remove_goal, report,
};
use leadvault_audit::{Chain, append_alone};
use leadvault_store::{Timestamp, Uuid};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::error::{ApiError, AppError};
use crate::pages::render;
use crate::report_view::{
    BUILT_IN_GOAL, ConversionRowJson, DashboardPage, Extras, ReportJson, csv, today,
};
use crate::state::AppState;

/// Top values shown per dimension.
const ROWS: usize = 10;
/// Rows per dimension in the CSV export.
const EXPORT_ROWS: usize = 1_000;

#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// For a goal's breakdown: the dimension (channel unless given).
    dimension: Option<String>,
}

impl PeriodQuery {
    fn range(&self) -> Result<Range, AppError> {
        Range::parse(
            self.period.as_deref().unwrap_or("30d"),
            self.from.as_deref(),
            self.to.as_deref(),
        )
        .map_err(|refused| AppError::Invalid(refused.to_string()))
    }
}

/// The query string that asks for `range` again (for export links).
fn query_of(range: Range) -> String {
    match range {
        Range::Custom { first, last } => format!("period=custom&from={first}&to={last}"),
        other => format!("period={}", other.name()),
    }
}

/// The site `id` of the member's organization, if their analytics reach it; refusals are
/// audited, and another organization's site is as good as none.
async fn reachable_site(
    state: &AppState,
    signed_in: &SignedIn,
    id: &str,
) -> Result<Site, AppError> {
    signed_in.require(state, Capability::Analytics).await?;
    let id = SiteId::parse(id).ok_or(AppError::NotFound)?;
    let site = list_sites(state.db(), signed_in.member.org_id)
        .await?
        .into_iter()
        .find(|site| site.id == id)
        .ok_or(AppError::NotFound)?;
    if !signed_in.member.may_on_site(Capability::Analytics, id) {
        return Err(signed_in.refuse(state, "analytics_of_site").await);
    }
    Ok(site)
}

/// The report and the goals' conversions for `site` over `range`.
async fn site_report(
    state: &AppState,
    site: &Site,
    range: Range,
    rows: usize,
) -> Result<(Report, Vec<Conversion>), AppError> {
    let db = state.analytics().db();
    let report = report(db, site.id, range.period(today()), rows).await?;
    let goals = list_goals(db, site.id).await?;
    let converted = conversions(db, site.id, report.period, &goals, report.totals.visitors).await?;
    Ok((report, converted))
}

async fn dashboard_page(
    state: &AppState,
    signed_in: &SignedIn,
    site: &Site,
    range: Range,
    error: Option<String>,
) -> Result<DashboardPage, AppError> {
    let (report, converted) = site_report(state, site, range, ROWS).await?;
    let form_goal = Goal {
        id: None,
        kind: GoalKind::Event(FORM_SUBMITTED.to_owned()),
    };
    let forms_by_channel = goal_by(
        state.analytics().db(),
        site.id,
        &form_goal,
        report.period,
        Dimension::Channel,
    )
    .await?;
    Ok(DashboardPage::new(
        site.id.to_string(),
        site.domain.to_string(),
        &report,
        range.name(),
        query_of(range),
        Extras {
            conversions: converted,
            forms_by_channel,
            csrf: signed_in.csrf_token(),
            error,
        },
    ))
}

pub async fn dashboard(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let range = query.range()?;
    let page = dashboard_page(&state, &signed_in, &site, range, None).await?;
    Ok(render(&page).into_response())
}

/// For programs: a missing sign-in is a 401, errors are `{"error": "…"}`.
pub async fn json(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<ReportJson>, ApiError> {
    let signed_in = signed_in?;
    let site = reachable_site(&state, &signed_in, &id).await?;
    let range = query.range()?;
    let (report, converted) = site_report(&state, &site, range, ROWS).await?;
    Ok(Json(ReportJson::new(
        site.id.to_string(),
        range.name(),
        &report,
        &converted,
    )))
}

/// A goal's conversions by the values of a dimension of the converting visits.
pub async fn goal_breakdown(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path((id, goal)): Path<(String, String)>,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let signed_in = signed_in?;
    let site = reachable_site(&state, &signed_in, &id).await?;
    let range = query.range()?;
    let dimension = match query.dimension.as_deref() {
        None => Dimension::Channel,
        Some(name) => Dimension::parse(name)
            .filter(|d| !matches!(d, Dimension::Page | Dimension::Event))
            .ok_or_else(|| {
                AppError::Invalid(
                    "dimension is one of a visit's: entry_page, exit_page, channel, source, utm_*, country, browser, os, device, screen"
                        .to_owned(),
                )
            })?,
    };
    let db = state.analytics().db();
    let goals = list_goals(db, site.id).await?;
    let wanted = goals
        .into_iter()
        .find(|g| match g.id {
            None => goal == BUILT_IN_GOAL,
            Some(uuid) => uuid.to_string() == goal,
        })
        .ok_or(AppError::NotFound)?;
    let period = range.period(today());
    let rows = goal_by(db, site.id, &wanted, period, dimension).await?;
    Ok(Json(serde_json::json!({
        "goal": wanted.kind.to_string(),
        "dimension": dimension.name(),
        "period": {"first": period.first.to_string(), "last": period.last().to_string()},
        "rows": rows.iter().map(ConversionRowJson::from).collect::<Vec<_>>(),
    })))
}

pub async fn export(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let range = query.range()?;
    let (report, converted) = site_report(&state, &site, range, EXPORT_ROWS).await?;
    let name = format!(
        "attachment; filename=\"analytics-{}-{}-{}.csv\"",
        site.domain,
        report.period.first,
        report.period.last()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv(&report, &converted),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
}

pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<GoalForm>,
) -> Result<Response, AppError> {
    signed_in.verify_csrf(&headers, &form.csrf)?;
    let site = reachable_site(&state, &signed_in, &id).await?;
    let refused = match GoalKind::parse(&form.kind, &form.target) {
        Err(refused) => refused.to_string(),
        Ok(kind) => {
            match add_goal(state.analytics().db(), site.id, &kind, Timestamp::now()).await {
                Ok(goal) => {
                    audit(&state, &signed_in, "analytics.goal_added", goal).await?;
                    return Ok(
                        Redirect::to(&format!("/sites/{}/analytics", site.id)).into_response()
                    );
                }
                Err(GoalError::Refused(refused)) => refused.to_string(),
                Err(GoalError::Store(store)) => return Err(store.into()),
            }
        }
    };
    let page = dashboard_page(&state, &signed_in, &site, Range::Last30Days, Some(refused)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed_in: SignedIn,
    Path((id, goal)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed_in.verify_csrf(&headers, &form.csrf)?;
    let site = reachable_site(&state, &signed_in, &id).await?;
    let goal = Uuid::parse_str(&goal).map_err(|_| AppError::NotFound)?;
    if !remove_goal(state.analytics().db(), site.id, goal).await? {
        return Err(AppError::NotFound);
    }
    audit(&state, &signed_in, "analytics.goal_removed", goal).await?;
    Ok(Redirect::to(&format!("/sites/{}/analytics", site.id)).into_response())
}

/// Records a change of a site's goals in the organization's audit log.
async fn audit(
    state: &AppState,
    signed_in: &SignedIn,
    action: &'static str,
    goal: Uuid,
) -> Result<(), AppError> {
    let event = signed_in.by().event(action).on("analytics_goal", goal);
    append_alone(
        state.db(),
        Chain::of(signed_in.member.org_id),
        &event,
        Timestamp::now(),
    )
    .await?;
    Ok(())
}
