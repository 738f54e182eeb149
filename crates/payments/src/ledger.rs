//! Payments as stored: read for a record's page and the billing list, and changed (state,
//! refunds) in one place, [`record_change`], which writes the record's history line, the
//! audit record, the outgoing webhook and the notifications in the caller's transaction.

use leadvault_audit::{Chain, Event, append};
use leadvault_intake::{HistoryKind, record_event};
use leadvault_mail::{SealedMail, enqueue_sealed};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, TenantScope, Timestamp, Tx};
use serde_json::json;

use crate::error::PaymentError;
use crate::money::{Currency, Money};
use crate::payment::{Payment, PaymentState, Subject};

pub(crate) const PAYMENT_COLUMNS: &str = "id, subject_kind, subject_id, attempt, amount, currency, \
     state, refunded, checkout_url, expires_at, created_at, updated_at, payment_intent, session_id";

/// A payment row with what only the domain needs (Stripe's ids).
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub payment: Payment,
    pub payment_intent: Option<String>,
    pub session_id: String,
}

pub(crate) fn stored_from(row: &sqlx::any::AnyRow) -> Result<Stored, PaymentError> {
    let corrupt = || PaymentError::Corrupt("a payment");
    let currency = Currency::parse(&row.try_get::<String, _>(5)?).ok_or_else(corrupt)?;
    let subject = Subject::parse(&row.try_get::<String, _>(1)?, &row.try_get::<String, _>(2)?)
        .ok_or_else(corrupt)?;
    Ok(Stored {
        payment: Payment {
            id: row.try_get(0)?,
            subject,
            attempt: row.try_get(3)?,
            amount: Money::new(row.try_get(4)?, currency).map_err(|_| corrupt())?,
            state: PaymentState::parse(&row.try_get::<String, _>(6)?).ok_or_else(corrupt)?,
            refunded: row.try_get(7)?,
            checkout_url: row.try_get(8)?,
            expires_at: row
                .try_get::<Option<i64>, _>(9)?
                .map(Timestamp::from_unix_micros),
            created_at: Timestamp::from_unix_micros(row.try_get(10)?),
            updated_at: Timestamp::from_unix_micros(row.try_get(11)?),
        },
        payment_intent: row.try_get(12)?,
        session_id: row.try_get(13)?,
    })
}

/// The payments of one work order or lead, oldest attempt first.
pub async fn payments_of(
    db: &Db,
    org: OrgId,
    subject: Subject,
) -> Result<Vec<Payment>, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let stored = stored_of(&mut tx, org, subject).await?;
    tx.commit().await?;
    Ok(stored.into_iter().map(|s| s.payment).collect())
}

pub(crate) async fn stored_of(
    tx: &mut Tx,
    org: OrgId,
    subject: Subject,
) -> Result<Vec<Stored>, PaymentError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE org_id = $1 AND subject_kind = $2 \
         AND subject_id = $3 ORDER BY attempt"
    )))
    .bind(org.to_string())
    .bind(subject.kind())
    .bind(subject.id())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(stored_from).collect()
}

/// One payment of the organization by its id.
pub(crate) async fn stored_by(
    tx: &mut Tx,
    org: OrgId,
    column: &'static str,
    value: &str,
) -> Result<Option<Stored>, PaymentError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE org_id = $1 AND {column} = $2"
    )))
    .bind(org.to_string())
    .bind(value)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(stored_from).transpose()
}

/// One page of the organization's payments, newest first: `limit` of them, from before
/// `before` (the last page's last `created_at` and id) when given.
pub async fn recent_payments(
    db: &Db,
    org: OrgId,
    before: Option<(Timestamp, &str)>,
    limit: i64,
) -> Result<Vec<Payment>, PaymentError> {
    let after = if before.is_some() {
        "AND (created_at < $2 OR (created_at = $2 AND id < $3))"
    } else {
        "AND $2 = $2 AND $3 = $3"
    };
    let (at, id) = before.unwrap_or((Timestamp::from_unix_micros(0), ""));
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE org_id = $1 {after} \
         ORDER BY created_at DESC, id DESC LIMIT $4"
    )))
    .bind(org.to_string())
    .bind(at.as_unix_micros())
    .bind(id)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| stored_from(row).map(|s| s.payment))
        .collect()
}

/// One payment of the organization.
pub async fn find_payment(db: &Db, org: OrgId, id: &str) -> Result<Payment, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let stored = stored_by(&mut tx, org, "id", id).await?;
    tx.commit().await?;
    stored
        .map(|s| s.payment)
        .ok_or(PaymentError::UnknownPayment)
}

/// A change to a payment, to record.
#[derive(Debug)]
pub(crate) struct Change<'a> {
    pub payment: &'a Payment,
    pub to: PaymentState,
    /// The amount given back so far, after the change.
    pub refunded: i64,
    /// Learnt from Stripe with the change (the payment intent, once paid).
    pub payment_intent: Option<&'a str>,
    /// The audit record (its actor is also the history line's).
    pub event: Event,
    pub notify: &'a [SealedMail],
}

/// Writes `change` in `tx`: the payment row (only from the state read, so two changes at
/// once cannot both apply), the record's history line when the state moved, the audit
/// record, the outgoing webhook `<kind>.payment`, and the notifications. False when the
/// payment had moved meanwhile (nothing written).
pub(crate) async fn record_change(
    tx: &mut Tx,
    org: OrgId,
    change: Change<'_>,
    now: Timestamp,
) -> Result<bool, PaymentError> {
    let payment = change.payment;
    let updated = sqlx::query(
        "UPDATE payments SET state = $1, refunded = $2, \
         payment_intent = COALESCE($3, payment_intent), updated_at = $4 \
         WHERE id = $5 AND org_id = $6 AND state = $7 AND refunded = $8",
    )
    .bind(change.to.name())
    .bind(change.refunded)
    .bind(change.payment_intent)
    .bind(now.as_unix_micros())
    .bind(&payment.id)
    .bind(org.to_string())
    .bind(payment.state.name())
    .bind(payment.refunded)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Ok(false);
    }
    let mut writes = Batch::new();
    if change.to != payment.state {
        record_event(
            &mut writes,
            org,
            payment.subject.trail(),
            change.event.actor,
            HistoryKind::Payment,
            change.to.name(),
            now,
        );
    }
    append(tx, Chain::of(org), &change.event, now).await?;
    for mail in change.notify {
        enqueue_sealed(&mut writes, mail, now);
    }
    announce(&mut writes, org, payment, change.to, change.refunded, now);
    writes.run(tx).await?;
    Ok(true)
}

/// The outgoing webhook of a payment's state: ids, amounts and states only.
pub(crate) fn announce(
    writes: &mut Batch,
    org: OrgId,
    payment: &Payment,
    state: PaymentState,
    refunded: i64,
    now: Timestamp,
) {
    let subject = payment.subject;
    let data = json!({
        format!("{}_id", subject.kind()): subject.id(),
        "payment_id": payment.id,
        "state": state.name(),
        "amount": payment.amount.minor(),
        "amount_refunded": refunded,
        "currency": payment.amount.currency().code(),
    });
    leadvault_webhooks::enqueue(
        writes,
        org,
        &format!("{}.payment", subject.kind()),
        data,
        now,
    );
}
