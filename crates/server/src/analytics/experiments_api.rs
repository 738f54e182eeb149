//! A site's experiments through the JSON API, for members with the analytics capability on
//! the site: `GET /api/sites/{id}/experiments`, `POST /api/sites/{id}/experiments` (the
//! definition as the body; see `leadvault_analytics::ExperimentDefinition`), and
//! `POST /api/sites/{id}/experiments/{experiment}/state` (`{"state": "running" | "paused" |
//! "stopped" | "shipped", "variation": N}`). Writes carry the page's anti-CSRF token in
//! `X-CSRF-Token` and are audited.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadvault_accounts::Site;
use leadvault_analytics::{
    Experiment, ExperimentError, ExperimentState, create_experiment, list_experiments, overlaps,
    set_state,
};
use leadvault_store::Uuid;
use serde::Deserialize;

use crate::analytics::dashboard::reachable_site;
use crate::analytics::on;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::{ApiError, AppError};

/// The member and the site, once the session and the capability are checked (a write's
/// CSRF header was checked by the route's guard).
async fn site_of(
    state: &AppState,
    signed_in: Result<SignedIn, AppError>,
    id: &str,
) -> Result<(SignedIn, Site), ApiError> {
    let signed_in = signed_in?;
    let site = reachable_site(state, &signed_in, id).await?;
    Ok((signed_in, site))
}

fn json_of(experiment: &Experiment) -> serde_json::Value {
    let state = experiment.state.name();
    let shipped = match experiment.state {
        ExperimentState::Shipped(index) => Some(index),
        _ => None,
    };
    let definition = &experiment.definition;
    serde_json::json!({
        "id": experiment.id.to_string(),
        "name": definition.name,
        "state": state,
        "shipped_variation": shipped,
        "traffic": definition.traffic,
        "variations": definition.variations.iter().map(|v| serde_json::json!({
            "name": v.name, "weight": v.weight, "changes": v.changes.len(),
        })).collect::<Vec<_>>(),
    })
}

fn refused(error: ExperimentError) -> ApiError {
    match error {
        ExperimentError::Store(store) => store.into(),
        ExperimentError::Audit(audit) => audit.into(),
        ExperimentError::Unknown => ApiError(AppError::NotFound),
        other => ApiError(AppError::Invalid(other.to_string())),
    }
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, site) = site_of(&state, signed_in, &id).await?;
    let experiments = list_experiments(state.db(), on(&site)).await?;
    Ok(Json(serde_json::json!({
        "experiments": experiments.iter().map(json_of).collect::<Vec<_>>(),
    })))
}

pub async fn create(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path(id): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (signed_in, site) = site_of(&state, signed_in, &id).await?;
    let Json(body) = body.map_err(|rejection| AppError::Invalid(rejection.body_text()))?;
    let id = create_experiment(state.db(), &signed_in.acting, on(&site), &body.to_string())
        .await
        .map_err(refused)?;
    state.analytics().experiments_changed(site.id);
    let all = list_experiments(state.db(), on(&site)).await?;
    let created = all.iter().find(|e| e.id == id).ok_or(AppError::NotFound)?;
    let mut answer = json_of(created);
    answer["warnings"] = overlaps(&created.definition, id, &all)
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// The state a request asks an experiment to go to (the API's body, the page's buttons).
pub(crate) fn next_state(
    state: &str,
    variation: Option<usize>,
) -> Result<ExperimentState, AppError> {
    Ok(match (state, variation) {
        ("running", _) => ExperimentState::Running,
        ("paused", _) => ExperimentState::Paused,
        ("stopped", _) => ExperimentState::Stopped,
        ("shipped", Some(index)) => ExperimentState::Shipped(index),
        _ => {
            return Err(AppError::Invalid(
                "state is running, paused, stopped, or shipped with a variation".to_owned(),
            ));
        }
    })
}

#[derive(Debug, Deserialize)]
pub struct StateBody {
    state: String,
    variation: Option<usize>,
}

pub async fn change_state(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path((id, experiment)): Path<(String, String)>,
    body: Result<Json<StateBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (signed_in, site) = site_of(&state, signed_in, &id).await?;
    let experiment = Uuid::parse_str(&experiment).map_err(|_| AppError::NotFound)?;
    let Json(body) = body.map_err(|rejection| AppError::Invalid(rejection.body_text()))?;
    let next = next_state(&body.state, body.variation)?;
    set_state(state.db(), &signed_in.acting, on(&site), experiment, next)
        .await
        .map_err(refused)?;
    state.analytics().experiments_changed(site.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
