//! A site's analytics for members with the analytics capability on that site: the
//! dashboard (`GET /sites/{id}/analytics`), the same report as JSON
//! (`GET /api/sites/{id}/analytics`) and as CSV (`GET /sites/{id}/analytics.csv`), a goal's
//! conversions by a dimension (`GET /api/sites/{id}/analytics/goals/{goal}`), and the site's
//! goals (`POST /sites/{id}/analytics/goals`, `…/goals/{goal}/remove`, audited). Reports take
//! `period` (today, yesterday, 7d, 30d, month, last_month, 12mo, custom with `from` and
//! `to`), 30 days when none is given.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use leadvault_accounts::{Capability, Site, SiteId, list_sites, public_site};
use leadvault_analytics::{
    Conversion, Dimension, FORM_SUBMITTED, Filter, Goal, GoalError, GoalKind, MAX_FILTERS, Range,
    Report, add_goal, conversions, event_properties, filtered_report, goal_by, is_shared,
    list_goals, remove_goal, report, share, shared_site, unshare,
};
use leadvault_crypto::SecretToken;
use leadvault_store::Uuid;
use serde::Deserialize;

use crate::analytics::dashboard_view::{
    BUILT_IN_GOAL, ConversionRowJson, DashboardPage, Extras, FilterChip, PropertyTable, ReportJson,
    csv, today,
};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::client_ip::ClientIp;
use crate::web::denial::Needed;
use crate::web::error::{ApiError, AppError};
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

/// Top values shown per dimension.
const ROWS: usize = 10;
/// Rows per dimension in the CSV export.
const EXPORT_ROWS: usize = 1_000;

/// What a report is asked for in its query string: `period` (with `from` and `to` for a
/// custom one), filters as `DIMENSION=VALUE` (`country=NL`, `page=/fees`, at most
/// [`MAX_FILTERS`]), and for a goal's breakdown `dimension`. Other parameters are ignored.
#[derive(Debug)]
pub struct ReportQuery {
    range: Range,
    filters: Vec<Filter>,
    dimension: Option<String>,
}

impl ReportQuery {
    fn parse(params: &BTreeMap<String, String>) -> Result<Self, AppError> {
        let range = Range::parse(
            params.get("period").map_or("30d", String::as_str),
            params.get("from").map(String::as_str),
            params.get("to").map(String::as_str),
        )
        .map_err(|refused| AppError::Invalid(refused.to_string()))?;
        let filters: Vec<Filter> = params
            .iter()
            .filter_map(|(key, value)| {
                Dimension::parse(key).map(|dimension| Filter {
                    dimension,
                    value: value.chars().take(2_000).collect(),
                })
            })
            .collect();
        if filters.len() > MAX_FILTERS {
            return Err(AppError::Invalid(format!(
                "at most {MAX_FILTERS} filters at once"
            )));
        }
        Ok(Self {
            range,
            filters,
            dimension: params.get("dimension").cloned(),
        })
    }

    /// The query string asking for this report again, with `filters` instead.
    fn to_query(&self, filters: &[Filter]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        match self.range {
            Range::Custom { first, last } => {
                query
                    .append_pair("period", "custom")
                    .append_pair("from", &first.to_string())
                    .append_pair("to", &last.to_string());
            }
            other => {
                query.append_pair("period", other.name());
            }
        }
        for filter in filters {
            query.append_pair(filter.dimension.name(), &filter.value);
        }
        query.finish()
    }
}

/// The site `id` of the member's organization, if their analytics reach it; refusals are
/// audited, and another organization's site is as good as none.
pub(crate) async fn reachable_site(
    state: &AppState,
    signed_in: &SignedIn,
    id: &str,
) -> Result<Site, AppError> {
    signed_in.require(state, Capability::Analytics).await?;
    let id = SiteId::parse(id).ok_or(AppError::NotFound)?;
    let site = list_sites(state.db(), signed_in.org())
        .await?
        .into_iter()
        .find(|site| site.id == id)
        .ok_or(AppError::NotFound)?;
    if !signed_in.member.may_on_site(Capability::Analytics, id) {
        return Err(signed_in.refuse(state, Needed::AnalyticsOfSite).await);
    }
    Ok(site)
}

/// The site `id` (if the member's analytics reach it) and the report the query string asks
/// for: what every report handler starts with.
async fn site_and_query(
    state: &AppState,
    signed_in: &SignedIn,
    id: &str,
    params: &BTreeMap<String, String>,
) -> Result<(Site, ReportQuery), AppError> {
    let site = reachable_site(state, signed_in, id).await?;
    Ok((site, ReportQuery::parse(params)?))
}

