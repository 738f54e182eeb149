//! Checkout Sessions (one-off payments) and refunds.

use std::collections::BTreeMap;

use hyper::Method;
use serde_json::Value;

use super::{Stripe, StripeError, metadata_of, path_segment};
use crate::money::Money;
use crate::secrets::SecretKey;

/// A Checkout Session, as far as Leadvault reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    /// The hosted payment page (only while the session is open).
    pub url: Option<String>,
    /// `open`, `complete` or `expired`.
    pub status: String,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    pub payment_intent: Option<String>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub client_reference_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

impl Session {
    pub(crate) fn from_json(value: &Value) -> Result<Self, StripeError> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        // `payment_intent` is an id, or the object itself where it was expanded.
        let payment_intent = match value.get("payment_intent") {
            Some(Value::String(id)) => Some(id.clone()),
            Some(Value::Object(object)) => {
                object.get("id").and_then(Value::as_str).map(str::to_owned)
            }
            _ => None,
        };
        let metadata = metadata_of(value);
        if value.get("object").and_then(Value::as_str) != Some("checkout.session") {
            return Err(StripeError::Unexpected);
        }
        Ok(Self {
            id: text("id").ok_or(StripeError::Unexpected)?,
            url: text("url"),
            status: text("status").ok_or(StripeError::Unexpected)?,
            payment_status: text("payment_status").ok_or(StripeError::Unexpected)?,
            payment_intent,
            amount_total: value.get("amount_total").and_then(Value::as_i64),
            currency: text("currency"),
            client_reference_id: text("client_reference_id"),
            metadata,
            expires_at: value.get("expires_at").and_then(Value::as_i64),
        })
    }
}

/// A Checkout Session to create: one line, its amount and currency from the server's own
/// price list.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub amount: Money,
    /// The line's name on Stripe's page ("Work order: Court filing").
    pub description: &'a str,
    /// Stripe's `client_reference_id`: the work order's or lead's id.
    pub reference: &'a str,
    /// Kept on the session and on its payment (so a refund's charge names it too).
    pub metadata: &'a [(&'static str, String)],
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

impl NewSession<'_> {
    fn form(&self) -> Vec<(String, String)> {
        let mut form = vec![
            ("mode".to_owned(), "payment".to_owned()),
            ("line_items[0][quantity]".to_owned(), "1".to_owned()),
            (
                "line_items[0][price_data][currency]".to_owned(),
                self.amount.currency().code().to_owned(),
            ),
            (
                "line_items[0][price_data][unit_amount]".to_owned(),
                self.amount.minor().to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]".to_owned(),
                self.description.to_owned(),
            ),
            ("client_reference_id".to_owned(), self.reference.to_owned()),
            ("success_url".to_owned(), self.success_url.to_owned()),
            ("cancel_url".to_owned(), self.cancel_url.to_owned()),
        ];
        for (key, value) in self.metadata {
            form.push((format!("metadata[{key}]"), value.clone()));
            form.push((
                format!("payment_intent_data[metadata][{key}]"),
                value.clone(),
            ));
        }
        form
    }
}

/// A refund Stripe made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    /// `pending`, `succeeded`, `failed`, …
    pub status: String,
}

impl Stripe {
    pub async fn create_checkout_session(
        &self,
        key: &SecretKey,
        session: &NewSession<'_>,
        idempotency_key: &str,
    ) -> Result<Session, StripeError> {
        let value = self
            .call(
                key,
                Method::POST,
                "v1/checkout/sessions",
                &session.form(),
                Some(idempotency_key),
            )
            .await?;
        Session::from_json(&value)
    }

    /// A session read back: what Leadvault believes, rather than an event's copy.
    pub async fn checkout_session(
        &self,
        key: &SecretKey,
        id: &str,
    ) -> Result<Session, StripeError> {
        let id = path_segment(id)?;
        let value = self
            .call(
                key,
                Method::GET,
                &format!("v1/checkout/sessions/{id}"),
                &[],
                None,
            )
            .await?;
        Session::from_json(&value)
    }

