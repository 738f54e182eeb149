//! The operator's billing of organizations (for an operator who hosts Leadvault for many
//! firms): plans sold through Stripe Billing on the operator's own Stripe account. An owner
//! subscribes through Checkout in subscription mode and changes card or reads invoices in
//! Stripe's customer portal; the organization's plan and state are kept from the operator's
//! Stripe webhooks (each event once, the subscription fetched back). An organization without
//! a plan in good standing keeps working through a trial (when new) or a grace period (when
//! its payment fails or its plan ends); after that it has *lapsed*: its members may still
//! read and export everything, and nothing of its data is lost, but they change nothing
//! until a plan is in good standing again. Off unless the operator lists plans.

use leadvault_audit::{Acting, By, Chain, append};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};
use serde_json::Value;
use uuid::Uuid;

use crate::actions::PaymentAction;
use crate::error::PaymentError;
use crate::events::STRIPE_ACTOR;
use crate::secrets::{SecretKey, SigningSecret};
use crate::signature::verify;
use crate::stripe::{Stripe, Subscription};

const DAY_SECONDS: u64 = 24 * 3600;

/// A plan the operator sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub name: String,
    /// The recurring Stripe Price (`price_…`).
    pub price: String,
}

/// The operator's billing, as `serve` is configured.
#[derive(Debug)]
pub struct OperatorBilling {
    pub plans: Vec<Plan>,
    pub trial_days: u32,
    pub grace_days: u32,
    /// The operator's own Stripe key (not an organization's).
    pub key: SecretKey,
    /// The signing secret of the operator's endpoint, `/billing/stripe/webhooks`.
    pub signing_secrets: Vec<SigningSecret>,
}

impl OperatorBilling {
    fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.id == id)
    }

    fn plan_of_price(&self, price: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.price == price)
    }
}

/// A subscription's status, as Stripe names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Trialing,
    Active,
    Incomplete,
    IncompleteExpired,
    PastDue,
    Unpaid,
    Canceled,
    Paused,
}

impl SubscriptionStatus {
    const ALL: [SubscriptionStatus; 8] = [
        Self::Trialing,
        Self::Active,
        Self::Incomplete,
        Self::IncompleteExpired,
        Self::PastDue,
        Self::Unpaid,
        Self::Canceled,
        Self::Paused,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::PastDue => "past_due",
            Self::Unpaid => "unpaid",
            Self::Canceled => "canceled",
            Self::Paused => "paused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Trialing => "trial",
            Self::Active => "active",
            Self::Incomplete => "waiting for the first payment",
            Self::IncompleteExpired => "first payment never made",
            Self::PastDue => "payment failed; Stripe is retrying",
            Self::Unpaid => "unpaid",
            Self::Canceled => "ended",
            Self::Paused => "paused",
        }
    }

    /// Ended for good: a new subscription may start.
    pub fn is_over(self) -> bool {
        matches!(self, Self::Canceled | Self::IncompleteExpired)
    }

    /// Paid up (or in Stripe's own trial).
    pub fn in_good_standing(self) -> bool {
        matches!(self, Self::Trialing | Self::Active)
    }
}

/// What an organization may do under its plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A plan in good standing.
    Good,
    /// New, without a plan yet: everything works until then.
    Trial { until: Timestamp },
    /// Its plan's payment failed or it ended: everything works until then.
    Grace { until: Timestamp },
    /// Read and export only, since then; nothing is deleted.
    Lapsed { since: Timestamp },
}

impl Standing {
    /// Whether the organization's members may change things.
    pub fn may_change(self) -> bool {
        !matches!(self, Self::Lapsed { .. })
    }
}

/// An organization's plan, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPlan {
    /// The plan's id (as configured), once subscribed.
    pub plan: Option<String>,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    pub status: Option<SubscriptionStatus>,
    pub current_period_end: Option<Timestamp>,
    /// When it stopped being in good standing (or, never subscribed, when it was created).
    pub standing: Standing,
}

