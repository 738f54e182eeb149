//! Sending a customer to pay: a Checkout Session on the organization's own Stripe account,
//! for an amount the caller took from the price list, with the record's id as
//! `client_reference_id` and in the metadata. Each attempt has its own payment row and
//! `Idempotency-Key`; a call whose answer was lost is repeated with the same key, so Stripe
//! gives back the same session instead of a second one.

use leadvault_audit::{Acting, Chain, append};
use leadvault_keys::Keyring;
use leadvault_store::{Batch, Db, TenantScope};

use crate::account::secret_key;
use crate::actions::PaymentAction;
use crate::error::PaymentError;
use crate::ledger::{announce, stored_of};
use crate::money::Money;
use crate::payment::{PaymentState, Subject};
use crate::stripe::{NewSession, Stripe};

/// A payment to ask for.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub subject: Subject,
    /// From the organization's price list (never from the browser).
    pub amount: Money,
    /// The line on Stripe's page: the job type or "Consultation fee", nothing personal.
    pub description: &'a str,
    /// Where Stripe sends the customer back; the page shows what the webhooks recorded.
    pub return_url: &'a str,
}

/// Where to send the customer: Stripe's hosted page of an open session for `request`
/// (the one already open, if it has not expired), or [`PaymentError::AlreadyPaid`].
/// When Stripe cannot be reached nothing is recorded and the record stays payable.
pub async fn start_checkout(
    db: &Db,
    keyring: &Keyring,
    stripe: &Stripe,
    acting: &Acting,
    request: &CheckoutRequest<'_>,
) -> Result<String, PaymentError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let subject = request.subject;
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let earlier = stored_of(&mut tx, org, subject).await?;
    tx.commit().await?;
    if earlier.iter().any(|s| s.payment.state.settles()) {
        return Err(PaymentError::AlreadyPaid);
    }
    if let Some(open) = earlier.iter().rev().find(|s| s.payment.is_payable(now)) {
        return Ok(open.payment.checkout_url.clone());
    }
    let attempt = earlier.last().map_or(1, |s| s.payment.attempt + 1);
    let key = secret_key(db, keyring, org, now).await?;
    let payment_id = format!("pay_{}", uuid::Uuid::new_v4().simple());
    // Per record and attempt, and what is asked: a call repeated after a lost answer gets
    // the same session back, while one that asks otherwise (the price changed meanwhile)
    // is a new request rather than Stripe's idempotency error.
    let asked = ring::digest::digest(
        &ring::digest::SHA256,
        format!(
            "{}\0{}\0{}\0{}",
            request.amount.minor(),
            request.amount.currency().code(),
            request.description,
            request.return_url
        )
        .as_bytes(),
    );
    let idempotency_key = format!(
        "leadvault-{org}-{}-{}-{attempt}-{}",
        subject.kind(),
        subject.id(),
        leadvault_crypto::to_hex(asked.as_ref().get(..8).unwrap_or_default())
    );
    let reference = subject.id();
    let metadata = [
        ("leadvault_org", org.to_string()),
        ("leadvault_subject", subject.kind().to_owned()),
        ("leadvault_id", reference.clone()),
        ("leadvault_attempt", attempt.to_string()),
    ];
    let session = stripe
        .create_checkout_session(
            &key,
            &NewSession {
                amount: request.amount,
                description: request.description,
                reference: &reference,
                metadata: &metadata,
                success_url: request.return_url,
                cancel_url: request.return_url,
            },
            &idempotency_key,
        )
        .await?;
    let url = session
        .url
        .clone()
        .ok_or(PaymentError::Stripe(crate::stripe::StripeError::Unexpected))?;
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let inserted = leadvault_store::sqlx::query(
        "INSERT INTO payments (id, org_id, subject_kind, subject_id, attempt, amount, currency, \
         state, session_id, checkout_url, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&payment_id)
    .bind(org.to_string())
    .bind(subject.kind())
    .bind(&reference)
    .bind(attempt)
    .bind(request.amount.minor())
    .bind(request.amount.currency().code())
    .bind(PaymentState::Open.name())
    .bind(&session.id)
    .bind(&url)
    .bind(session.expires_at.map(|s| s.saturating_mul(1_000_000)))
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Another request for the same attempt recorded the same session (same key, same
        // answer) a moment ago.
        return Ok(url);
    }
    let event = by
        .event(PaymentAction::CheckoutStarted)
        .on(subject.kind(), subject.id())
        .touching(&["payment"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    let payment = crate::ledger::stored_by(&mut tx, org, "id", &payment_id)
        .await?
        .ok_or(PaymentError::Corrupt("a payment just recorded"))?
        .payment;
    let mut writes = Batch::new();
    leadvault_intake::record_event(
        &mut writes,
        org,
        subject.trail(),
        by.actor,
        leadvault_intake::HistoryKind::Payment,
        PaymentState::Open.name(),
        now,
    );
    announce(&mut writes, org, &payment, PaymentState::Open, 0, now);
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(url)
}

/// Closes the open Checkout Sessions of `subject` (its order was cancelled): Stripe expires
/// them, and its `checkout.session.expired` marks the payments expired. How many were
/// closed. An organization without Stripe has none.
pub async fn close_checkouts(
    db: &Db,
    keyring: &Keyring,
    stripe: &Stripe,
    org: leadvault_store::OrgId,
    subject: Subject,
    now: leadvault_store::Timestamp,
) -> Result<usize, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let open: Vec<String> = stored_of(&mut tx, org, subject)
        .await?
        .into_iter()
        .filter(|s| s.payment.is_payable(now))
        .map(|s| s.session_id)
        .collect();
    tx.commit().await?;
    if open.is_empty() {
        return Ok(0);
    }
    let key = secret_key(db, keyring, org, now).await?;
    for session in &open {
        stripe.expire_checkout_session(&key, session).await?;
    }
    Ok(open.len())
}
