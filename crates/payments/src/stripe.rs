//! The calls Leadvault makes to Stripe's API (<https://docs.stripe.com/api>): form-encoded
//! requests with the organization's key as a bearer token, an `Idempotency-Key` on every
//! create, JSON answers read into the few fields Leadvault keeps. The base URL is the
//! operator's setting (Stripe's own, or the tests' stand-in).

use std::collections::BTreeMap;

use hyper::Method;
use leadvault_webhooks::{Outgoing, SendError, WebhookClient};
use serde_json::Value;
use url::Url;

use crate::money::Money;
use crate::secrets::SecretKey;

/// Stripe's API.
pub const STRIPE_API: &str = "https://api.stripe.com/";
/// Where Stripe's hosted pages are: Checkout, and the customer portal.
pub const HOSTED_ORIGINS: &str = "https://checkout.stripe.com https://billing.stripe.com";

/// Why a call to Stripe did not give an answer Leadvault could use.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Nothing (or a 5xx, or a 429) came back: worth trying again later.
    #[error("Stripe could not be reached")]
    Unreachable(#[source] Option<SendError>),
    /// Stripe refused the key (401) or its permissions (403).
    #[error(
        "Stripe refused the key (is it the account's secret or restricted key, with write access to Checkout Sessions and Refunds?)"
    )]
    KeyRefused,
    /// Stripe refused the request; its message (which never holds a secret) is fit to show.
    #[error("Stripe refused: {0}")]
    Refused(String),
    /// An answer without the fields Stripe documents.
    #[error("Stripe's answer could not be read")]
    Unexpected,
}

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
        let metadata = value
            .get("metadata")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
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

/// A subscription, as far as Leadvault reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub customer: String,
    /// `active`, `past_due`, `canceled`, …
    pub status: String,
    /// The first item's price (`price_…`).
    pub price: Option<String>,
    /// Unix seconds (on the subscription, or on its first item in newer API versions).
    pub current_period_end: Option<i64>,
    pub metadata: BTreeMap<String, String>,
}

