//! `POST /payments/{id}/refund`: a refund, whole or in part, by a member with billing,
//! from an order's or a lead's page. Made through Stripe, then recorded (audited) with the
//! payment's new state; the page it came from shows the result.

use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::Capability;
use leadvault_payments::{Money, PaymentError, Subject, find_payment, refund_payment};

use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form_body::Fields;

pub async fn refund(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Billing).await?;
    let fields = Fields::parse(&body);
    let payment = find_payment(state.db(), signed_in.org(), &id).await?;
    let typed = fields.one("amount").trim();
    let amount = if typed.is_empty() {
        None
    } else {
        Some(Money::parse(typed, payment.amount.currency()).map_err(PaymentError::from)?)
    };
    refund_payment(
        state.db(),
        state.keyring(),
        state.stripe(),
        &signed_in.acting,
        &id,
        amount,
        &[],
    )
    .await?;
    state.wake_webhooks();
    let back = match (fields.one("back"), payment.subject) {
        ("order", Subject::Order(order)) => format!("/orders/{order}"),
        ("lead", Subject::Lead(lead)) => format!("/leads/{lead}"),
        _ => "/payments".to_owned(),
    };
    Ok(Redirect::to(&back).into_response())
}
