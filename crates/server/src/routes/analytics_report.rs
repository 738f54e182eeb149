//! A site's analytics for members with the analytics capability on that site: the
//! dashboard (`GET /sites/{id}/analytics`), the same report as JSON
//! (`GET /api/sites/{id}/analytics`) and as CSV (`GET /sites/{id}/analytics.csv`). Each takes
//! `period` (today, yesterday, 7d, 30d, month, last_month, 12mo, custom with `from` and
//! `to`), 30 days when none is given.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use leadvault_accounts::{Capability, Site, SiteId, list_sites};
use leadvault_analytics::{Range, Report, report};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::error::{ApiError, AppError};
use crate::pages::render;
use crate::report_view::{DashboardPage, ReportJson, csv, today};
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

async fn site_report(
    state: &AppState,
    site: &Site,
    range: Range,
    rows: usize,
) -> Result<Report, AppError> {
    Ok(report(state.analytics().db(), site.id, range.period(today()), rows).await?)
}

pub async fn dashboard(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Html<String>, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let range = query.range()?;
    let report = site_report(&state, &site, range, ROWS).await?;
    Ok(render(&DashboardPage::new(
        site.id.to_string(),
        site.domain.to_string(),
        &report,
        range.name(),
        query_of(range),
    )))
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
    let report = site_report(&state, &site, range, ROWS).await?;
    Ok(Json(ReportJson::new(
        site.id.to_string(),
        range.name(),
        &report,
    )))
}

pub async fn export(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let range = query.range()?;
    let report = site_report(&state, &site, range, EXPORT_ROWS).await?;
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
        csv(&report),
    )
        .into_response())
}
