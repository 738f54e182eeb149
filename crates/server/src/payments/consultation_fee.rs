//! Paying a consultation's fee: after a lead is stored, the thank-you page offers Stripe's
//! Checkout when the form carries a fee (the lead is stored whether or not they pay). The
//! visitor is not signed in, so the offer carries a pay token instead:
//!
//! `token = lead id "." expires "." hex(crypto::mac(key, "leadvault/consultation-fee/v1",
//! form id ‖ 0 ‖ lead id ‖ 0 ‖ expires))`, with the installation's token key (as the form
//! page's token). It names a lead, and only lets its fee be paid; the amount is the form's
//! fee at the time of paying, from the price list.

use axum::extract::{Path, RawForm, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_audit::{Acting, Actor, By};
use leadvault_crypto::{from_hex, mac, mac_matches, to_hex};
use leadvault_intake::{Form, FormId, LeadId};
use leadvault_payments::{
    CheckoutRequest, Money, PaymentError, Subject, consultation_fee, start_checkout,
};
use leadvault_store::Timestamp;

use crate::intake::form_token::key;
use crate::payments::views::FeePaidPage;
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::observe::current_request_id;
use crate::web::render::render;

const DOMAIN: &[u8] = b"leadvault/consultation-fee/v1";
/// How long the offer stands after the form was sent.
const VALID_SECONDS: i64 = 24 * 3600;

fn message(form: FormId, lead: LeadId, expires: i64) -> Vec<u8> {
    format!("{form}\0{lead}\0{expires}").into_bytes()
}

/// The fee of `form` when its organization takes payments, else `None`.
async fn fee_of(state: &AppState, form: &Form) -> Result<Option<Money>, AppError> {
    Ok(consultation_fee(state.db(), form.org_id, form.id).await?)
}

/// What the thank-you page offers: the form's fee and the token to pay it for `lead`, if
/// the form has one. The lead is stored already: a failure here is logged and the page
/// shown without the offer, never an error that would make the person send it again.
pub(crate) async fn offer(
    state: &AppState,
    form: &Form,
    lead: LeadId,
    now: Timestamp,
) -> Option<(String, String)> {
    let offered = async {
        match fee_of(state, form).await? {
            Some(fee) => Ok::<_, AppError>(Some((
                fee.to_string(),
                issue(state, form.id, lead, now).await?,
            ))),
            None => Ok(None),
        }
    };
    offered.await.unwrap_or_else(|err| {
        tracing::warn!(form_id = %form.id, error = %err, "the consultation fee could not be offered");
        None
    })
}

/// A token to pay for `lead`, sent through `form`, for the next day.
async fn issue(
    state: &AppState,
    form: FormId,
    lead: LeadId,
    now: Timestamp,
) -> Result<String, AppError> {
    let expires = now.as_unix_micros() / 1_000_000 + VALID_SECONDS;
    let tag = mac(
        &key(state.keyring(), now).await?,
        DOMAIN,
        &message(form, lead, expires),
    );
    Ok(format!("{lead}.{expires}.{}", to_hex(&tag)))
}

/// The lead a token names, if it is this form's, genuine and not expired.
async fn check(
    state: &AppState,
    form: FormId,
    token: &str,
    now: Timestamp,
) -> Result<Option<LeadId>, AppError> {
    let mut parts = token.splitn(3, '.');
    let (Some(lead), Some(expires), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (Some(lead), Ok(expires), Some(tag)) =
        (LeadId::parse(lead), expires.parse::<i64>(), from_hex(tag))
    else {
        return Ok(None);
    };
    let key = key(state.keyring(), now).await?;
    let genuine = mac_matches(&key, DOMAIN, &message(form, lead, expires), &tag);
    Ok((genuine && now.as_unix_micros() / 1_000_000 <= expires).then_some(lead))
}

/// `POST /f/{form}/pay`: sends the visitor to Stripe to pay the form's fee for their lead.
pub async fn pay(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    state.limits().public_form_submissions.check(&ip)?;
    crate::web::csrf::check_origin(&headers)?;
    let form = crate::intake::public_form::published(&state, &id).await?;
    let now = Timestamp::now();
    let fields = Fields::parse(&body);
    let Some(lead) = check(&state, form.id, fields.one("token"), now).await? else {
        return Err(AppError::Invalid(
            "this payment link is not valid any more; the firm has your request and will be in touch"
                .into(),
        ));
    };
    let Some(fee) = fee_of(&state, &form).await? else {
        return Err(AppError::Invalid("this form takes no fee any more".into()));
    };
    let origin = crate::payments::checkout::origin(&state, &headers);
    let return_url = format!("{origin}/f/{}/paid", form.id);
    let description = format!("Consultation fee: {}", form.name);
    let acting = Acting::new(
        form.org_id,
        By::new(Actor::Anonymous, current_request_id().map(|r| r.0)),
        now,
    );
    let request = CheckoutRequest {
        subject: Subject::Lead(lead),
        amount: fee,
        description: &description,
        return_url: &return_url,
    };
    match start_checkout(
        state.db(),
        state.keyring(),
        state.stripe(),
        &acting,
        &request,
    )
    .await
    {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(PaymentError::AlreadyPaid) => {
            Ok(render(&FeePaidPage { name: form.name }).into_response())
        }
        Err(PaymentError::Stripe(err)) => {
            tracing::warn!(error = %err, "checkout of a consultation fee could not start");
            Err(AppError::Invalid(
                "the payment page could not be opened just now; your request is saved, so try again in a moment".into(),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /f/{form}/paid`: where Stripe sends the visitor back. What was paid is recorded
/// from Stripe's webhooks, not from reaching this page.
pub async fn paid(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let form = crate::intake::public_form::published(&state, &id).await?;
    Ok(render(&FeePaidPage { name: form.name }).into_response())
}
