//! Paying for a work order: right after a priced order is placed, and later from the
//! order's page ("Pay now") while it is unpaid. The amount comes from the organization's
//! price list and the order as stored (its job type and rush box), never from the
//! browser. The order's page shows what Stripe's webhooks recorded, so reaching Stripe's
//! success page changes nothing by itself.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_intake::{OrderAccess, OrderId, OrderSummary, order_summary};
use leadvault_payments::{
    CheckoutRequest, Money, PaymentError, PriceList, Subject, price_list, start_checkout,
    stripe_account,
};
use leadvault_store::Timestamp;

use crate::intake::order_view::order_id;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::person::Person;

/// The origin the customer comes back to from Stripe: the configured public address, or
/// else the one this request was made to.
pub(crate) fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let configured = state.public_origin();
    if !configured.is_empty() {
        return configured;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.options().https {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// What an order costs, if its organization takes payments and prices its job type.
pub(crate) async fn order_price(
    state: &AppState,
    summary: &OrderSummary,
    org: leadvault_store::OrgId,
    now: Timestamp,
) -> Result<Option<Money>, AppError> {
    if stripe_account(state.db(), org, now).await?.is_none() {
        return Ok(None);
    }
    Ok(price_list(state.db(), org).await?.for_order(summary)?)
}

/// Sends the client of `order` to Stripe; where that cannot start, back to the order's
/// page, which says why (the order is kept and stays payable).
pub(crate) async fn checkout_order(
    state: &AppState,
    person: &Person,
    headers: &HeaderMap,
    order: OrderId,
) -> Result<Response, AppError> {
    let own = OrderAccess::Client(person.user_id.as_uuid());
    let summary = order_summary(state.db(), person.org_id, order, &own).await?;
    let page = format!("/portal/orders/{order}");
    // A cancelled or completed order is not paid for any more (the page offers nothing).
    if !summary.status.is_open() {
        return Ok(Redirect::to(&page).into_response());
    }
    let Some(amount) = order_price(state, &summary, person.org_id, person.acting.now).await? else {
        return Ok(Redirect::to(&page).into_response());
    };
    let description = format!("Work order: {}", PriceList::job_of(&summary));
    let return_url = format!("{}{page}", origin(state, headers));
    let request = CheckoutRequest {
        subject: Subject::Order(order),
        amount,
        description: &description,
        return_url: &return_url,
    };
    let started = start_checkout(
        state.db(),
        state.keyring(),
        state.stripe(),
        &person.acting,
        &request,
    )
    .await;
    match started {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(PaymentError::AlreadyPaid) => Ok(Redirect::to(&page).into_response()),
        Err(PaymentError::Stripe(err)) => {
            tracing::warn!(work_order_id = %order, error = %err, "checkout could not start");
            Ok(Redirect::to(&format!("{page}?payment=unavailable")).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /portal/orders/{id}/pay`: the client's "Pay now".
pub async fn pay_order(
    State(state): State<AppState>,
    person: Person,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    checkout_order(&state, &person, &headers, order_id(&id)?).await
}

/// After an order was cancelled: its open Checkout Session is closed at Stripe, so the
/// client cannot pay a cancelled order. Best effort: when Stripe cannot be told now, the
/// session still expires on its own within a day, and a payment made meanwhile can be
/// refunded.
pub(crate) async fn close_checkouts_of(
    state: &AppState,
    org: leadvault_store::OrgId,
    order: OrderId,
) {
    let closed = leadvault_payments::close_checkouts(
        state.db(),
        state.keyring(),
        state.stripe(),
        org,
        Subject::Order(order),
        Timestamp::now(),
    )
    .await;
    if let Err(err) = closed {
        tracing::warn!(work_order_id = %order, error = %err, "an open checkout could not be closed");
    }
}
