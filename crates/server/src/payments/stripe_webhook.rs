//! `POST /stripe/webhooks/{org}`: Stripe's events for one organization. Answered 2xx once
//! the event is applied (or known, or of no interest), so Stripe stops sending it; 400 for
//! a signature or body that does not hold, nothing changed (also for an organization that
//! takes no payments, or none at all: the answer does not tell them apart); 503 when Stripe
//! or the database cannot be reached now (Stripe tries again later, for up to three days).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{UserId, find_customer};
use leadvault_intake::{OrderAccess, order_client};
use leadvault_mail::{SealedMail, seal};
use leadvault_payments::{
    Applied, PaymentError, PaymentState, PendingChange, Received, StripeError, Subject,
    apply_event, receive_event,
};
use leadvault_store::{OrgId, Timestamp};
use serde_json::json;

use crate::mails;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::observe::RequestId;

fn answer(status: StatusCode, what: &str) -> Response {
    (
        status,
        Json(json!({ "received": status.is_success(), "detail": what })),
    )
        .into_response()
}

/// "Your work order with …: Paid", to the order's client, for the changes a client
/// should hear of; no amount, only the state and a link behind sign-in.
async fn notices(
    state: &AppState,
    org: OrgId,
    pending: &PendingChange,
    now: Timestamp,
) -> Result<Vec<SealedMail>, AppError> {
    let Some(public) = state.mail_links().cloned() else {
        return Ok(Vec::new());
    };
    let Subject::Order(order) = pending.payment.subject else {
        return Ok(Vec::new());
    };
    if !matches!(
        pending.to,
        PaymentState::Paid | PaymentState::Failed | PaymentState::Refunded
    ) {
        return Ok(Vec::new());
    }
    let client = order_client(state.db(), org, order, &OrderAccess::staff()).await?;
    let Some(customer) = find_customer(state.db(), UserId::from_uuid(client), org).await? else {
        return Ok(Vec::new()); // no longer a client: nobody to tell
    };
    let mail = mails::order_status(
        &customer.email,
        &customer.org_name,
        pending.to.label(),
        &format!("{public}/portal/orders/{order}"),
    )?;
    let sealed = seal(state.keyring(), &mail, now)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(vec![sealed])
}

pub async fn receive(
    State(state): State<AppState>,
    Path(org): Path<String>,
    request_id: Option<axum::Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // No organization, or one without Stripe: refused like a wrong signature, so that the
    // endpoint does not tell which organizations take payments.
    let Some(org) = OrgId::parse(&org) else {
        return answer(StatusCode::BAD_REQUEST, "signature refused");
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = Timestamp::now();
    let request_id = request_id.map(|r| r.0.0);
    let received = receive_event(
        state.db(),
        state.keyring(),
        state.stripe(),
        org,
        signature,
        &body,
        now,
    )
    .await;
    let pending = match received {
        Ok(Received::Change(pending)) => pending,
        Ok(Received::Duplicate) => return answer(StatusCode::OK, "already received"),
        Ok(Received::Ignored { .. }) => return answer(StatusCode::OK, "ignored"),
        Err(err) => return refusal(err),
    };
    let notify = match notices(&state, org, &pending, now).await {
        Ok(notify) => notify,
        Err(err) => return err.into_response(),
    };
    match apply_event(state.db(), org, &pending, &notify, request_id, now).await {
        Ok(Applied::Changed { to }) => {
            tracing::info!(payment_id = %pending.payment.id, state = to.name(), "payment updated from Stripe");
            if !notify.is_empty() {
                state.wake_mail();
            }
            state.wake_webhooks();
            answer(StatusCode::OK, "applied")
        }
        Ok(Applied::Unchanged) => answer(StatusCode::OK, "superseded"),
        Ok(Applied::Duplicate) => answer(StatusCode::OK, "already received"),
        Err(err) => refusal(err),
    }
}

fn refusal(err: PaymentError) -> Response {
    match err {
        PaymentError::NotConnected => answer(StatusCode::BAD_REQUEST, "signature refused"),
        PaymentError::Signature(reason) => {
            tracing::warn!(%reason, "a Stripe webhook's signature was refused");
            answer(StatusCode::BAD_REQUEST, "signature refused")
        }
        PaymentError::NotAnEvent => answer(StatusCode::BAD_REQUEST, "not a Stripe event"),
        PaymentError::Stripe(StripeError::Unreachable(_)) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "Stripe could not be reached; try again",
        ),
        other => AppError::from(other).into_response(),
    }
}
