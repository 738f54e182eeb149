//! The calls Leadvault makes to Stripe's API (<https://docs.stripe.com/api>): form-encoded
//! requests with the organization's key as a bearer token, an `Idempotency-Key` on every
//! create, JSON answers read into the few fields Leadvault keeps. The base URL is the
//! operator's setting (Stripe's own, or the tests' stand-in).

mod billing;
mod checkout;

use hyper::Method;
use leadvault_webhooks::{Outgoing, SendError, WebhookClient};
use serde_json::Value;
use url::Url;

use crate::secrets::SecretKey;

pub use billing::Subscription;
pub use checkout::{NewSession, Refund, Session};

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
}

/// An object's `metadata` (string values only), as Stripe returns it on every object.
fn metadata_of(value: &Value) -> std::collections::BTreeMap<String, String> {
    value
        .get("metadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
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
