//! Leads for staff: `GET /leads` (no personal data: the list decrypts nothing),
//! `GET /leads/{id}` (decrypted as far as the field-visibility policy allows, and audited),
//! and the status and assignment forms. Intake staff, owners and admins work every lead;
//! attorneys only those assigned to them.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{Capability, list_members, list_sites};
use leadvault_intake::form::FormKind;
use leadvault_intake::{
    Holder, IntakeError, LeadAccess, LeadId, NoteText, assign_lead, inbox, lead_summary,
    list_forms, open_lead, pipeline, set_status,
};
use serde::Deserialize;

use crate::intake::inbox::{Choices, InboxParams, leads_page};
use crate::intake::lead_page::{self, LeadViewer, may_be_given};
use crate::intake::order_view::download;
use crate::intake::reach::lead_access;
use crate::intake::views::LeadPage;
use crate::payments::panel::lead_panel;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::denial::Needed;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

/// How far this member's access to leads reaches (their role, then their sites); a refusal
/// (audited) for everyone else.
pub(crate) async fn access(state: &AppState, signed_in: &SignedIn) -> Result<LeadAccess, AppError> {
    let member = &signed_in.member;
    match lead_access(member.role, &member.scope, member.user_id) {
        Some(access) => Ok(access),
        None => Err(signed_in.refuse(state, Needed::WorkLeads).await),
    }
}

pub(crate) fn lead_id(text: &str) -> Result<LeadId, AppError> {
    LeadId::parse(text).ok_or(AppError::NotFound)
}

/// The lead inbox: filters and the page's start from the URL; a page of leads (nothing
/// decrypted), counts per status, links that keep the filters.
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let (params, refused) = InboxParams::from_address(params);
    inbox_page(&state, &signed_in, &access, params, refused).await
}

/// `POST /leads/search`: the inbox found by an e-mail address or phone number (within the
/// filters the form carried). Posted, so that what was searched stays out of URLs.
pub async fn search(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let params = Fields::parse(&body)
        .pairs()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    inbox_page(&state, &signed_in, &access, InboxParams::new(params), None).await
}

/// The inbox for `params`; with `refused`, the reason something asked of this view (an
/// export) was refused, shown with a 422.
pub(crate) async fn inbox_page(
    state: &AppState,
    signed_in: &SignedIn,
    access: &LeadAccess,
    params: InboxParams,
    refused: Option<String>,
) -> Result<Response, AppError> {
    let (db, org) = (state.db(), signed_in.org());
    let pipeline = pipeline(db, org).await?;
    let mut forms = list_forms(db, org).await?;
    forms.retain(|form| form.kind == FormKind::Consultation);
    let sites = list_sites(db, org).await?;
    let members = list_members(db, org).await?;
    let choices = Choices {
        pipeline: &pipeline,
        forms: &forms,
        sites: &sites,
        members: &members,
        triages: access.triages(),
        exports: signed_in.member.role.grants(Capability::ExportLeads),
    };
    let me = signed_in.member.user_id.as_uuid();
    let shell = Shell::of(state, signed_in, Section::Leads).await?;
    let found = match params.query(me, signed_in.acting.now) {
        Ok(query) => inbox(db, state.keyring(), &signed_in.acting, access, &query)
            .await
            .map_err(|e| match e {
                IntakeError::Invalid(problem) => Ok(problem),
                other => Err(other),
            }),
        Err(problem) => Err(Ok(problem)),
    };
    match (found, refused) {
        (Ok(page), None) => {
            let page = leads_page(&params, Some(page), &choices, shell, None);
            Ok(render(&page).into_response())
        }
        (Ok(page), Some(problem)) => {
            let page = leads_page(&params, Some(page), &choices, shell, Some(problem));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        (Err(Ok(problem)), _) => {
            let page = leads_page(&params, None, &choices, shell, Some(problem));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        (Err(Err(other)), _) => Err(other.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let page = lead_page(&state, &signed_in, &access, lead_id(&id)?, None).await?;
    Ok(render(&page).into_response())
}

/// A lead's page: reading it is an audited decryption.
async fn lead_page(
    state: &AppState,
    signed_in: &SignedIn,
    access: &LeadAccess,
    lead: LeadId,
    error: Option<String>,
) -> Result<LeadPage, AppError> {
    let file = open_lead(state.vault(), &signed_in.acting, lead, access).await?;
    let members = list_members(state.db(), signed_in.org()).await?;
    let viewer = LeadViewer {
        shell: Shell::of(state, signed_in, Section::Leads).await?,
        csrf: signed_in.csrf_token(),
        triages: access.triages(),
        error,
        now: signed_in.acting.now,
    };
    let form_id = file.lead.form_id;
    let mut page = lead_page::lead_page(file, &members, viewer);
    let may_refund = signed_in.member.may(Capability::Billing);
    page.payment = lead_panel(state, signed_in.org(), form_id, lead, may_refund).await?;
    Ok(page)
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn change_status(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let lead = lead_id(&id)?;
    let changed = set_status(state.db(), &signed_in.acting, lead, &access, &form.status).await;
    if changed.is_ok() {
        state.wake_webhooks();
    }
    after_change(&state, &signed_in, &access, lead, changed).await
}

/// What a change to a lead answers: back to the lead once made; the lead again with the
/// reason (422) when it was refused as invalid.
pub(crate) async fn after_change<T>(
    state: &AppState,
    signed_in: &SignedIn,
    access: &LeadAccess,
    lead: LeadId,
    change: Result<T, IntakeError>,
) -> Result<Response, AppError> {
    match change {
        Ok(_) => Ok(Redirect::to(&format!("/leads/{lead}")).into_response()),
        Err(IntakeError::Invalid(message)) => {
            let page = lead_page(state, signed_in, access, lead, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    attorney: String,
}

pub async fn assign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    if !access.triages() {
        return Err(signed_in.refuse(&state, Needed::AssignLeads).await);
    }
    let lead = lead_id(&id)?;
    let summary = lead_summary(state.db(), signed_in.acting.org, lead, &access).await?;
    // Only an attorney of this organization who could read the lead can be given it.
    let attorney = list_members(state.db(), signed_in.acting.org)
        .await?
        .into_iter()
        .find(|m| may_be_given(m, summary.site_id) && m.user_id.to_string() == form.attorney.trim())
        .ok_or(AppError::NotFound)?;
    assign_lead(
        state.db(),
        &signed_in.acting,
        lead,
        &access,
        attorney.user_id.as_uuid(),
    )
    .await?;
    Ok(Redirect::to(&format!("/leads/{lead}")).into_response())
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// Adds a note to a lead the member can work; a note that cannot be kept shows the lead
/// again with the reason.
pub async fn add_note(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let lead = lead_id(&id)?;
    let added = match NoteText::parse(&form.note) {
        Ok(text) => {
            leadvault_intake::add_note(state.vault(), &signed_in.acting, lead, &access, &text).await
        }
        Err(refused) => Err(refused),
    };
    after_change(&state, &signed_in, &access, lead, added).await
}

pub async fn download_document(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let holder = Holder::Lead(&access);
    download(&state, &signed_in.acting, &id, holder).await
}
