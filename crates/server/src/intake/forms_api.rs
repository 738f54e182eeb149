//! The forms JSON API for owners and admins: `GET /api/forms`, `POST /api/forms`,
//! `GET /api/forms/{id}`, `PUT /api/forms/{id}`. The body of a write is
//! `{"name", "site" (a domain of the organization, or null), "published", "definition"}`, the
//! definition in the same JSON as `leadvault forms create` reads and `GET` gives back.
//!
//! A signed-in session only. A write must be `application/json` (which no cross-site form
//! can send) and carry the session's anti-CSRF token in `X-CSRF-Token`, as the builder page
//! does. Answers and errors are JSON; a refusal for want of a right is audited like any other.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{Capability, SiteDomain, site_with_domain};
use leadvault_intake::form::FormDefinition;
use leadvault_intake::{Form, FormDraft, FormId, create_form, find_form, list_forms, revise_form};
use leadvault_store::SiteId;
use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::{ApiError, AppError};

/// A form as the API shows it.
#[derive(Serialize)]
struct FormJson {
    id: String,
    name: String,
    kind: &'static str,
    site: Option<String>,
    version: i64,
    published: bool,
    /// Where people fill it in (relative when no public address is configured).
    address: String,
    definition: serde_json::Value,
}

fn form_json(state: &AppState, form: Form) -> FormJson {
    FormJson {
        address: format!("{}/f/{}", state.public_origin(), form.id),
        id: form.id.to_string(),
        kind: form.kind.name(),
        site: form.site.map(|site| site.domain),
        version: form.version,
        published: form.published,
        definition: form.definition.to_authored_json(),
        name: form.name,
    }
}

/// What a write sends.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormBody {
    name: String,
    #[serde(default)]
    site: Option<String>,
    #[serde(default = "published_by_default")]
    published: bool,
    definition: serde_json::Value,
}

fn published_by_default() -> bool {
    true
}

/// A signed-in member who may manage forms (a write's CSRF header was checked by the route's
/// guard).
async fn manager(
    state: &AppState,
    signed_in: Result<SignedIn, AppError>,
) -> Result<SignedIn, ApiError> {
    let signed_in = signed_in?;
    signed_in.require(state, Capability::ManageForms).await?;
    Ok(signed_in)
}

/// The draft a body describes, checked: the definition parsed, the site one of the
/// organization's.
async fn draft(
    state: &AppState,
    signed_in: &SignedIn,
    body: Result<Json<FormBody>, JsonRejection>,
) -> Result<FormDraft, ApiError> {
    let Json(body) = body.map_err(|rejection| AppError::Invalid(rejection.body_text()))?;
    let definition = FormDefinition::from_json(&body.definition.to_string())
        .map_err(|e| AppError::Invalid(format!("the definition: {e}")))?;
    let site = match body.site.as_deref() {
        None => None,
        Some(domain) => Some(site_named(state, signed_in, domain).await?),
    };
    Ok(FormDraft {
        name: body.name,
        site,
        published: body.published,
        definition,
    })
}

async fn site_named(
    state: &AppState,
    signed_in: &SignedIn,
    domain: &str,
) -> Result<SiteId, ApiError> {
    let unknown = || AppError::Invalid(format!("{domain} is not one of your sites"));
    let wanted = SiteDomain::parse(domain).map_err(|_| unknown())?;
    let site = site_with_domain(state.db(), signed_in.org(), &wanted).await?;
    Ok(site.ok_or_else(unknown)?.id)
}

fn form_id(text: &str) -> Result<FormId, ApiError> {
    FormId::parse(text).ok_or(ApiError(AppError::NotFound))
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
) -> Result<Response, ApiError> {
    let signed_in = manager(&state, signed_in).await?;
    let forms: Vec<FormJson> = list_forms(state.db(), signed_in.org())
        .await?
        .into_iter()
        .map(|form| form_json(&state, form))
        .collect();
    Ok(Json(serde_json::json!({ "forms": forms })).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let signed_in = manager(&state, signed_in).await?;
    let form = find_form(state.db(), signed_in.org(), form_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(form_json(&state, form)).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    body: Result<Json<FormBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let signed_in = manager(&state, signed_in).await?;
    let draft = draft(&state, &signed_in, body).await?;
    let org = signed_in.org();
    let id = create_form(state.db(), &signed_in.acting, &draft).await?;
    let form = find_form(state.db(), org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(form_json(&state, form))).into_response())
}

pub async fn revise(
    State(state): State<AppState>,
    signed_in: Result<SignedIn, AppError>,
    Path(id): Path<String>,
    body: Result<Json<FormBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let signed_in = manager(&state, signed_in).await?;
    let id = form_id(&id)?;
    let org = signed_in.org();
    // Another organization's form, or none: not found, whatever the body says.
    find_form(state.db(), org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let draft = draft(&state, &signed_in, body).await?;
    revise_form(state.db(), &signed_in.acting, id, &draft).await?;
    let form = find_form(state.db(), org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(form_json(&state, form)).into_response())
}