/// The report and the goals' conversions for `site`: from the rollups, or, filtered, from
/// the visits themselves (goals are counted over all visits, so not shown then).
async fn site_report(
    state: &AppState,
    site: &Site,
    query: &ReportQuery,
    rows: usize,
) -> Result<(Report, Vec<Conversion>), AppError> {
    let db = state.analytics().db();
    let period = query.range.period(today());
    if !query.filters.is_empty() {
        let narrowed = filtered_report(db, site.id, period, &query.filters, rows).await?;
        return Ok((narrowed, Vec::new()));
    }
    let report = report(db, site.id, period, rows).await?;
    let goals = list_goals(state.db(), site.id).await?;
    let converted = conversions(db, site.id, report.period, &goals, report.totals.visitors).await?;
    Ok((report, converted))
}

/// Where and to whom a dashboard is shown.
struct View {
    /// The member's workspace; none through a share link.
    shell: Option<Shell>,
    /// `/sites/ID/analytics`, or `/share/TOKEN`.
    base: String,
    public: bool,
    csrf: String,
    error: Option<String>,
    new_share_link: Option<String>,
}

impl View {
    /// A member's view of `site`'s dashboard, in their workspace.
    async fn member(state: &AppState, signed_in: &SignedIn, site: &Site) -> Result<Self, AppError> {
        Ok(Self {
            shell: Some(Shell::of(state, signed_in, Section::Sites).await?),
            base: format!("/sites/{}/analytics", site.id),
            public: false,
            csrf: signed_in.csrf_token(),
            error: None,
            new_share_link: None,
        })
    }
}

async fn dashboard_page(
    state: &AppState,
    site: &Site,
    query: &ReportQuery,
    view: View,
) -> Result<DashboardPage, AppError> {
    let (report, converted) = site_report(state, site, query, ROWS).await?;
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
    // The properties of the three most sent custom events (over all visits).
    let properties = if query.filters.is_empty() {
        top_event_properties(state, site, &report).await?
    } else {
        Vec::new()
    };
    let base = format!("{}?", view.base);
    let narrowed = |dimension: Dimension, value: &str| {
        let mut filters: Vec<Filter> = query
            .filters
            .iter()
            .filter(|f| f.dimension != dimension)
            .cloned()
            .collect();
        filters.push(Filter {
            dimension,
            value: value.to_owned(),
        });
        format!("{base}{}", query.to_query(&filters))
    };
    let filters = filter_chips(query, &base);
    Ok(DashboardPage::new(
        site.id.to_string(),
        site.domain.to_string(),
        &report,
        query.range.name(),
        query.to_query(&query.filters),
        Extras {
            shared: !view.public && is_shared(state.db(), site.id).await?,
            base: view.base,
            public: view.public,
            new_share_link: view.new_share_link,
            conversions: converted,
            properties,
            filters,
            narrowed: &narrowed,
            forms_by_channel,
            csrf: view.csrf,
            error: view.error,
            shell: view.shell,
        },
    ))
}

/// The properties sent with the site's three most sent custom events, each a table.
async fn top_event_properties(
    state: &AppState,
    site: &Site,
    report: &Report,
) -> Result<Vec<PropertyTable>, AppError> {
    let events: Vec<String> = report
        .breakdowns
        .iter()
        .find(|b| b.dimension == Dimension::Event)
        .map(|b| b.rows.iter().take(3).map(|r| r.value.clone()).collect())
        .unwrap_or_default();
    let mut properties = Vec::new();
    for event in events {
        let found =
            event_properties(state.analytics().db(), site.id, &event, report.period).await?;
        for (property, mut values) in found {
            values.truncate(ROWS);
            properties.push(PropertyTable {
                event: event.clone(),
                property,
                values,
            });
        }
    }
    Ok(properties)
}

/// The filters applied, each with the address of the same report without it.
fn filter_chips(query: &ReportQuery, base: &str) -> Vec<FilterChip> {
    query
        .filters
        .iter()
        .map(|filter| {
            let others: Vec<Filter> = query
                .filters
                .iter()
                .filter(|f| *f != filter)
                .cloned()
                .collect();
            FilterChip {
                label: format!("{}: {}", filter.dimension.title(), filter.value),
                remove: format!("{base}{}", query.to_query(&others)),
            }
        })
        .collect()
}

pub async fn dashboard(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let (site, query) = site_and_query(&state, &signed_in, &id, &params).await?;
    let page = dashboard_page(
        &state,
        &site,
        &query,
        View::member(&state, &signed_in, &site).await?,
    )
    .await?;
    Ok(render(&page).into_response())
}

