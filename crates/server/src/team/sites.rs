//! The organization's sites: `GET /sites` lists them to anyone who works with sites;
//! adding and removing need [`Capability::ManageSites`].

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{
    AccountsError, Capability, SiteDomain, SiteId, add_site, list_sites, remove_site,
    set_do_not_track,
};
use serde::Deserialize;

use crate::state::AppState;
use crate::team::views::{SiteRow, SitesPage};
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::render::{render, utc};
use crate::web::shell::{Section, Shell};

async fn sites_page(
    state: &AppState,
    signed_in: &SignedIn,
    domain: String,
    error: Option<String>,
) -> Result<SitesPage, AppError> {
    let sites = list_sites(state.db(), signed_in.org())
        .await?
        .into_iter()
        .map(|s| SiteRow {
            id: s.id.to_string(),
            domain: s.domain.to_string(),
            added: utc(s.created_at),
            analytics: signed_in.member.may_on_site(Capability::Analytics, s.id),
            honours_do_not_track: s.honours_do_not_track,
        })
        .collect();
    Ok(SitesPage {
        shell: Some(Shell::of(state, signed_in, Section::Sites).await?),
        csrf: signed_in.csrf_token(),
        origin: state.public_origin(),
        sites,
        may_manage: signed_in.member.may(Capability::ManageSites),
        domain,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ViewSites).await?;
    Ok(render(&sites_page(&state, &signed_in, String::new(), None).await?).into_response())
}

#[derive(Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    domain: String,
}

pub async fn add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<SiteForm>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ManageSites).await?;
    let typed: String = form.domain.chars().take(253).collect();
    let error = match SiteDomain::parse(&typed) {
        Err(e) => e.to_string(),
        Ok(domain) => match add_site(state.db(), &signed_in.acting, &domain).await {
            Ok(_) => return Ok(Redirect::to("/sites").into_response()),
            Err(e @ AccountsError::SiteExists) => e.to_string(),
            Err(other) => return Err(other.into()),
        },
    };
    let page = sites_page(&state, &signed_in, typed, Some(error)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct PrivacyForm {
    /// `on` to honour Do Not Track and Global Privacy Control; anything else turns it off.
    #[serde(default)]
    honour: String,
}

/// Whether the site's analytics skips visitors who ask not to be tracked.
pub async fn privacy(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<PrivacyForm>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ManageSites).await?;
    let id = SiteId::parse(&id).ok_or(AppError::NotFound)?;
    let honour = form.honour == "on";
    if !set_do_not_track(state.db(), &signed_in.acting, id, honour).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/sites").into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ManageSites).await?;
    let id = SiteId::parse(&id).ok_or(AppError::NotFound)?;
    let _org = signed_in.org();
    if !remove_site(state.db(), &signed_in.acting, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/sites").into_response())
}
