//! Stripe Billing, for the operator's plans: customers, Checkout in subscription mode, the
//! customer portal, and subscriptions read back.

use std::collections::BTreeMap;

use hyper::Method;
use serde_json::Value;

use super::{Session, Stripe, StripeError, metadata_of, path_segment};
use crate::secrets::SecretKey;

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
            metadata: metadata_of(value),
        })
    }
}

impl Stripe {
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
}
