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
use leadvault_accounts::{Site, list_sites};
use leadvault_intake::form::{FieldErrors, FieldType, Submitted};
use leadvault_intake::{Form, FormId, POW_BITS, find_public_form};
use leadvault_store::Timestamp;

use crate::intake::consultation::{self, Received, Sent};
use crate::intake::form_token::{self, TokenProblem};
use crate::intake::form_view::{Uploads, field_views};
use crate::intake::views::{FormReceivedPage, PublicFormPage};
use crate::payments::consultation_fee::offer as fee_offer;
use crate::routes::BODY_LIMIT_BYTES;
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::headers::{FrameAncestors, LeadsToCheckout};
use crate::web::multipart;
use crate::web::render::render;

/// Field names of the page itself, never a form field's key (keys start with a letter and
/// have no leading underscore).
pub(super) const TOKEN: &str = "_token";
pub(super) const HONEYPOT: &str = "_website";
pub(super) const ACKNOWLEDGED: &str = "_health_ok";
pub(super) const EMAIL_CODE: &str = "_email_code";
pub(super) const PROOF_OF_WORK: &str = "_pow";

/// The form's first e-mail question: where the tracking code goes when asked.
pub(super) fn email_field(form: &Form) -> Option<&str> {
    form.definition
        .fields
        .iter()
        .find(|f| f.field_type == FieldType::Email)
        .map(|f| f.key.as_str())
}

/// The UTM parameters kept with a lead (plain meta data).
pub(super) const UTM: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

pub(crate) async fn published(state: &AppState, id: &str) -> Result<Form, AppError> {
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

/// What the page shows again: the answers as typed, the errors on their fields, a notice
/// above the form, and the campaign parameters it carries on.
pub(super) struct Shown<'a> {
    pub typed: Submitted,
    pub errors: FieldErrors,
    pub notice: Option<&'a str>,
    pub utm: BTreeMap<String, String>,
}

impl<'a> Shown<'a> {
    /// The answers as typed, with `notice` and no error on a field.
    pub fn notice(typed: Submitted, notice: &'a str, utm: BTreeMap<String, String>) -> Self {
        Self {
            typed,
            errors: FieldErrors::default(),
            notice: Some(notice),
            utm,
        }
    }
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
) -> Result<Sent, AppError> {
    if !multipart::is_multipart(headers) {
        let bytes = axum::body::to_bytes(body.into_body(), BODY_LIMIT_BYTES)
            .await
            .map_err(|_| AppError::Invalid("the form is too large".to_owned()))?;
        return Ok(Sent {
            fields: Fields::parse(&bytes),
            uploads: Vec::new(),
            refused_documents: Vec::new(),
        });
    }
    if !asks_for_documents(form) {
        return Err(AppError::Invalid("this form takes no documents".to_owned()));
    }
    let mut multipart = multipart::parts(body, state, form).await?;
    let token = multipart::first_part(&mut multipart, TOKEN).await?;
    // Forged or foreign: refused before any document is read. Sent too fast (a bot), the
    // documents are not received at all; the page answers below like any other encoding.
    let min_fill = state.options().form_min_fill;
    let checked =
        form_token::check(state.keyring(), form.id, &token, Timestamp::now(), min_fill).await?;
    if checked == Err(TokenProblem::Invalid) {
        return Err(AppError::CsrfRejected);
    }
    let gate = multipart::Gate {
        take_documents: checked.is_ok(),
        honeypot: Some(HONEYPOT),
    };
    let sent = multipart::read_rest(state, form, multipart, gate).await?;
    let mut pairs = vec![(TOKEN.to_owned(), token)];
    pairs.extend(
        sent.fields
            .pairs()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    Ok(Sent {
        fields: Fields::from_pairs(pairs),
        uploads: sent.uploads,
        refused_documents: sent.refused,
    })
}

/// `POST /f/{form}`: a consultation request, received by [`consultation::receive`].
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
    let sent = read_body(&state, &form, &headers, body).await?;
    match consultation::receive(&state, &form, sent, Timestamp::now()).await? {
        Received::Refused(shown) => {
            page(&state, &form, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Received::Stored {
            receipt,
            emailed,
            sites,
        } => {
            // A form with a fee offers Stripe's Checkout; the lead is stored either way.
            let fee = fee_offer(&state, &form, receipt.lead_id, Timestamp::now()).await;
            let offers_checkout = fee.is_some();
            let mut response = render(&FormReceivedPage {
                name: form.name.clone(),
                form_id: form.id.to_string(),
                code: receipt.tracking_code.display(),
                emailed,
                fee,
            })
            .into_response();
            response.extensions_mut().insert(framing(&form, &sites));
            if offers_checkout {
                response.extensions_mut().insert(LeadsToCheckout);
            }
            Ok(response)
        }
    }
}