impl Subscription {
    fn from_json(value: &Value) -> Result<Self, StripeError> {
        if value.get("object").and_then(Value::as_str) != Some("subscription") {
            return Err(StripeError::Unexpected);
        }
        let text = |pointer: &str| {
            value
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Ok(Self {
            id: text("/id").ok_or(StripeError::Unexpected)?,
            customer: text("/customer").ok_or(StripeError::Unexpected)?,
            status: text("/status").ok_or(StripeError::Unexpected)?,
            price: text("/items/data/0/price/id"),
            current_period_end: value
                .get("current_period_end")
                .or_else(|| value.pointer("/items/data/0/current_period_end"))
                .and_then(Value::as_i64),
            metadata: value
                .get("metadata")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default(),
        })
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

/// Stripe's API at a base URL, through the installation's one HTTP client.
#[derive(Debug, Clone)]
pub struct Stripe {
    /// `None`: Stripe's own ([`STRIPE_API`]).
    base: Option<Url>,
    http: WebhookClient,
}

/// The most of an answer read: Stripe's objects are a few kilobytes.
const ANSWER_LIMIT: usize = 256 * 1024;

impl Stripe {
    /// Stripe's API at `base`, or at Stripe when `None`. `base` is trusted (the operator's
    /// configuration), so the client may reach it over any network the operator chose.
    pub fn new(base: Option<Url>) -> Self {
        let base = base.map(|mut base| {
            // Joined with relative paths below: a base with a path ends with its slash.
            if !base.path().ends_with('/') {
                let path = format!("{}/", base.path());
                base.set_path(&path);
            }
            base
        });
        Self {
            base,
            http: WebhookClient::new(true),
        }
    }

    /// The origins of Stripe's hosted pages people are sent to (Checkout, the customer
    /// portal), space-separated: Stripe's own, or the stand-in's (at its API's origin).
    pub fn hosted_origins(&self) -> String {
        match &self.base {
            Some(base) => base.origin().ascii_serialization(),
            None => HOSTED_ORIGINS.to_owned(),
        }
    }

    async fn call(
        &self,
        key: &SecretKey,
        method: Method,
        path: &str,
        form: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, StripeError> {
        let url = match &self.base {
            Some(base) => base.join(path),
            None => Url::parse(STRIPE_API).and_then(|base| base.join(path)),
        }
        .map_err(|_| StripeError::Unexpected)?;
        let mut headers = vec![("authorization", format!("Bearer {}", key.expose()))];
        if let Some(idempotency_key) = idempotency_key {
            headers.push(("idempotency-key", idempotency_key.to_owned()));
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let answer = self
            .http
            .call(Outgoing {
                method,
                url: &url,
                headers: &headers,
                content_type: "application/x-www-form-urlencoded",
                body,
                answer_limit: ANSWER_LIMIT,
            })
            .await
            .map_err(|e| StripeError::Unreachable(Some(e)))?;
        let value: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        match answer.status {
            200..=299 => Ok(value),
            401 | 403 => Err(StripeError::KeyRefused),
            429 | 500..=599 => Err(StripeError::Unreachable(None)),
            _ => Err(StripeError::Refused(
                value
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("the request was not accepted")
                    .chars()
                    .take(300)
                    .collect(),
            )),
        }
    }

    /// Whether `key` opens the account (one Checkout Session listed).
    pub async fn check_key(&self, key: &SecretKey) -> Result<(), StripeError> {
        self.call(key, Method::GET, "v1/checkout/sessions?limit=1", &[], None)
            .await
            .map(|_| ())
    }

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

    /// A customer for an organization (the operator's billing), its id.
    pub async fn create_customer(
        &self,
        key: &SecretKey,
        org: leadvault_store::OrgId,
        idempotency_key: &str,
    ) -> Result<String, StripeError> {
        let form = [
            (
                "description".to_owned(),
                format!("Leadvault organization {org}"),
            ),
            ("metadata[leadvault_org]".to_owned(), org.to_string()),
        ];
        let value = self
            .call(
                key,
                Method::POST,
                "v1/customers",
                &form,
                Some(idempotency_key),
            )
            .await?;
        value
            .get("id")
            .and_then(Value::as_str)
            .filter(|_| value.get("object").and_then(Value::as_str) == Some("customer"))
            .map(str::to_owned)
            .ok_or(StripeError::Unexpected)
    }

    /// Checkout in subscription mode for `price`, for the organization's `customer`.
    pub async fn create_subscription_checkout(
        &self,
        key: &SecretKey,
        customer: &str,
        price: &str,
        org: leadvault_store::OrgId,
        return_url: &str,
        idempotency_key: &str,
    ) -> Result<Session, StripeError> {
        let form = [
            ("mode".to_owned(), "subscription".to_owned()),
            ("customer".to_owned(), customer.to_owned()),
            ("line_items[0][price]".to_owned(), price.to_owned()),
            ("line_items[0][quantity]".to_owned(), "1".to_owned()),
            ("client_reference_id".to_owned(), org.to_string()),
            ("metadata[leadvault_org]".to_owned(), org.to_string()),
            (
                "subscription_data[metadata][leadvault_org]".to_owned(),
                org.to_string(),
            ),
            ("success_url".to_owned(), return_url.to_owned()),
            ("cancel_url".to_owned(), return_url.to_owned()),
        ];
        let value = self
            .call(
                key,
                Method::POST,
                "v1/checkout/sessions",
                &form,
                Some(idempotency_key),
            )
            .await?;
        Session::from_json(&value)
    }

    /// A session of Stripe's customer portal for `customer`: its URL.
    pub async fn billing_portal_session(
        &self,
        key: &SecretKey,
        customer: &str,
        return_url: &str,
    ) -> Result<String, StripeError> {
        let form = [
            ("customer".to_owned(), customer.to_owned()),
            ("return_url".to_owned(), return_url.to_owned()),
        ];
        let value = self
            .call(key, Method::POST, "v1/billing_portal/sessions", &form, None)
            .await?;
        value
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(StripeError::Unexpected)
    }

    /// A subscription read back.
    pub async fn subscription(
        &self,
        key: &SecretKey,
        id: &str,
    ) -> Result<Subscription, StripeError> {
        let id = path_segment(id)?;
        let value = self
            .call(
                key,
                Method::GET,
                &format!("v1/subscriptions/{id}"),
                &[],
                None,
            )
            .await?;
        Subscription::from_json(&value)
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

/// A Stripe id fit for a URL path: letters, digits and underscores only.
fn path_segment(id: &str) -> Result<&str, StripeError> {
    if !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(id)
    } else {
        Err(StripeError::Unexpected)
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
