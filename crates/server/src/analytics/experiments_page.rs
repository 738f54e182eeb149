//! A site's experiments in the browser, for members with the analytics capability on the
//! site: the list with each one's state and preview links, the form that defines a new one
//! (CSS selectors and values; checked by the analytics crate, which refuses anything
//! unsafe), the buttons that move an experiment through its life, and the results page.
//! The results are also JSON: `GET /api/sites/{id}/experiments/{experiment}/results`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use leadvault_accounts::Site;
use leadvault_analytics::{
    Day, ExperimentError, Period, Range, ReportScope, create_experiment, experiment_report,
    list_experiments, list_goals, overlaps, set_state,
};
use leadvault_store::Uuid;

use crate::analytics::dashboard::reachable_site;
use crate::analytics::dashboard_view::today;
use crate::analytics::experiment_form::ExperimentForm;
use crate::analytics::experiment_view::{ExperimentRow, ExperimentsPage, ResultsPage, ResultsView};
use crate::analytics::experiments_api::next_state;
use crate::analytics::on;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::{ApiError, AppError};
use crate::web::form_body::Fields;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

/// The relative effect the sample size is worked out for, unless asked otherwise (percent).
const DEFAULT_EFFECT: f64 = 10.0;

/// An experiment id from the path; anything else names no experiment.
fn experiment_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::NotFound)
}

/// The results of `site`'s experiment `id` asked for: `period` (and `from`, `to`) as on the dashboard, else since the
/// experiment was saved; `effect`, the minimum detectable effect in percent (1 to 1,000).
async fn results_view(
    state: &AppState,
    site: &Site,
    id: &str,
    params: &BTreeMap<String, String>,
) -> Result<ResultsView, AppError> {
    let id = experiment_id(id)?;
    let db = state.analytics().db();
    // One read of the site's experiments: this one, and the others it may overlap.
    let all = list_experiments(state.db(), on(site)).await?;
    let experiment = all.iter().find(|e| e.id == id).ok_or(AppError::NotFound)?;
    let today = today();
    let period = match params.get("period") {
        None => Period {
            first: Day::of(experiment.created).min(today),
            end: today.plus(1),
        },
        Some(name) => Range::parse(
            name,
            params.get("from").map(String::as_str),
            params.get("to").map(String::as_str),
        )
        .map_err(|refused| AppError::Invalid(refused.to_string()))?
        .period(today),
    };
    let effect = match params.get("effect") {
        None => DEFAULT_EFFECT,
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|e| (1.0..=1_000.0).contains(e))
            .ok_or_else(|| AppError::Invalid("effect is a percentage from 1 to 1000".to_owned()))?,
    };
    let report = experiment_report(
        db,
        site.id,
        experiment,
        ReportScope {
            period,
            effect: effect / 100.0,
            today,
        },
    )
    .await?;
    let warnings = overlaps(&experiment.definition, experiment.id, &all)
        .iter()
        .map(ToString::to_string)
        .collect();
    let days = (period.first.to_string(), period.end.plus(-1).to_string());
    Ok(ResultsView::new(experiment, &report, days, warnings))
}

pub async fn results_json(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path((id, experiment)): Path<(String, String)>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<ResultsView>, ApiError> {
    let signed_in = signed_in?;
    let site = reachable_site(&state, &signed_in, &id).await?;
    Ok(Json(
        results_view(&state, &site, &experiment, &params).await?,
    ))
}

pub async fn results_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, experiment)): Path<(String, String)>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Html<String>, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let results = results_view(&state, &site, &experiment, &params).await?;
    Ok(render(&ResultsPage {
        shell: Some(Shell::of(&state, &signed_in, Section::Sites).await?),
        site_id: site.id.to_string(),
        domain: site.domain.as_str().to_owned(),
        results,
    }))
}

/// The list and the form, with `error` and the values sent when a definition was refused.
async fn experiments_page(
    state: &AppState,
    signed_in: &SignedIn,
    site: &Site,
    error: Option<String>,
    form: Fields,
) -> Result<ExperimentsPage, AppError> {
    let all = list_experiments(state.db(), on(site)).await?;
    let goals = list_goals(state.db(), site.id).await?;
    let rows = all
        .iter()
        .map(|experiment| ExperimentRow::new(experiment, site.domain.as_str(), &all))
        .collect();
    Ok(ExperimentsPage {
        shell: Some(Shell::of(state, signed_in, Section::Sites).await?),
        site_id: site.id.to_string(),
        domain: site.domain.as_str().to_owned(),
        experiments: rows,
        goals: goals
            .iter()
            .map(|goal| (goal.kind.key(), goal.kind.to_string()))
            .collect(),
        csrf: signed_in.csrf_token(),
        error,
        form,
    })
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let site = reachable_site(&state, &signed_in, &id).await?;
    let page = experiments_page(&state, &signed_in, &site, None, Fields::default()).await?;
    Ok(render(&page))
}

pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    let values = Fields::parse_str(&body);
    let site = reachable_site(&state, &signed_in, &id).await?;
    let refused = match ExperimentForm::read(&values) {
        Err(reason) => reason,
        Ok(definition) => match create_experiment(
            state.db(),
            &signed_in.acting,
            on(&site),
            &definition.to_string(),
        )
        .await
        {
            Ok(_) => {
                state.analytics().experiments_changed(site.id);
                return Ok(Redirect::to(&format!("/sites/{}/experiments", site.id)).into_response());
            }
            Err(ExperimentError::Store(store)) => return Err(store.into()),
            Err(ExperimentError::Audit(audit)) => return Err(audit.into()),
            Err(other) => other.to_string(),
        },
    };
    let page = experiments_page(&state, &signed_in, &site, Some(refused), values).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

pub async fn change_state(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, experiment)): Path<(String, String)>,
    body: String,
) -> Result<Response, AppError> {
    let values = Fields::parse_str(&body);
    let site = reachable_site(&state, &signed_in, &id).await?;
    // An unknown experiment is the NotFound `set_state` answers.
    let experiment = experiment_id(&experiment)?;
    let next = next_state(values.one("state"), values.one("variation").parse().ok())?;
    let moved = set_state(state.db(), &signed_in.acting, on(&site), experiment, next).await;
    match moved {
        Ok(()) => {}
        Err(ExperimentError::Store(store)) => return Err(store.into()),
        Err(ExperimentError::Audit(audit)) => return Err(audit.into()),
        Err(ExperimentError::Unknown) => return Err(AppError::NotFound),
        Err(other) => {
            let page = experiments_page(
                &state,
                &signed_in,
                &site,
                Some(other.to_string()),
                Fields::default(),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
    }
    state.analytics().experiments_changed(site.id);
    Ok(Redirect::to(&format!("/sites/{}/experiments", site.id)).into_response())
}
