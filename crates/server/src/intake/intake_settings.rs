//! `/settings/intake`, for owners and admins: the organization's pipeline states and the
//! assignment rules that give new leads to attorneys in turn. The page also shows the
//! webhook endpoints, whose changes `webhook_settings` handles. Each change is audited by the
//! intake crate; a change that cannot be made shows the page again with the reason.

use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{Capability, MemberSummary, list_members, list_sites};
use leadvault_intake::{
    IntakeError, Move, NewRule, Pipeline, RuleId, add_rule, contact_target, list_rules, move_rule,
    pipeline, remove_rule, set_pipeline,
};
use leadvault_store::SiteId;
use leadvault_webhooks::{list_endpoints, recent_deliveries};

use crate::intake::contact_target_settings::target_form;
use crate::intake::reach::attorney_access;
use crate::intake::views::{DeliveryRow, IntakeSettingsPage, RuleRow};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::render::{render, utc};
use crate::web::shell::{Section, Shell};

pub(super) const PAGE: &str = "/settings/intake";

pub(super) async fn settings_page(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> Result<Response, AppError> {
    page_with(state, signed_in, error, None).await
}

/// The page; `new_secret` is a just-added endpoint's signing secret, shown this once.
pub(super) async fn page_with(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
    new_secret: Option<String>,
) -> Result<Response, AppError> {
    let org = signed_in.org();
    let members = list_members(state.db(), org).await?;
    let email = |user: &leadvault_store::Uuid| {
        members
            .iter()
            .find(|m| m.user_id.as_uuid() == *user)
            .map_or_else(|| "(no longer a member)".to_owned(), |m| m.email.clone())
    };
    let sites = list_sites(state.db(), org).await?;
    let domain = |site: Option<SiteId>| match site {
        None => "any site".to_owned(),
        Some(id) => sites
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| "a removed site".to_owned(), |s| s.domain.to_string()),
    };
    let rules = list_rules(state.db(), org)
        .await?
        .into_iter()
        .map(|rule| RuleRow {
            id: rule.id.to_string(),
            site: domain(rule.site),
            answer: rule.answer.map(|a| format!("“{}” is “{}”", a.key, a.value)),
            attorneys: rule.attorneys.iter().map(email).collect(),
        })
        .collect();
    let labels: Vec<String> = pipeline(state.db(), org)
        .await?
        .stages()
        .iter()
        .skip(1)
        .map(|s| s.label.clone())
        .collect();
    let endpoints = list_endpoints(state.db(), org)
        .await?
        .into_iter()
        .map(|e| (e.id, e.url, utc(e.created_at)))
        .collect();
    let deliveries = recent_deliveries(state.db(), org, 20)
        .await?
        .into_iter()
        .map(|d| DeliveryRow {
            at: utc(d.created_at),
            event: d.event_type,
            state: d.state,
            attempts: d.attempts,
            result: d.last_result.unwrap_or_default(),
        })
        .collect();
    let page = IntakeSettingsPage {
        shell: Some(Shell::of(state, signed_in, Section::IntakeSettings).await?),
        endpoints,
        deliveries,
        new_secret,
        csrf: signed_in.csrf_token(),
        error: error.clone(),
        states: labels.join("\n"),
        target: target_form(contact_target(state.db(), org).await?),
        rules,
        sites: sites
            .iter()
            .map(|s| (s.id.to_string(), s.domain.to_string()))
            .collect(),
        attorneys: members
            .iter()
            .filter(|m| is_attorney(m))
            .map(|m| (m.user_id.to_string(), m.email.clone()))
            .collect(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

fn is_attorney(member: &MemberSummary) -> bool {
    attorney_access(member.role, &member.scope, member.user_id).is_some()
}

/// A successful change goes back to the page; a refused one shows why.
pub(super) async fn outcome(
    state: &AppState,
    signed_in: &SignedIn,
    result: Result<(), IntakeError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(PAGE).into_response()),
        Err(IntakeError::Invalid(reason)) => settings_page(state, signed_in, Some(reason)).await,
        Err(other) => Err(other.into()),
    }
}

/// A form of this page, read once its token and the member's right are checked.
pub(super) async fn settings_form(
    state: &AppState,
    signed_in: &SignedIn,
    body: &[u8],
) -> Result<Fields, AppError> {
    let fields = Fields::parse(body);
    signed_in.require(state, Capability::SetUpIntake).await?;
    Ok(fields)
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::SetUpIntake).await?;
    settings_page(&state, &signed_in, None).await
}

pub async fn change_pipeline(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = settings_form(&state, &signed_in, &body).await?;
    let result = match Pipeline::from_labels(fields.one("states").lines()) {
        Ok(pipeline) => {
            let _org = signed_in.org();
            set_pipeline(state.db(), &signed_in.acting, &pipeline).await
        }
        Err(refused) => Err(refused),
    };
    outcome(&state, &signed_in, result).await
}

pub async fn add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = settings_form(&state, &signed_in, &body).await?;
    let org = signed_in.org();
    let members = list_members(state.db(), org).await?;
    // Only the organization's attorneys can be chosen; anything else is refused by name.
    let mut attorneys = Vec::new();
    for chosen in fields.all("attorney") {
        match members
            .iter()
            .find(|m| is_attorney(m) && m.user_id.to_string() == chosen)
        {
            Some(member) => attorneys.push(member.user_id.as_uuid()),
            None => {
                let reason = "choose attorneys of this organization".to_owned();
                return settings_page(&state, &signed_in, Some(reason)).await;
            }
        }
    }
    let site = match fields.one("site") {
        "" => None,
        chosen => Some(SiteId::parse(chosen).ok_or(AppError::NotFound)?),
    };
    let answer = match (fields.one("field_key").trim(), fields.one("field_value")) {
        ("", _) => None,
        (key, value) => Some((key, value)),
    };
    let result = match NewRule::new(site, answer, attorneys) {
        Ok(rule) => add_rule(state.db(), &signed_in.acting, &rule)
            .await
            .map(|_| ()),
        Err(refused) => Err(refused),
    };
    outcome(&state, &signed_in, result).await
}

pub async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    settings_form(&state, &signed_in, &body).await?;
    let rule = RuleId::parse(&id).ok_or(AppError::NotFound)?;
    let _org = signed_in.org();
    remove_rule(state.db(), &signed_in.acting, rule).await?;
    Ok(Redirect::to(PAGE).into_response())
}

/// Moves a rule one place up or down (`direction`: `up` or `down`).
pub async fn move_one(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = settings_form(&state, &signed_in, &body).await?;
    let rule = RuleId::parse(&id).ok_or(AppError::NotFound)?;
    let direction = match fields.one("direction") {
        "up" => Move::Up,
        "down" => Move::Down,
        _ => return Err(AppError::Invalid("move a rule up or down".to_owned())),
    };
    move_rule(state.db(), &signed_in.acting, rule, direction).await?;
    Ok(Redirect::to(PAGE).into_response())
}
