//! What an organization charges: one currency, a price per job type of its work orders, a
//! rush surcharge, and a fee per consultation form. The amount of every Checkout Session
//! comes from here, on the server, never from what a browser sent.

use std::collections::BTreeMap;

use leadvault_audit::{Acting, Chain, append};
use leadvault_intake::{FormId, OrderSummary};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope};

use crate::actions::PaymentAction;
use crate::error::PaymentError;
use crate::money::{Currency, Money};

/// The plain answer of a work-order form that names the job ("Court filing"); a form
/// without one is a job type of its own, named by the form.
pub const JOB_FIELD: &str = "job";

/// An organization's prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceList {
    pub currency: Currency,
    /// By job type.
    pub jobs: BTreeMap<String, Money>,
    /// Added to an order's price when the client ticked the rush box.
    pub rush_surcharge: Option<Money>,
    /// By consultation form.
    pub consultation_fees: BTreeMap<FormId, Money>,
}

impl PriceList {
    pub fn empty(currency: Currency) -> Self {
        Self {
            currency,
            jobs: BTreeMap::new(),
            rush_surcharge: None,
            consultation_fees: BTreeMap::new(),
        }
    }

    /// The job type of an order: its `job` answer, or its form's name.
    pub fn job_of(order: &OrderSummary) -> &str {
        order
            .details
            .get(JOB_FIELD)
            .map(String::as_str)
            .unwrap_or(&order.form_name)
    }

    /// What an order costs; `None` when its job type has no price (it is then not paid
    /// through Leadvault).
    pub fn for_order(&self, order: &OrderSummary) -> Result<Option<Money>, PaymentError> {
        let Some(price) = self.jobs.get(Self::job_of(order)) else {
            return Ok(None);
        };
        match (&self.rush_surcharge, order.schedule.rush) {
            (Some(surcharge), true) => Ok(Some(price.plus(surcharge.minor())?)),
            _ => Ok(Some(*price)),
        }
    }

    pub fn consultation_fee(&self, form: FormId) -> Option<Money> {
        self.consultation_fees.get(&form).copied()
    }
}

/// The organization's prices (an empty list in dollars until someone sets them).
pub async fn price_list(db: &Db, org: OrgId) -> Result<PriceList, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let settings =
        sqlx::query("SELECT currency, rush_surcharge FROM payment_settings WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let rows = sqlx::query("SELECT kind, item, amount FROM payment_prices WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let corrupt = || PaymentError::Corrupt("a price");
    let (currency, rush) = match settings {
        Some(row) => (
            Currency::parse(&row.try_get::<String, _>(0)?).ok_or_else(corrupt)?,
            row.try_get::<Option<i64>, _>(1)?,
        ),
        None => (Currency::USD, None),
    };
    let money = |minor: i64| Money::new(minor, currency).map_err(|_| corrupt());
    let mut list = PriceList::empty(currency);
    list.rush_surcharge = rush.map(money).transpose()?;
    for row in rows {
        let kind: String = row.try_get(0)?;
        let item: String = row.try_get(1)?;
        let amount = money(row.try_get(2)?)?;
        match kind.as_str() {
            "job" => {
                list.jobs.insert(item, amount);
            }
            "consultation" => {
                let form = FormId::parse(&item).ok_or_else(corrupt)?;
                list.consultation_fees.insert(form, amount);
            }
            _ => return Err(corrupt()),
        }
    }
    Ok(list)
}

/// The fee of consultation form `form`, if its organization takes payments through Stripe
/// and set one. One small query by key: every submission of a public form asks it.
pub async fn consultation_fee(
    db: &Db,
    org: OrgId,
    form: FormId,
) -> Result<Option<Money>, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "SELECT p.amount, COALESCE(s.currency, 'usd') FROM payment_prices p \
         JOIN stripe_accounts a ON a.org_id = p.org_id \
         LEFT JOIN payment_settings s ON s.org_id = p.org_id \
         WHERE p.org_id = $1 AND p.kind = 'consultation' AND p.item = $2",
    )
    .bind(org.to_string())
    .bind(form.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let corrupt = || PaymentError::Corrupt("a consultation fee");
    let currency = Currency::parse(&row.try_get::<String, _>(1)?).ok_or_else(corrupt)?;
    Money::new(row.try_get(0)?, currency)
        .map(Some)
        .map_err(|_| corrupt())
}

/// Replaces the organization's prices with `list`, audited.
pub async fn set_prices(db: &Db, acting: &Acting, list: &PriceList) -> Result<(), PaymentError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    if let Some(wrong) = list
        .jobs
        .values()
        .chain(list.consultation_fees.values())
        .chain(list.rush_surcharge.iter())
        .find(|money| money.currency() != list.currency)
    {
        return Err(PaymentError::Invalid(format!(
            "every price is in {}, not {}",
            list.currency,
            wrong.currency()
        )));
    }
    if let Some(long) = list.jobs.keys().find(|job| job.chars().count() > 200) {
        return Err(PaymentError::Invalid(format!(
            "a job type's name is at most 200 characters: {}…",
            long.chars().take(40).collect::<String>()
        )));
    }
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    sqlx::query(
        "INSERT INTO payment_settings (org_id, currency, rush_surcharge) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id) DO UPDATE SET currency = $2, rush_surcharge = $3",
    )
    .bind(org.to_string())
    .bind(list.currency.code())
    .bind(list.rush_surcharge.map(Money::minor))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM payment_prices WHERE org_id = $1")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
    let rows = list
        .jobs
        .iter()
        .map(|(job, money)| ("job", job.clone(), money))
        .chain(
            list.consultation_fees
                .iter()
                .map(|(form, money)| ("consultation", form.to_string(), money)),
        );
    for (kind, item, money) in rows {
        sqlx::query(
            "INSERT INTO payment_prices (org_id, kind, item, amount) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.to_string())
        .bind(kind)
        .bind(item)
        .bind(money.minor())
        .execute(&mut *tx)
        .await?;
    }
    let event = by
        .event(PaymentAction::PricesChanged)
        .on("price_list", org)
        .touching(&["currency", "jobs", "rush_surcharge", "consultation_fees"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(())
}
