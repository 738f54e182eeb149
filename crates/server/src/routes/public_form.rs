//! The public page of a form, `GET/POST /f/{form}`: what a firm puts on its site, directly
//! or framed by the embed script (only its own sites may frame it). Works without
//! JavaScript: the server checks everything and shows the page again with an error on each
//! field that needs one, keeping what was typed. A submission that passes gets its tracking
//! code, shown once.
//!
//! Spam is kept out without a third-party captcha: a honeypot field people never see, a
//! signed page token that also gives the minimum fill time, and a per-IP rate limit.

use std::collections::BTreeMap;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{
    Capability, MemberSummary, Site, list_sites, members_and_sites, organization_name,
};
use leadvault_intake::form::{FieldErrors, FieldType, Submitted, check_answers};
use leadvault_intake::{
    Form, FormId, IntakeError, LeadAccess, Origin, POW_BITS, Submission, TrackingCode, Upload,
    find_public_form, proof_of_work_ok, submit_lead,
};
use leadvault_mail::{SealedMail, seal};
use leadvault_store::Timestamp;

use crate::client_ip::ClientIp;
use crate::csrf;
use crate::error::AppError;
use crate::form_token::{self, TokenProblem};
use crate::headers::FrameAncestors;
use crate::mails;
use crate::observe;
use crate::pages::{FormReceivedPage, PublicFormPage, render};
use crate::reach::attorney_access;
use crate::routes::BODY_LIMIT_BYTES;
use crate::routes::form_view::{Uploads, field_views};
use crate::routes::forms::Fields;
use crate::routes::multipart_form;
use crate::state::AppState;

/// Field names of the page itself, never a form field's key (keys start with a letter and
/// have no leading underscore).
const TOKEN: &str = "_token";
const HONEYPOT: &str = "_website";
const ACKNOWLEDGED: &str = "_health_ok";
const EMAIL_CODE: &str = "_email_code";
const PROOF_OF_WORK: &str = "_pow";

/// The form's first e-mail question: where the tracking code goes when asked.
fn email_field(form: &Form) -> Option<&str> {
    form.definition
        .fields
        .iter()
        .find(|f| f.field_type == FieldType::Email)
        .map(|f| f.key.as_str())
}

/// The tracking code e-mailed to the address the person gave, when they asked and e-mail is
/// set up; sealed for the outbox, so it is queued with the lead or not at all.
async fn code_mail(
    state: &AppState,
    form: &Form,
    address: Option<&str>,
    code: &TrackingCode,
    now: Timestamp,
) -> Result<Option<SealedMail>, AppError> {
    let (Some(public), Some(address)) = (state.mail_links(), address) else {
        return Ok(None);
    };
    let org_name = organization_name(state.db(), form.org_id)
        .await?
        .unwrap_or_default();
    let link = format!("{public}/track");
    // An address the form accepted but mail cannot take is not e-mailed; the page says so.
    let Ok(mail) = mails::tracking_code(address, &org_name, &form.name, &code.display(), &link)
    else {
        return Ok(None);
    };
    let sealed = seal(state.keyring(), &mail, now)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Some(sealed))
}

/// The UTM parameters kept with a lead (plain meta data).
const UTM: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

async fn published(state: &AppState, id: &str) -> Result<Form, AppError> {
    let id = FormId::parse(id).ok_or(AppError::NotFound)?;
    find_public_form(state.db(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Who may frame this form: its site, or, for a form of the whole organization, every site
/// of the organization.
async fn frame_ancestors(state: &AppState, form: &Form) -> Result<FrameAncestors, AppError> {
    if form.site.is_some() {
        return Ok(framing(form, &[]));
    }
    Ok(framing(form, &list_sites(state.db(), form.org_id).await?))
}

/// [`frame_ancestors`], the organization's `sites` known (read for a form without a site).
fn framing(form: &Form, sites: &[Site]) -> FrameAncestors {
    match &form.site {
        Some(site) => FrameAncestors::domains([site.domain.as_str()]),
        None => FrameAncestors::domains(sites.iter().map(|site| site.domain.as_str())),
    }
}

struct Shown<'a> {
    typed: Submitted,
    errors: FieldErrors,
    notice: Option<&'a str>,
    utm: BTreeMap<String, String>,
}

async fn page(
    state: &AppState,
    form: &Form,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let token = form_token::issue(state.keyring(), form.id, Timestamp::now()).await?;
    let page = PublicFormPage {
        form_id: form.id.to_string(),
        name: form.name.clone(),
        token,
        fields: field_views(
            form,
            &shown.typed,
            &shown.errors,
            if asks_for_documents(form) {
                Uploads::Asked
            } else {
                Uploads::Left
            },
        ),
        takes_documents: asks_for_documents(form),
        notice: shown.notice.map(str::to_owned),
        error_count: shown.errors.errors.len(),
        health_warning: shown.errors.health_warning_only,
        utm: shown.utm.into_iter().collect(),
        offers_code_mail: state.mail_links().is_some() && email_field(form).is_some(),
        pow_bits: if form.definition.proof_of_work {
            POW_BITS
        } else {
            0
        },
    };
    let mut response = (status, render(&page)).into_response();
    response
        .extensions_mut()
        .insert(frame_ancestors(state, form).await?);
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    state.limits().public_form_pages.check(&ip)?;
    let form = published(&state, &id).await?;
    // UTM parameters of the page's address travel with the form as hidden fields.
    let utm = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, v)| UTM.contains(&k.as_ref()) && v.len() <= 200)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let shown = Shown {
        typed: Submitted::new(),
        errors: FieldErrors::default(),
        notice: None,
        utm,
    };
    page(&state, &form, shown, StatusCode::OK).await
}

