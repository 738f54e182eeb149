//! The payment part of an order's or a lead's page: its payments (with the refund form for
//! a member with billing), and what is still to pay, with "Pay now" for the order's client.

use leadvault_intake::OrderSummary;
use leadvault_payments::{Money, Payment, Subject, consultation_fee, payments_of};
use leadvault_store::Timestamp;

use crate::payments::checkout::order_price;
use crate::payments::views::{PaymentPanel, PaymentRow};
use crate::state::AppState;
use crate::web::error::AppError;

pub(crate) fn payment_row(payment: &Payment) -> PaymentRow {
    let currency = payment.amount.currency();
    PaymentRow {
        id: payment.id.clone(),
        started: crate::web::render::utc(payment.created_at),
        amount: payment.amount.to_string(),
        state: payment.state.label(),
        refunded: Money::new(payment.refunded, currency)
            .ok()
            .map(|m| format!("{m} refunded")),
        refundable: Money::new(payment.refundable(), currency)
            .map(Money::amount_text)
            .unwrap_or_default(),
    }
}

/// The payment part of a lead's page: its consultation fee's payments, and the fee when
/// nothing was paid.
pub(crate) async fn lead_panel(
    state: &AppState,
    org: leadvault_store::OrgId,
    form: leadvault_intake::FormId,
    lead: leadvault_intake::LeadId,
    may_refund: bool,
) -> Result<PaymentPanel, AppError> {
    let payments = payments_of(state.db(), org, Subject::Lead(lead)).await?;
    // The fee as the thank-you page offers it (none without Stripe connected).
    let due = if payments.iter().any(|p| p.state.settles()) {
        None
    } else {
        consultation_fee(state.db(), org, form).await?
    };
    Ok(PaymentPanel {
        rows: payments.iter().map(payment_row).collect(),
        due: due.map(|m| m.to_string()),
        may_pay: false,
        may_refund,
        back: "lead",
        problem: None,
    })
}

/// The payment part of an order's page: its payments, and what is still to pay (with
/// "Pay now" for its client) when nothing was paid and its price is set.
pub(crate) async fn order_panel(
    state: &AppState,
    summary: &OrderSummary,
    org: leadvault_store::OrgId,
    now: Timestamp,
    client: bool,
    may_refund: bool,
    problem: Option<String>,
) -> Result<PaymentPanel, AppError> {
    let payments = payments_of(state.db(), org, Subject::Order(summary.id)).await?;
    let settled = payments.iter().any(|p| p.state.settles());
    let open = summary.status.is_open();
    let due = if settled || !open {
        None
    } else {
        order_price(state, summary, org, now).await?
    };
    Ok(PaymentPanel {
        rows: payments.iter().map(payment_row).collect(),
        due: due.map(|m| m.to_string()),
        may_pay: client && due.is_some(),
        may_refund,
        back: "order",
        problem,
    })
}
