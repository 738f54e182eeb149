//! `[billing]`: the plans an operator who hosts Leadvault for many organizations sells them
//! through Stripe Billing. Off unless plans are listed; then the operator's own Stripe key
//! and webhook signing secret must be given, in the environment (never in the file):
//! `LEADVAULT_BILLING_STRIPE_KEY` and `LEADVAULT_BILLING_SIGNING_SECRET`.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;

use crate::resolve::{ConfigError, invalid};

/// `[billing]` as written.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BillingLayer {
    pub plans: Option<Vec<PlanLayer>>,
    /// How long a new organization may work before it needs a plan (default 14).
    pub trial_days: Option<u32>,
    /// How long a plan whose payment failed or that ended keeps working (default 14).
    pub grace_days: Option<u32>,
    /// From `LEADVAULT_BILLING_STRIPE_KEY` only.
    #[serde(skip)]
    pub stripe_key: Option<String>,
    /// From `LEADVAULT_BILLING_SIGNING_SECRET` only.
    #[serde(skip)]
    pub signing_secret: Option<String>,
}

/// One plan as written: `[[billing.plans]]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PlanLayer {
    /// A short name of the operator's choosing (`standard`).
    pub id: String,
    /// As organizations read it (`Standard, USD 49 a month`).
    pub name: String,
    /// The Stripe Price it is sold at (`price_…`, recurring).
    pub stripe_price: String,
}

impl BillingLayer {
    #[must_use]
    pub fn overridden_by(self, over: Self) -> Self {
        Self {
            plans: over.plans.or(self.plans),
            trial_days: over.trial_days.or(self.trial_days),
            grace_days: over.grace_days.or(self.grace_days),
            stripe_key: over.stripe_key.or(self.stripe_key),
            signing_secret: over.signing_secret.or(self.signing_secret),
        }
    }
}

/// A plan, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSettings {
    pub id: String,
    pub name: String,
    pub stripe_price: String,
}

/// The operator's billing, validated: plans, the trial and the grace period, and the
/// operator's Stripe key and signing secret (redacted when printed).
#[derive(Clone, PartialEq, Eq)]
pub struct BillingSettings {
    pub plans: Vec<PlanSettings>,
    pub trial_days: u32,
    pub grace_days: u32,
    pub stripe_key: String,
    pub signing_secret: String,
}

impl fmt::Debug for BillingSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingSettings")
            .field("plans", &self.plans)
            .field("trial_days", &self.trial_days)
            .field("grace_days", &self.grace_days)
            .finish_non_exhaustive()
    }
}

const DEFAULT_DAYS: u32 = 14;

/// `None` unless plans are listed.
pub(crate) fn resolve(layer: BillingLayer) -> Result<Option<BillingSettings>, ConfigError> {
    let plans = layer.plans.unwrap_or_default();
    if plans.is_empty() {
        return Ok(None);
    }
    let mut seen = BTreeSet::new();
    let mut checked = Vec::new();
    for plan in plans {
        let id_ok = !plan.id.is_empty()
            && plan.id.len() <= 40
            && plan
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(invalid(
                "billing.plans.id",
                "lower-case letters, digits, - and _, at most 40",
            ));
        }
        if !seen.insert(plan.id.clone()) {
            return Err(invalid(
                "billing.plans.id",
                format!("{} is listed twice", plan.id),
            ));
        }
        if plan.name.trim().is_empty() || plan.name.chars().count() > 100 {
            return Err(invalid(
                "billing.plans.name",
                "a name of 1 to 100 characters",
            ));
        }
        if !plan.stripe_price.starts_with("price_") {
            return Err(invalid(
                "billing.plans.stripe_price",
                "a Stripe Price id, price_…",
            ));
        }
        checked.push(PlanSettings {
            id: plan.id,
            name: plan.name.trim().to_owned(),
            stripe_price: plan.stripe_price,
        });
    }
    let stripe_key = layer.stripe_key.filter(|k| !k.is_empty()).ok_or_else(|| {
        invalid(
            "billing",
            "plans are listed: set LEADVAULT_BILLING_STRIPE_KEY to the operator's Stripe key",
        )
    })?;
    let signing_secret = layer.signing_secret.filter(|s| !s.is_empty()).ok_or_else(|| {
        invalid(
            "billing",
            "plans are listed: set LEADVAULT_BILLING_SIGNING_SECRET to the signing secret of the webhook endpoint /billing/stripe/webhooks",
        )
    })?;
    Ok(Some(BillingSettings {
        plans: checked,
        trial_days: layer.trial_days.unwrap_or(DEFAULT_DAYS),
        grace_days: layer.grace_days.unwrap_or(DEFAULT_DAYS),
        stripe_key,
        signing_secret,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(id: &str, price: &str) -> PlanLayer {
        PlanLayer {
            id: id.into(),
            name: "Standard".into(),
            stripe_price: price.into(),
        }
    }

    #[test]
    fn billing_is_off_without_plans_and_needs_its_secrets_with_them() {
        assert_eq!(resolve(BillingLayer::default()).unwrap(), None);
        let mut layer = BillingLayer {
            plans: Some(vec![plan("standard", "price_123")]),
            ..BillingLayer::default()
        };
        assert!(resolve(layer.clone()).is_err(), "no key");
        layer.stripe_key = Some("sk_test_x".into());
        assert!(resolve(layer.clone()).is_err(), "no signing secret");
        layer.signing_secret = Some("whsec_x".into());
        let settings = resolve(layer.clone()).unwrap().unwrap();
        assert_eq!((settings.trial_days, settings.grace_days), (14, 14));
        assert!(!format!("{settings:?}").contains("sk_test_x"));
        layer.plans = Some(vec![
            plan("standard", "price_1"),
            plan("standard", "price_2"),
        ]);
        assert!(resolve(layer.clone()).is_err(), "twice");
        layer.plans = Some(vec![plan("Standard Plan", "price_1")]);
        assert!(resolve(layer.clone()).is_err(), "an id");
        layer.plans = Some(vec![plan("standard", "prod_1")]);
        assert!(resolve(layer).is_err(), "a product, not a price");
    }
}