/// "A new request is waiting" for everyone who works the organization's leads, sealed for
/// the outbox, when e-mail is configured. Nothing from the submission is in it.
async fn notifications(
    state: &AppState,
    form: &Form,
    members: &[MemberSummary],
    now: Timestamp,
) -> Result<Vec<SealedMail>, AppError> {
    let Some(public) = state.mail_links().cloned() else {
        return Ok(Vec::new());
    };
    let link = format!("{public}/leads");
    let mut sealed = Vec::new();
    for member in members {
        if member.role.grants(Capability::WorkAllLeads) {
            let mail = mails::new_lead(&member.email, &form.name, &link)?;
            sealed.push(
                seal(state.keyring(), &mail, now)
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            );
        }
    }
    Ok(sealed)
}

/// Whether the form's owner asked for documents (a file field): then the page is sent as
/// `multipart/form-data`, and only then are documents taken.
fn asks_for_documents(form: &Form) -> bool {
    form.definition
        .fields
        .iter()
        .any(|f| f.field_type == FieldType::File)
}

/// The fields, documents and refused documents of a submission, from either encoding a
/// page can use. Documents are read only for a form that asks for them, and only after the
/// page token, which must come first, proved to be one this server issued for this form.
async fn read_body(
    state: &AppState,
    form: &Form,
    headers: &HeaderMap,
    body: Request,
) -> Result<(Fields, Vec<Upload>, Vec<(String, String)>), AppError> {
    if !multipart_form::is_multipart(headers) {
        let bytes = axum::body::to_bytes(body.into_body(), BODY_LIMIT_BYTES)
            .await
            .map_err(|_| AppError::Invalid("the form is too large".to_owned()))?;
        return Ok((Fields::parse(&bytes), Vec::new(), Vec::new()));
    }
    if !asks_for_documents(form) {
        return Err(AppError::Invalid("this form takes no documents".to_owned()));
    }
    let mut multipart = multipart_form::parts(body, state, form).await?;
    let token = multipart_form::first_part(&mut multipart, TOKEN).await?;
    // Forged or foreign: refused before any document is read. Sent too fast (a bot), the
    // documents are not received at all; the page answers below like any other encoding.
    let min_fill = state.options().form_min_fill;
    let checked =
        form_token::check(state.keyring(), form.id, &token, Timestamp::now(), min_fill).await?;
    if checked == Err(TokenProblem::Invalid) {
        return Err(AppError::CsrfRejected);
    }
    let gate = multipart_form::Gate {
        take_documents: checked.is_ok(),
        honeypot: Some(HONEYPOT),
    };
    let sent = multipart_form::read_rest(state, form, multipart, gate).await?;
    let mut pairs = vec![(TOKEN.to_owned(), token)];
    pairs.extend(
        sent.fields
            .pairs()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    Ok((Fields::from_pairs(pairs), sent.uploads, sent.refused))
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Request,
) -> Result<Response, AppError> {
    state.limits().public_form_submissions.check(&ip)?;
    csrf::check_origin(&headers)?;
    let form = published(&state, &id).await?;
    let (fields, uploads, refused_documents) = read_body(&state, &form, &headers, body).await?;
    let mut typed = Submitted::new();
    let mut utm = BTreeMap::new();
    for (name, value) in fields.pairs() {
        if UTM.contains(&name) && value.len() <= 200 {
            utm.insert(name.to_owned(), value.to_owned());
        } else if !name.starts_with('_') && form.definition.field(name).is_some() {
            typed
                .entry(name.to_owned())
                .or_default()
                .push(value.to_owned());
        }
    }
    let now = Timestamp::now();
    let refused = |notice| Shown {
        typed: typed.clone(),
        errors: FieldErrors::default(),
        notice: Some(notice),
        utm: utm.clone(),
    };
    if !fields.one(HONEYPOT).is_empty() {
        let shown = refused("This form could not be accepted. Please try again.");
        return page(&state, &form, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let min_fill = state.options().form_min_fill;
    match form_token::check(state.keyring(), form.id, fields.one(TOKEN), now, min_fill).await? {
        Ok(()) => {}
        Err(TokenProblem::Invalid) => return Err(AppError::CsrfRejected),
        Err(TokenProblem::TooFast) => {
            let shown = refused(
                "That was quicker than a person can fill in a form. Please check your answers and send again.",
            );
            return page(&state, &form, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(TokenProblem::Expired) => {
            let shown = refused(
                "This page was open for a long time. Please check your answers and send again.",
            );
            return page(&state, &form, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    }
    let token = fields.one(TOKEN);
    if form.definition.proof_of_work && !proof_of_work_ok(token, fields.one(PROOF_OF_WORK)) {
        let shown = refused(
            "Your browser could not confirm that a person is sending this form. Please make sure JavaScript is on, and send again.",
        );
        return page(&state, &form, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let acknowledged = fields.one(ACKNOWLEDGED) == "yes";
    let checked = check_answers(&form.definition, &typed, acknowledged);
    // Documents of questions the answers leave hidden are not kept; on any refusal below,
    // the documents received go with `uploads`: nothing is kept.
    let mut uploads = uploads;
    let checked = multipart_form::with_documents(&form, checked, &mut uploads, &refused_documents);
    let answers = match checked {
        Ok(answers) => answers,
        Err(errors) => {
            if !errors.findings.is_empty() {
                // The kinds found, never the values: for the operator's statistics.
                let kinds: Vec<&str> = errors.findings.iter().map(|f| f.name()).collect();
                tracing::info!(target: "security", form_id = %form.id, ?kinds, "prohibited data refused");
            }
            for key in &errors.cleared {
                typed.remove(key.as_str());
            }
            let shown = Shown {
                typed,
                errors,
                notice: None,
                utm,
            };
            return page(&state, &form, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (members, sites) = members_and_sites(state.db(), form.org_id, form.site.is_none()).await?;
    let mut notify = notifications(&state, &form, &members, now).await?;
    let tracking_code = TrackingCode::generate().map_err(|e| AppError::Internal(e.to_string()))?;
    let wanted = fields.one(EMAIL_CODE) == "yes";
    let address = email_field(&form).and_then(|key| answers.get(key));
    let emailed = match code_mail(
        &state,
        &form,
        address.filter(|_| wanted),
        &tracking_code,
        now,
    )
    .await?
    {
        Some(mail) => {
            notify.push(mail);
            true
        }
        None => false,
    };
    let attorneys: Vec<LeadAccess> = members
        .iter()
        .filter_map(|m| attorney_access(m.role, &m.scope, m.user_id))
        .collect();
    let submission = Submission {
        origin: Origin { utm: utm.clone() },
        request_id: observe::anonymous().request_id,
        notify: &notify,
        attorneys: &attorneys,
        tracking_code: Some(tracking_code),
        page_token: Some(token),
        uploads: &uploads,
        documents: Some(state.documents()),
    };
    let receipt = match submit_lead(
        state.db(),
        state.keyring(),
        &form,
        &answers,
        &submission,
        now,
    )
    .await
    {
        Ok(receipt) => receipt,
        Err(IntakeError::PageUsed) => {
            let shown = refused(
                "This page was already used to send a request, which we received. To send another, fill in the form again.",
            );
            return page(&state, &form, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(other) => return Err(other.into()),
    };
    if !notify.is_empty() {
        state.wake_mail();
    }
    state.wake_webhooks();
    tracing::info!(form_id = %form.id, lead_id = %receipt.lead_id, "consultation received");
    let mut response = render(&FormReceivedPage {
        name: form.name.clone(),
        form_id: form.id.to_string(),
        code: receipt.tracking_code.display(),
        emailed,
    })
    .into_response();
    response.extensions_mut().insert(framing(&form, &sites));
    Ok(response)
}