    /// Closes an open Checkout Session, so nobody pays it any more.
    pub async fn expire_checkout_session(
        &self,
        key: &SecretKey,
        id: &str,
    ) -> Result<Session, StripeError> {
        let id = path_segment(id)?;
        let value = self
            .call(
                key,
                Method::POST,
                &format!("v1/checkout/sessions/{id}/expire"),
                &[],
                None,
            )
            .await?;
        Session::from_json(&value)
    }

    /// The Checkout Session that made `payment_intent`, if any.
    pub async fn session_of_payment_intent(
        &self,
        key: &SecretKey,
        payment_intent: &str,
    ) -> Result<Option<Session>, StripeError> {
        let intent = path_segment(payment_intent)?;
        let value = self
            .call(
                key,
                Method::GET,
                &format!("v1/checkout/sessions?payment_intent={intent}&limit=1"),
                &[],
                None,
            )
            .await?;
        match value.pointer("/data/0") {
            Some(session) => Session::from_json(session).map(Some),
            None => Ok(None),
        }
    }

    pub async fn create_refund(
        &self,
        key: &SecretKey,
        payment_intent: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<Refund, StripeError> {
        let form = [
            ("payment_intent".to_owned(), payment_intent.to_owned()),
            ("amount".to_owned(), amount.to_string()),
        ];
        let value = self
            .call(
                key,
                Method::POST,
                "v1/refunds",
                &form,
                Some(idempotency_key),
            )
            .await?;
        if value.get("object").and_then(Value::as_str) != Some("refund") {
            return Err(StripeError::Unexpected);
        }
        Ok(Refund {
            id: value
                .get("id")
                .and_then(Value::as_str)
                .ok_or(StripeError::Unexpected)?
                .to_owned(),
            amount: value
                .get("amount")
                .and_then(Value::as_i64)
                .ok_or(StripeError::Unexpected)?,
            status: value
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("pending")
                .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn a_session_is_sent_as_stripe_reads_nested_forms() {
        let metadata = [("leadvault_payment", "pay_1".to_owned())];
        let session = NewSession {
            amount: Money::new(12_550, Currency::USD).unwrap(),
            description: "Work order: Court filing",
            reference: "order-1",
            metadata: &metadata,
            success_url: "https://firm.example/portal/orders/1",
            cancel_url: "https://firm.example/portal/orders/1",
        };
        let form = session.form();
        let get = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(get("mode"), Some("payment"));
        assert_eq!(get("line_items[0][price_data][unit_amount]"), Some("12550"));
        assert_eq!(get("line_items[0][price_data][currency]"), Some("usd"));
        assert_eq!(get("client_reference_id"), Some("order-1"));
        assert_eq!(get("metadata[leadvault_payment]"), Some("pay_1"));
        assert_eq!(
            get("payment_intent_data[metadata][leadvault_payment]"),
            Some("pay_1")
        );
    }

    #[test]
    fn a_session_is_read_from_stripes_json() {
        let value = serde_json::json!({
            "id": "cs_test_a1", "object": "checkout.session", "status": "complete",
            "payment_status": "paid", "payment_intent": {"id": "pi_1", "object": "payment_intent"},
            "amount_total": 500, "currency": "usd", "metadata": {"leadvault_payment": "pay_1"},
            "url": null, "expires_at": 1_780_000_000
        });
        let session = Session::from_json(&value).unwrap();
        assert_eq!(session.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(session.metadata["leadvault_payment"], "pay_1");
        assert_eq!(session.url, None);
        let not_a_session = serde_json::json!({"id": "pi_1", "object": "payment_intent"});
        assert!(Session::from_json(&not_a_session).is_err());
        assert!(path_segment("cs_test_a1").is_ok());
        assert!(path_segment("../v1/refunds").is_err());
    }
}
