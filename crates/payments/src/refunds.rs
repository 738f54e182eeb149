//! Refunds, whole or in part, by a member with billing: made through Stripe first (with an
//! `Idempotency-Key` of the payment, what was refunded before and the amount, so a request
//! repeated after a lost answer does not refund twice), then recorded with the payment's
//! new state, its history line, the audit record and the outgoing webhook in one
//! transaction. Stripe's own `charge.refunded` that follows finds it recorded already.

use leadvault_audit::Acting;
use leadvault_keys::Keyring;
use leadvault_mail::SealedMail;
use leadvault_store::{Db, TenantScope};

use crate::account::secret_key;
use crate::actions::PaymentAction;
use crate::error::PaymentError;
use crate::ledger::{Change, record_change, stored_by};
use crate::money::Money;
use crate::payment::{Payment, PaymentState};
use crate::stripe::Stripe;

/// Refunds `amount` of payment `id` (everything still refundable when `None`); the
/// payment as it now stands.
pub async fn refund_payment(
    db: &Db,
    keyring: &Keyring,
    stripe: &Stripe,
    acting: &Acting,
    id: &str,
    amount: Option<Money>,
    notify: &[SealedMail],
) -> Result<Payment, PaymentError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let stored = stored_by(&mut tx, org, "id", id)
        .await?
        .ok_or(PaymentError::UnknownPayment)?;
    tx.commit().await?;
    let payment = &stored.payment;
    let refundable = payment.refundable();
    if refundable == 0 {
        return Err(PaymentError::Invalid(format!(
            "only a paid payment can be refunded; this one is {}",
            payment.state.label().to_lowercase()
        )));
    }
    let amount = match amount {
        Some(amount) if amount.currency() != payment.amount.currency() => {
            return Err(PaymentError::Invalid(format!(
                "this payment is in {}",
                payment.amount.currency()
            )));
        }
        Some(amount) if amount.minor() > refundable => {
            return Err(PaymentError::Invalid(format!(
                "at most {} can still be refunded",
                Money::new(refundable, payment.amount.currency())?
            )));
        }
        Some(amount) => amount.minor(),
        None => refundable,
    };
    let intent = stored
        .payment_intent
        .as_deref()
        .ok_or(PaymentError::Corrupt(
            "a paid payment without its payment intent",
        ))?;
    let key = secret_key(db, keyring, org, now).await?;
    let idempotency_key = format!(
        "leadvault-refund-{}-{}-{amount}",
        payment.id, payment.refunded
    );
    let refund = stripe
        .create_refund(&key, intent, amount, &idempotency_key)
        .await?;
    if matches!(refund.status.as_str(), "failed" | "canceled") {
        return Err(PaymentError::Invalid(
            "Stripe did not make the refund; nothing was given back".into(),
        ));
    }
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let recorded = leadvault_store::sqlx::query(
        "INSERT INTO payment_refunds (id, org_id, payment_id, stripe_refund_id, amount, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(format!("rf_{}", uuid::Uuid::new_v4().simple()))
    .bind(org.to_string())
    .bind(&payment.id)
    .bind(&refund.id)
    .bind(refund.amount)
    .bind(by.actor.parts().1)
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // The same refund recorded already (a repeated request): nothing more to do. Counted
    // inside the write, from every refund made here (so two made at once both count) or
    // from Stripe's own count, if its webhook came first (it counts the dashboard's too).
    let current = stored_by(&mut tx, org, "id", &payment.id)
        .await?
        .ok_or(PaymentError::UnknownPayment)?
        .payment;
    let made_here: i64 = leadvault_store::sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payment_refunds \
         WHERE org_id = $1 AND payment_id = $2",
    )
    .bind(org.to_string())
    .bind(&payment.id)
    .fetch_one(&mut *tx)
    .await?;
    let refunded = current.refunded.max(made_here).min(current.amount.minor());
    let to = if refunded >= current.amount.minor() {
        PaymentState::Refunded
    } else {
        PaymentState::PartiallyRefunded
    };
    if recorded == 1 && current.refunded < refunded && current.state.may_become(to) {
        let change = Change {
            payment: &current,
            to,
            refunded,
            payment_intent: None,
            event: by
                .event(PaymentAction::RefundIssued)
                .on(payment.subject.kind(), payment.subject.id())
                .touching(&["payment", "refund"]),
            notify,
        };
        record_change(&mut tx, org, change, now).await?;
    }
    let after = stored_by(&mut tx, org, "id", &payment.id)
        .await?
        .ok_or(PaymentError::UnknownPayment)?
        .payment;
    tx.commit().await?;
    Ok(after)
}
