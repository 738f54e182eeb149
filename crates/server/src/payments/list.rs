//! `GET /payments`: the organization's payments, newest first, a page at a time, with the
//! refund form for each that can still be refunded. For members with billing, who may not
//! read the orders and leads themselves: each row names what was paid for, and links to
//! it only for those who may open it.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::Capability;
use leadvault_payments::{Subject, recent_payments, stripe_account};
use leadvault_store::Timestamp;

use crate::payments::panel::payment_row;
use crate::payments::views::{PaymentListRow, PaymentsPage};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

/// Payments per page.
const PAGE_SIZE: i64 = 50;

/// `before=<micros>:<id>`: the last row of the page before.
fn cursor(params: &BTreeMap<String, String>) -> Result<Option<(Timestamp, String)>, AppError> {
    let Some(text) = params.get("before") else {
        return Ok(None);
    };
    let (at, id) = text
        .split_once(':')
        .ok_or_else(|| AppError::Invalid("that page of payments does not exist".into()))?;
    let at: i64 = at
        .parse()
        .map_err(|_| AppError::Invalid("that page of payments does not exist".into()))?;
    Ok(Some((Timestamp::from_unix_micros(at), id.to_owned())))
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Billing).await?;
    let org = signed_in.org();
    let before = cursor(&params)?;
    let mut payments = recent_payments(
        state.db(),
        org,
        before.as_ref().map(|(at, id)| (*at, id.as_str())),
        PAGE_SIZE + 1,
    )
    .await?;
    let more = payments.len() as i64 > PAGE_SIZE;
    payments.truncate(PAGE_SIZE as usize);
    let older = more.then(|| payments.last()).flatten().map(|p| {
        format!(
            "/payments?before={}:{}",
            p.created_at.as_unix_micros(),
            p.id
        )
    });
    let member = &signed_in.member;
    let rows = payments
        .iter()
        .map(|payment| {
            let (what, href) = match payment.subject {
                Subject::Order(id) => (
                    "Work order",
                    member
                        .may(Capability::WorkOrders)
                        .then(|| format!("/orders/{id}")),
                ),
                Subject::Lead(id) => (
                    "Consultation fee",
                    (member.may(Capability::WorkAllLeads)
                        || member.may(Capability::WorkAssignedLeads))
                    .then(|| format!("/leads/{id}")),
                ),
            };
            PaymentListRow {
                what,
                href,
                payment: payment_row(payment),
            }
        })
        .collect();
    let account = stripe_account(state.db(), org, signed_in.acting.now).await?;
    let page = PaymentsPage {
        shell: Some(Shell::of(&state, &signed_in, Section::Payments).await?),
        csrf: signed_in.csrf_token(),
        connected: account.is_some(),
        test_mode: account.is_some_and(|a| a.mode == leadvault_payments::Mode::Test),
        rows,
        older,
        newest: before.is_some(),
    };
    Ok(render(&page).into_response())
}