/// For programs: a missing sign-in is a 401, errors are `{"error": "…"}`.
pub async fn json(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path(id): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<ReportJson>, ApiError> {
    let signed_in = signed_in?;
    let (site, query) = site_and_query(&state, &signed_in, &id, &params).await?;
    let (report, converted) = site_report(&state, &site, &query, ROWS).await?;
    Ok(Json(ReportJson::new(
        site.id.to_string(),
        query.range.name(),
        &report,
        &converted,
    )))
}

/// A goal's conversions by the values of a dimension of the converting visits.
pub async fn goal_breakdown(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path((id, goal)): Path<(String, String)>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let signed_in = signed_in?;
    let (site, query) = site_and_query(&state, &signed_in, &id, &params).await?;
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
    let goals = list_goals(state.db(), site.id).await?;
    let wanted = goals
        .into_iter()
        .find(|g| match g.id {
            None => goal == BUILT_IN_GOAL,
            Some(uuid) => uuid.to_string() == goal,
        })
        .ok_or(AppError::NotFound)?;
    let period = query.range.period(today());
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
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let (site, query) = site_and_query(&state, &signed_in, &id, &params).await?;
    let (report, converted) = site_report(&state, &site, &query, EXPORT_ROWS).await?;
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
    kind: String,
    #[serde(default)]
    target: String,
}

pub async fn add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<GoalForm>,
) -> Result<Response, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let refused = match GoalKind::parse(&form.kind, &form.target) {
        Err(refused) => refused.to_string(),
        Ok(kind) => match add_goal(state.db(), &signed_in.acting, site.id, &kind).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/sites/{}/analytics", site.id)).into_response());
            }
            Err(GoalError::Refused(refused)) => refused.to_string(),
            Err(GoalError::Store(store)) => return Err(store.into()),
            Err(GoalError::Audit(audit)) => return Err(audit.into()),
        },
    };
    let query = ReportQuery::parse(&BTreeMap::new())?;
    let view = View {
        error: Some(refused),
        ..View::member(&state, &signed_in, &site).await?
    };
    let page = dashboard_page(&state, &site, &query, view).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, goal)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let goal = Uuid::parse_str(&goal).map_err(|_| AppError::NotFound)?;
    if !remove_goal(state.db(), &signed_in.acting, site.id, goal).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/sites/{}/analytics", site.id)).into_response())
}

/// A custom event's properties: each property's values, how often each was sent and by how
/// many visitors.
pub async fn event_properties_json(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path((id, name)): Path<(String, String)>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let signed_in = signed_in?;
    let (site, query) = site_and_query(&state, &signed_in, &id, &params).await?;
    let period = query.range.period(today());
    let properties = event_properties(state.analytics().db(), site.id, &name, period).await?;
    Ok(Json(serde_json::json!({
        "event": name,
        "period": {"first": period.first.to_string(), "last": period.last().to_string()},
        "properties": properties,
    })))
}

/// Makes a public share link for the site's dashboard (ending any earlier one) and shows
/// it this once.
pub async fn share_link(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let token = SecretToken::generate().map_err(|e| AppError::Internal(e.to_string()))?;
    share(
        state.db(),
        &signed_in.acting,
        site.id,
        token.hash().as_bytes(),
    )
    .await?;
    let view = View {
        new_share_link: Some(format!(
            "{}/share/{}",
            state.public_origin(),
            token.expose()
        )),
        ..View::member(&state, &signed_in, &site).await?
    };
    let query = ReportQuery::parse(&BTreeMap::new())?;
    Ok(render(&dashboard_page(&state, &site, &query, view).await?).into_response())
}

/// Ends the site's public share link.
pub async fn stop_sharing(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    unshare(state.db(), &signed_in.acting, site.id).await?;
    Ok(Redirect::to(&format!("/sites/{}/analytics", site.id)).into_response())
}

/// A dashboard shown through its share link, to anyone who has it: read-only.
pub async fn shared(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    state.limits().shared_reports.check(&ip)?;
    let token = SecretToken::parse(&token).map_err(|_| AppError::NotFound)?;
    let site_id = shared_site(state.db(), token.hash().as_bytes())
        .await?
        .ok_or(AppError::NotFound)?;
    let site = public_site(state.db(), site_id)
        .await?
        .ok_or(AppError::NotFound)?
        .site;
    let query = ReportQuery::parse(&params)?;
    let view = View {
        shell: None,
        base: format!("/share/{}", token.expose()),
        public: true,
        csrf: String::new(),
        error: None,
        new_share_link: None,
    };
    Ok(render(&dashboard_page(&state, &site, &query, view).await?).into_response())
}
