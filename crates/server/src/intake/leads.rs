//! Leads for staff: `GET /leads` (no personal data: the list decrypts nothing),
//! `GET /leads/{id}` (decrypted as far as the field-visibility policy allows, and audited),
//! and the status and assignment forms. Intake staff, owners and admins work every lead;
//! attorneys only those assigned to them.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::list_members;
use leadvault_intake::{
    Holder, LeadAccess, LeadId, NoteText, assign_lead, lead_summary, list_leads, open_lead,
    pipeline, set_status,
};
use serde::Deserialize;

use crate::intake::lead_page::{self, LeadViewer, may_be_given};
use crate::intake::order_view::download;
use crate::intake::reach::lead_access;
use crate::intake::views::{LeadPage, LeadRow, LeadsPage};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::denial::Needed;
use crate::web::error::AppError;
use crate::web::render::{render, utc};

/// How far this member's access to leads reaches (their role, then their sites); a refusal
/// (audited) for everyone else.
async fn access(state: &AppState, signed_in: &SignedIn) -> Result<LeadAccess, AppError> {
    let member = &signed_in.member;
    match lead_access(member.role, &member.scope, member.user_id) {
        Some(access) => Ok(access),
        None => Err(signed_in.refuse(state, Needed::WorkLeads).await),
    }
}

fn lead_id(text: &str) -> Result<LeadId, AppError> {
    LeadId::parse(text).ok_or(AppError::NotFound)
}

/// Member e-mail addresses by user id, to name assignees and actors.
async fn member_emails(
    state: &AppState,
    signed_in: &SignedIn,
) -> Result<HashMap<String, String>, AppError> {
    Ok(list_members(state.db(), signed_in.org())
        .await?
        .into_iter()
        .map(|m| (m.user_id.to_string(), m.email))
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let org = signed_in.org();
    let emails = member_emails(&state, &signed_in).await?;
    let stages = pipeline(state.db(), org).await?;
    let leads = list_leads(state.db(), org, &access, 200)
        .await?
        .into_iter()
        .map(|lead| LeadRow {
            id: lead.id.to_string(),
            form: lead.form_name,
            status: stages.label_of(&lead.status),
            assigned: lead
                .assigned_to
                .and_then(|a| emails.get(&a.to_string()).cloned())
                .unwrap_or_default(),
            received: utc(lead.created_at),
        })
        .collect();
    Ok(render(&LeadsPage { leads }).into_response())
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
        csrf: signed_in.csrf_token(),
        triages: access.triages(),
        error,
    };
    Ok(lead_page::lead_page(file, &members, viewer))
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
    match set_status(state.db(), &signed_in.acting, lead, &access, &form.status).await {
        Ok(()) => {
            state.wake_webhooks();
            Ok(Redirect::to(&format!("/leads/{lead}")).into_response())
        }
        Err(leadvault_intake::IntakeError::Invalid(message)) => {
            let page = lead_page(&state, &signed_in, &access, lead, Some(message)).await?;
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
    match added {
        Ok(_) => Ok(Redirect::to(&format!("/leads/{lead}")).into_response()),
        Err(leadvault_intake::IntakeError::Invalid(message)) => {
            let page = lead_page(&state, &signed_in, &access, lead, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
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