/// The organization's plan and standing at `now`.
pub async fn org_plan(
    db: &Db,
    billing: &OperatorBilling,
    org: OrgId,
    now: Timestamp,
) -> Result<OrgPlan, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "SELECT o.created_at, p.plan, p.customer_id, p.subscription_id, p.status, \
         p.current_period_end, p.lapsed_at FROM organizations o \
         LEFT JOIN org_plans p ON p.org_id = o.id WHERE o.id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(PaymentError::NotConnected)?;
    tx.commit().await?;
    let created = Timestamp::from_unix_micros(row.try_get(0)?);
    let status = row
        .try_get::<Option<String>, _>(4)?
        .map(|s| SubscriptionStatus::parse(&s).ok_or(PaymentError::Corrupt("a plan's status")))
        .transpose()?;
    let lapsed_at = row
        .try_get::<Option<i64>, _>(6)?
        .map(Timestamp::from_unix_micros);
    let days = |n: u32| std::time::Duration::from_secs(u64::from(n) * DAY_SECONDS);
    let standing = match (status, lapsed_at) {
        (Some(status), _) if status.in_good_standing() => Standing::Good,
        (Some(_), since) => {
            let since = since.unwrap_or(now);
            let until = since.saturating_add(days(billing.grace_days));
            if now < until {
                Standing::Grace { until }
            } else {
                Standing::Lapsed { since: until }
            }
        }
        (None, _) => {
            let until = created.saturating_add(days(billing.trial_days));
            if now < until {
                Standing::Trial { until }
            } else {
                Standing::Lapsed { since: until }
            }
        }
    };
    Ok(OrgPlan {
        plan: row.try_get(1)?,
        customer: row.try_get(2)?,
        subscription: row.try_get(3)?,
        status,
        current_period_end: row
            .try_get::<Option<i64>, _>(5)?
            .map(Timestamp::from_unix_micros),
        standing,
    })
}

/// Checkout in subscription mode for `plan`, on the operator's account: the organization's
/// Stripe customer made first (once). Where to send the owner.
pub async fn subscribe(
    db: &Db,
    stripe: &Stripe,
    billing: &OperatorBilling,
    acting: &Acting,
    plan: &str,
    return_url: &str,
) -> Result<String, PaymentError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let plan = billing
        .plan(plan)
        .ok_or_else(|| PaymentError::Invalid("there is no such plan".into()))?;
    let current = org_plan(db, billing, org, now).await?;
    // One subscription at a time: one still alive (paid, or being retried) is changed in
    // the customer portal, never doubled by a second Checkout.
    if current.status.is_some_and(|s| !s.is_over()) {
        return Err(PaymentError::Invalid(
            "this organization has a plan; change it, or pay what is due, in the billing portal"
                .into(),
        ));
    }
    let customer = match current.customer {
        Some(customer) => customer,
        None => {
            let customer = stripe
                .create_customer(&billing.key, org, &format!("leadvault-customer-{org}"))
                .await?;
            let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
            sqlx::query(
                "INSERT INTO org_plans (org_id, customer_id, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (org_id) DO UPDATE SET customer_id = COALESCE(org_plans.customer_id, $2)",
            )
            .bind(org.to_string())
            .bind(&customer)
            .bind(now.as_unix_micros())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            customer
        }
    };
    let session = stripe
        .create_subscription_checkout(
            &billing.key,
            &customer,
            &plan.price,
            org,
            return_url,
            &format!(
                "leadvault-plan-{org}-{}-{}",
                plan.id,
                now.as_unix_micros() / 60_000_000
            ),
        )
        .await?;
    let url = session
        .url
        .ok_or(PaymentError::Stripe(crate::stripe::StripeError::Unexpected))?;
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let event = by
        .event(PaymentAction::PlanCheckoutStarted)
        .on("plan", &plan.id)
        .touching(&["plan"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(url)
}

/// Stripe's customer portal for the organization (card, invoices, cancelling): where to
/// send the owner.
pub async fn billing_portal(
    db: &Db,
    stripe: &Stripe,
    billing: &OperatorBilling,
    org: OrgId,
    return_url: &str,
    now: Timestamp,
) -> Result<String, PaymentError> {
    let plan = org_plan(db, billing, org, now).await?;
    let customer = plan.customer.ok_or_else(|| {
        PaymentError::Invalid("this organization has no billing account yet: choose a plan".into())
    })?;
    Ok(stripe
        .billing_portal_session(&billing.key, &customer, return_url)
        .await?)
}

/// What an event of the operator's account did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanUpdate {
    Changed {
        org: OrgId,
        status: SubscriptionStatus,
    },
    Duplicate,
    Ignored,
}

