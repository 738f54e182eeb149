//! Stripe's webhooks to one organization's endpoint, in two steps so the caller can write
//! the notifications a change deserves into the same transaction:
//!
//! 1. [`receive_event`] checks the `Stripe-Signature` over the raw body against the
//!    organization's signing secrets, reads the event, finds the payment it concerns (in
//!    this organization only: a session id replayed from another organization finds
//!    nothing) and, for a Checkout Session, fetches the session back from Stripe: a payment
//!    is marked paid on what Stripe answers, never on an event's copy alone.
//! 2. [`apply_event`] records the event's id in `stripe_events` in the transaction of the
//!    change it causes, so each event changes things once however often it is delivered,
//!    and applies the change only if the payment may still move that way (events arrive
//!    late and out of order).
//!
//! Payment state never depends on the customer reaching the success page.

use leadvault_audit::{Actor, By, Event};
use leadvault_keys::Keyring;
use leadvault_mail::SealedMail;
use leadvault_store::sqlx;
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};
use serde_json::Value;
use uuid::Uuid;

use crate::account::{secret_key, signing_secrets};
use crate::actions::PaymentAction;
use crate::error::PaymentError;
use crate::ledger::{Change, record_change, stored_by};
use crate::payment::{Payment, PaymentState};
use crate::signature::verify;
use crate::stripe::{Session, Stripe};

/// Who changes payments on Stripe's word, in the audit log and the histories.
pub const STRIPE_ACTOR: Actor = Actor::System("stripe");

/// What an event means for Leadvault, after step 1.
#[derive(Debug)]
pub enum Received {
    /// A type Leadvault does not act on, or about nothing of this organization's:
    /// acknowledged and forgotten.
    Ignored { event_type: String },
    /// Applied before: acknowledged, nothing changes.
    Duplicate,
    /// A change to apply with [`apply_event`].
    Change(PendingChange),
}

/// A verified event and the change it asks for.
#[derive(Debug)]
pub struct PendingChange {
    event_id: String,
    event_type: String,
    /// The payment as it was read (step 2 reads it again).
    pub payment: Payment,
    pub to: PaymentState,
    /// Given back so far, by Stripe's count.
    refunded: i64,
    payment_intent: Option<String>,
}

/// What step 2 did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Changed {
        to: PaymentState,
    },
    /// The payment had moved past what the event says (it was late): recorded as seen.
    Unchanged,
    Duplicate,
}

struct StripeEvent {
    id: String,
    event_type: String,
    object: Value,
}

fn parse_event(body: &[u8]) -> Result<StripeEvent, PaymentError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| PaymentError::NotAnEvent)?;
    let text = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(PaymentError::NotAnEvent)
    };
    if value.get("object").and_then(Value::as_str) != Some("event") {
        return Err(PaymentError::NotAnEvent);
    }
    let id = text("/id")?;
    if id.len() > 255 {
        return Err(PaymentError::NotAnEvent);
    }
    Ok(StripeEvent {
        id,
        event_type: text("/type")?,
        object: value
            .pointer("/data/object")
            .cloned()
            .ok_or(PaymentError::NotAnEvent)?,
    })
}

async fn seen(db: &Db, org: OrgId, event_id: &str) -> Result<bool, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let seen: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM stripe_events WHERE org_id = $1 AND event_id = $2")
            .bind(org.to_string())
            .bind(event_id)
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(seen.is_some())
}

async fn payment_where(
    db: &Db,
    org: OrgId,
    column: &'static str,
    value: &str,
) -> Result<Option<crate::ledger::Stored>, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let stored = stored_by(&mut tx, org, column, value).await?;
    tx.commit().await?;
    Ok(stored)
}

/// What a Checkout Session read back from Stripe says of its payment.
fn state_of(session: &Session, event_type: &str) -> Option<PaymentState> {
    match (session.status.as_str(), session.payment_status.as_str()) {
        ("complete", "paid" | "no_payment_required") => Some(PaymentState::Paid),
        ("complete", "unpaid") if event_type == "checkout.session.async_payment_failed" => {
            Some(PaymentState::Failed)
        }
        ("complete", "unpaid") => Some(PaymentState::Processing),
        ("expired", _) => Some(PaymentState::Expired),
        _ => None,
    }
}

