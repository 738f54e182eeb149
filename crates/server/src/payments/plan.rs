//! `/settings/plan`, where the operator sells plans: the organization's plan and its
//! standing (trial, good, grace, lapsed), subscribing through Stripe Checkout, and Stripe's
//! customer portal for card changes and invoices; and the operator's Stripe webhook
//! endpoint, which keeps each organization's plan. Not there at all (404) unless the
//! operator lists plans.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::Capability;
use leadvault_payments::{
    OperatorBilling, PaymentError, PlanUpdate, Standing, StripeError, billing_portal, org_plan,
    receive_plan_event, subscribe,
};
use leadvault_store::Timestamp;

use crate::payments::checkout::origin;
use crate::payments::views::{PlanOption, PlanPage};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::headers::LeadsToCheckout;
use crate::web::observe::current_request_id;
use crate::web::render::{render, utc};
use crate::web::shell::{Section, Shell};

const PAGE: &str = "/settings/plan";

/// The operator's billing, for a member with billing; 404 where no plans are sold.
async fn billing_for<'a>(
    state: &'a AppState,
    signed_in: &SignedIn,
) -> Result<&'a OperatorBilling, AppError> {
    signed_in.require(state, Capability::Billing).await?;
    state.billing().ok_or(AppError::NotFound)
}

/// How a standing reads on the page and in the frame.
pub(crate) fn standing_text(standing: Standing) -> String {
    match standing {
        Standing::Good => "In good standing.".to_owned(),
        Standing::Trial { until } => format!(
            "Trial: everything works until {}; choose a plan to keep making changes after it.",
            utc(until)
        ),
        Standing::Grace { until } => format!(
            "The plan's payment failed or it ended: everything works until {}; then changes stop until it is paid.",
            utc(until)
        ),
        Standing::Lapsed { since } => format!(
            "Lapsed since {}: everything can be read and exported, nothing is lost, and changes wait for a plan.",
            utc(since)
        ),
    }
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    billing: &OperatorBilling,
    error: Option<String>,
) -> Result<Response, AppError> {
    let now = signed_in.acting.now;
    let plan = org_plan(state.db(), billing, signed_in.org(), now).await?;
    let current = plan
        .plan
        .as_deref()
        .and_then(|id| billing.plans.iter().find(|p| p.id == id))
        .map(|p| p.name.clone());
    // A subscription still alive is changed (or paid) in the customer portal.
    let may_subscribe = plan.status.is_none_or(|s| s.is_over());
    let page = PlanPage {
        shell: Some(Shell::of(state, signed_in, Section::Payments).await?),
        csrf: signed_in.csrf_token(),
        error: error.clone(),
        current,
        status: plan.status.map(|s| s.label()),
        standing: standing_text(plan.standing),
        renews: plan.current_period_end.map(utc),
        plans: billing
            .plans
            .iter()
            .map(|p| PlanOption {
                id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect(),
        may_subscribe,
        has_portal: plan.customer.is_some(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // Its forms end on Stripe's hosted pages.
    Ok((status, Extension(LeadsToCheckout), render(&page)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let billing = billing_for(&state, &signed_in).await?;
    page(&state, &signed_in, billing, None).await
}

fn problem(err: &PaymentError) -> Option<String> {
    match err {
        PaymentError::Invalid(_) => Some(err.to_string()),
        PaymentError::Stripe(StripeError::Unreachable(_)) => Some(
            "Stripe could not be reached just now; nothing was changed. Try again in a moment."
                .into(),
        ),
        _ => None,
    }
}

pub async fn choose(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let billing = billing_for(&state, &signed_in).await?;
    let fields = Fields::parse(&body);
    let back = format!("{}{PAGE}", origin(&state, &headers));
    let started = subscribe(
        state.db(),
        state.stripe(),
        billing,
        &signed_in.acting,
        fields.one("plan"),
        &back,
    )
    .await;
    match started {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(err) => match problem(&err) {
            Some(shown) => page(&state, &signed_in, billing, Some(shown)).await,
            None => Err(err.into()),
        },
    }
}

pub async fn portal(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let billing = billing_for(&state, &signed_in).await?;
    let back = format!("{}{PAGE}", origin(&state, &headers));
    let opened = billing_portal(
        state.db(),
        state.stripe(),
        billing,
        signed_in.org(),
        &back,
        signed_in.acting.now,
    )
    .await;
    match opened {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(err) => match problem(&err) {
            Some(shown) => page(&state, &signed_in, billing, Some(shown)).await,
            None => Err(err.into()),
        },
    }
}

/// `POST /billing/stripe/webhooks`: the operator's Stripe account's events.
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(billing) = state.billing() else {
        return AppError::NotFound.into_response();
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let request_id = current_request_id().map(|r| r.0);
    let received = receive_plan_event(
        state.db(),
        state.stripe(),
        billing,
        signature,
        &body,
        request_id,
        Timestamp::now(),
    )
    .await;
    let status = match received {
        Ok(PlanUpdate::Changed { status, .. }) => {
            tracing::info!(status = status.name(), "an organization's plan changed");
            StatusCode::OK
        }
        Ok(PlanUpdate::Duplicate | PlanUpdate::Ignored) => StatusCode::OK,
        Err(PaymentError::Signature(reason)) => {
            tracing::warn!(%reason, "a billing webhook's signature was refused");
            StatusCode::BAD_REQUEST
        }
        Err(PaymentError::NotAnEvent) => StatusCode::BAD_REQUEST,
        Err(PaymentError::NotConnected) => StatusCode::OK, // an organization since removed
        Err(PaymentError::Stripe(StripeError::Unreachable(_))) => StatusCode::SERVICE_UNAVAILABLE,
        Err(other) => return AppError::from(other).into_response(),
    };
    (
        status,
        axum::Json(serde_json::json!({"received": status.is_success()})),
    )
        .into_response()
}