/// The operator's Stripe webhook: `customer.subscription.created` / `updated` / `deleted`,
/// `checkout.session.completed` (subscription mode), `invoice.paid`,
/// `invoice.payment_failed`. Each is checked, recorded once, and applied from the
/// subscription as fetched back from Stripe.
pub async fn receive_plan_event(
    db: &Db,
    stripe: &Stripe,
    billing: &OperatorBilling,
    signature: &str,
    body: &[u8],
    request_id: Option<Uuid>,
    now: Timestamp,
) -> Result<PlanUpdate, PaymentError> {
    verify(
        signature,
        body,
        &billing.signing_secrets,
        now.as_unix_micros() / 1_000_000,
    )?;
    let event: Value = serde_json::from_slice(body).map_err(|_| PaymentError::NotAnEvent)?;
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
    let (Some(id), Some(kind), Some(object)) =
        (text("/id"), text("/type"), event.pointer("/data/object"))
    else {
        return Err(PaymentError::NotAnEvent);
    };
    let field = |name: &str| object.get(name).and_then(Value::as_str);
    let subscription_id = match kind {
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => field("id"),
        "checkout.session.completed" if field("mode") == Some("subscription") => {
            field("subscription")
        }
        "invoice.paid" | "invoice.payment_failed" => field("subscription").or_else(|| {
            object
                .pointer("/parent/subscription_details/subscription")
                .and_then(Value::as_str)
        }),
        _ => None,
    };
    let Some(subscription_id) = subscription_id else {
        return Ok(PlanUpdate::Ignored);
    };
    let subscription = match stripe.subscription(&billing.key, subscription_id).await {
        Ok(subscription) => subscription,
        // Stripe knows no such subscription (a forged or a deleted one): nothing to do.
        Err(crate::stripe::StripeError::Refused(_)) => return Ok(PlanUpdate::Ignored),
        Err(other) => return Err(other.into()),
    };
    let Some(org) = subscription
        .metadata
        .get("leadvault_org")
        .and_then(|o| OrgId::parse(o))
    else {
        return Ok(PlanUpdate::Ignored);
    };
    apply(db, billing, org, id, kind, &subscription, request_id, now).await
}

#[allow(clippy::too_many_arguments)] // the event, its subject and who records it
async fn apply(
    db: &Db,
    billing: &OperatorBilling,
    org: OrgId,
    event_id: &str,
    kind: &str,
    subscription: &Subscription,
    request_id: Option<Uuid>,
    now: Timestamp,
) -> Result<PlanUpdate, PaymentError> {
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "SELECT o.created_at, p.customer_id, p.subscription_id, p.status, p.lapsed_at \
         FROM organizations o LEFT JOIN org_plans p ON p.org_id = o.id WHERE o.id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(PaymentError::NotConnected)?;
    let created: i64 = row.try_get(0)?;
    let customer: Option<String> = row.try_get(1)?;
    let kept_subscription: Option<String> = row.try_get(2)?;
    let kept_status = row
        .try_get::<Option<String>, _>(3)?
        .and_then(|s| SubscriptionStatus::parse(&s));
    let was_lapsed: Option<i64> = row.try_get(4)?;
    // The subscription's customer must be the organization's, once it has one: metadata
    // alone does not move another organization's plan.
    if customer
        .as_ref()
        .is_some_and(|c| *c != subscription.customer)
    {
        return Ok(PlanUpdate::Ignored);
    }
    let status = SubscriptionStatus::parse(&subscription.status)
        .ok_or(PaymentError::Stripe(crate::stripe::StripeError::Unexpected))?;
    // Only the kept subscription moves the plan; another one of the same customer takes
    // over only from one that is over, and only once it is in good standing (a late event
    // of an old subscription never undoes the new one).
    let kept_is_over = kept_status.is_none_or(SubscriptionStatus::is_over);
    if kept_subscription
        .as_ref()
        .is_some_and(|kept| *kept != subscription.id)
        && !(kept_is_over && status.in_good_standing())
    {
        return Ok(PlanUpdate::Ignored);
    }
    let recorded = sqlx::query(
        "INSERT INTO billing_events (event_id, event_type, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(event_id)
    .bind(kind)
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if recorded == 0 {
        return Ok(PlanUpdate::Duplicate);
    }
    let plan = subscription
        .price
        .as_deref()
        .and_then(|price| billing.plan_of_price(price))
        .map(|p| p.id.clone());
    // The grace period counts from the first moment out of good standing; for an
    // organization never in good standing, from the end of its trial at the latest (a
    // failed first payment does not start a new trial).
    let trial_end =
        created.saturating_add(i64::from(billing.trial_days) * DAY_SECONDS as i64 * 1_000_000);
    let lapsed_at = if status.in_good_standing() {
        None
    } else {
        Some(was_lapsed.unwrap_or(match kept_status {
            None => now.as_unix_micros().min(trial_end),
            Some(_) => now.as_unix_micros(),
        }))
    };
    sqlx::query(
        "INSERT INTO org_plans (org_id, plan, customer_id, subscription_id, status, \
         current_period_end, lapsed_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id) DO UPDATE SET plan = COALESCE($2, org_plans.plan), \
         customer_id = $3, subscription_id = $4, status = $5, current_period_end = $6, \
         lapsed_at = $7, updated_at = $8",
    )
    .bind(org.to_string())
    .bind(plan)
    .bind(&subscription.customer)
    .bind(&subscription.id)
    .bind(status.name())
    .bind(
        subscription
            .current_period_end
            .map(|s| s.saturating_mul(1_000_000)),
    )
    .bind(lapsed_at)
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    let event = By::new(STRIPE_ACTOR, request_id)
        .event(PaymentAction::PlanUpdated)
        .on("plan", status.name())
        .touching(&["plan", "status"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(PlanUpdate::Changed { org, status })
}