/// Step 1: verifies and reads a webhook sent to `org`'s endpoint.
pub async fn receive_event(
    db: &Db,
    keyring: &Keyring,
    stripe: &Stripe,
    org: OrgId,
    signature: &str,
    body: &[u8],
    now: Timestamp,
) -> Result<Received, PaymentError> {
    // Only the signing secrets before the signature holds: an organization without Stripe
    // has none, and its answer is a refused signature like any other.
    let secrets = signing_secrets(db, keyring, org, now).await?;
    verify(signature, body, &secrets, now.as_unix_micros() / 1_000_000)?;
    let event = parse_event(body)?;
    let ignored = || {
        Ok(Received::Ignored {
            event_type: event.event_type.clone(),
        })
    };
    if seen(db, org, &event.id).await? {
        return Ok(Received::Duplicate);
    }
    let key = secret_key(db, keyring, org, now).await?;
    let object_id = event
        .object
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (stored, to, refunded, payment_intent) = match event.event_type.as_str() {
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed"
        | "checkout.session.expired" => {
            let Some(stored) = payment_where(db, org, "session_id", object_id).await? else {
                return ignored();
            };
            let session = stripe.checkout_session(&key, object_id).await?;
            let Some(to) = state_of(&session, &event.event_type) else {
                return ignored();
            };
            let amount = stored.payment.amount;
            if to == PaymentState::Paid
                && (session.amount_total != Some(amount.minor())
                    || session.currency.as_deref() != Some(amount.currency().code()))
            {
                tracing::warn!(
                    payment_id = %stored.payment.id,
                    "a Checkout Session's amount differs from the payment's: not marked paid"
                );
                return ignored();
            }
            let refunded = stored.payment.refunded;
            (stored, to, refunded, session.payment_intent)
        }
        "charge.refunded" => {
            let intent = event
                .object
                .get("payment_intent")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let amount_refunded = event
                .object
                .get("amount_refunded")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let mut stored = payment_where(db, org, "payment_intent", intent).await?;
            if stored.is_none() && !intent.is_empty() {
                // The refund came before the completion did: the session that made this
                // payment intent, found through Stripe.
                if let Some(session) = stripe.session_of_payment_intent(&key, intent).await? {
                    stored = payment_where(db, org, "session_id", &session.id).await?;
                }
            }
            let Some(stored) = stored else {
                return ignored();
            };
            let to = if amount_refunded >= stored.payment.amount.minor() {
                PaymentState::Refunded
            } else {
                PaymentState::PartiallyRefunded
            };
            let refunded = amount_refunded.min(stored.payment.amount.minor());
            (stored, to, refunded, Some(intent.to_owned()))
        }
        _ => return ignored(),
    };
    Ok(Received::Change(PendingChange {
        event_id: event.id,
        event_type: event.event_type,
        payment: stored.payment,
        to,
        refunded,
        payment_intent,
    }))
}

/// Step 2: records the event and applies its change, with `notify` queued if it applies.
pub async fn apply_event(
    db: &Db,
    org: OrgId,
    pending: &PendingChange,
    notify: &[SealedMail],
    request_id: Option<Uuid>,
    now: Timestamp,
) -> Result<Applied, PaymentError> {
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let recorded = sqlx::query(
        "INSERT INTO stripe_events (org_id, event_id, event_type, received_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(org.to_string())
    .bind(&pending.event_id)
    .bind(&pending.event_type)
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if recorded == 0 {
        return Ok(Applied::Duplicate);
    }
    let by = By::new(STRIPE_ACTOR, request_id);
    let event = || -> Event {
        by.event(PaymentAction::PaymentUpdated)
            .on(pending.payment.subject.kind(), pending.payment.subject.id())
            .touching(&["payment"])
    };
    let mut current = stored_by(&mut tx, org, "id", &pending.payment.id)
        .await?
        .ok_or(PaymentError::UnknownPayment)?
        .payment;
    let refund = matches!(
        pending.to,
        PaymentState::Refunded | PaymentState::PartiallyRefunded
    );
    // A refund that came before the completion: paid first (the refund proves it).
    if refund && matches!(current.state, PaymentState::Open | PaymentState::Processing) {
        let paid = Change {
            payment: &current,
            to: PaymentState::Paid,
            refunded: current.refunded,
            payment_intent: pending.payment_intent.as_deref(),
            event: event(),
            notify: &[],
        };
        record_change(&mut tx, org, paid, now).await?;
        current = stored_by(&mut tx, org, "id", &pending.payment.id)
            .await?
            .ok_or(PaymentError::UnknownPayment)?
            .payment;
    }
    let moves =
        current.state.may_become(pending.to) && (!refund || pending.refunded > current.refunded);
    if !moves {
        tx.commit().await?;
        return Ok(Applied::Unchanged);
    }
    let change = Change {
        payment: &current,
        to: pending.to,
        refunded: pending.refunded.max(current.refunded),
        payment_intent: pending.payment_intent.as_deref(),
        event: event(),
        notify,
    };
    if !record_change(&mut tx, org, change, now).await? {
        return Err(PaymentError::Corrupt(
            "a payment moved inside its own write",
        ));
    }
    tx.commit().await?;
    Ok(Applied::Changed { to: pending.to })
}
