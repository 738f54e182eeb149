//! `/settings/payments`: connecting the organization's Stripe account (the keys sealed and
//! never shown again; a badge when they are test keys), the webhook address to give Stripe,
//! and the price list. Everything here needs the billing capability.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::Capability;
use leadvault_intake::form::{FieldType, FormKind};
use leadvault_intake::{FormId, list_forms};
use leadvault_payments::{
    Connect, Currency, JOB_FIELD, Money, PaymentError, PriceList, SecretKey, SigningSecret,
    connect_stripe, disconnect_stripe, price_list, set_prices, stripe_account,
};

use crate::payments::views::{PaymentSettingsPage, PriceRow};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::render::{render, utc};
use crate::web::shell::{Section, Shell};

pub(crate) const PAGE: &str = "/settings/payments";

/// The job types of the organization's published work-order forms: each form's `job`
/// choices, or the form's name where it has none; and its consultation forms.
async fn priced_items(
    state: &AppState,
    signed_in: &SignedIn,
) -> Result<(BTreeSet<String>, Vec<(FormId, String)>), AppError> {
    let mut jobs = BTreeSet::new();
    let mut consultations = Vec::new();
    for form in list_forms(state.db(), signed_in.org()).await? {
        if !form.published {
            continue;
        }
        match form.kind {
            FormKind::WorkOrder => {
                match form.definition.fields.iter().find(|f| {
                    f.key.as_str() == JOB_FIELD && f.field_type == FieldType::SingleChoice
                }) {
                    Some(field) => jobs.extend(field.choices.iter().cloned()),
                    None => {
                        jobs.insert(form.name.clone());
                    }
                }
            }
            FormKind::Consultation => consultations.push((form.id, form.name.clone())),
        }
    }
    Ok((jobs, consultations))
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let org = signed_in.org();
    let now = signed_in.acting.now;
    let account = stripe_account(state.db(), org, now).await?;
    let prices = price_list(state.db(), org).await?;
    let (mut jobs, consultations) = priced_items(state, signed_in).await?;
    // A priced job no published form offers any more keeps its row, so it can be cleared.
    jobs.extend(prices.jobs.keys().cloned());
    let amount = |money: Option<&Money>| money.map(|m| m.amount_text()).unwrap_or_default();
    let page = PaymentSettingsPage {
        shell: Some(Shell::of(state, signed_in, Section::Payments).await?),
        csrf: signed_in.csrf_token(),
        status_error: error.is_some(),
        error,
        notice,
        mode: account.as_ref().map(|a| a.mode.name()),
        connected_at: account
            .as_ref()
            .map(|a| utc(a.connected_at))
            .unwrap_or_default(),
        signing_secrets: account.as_ref().map_or(0, |a| a.signing_secrets),
        webhook_url: format!("{}/stripe/webhooks/{org}", state.public_origin()),
        currency: prices.currency.code().to_uppercase(),
        rush_surcharge: amount(prices.rush_surcharge.as_ref()),
        jobs: jobs
            .into_iter()
            .map(|job| PriceRow {
                amount: amount(prices.jobs.get(&job)),
                label: job.clone(),
                item: job,
            })
            .collect(),
        consultations: consultations
            .into_iter()
            .map(|(id, name)| PriceRow {
                item: id.to_string(),
                label: name,
                amount: amount(prices.consultation_fees.get(&id)),
            })
            .collect(),
    };
    let status = if page.status_error {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Billing).await?;
    page(&state, &signed_in, None, None).await
}

/// What a person can fix is shown on the page; anything else is an error.
async fn refused_or(
    state: &AppState,
    signed_in: &SignedIn,
    err: PaymentError,
) -> Result<Response, AppError> {
    match err {
        PaymentError::Invalid(_)
        | PaymentError::Amount(_)
        | PaymentError::Secret(_)
        | PaymentError::NotConnected
        | PaymentError::Stripe(_) => page(state, signed_in, Some(err.to_string()), None).await,
        other => Err(other.into()),
    }
}

pub async fn connect(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Billing).await?;
    let fields = Fields::parse(&body);
    let typed = |name| Some(fields.one(name).trim()).filter(|t| !t.is_empty());
    let parsed = (|| -> Result<Connect, PaymentError> {
        Ok(Connect {
            key: typed("secret_key").map(SecretKey::parse).transpose()?,
            signing_secret: typed("signing_secret")
                .map(SigningSecret::parse)
                .transpose()?,
        })
    })();
    let connect = match parsed {
        Ok(connect) => connect,
        Err(err) => return refused_or(&state, &signed_in, err).await,
    };
    match connect_stripe(
        state.db(),
        state.keyring(),
        state.stripe(),
        &signed_in.acting,
        connect,
    )
    .await
    {
        Ok(account) => {
            let notice = format!("Stripe is connected ({} mode).", account.mode.name());
            page(&state, &signed_in, None, Some(notice)).await
        }
        Err(err) => refused_or(&state, &signed_in, err).await,
    }
}

pub async fn disconnect(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Billing).await?;
    match disconnect_stripe(state.db(), &signed_in.acting).await {
        Ok(()) | Err(PaymentError::NotConnected) => Ok(Redirect::to(PAGE).into_response()),
        Err(other) => Err(other.into()),
    }
}

/// The price list a form sent, each amount checked in the chosen currency.
fn typed_prices(fields: &Fields) -> Result<PriceList, PaymentError> {
    let currency = Currency::parse(fields.one("currency"))
        .ok_or_else(|| PaymentError::Invalid("a currency is three letters, such as USD".into()))?;
    let amount = |text: &str| -> Result<Option<Money>, PaymentError> {
        let text = text.trim();
        if text.is_empty() {
            Ok(None)
        } else {
            Ok(Some(Money::parse(text, currency)?))
        }
    };
    let mut list = PriceList::empty(currency);
    list.rush_surcharge = amount(fields.one("rush_surcharge"))?;
    let jobs: BTreeMap<String, Money> = fields
        .all("job")
        .zip(fields.all("job_price"))
        .filter_map(|(job, price)| {
            amount(price)
                .map(|m| m.map(|m| (job.to_owned(), m)))
                .transpose()
        })
        .collect::<Result<_, _>>()?;
    list.jobs = jobs;
    for (form, fee) in fields
        .all("consultation")
        .zip(fields.all("consultation_fee"))
    {
        let form = FormId::parse(form)
            .ok_or_else(|| PaymentError::Invalid("an unknown consultation form".into()))?;
        if let Some(fee) = amount(fee)? {
            list.consultation_fees.insert(form, fee);
        }
    }
    Ok(list)
}

pub async fn save_prices(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Billing).await?;
    let fields = Fields::parse(&body);
    let list = match typed_prices(&fields) {
        Ok(list) => list,
        Err(err) => return refused_or(&state, &signed_in, err).await,
    };
    // Only the organization's own consultation forms may carry a fee.
    let (_, consultations) = priced_items(&state, &signed_in).await?;
    if list
        .consultation_fees
        .keys()
        .any(|id| !consultations.iter().any(|(own, _)| own == id))
    {
        let err = PaymentError::Invalid("an unknown consultation form".into());
        return refused_or(&state, &signed_in, err).await;
    }
    match set_prices(state.db(), &signed_in.acting, &list).await {
        Ok(()) => page(&state, &signed_in, None, Some("Prices saved.".into())).await,
        Err(err) => refused_or(&state, &signed_in, err).await,
    }
}
