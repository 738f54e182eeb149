//! The API calls Leadvault makes, answered with the shapes of Stripe's API: Checkout
//! Sessions, refunds, customers, subscriptions and billing portal sessions, each account's
//! own, `Idempotency-Key` honoured.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Refused, StripeStandIn, error, now};

pub(super) type Form = Vec<(String, String)>;

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn parse_form(body: &[u8]) -> Form {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The answer recorded for this idempotency key, if the request was made before.
fn replayed(stand_in: &StripeStandIn, account: &str, key: &Option<String>) -> Option<Value> {
    let key = key.as_ref()?;
    stand_in
        .shared
        .lock()
        .unwrap()
        .idempotent
        .get(&(account.to_owned(), key.clone()))
        .cloned()
}

fn remember(stand_in: &StripeStandIn, account: &str, key: &Option<String>, answer: &Value) {
    if let Some(key) = key {
        stand_in
            .shared
            .lock()
            .unwrap()
            .idempotent
            .insert((account.to_owned(), key.clone()), answer.clone());
    }
}

/// How a create call begins: recorded, then either refused (a key that opens no account),
/// answered as before (an `Idempotency-Key` seen already), or fresh.
enum Begun {
    Fresh {
        account: String,
        key: Option<String>,
    },
    Answered(Response),
}

fn begin(stand_in: &StripeStandIn, path: &str, headers: &HeaderMap) -> Begun {
    let (account, key) = match stand_in.received("POST", path, headers) {
        Ok(received) => received,
        Err(refused) => return Begun::Answered(refused.into_response()),
    };
    match replayed(stand_in, &account, &key) {
        Some(answer) => Begun::Answered(axum::Json(answer).into_response()),
        None => Begun::Fresh { account, key },
    }
}

pub(super) async fn create_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, key) = match begin(&stand_in, "/v1/checkout/sessions", &headers) {
        Begun::Fresh { account, key } => (account, key),
        Begun::Answered(answer) => return answer,
    };
    let form = parse_form(&body);
    let missing = |name: &str| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            &format!("Missing required param: {name}."),
        )
    };
    let Some(mode @ ("payment" | "subscription")) = field(&form, "mode") else {
        return missing("mode");
    };
    let Some(success_url) = field(&form, "success_url") else {
        return missing("success_url");
    };
    if url::Url::parse(success_url).is_err() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Not a valid URL",
        );
    }
    let price = field(&form, "line_items[0][price]");
    let customer = field(&form, "customer");
    let amount =
        field(&form, "line_items[0][price_data][unit_amount]").and_then(|a| a.parse::<i64>().ok());
    let currency = field(&form, "line_items[0][price_data][currency]");
    let (amount, currency) = match (mode, amount, currency, price, customer) {
        ("payment", Some(amount), Some(currency), _, _) => (json!(amount), json!(currency)),
        ("subscription", _, _, Some(price), Some(_)) if price.starts_with("price_") => {
            (Value::Null, Value::Null)
        }
        ("subscription", ..) => return missing("line_items[0][price] and customer"),
        _ => return missing("line_items[0][price_data]"),
    };
    let metadata: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((name.to_owned(), v.clone()))
        })
        .collect();
    let subscription_metadata: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| {
            let name = k
                .strip_prefix("subscription_data[metadata][")?
                .strip_suffix(']')?;
            Some((name.to_owned(), v.clone()))
        })
        .collect();
    let id = stand_in.shared.lock().unwrap().next_id("cs");
    let session = json!({
        "price": price, "customer": customer, "subscription": null,
        "subscription_metadata": subscription_metadata,
        "id": id, "object": "checkout.session", "mode": mode, "status": "open",
        "payment_status": "unpaid", "amount_total": amount, "currency": currency,
        "client_reference_id": field(&form, "client_reference_id"),
        "metadata": metadata, "payment_intent": null,
        "success_url": success_url, "cancel_url": field(&form, "cancel_url"),
        "line_items_name": field(&form, "line_items[0][price_data][product_data][name]"),
        "url": format!("http://{}/checkout/{id}", stand_in.addr),
        "expires_at": now() + 24 * 3600, "livemode": false,
    });
    stand_in
        .shared
        .lock()
        .unwrap()
        .sessions
        .insert(id, (account.clone(), session.clone()));
    remember(&stand_in, &account, &key, &session);
    axum::Json(session).into_response()
}

pub(super) async fn list_sessions(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (account, _) = match stand_in.received("GET", "/v1/checkout/sessions", &headers) {
        Ok(received) => received,
        Err(refused) => return refused.into_response(),
    };
    let data: Vec<Value> = stand_in
        .shared
        .lock()
        .unwrap()
        .sessions
        .values()
        .filter(|(owner, _)| *owner == account)
        .filter(|(_, s)| match query.get("payment_intent") {
            Some(intent) => s["payment_intent"] == json!(intent),
            None => true,
        })
        .map(|(_, s)| s.clone())
        .collect();
    axum::Json(
        json!({"object": "list", "url": "/v1/checkout/sessions", "has_more": false, "data": data}),
    )
    .into_response()
}

pub(super) async fn retrieve_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (account, _) =
        match stand_in.received("GET", &format!("/v1/checkout/sessions/{id}"), &headers) {
            Ok(received) => received,
            Err(refused) => return refused.into_response(),
        };
    match stand_in.owned_session(&account, &id) {
        Ok(session) => axum::Json(session).into_response(),
        Err(refused) => refused.into_response(),
    }
}

pub(super) async fn expire_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (account, _) = match stand_in.received(
        "POST",
        &format!("/v1/checkout/sessions/{id}/expire"),
        &headers,
    ) {
        Ok(received) => received,
        Err(refused) => return refused.into_response(),
    };
    if let Err(refused) = stand_in.owned_session(&account, &id) {
        return refused.into_response();
    }
    let (_, session) = stand_in.update_session(&id, |s| {
        s["status"] = json!("expired");
        s["url"] = Value::Null;
    });
    // As Stripe does, the expiry is reported by webhook, after the answer.
    let reporter = stand_in.clone();
    let reported = session.clone();
    tokio::spawn(async move {
        reporter
            .send_event(&account, "checkout.session.expired", reported)
            .await;
    });
    axum::Json(session).into_response()
}

pub(super) async fn create_refund(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, key) = match begin(&stand_in, "/v1/refunds", &headers) {
        Begun::Fresh { account, key } => (account, key),
        Begun::Answered(answer) => return answer,
    };
    let form = parse_form(&body);
    let Some(intent) = field(&form, "payment_intent") else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Missing required param: payment_intent.",
        );
    };
    let amount = field(&form, "amount").and_then(|a| a.parse::<i64>().ok());
    let Some(amount) = amount.filter(|a| *a > 0) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Invalid positive integer",
        );
    };
    match stand_in.refund(intent, amount) {
        Ok((owner, _)) if owner == account => {
            let id = stand_in.shared.lock().unwrap().next_id("re");
            let refund = json!({
                "id": id, "object": "refund", "amount": amount, "payment_intent": intent,
                "status": "succeeded", "currency": "usd",
            });
            remember(&stand_in, &account, &key, &refund);
            axum::Json(refund).into_response()
        }
        Ok(_) => error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such payment_intent",
        ),
        Err(message) => error(StatusCode::BAD_REQUEST, "invalid_request_error", message),
    }
}

/// Stripe's hosted page, much simplified: what is paid for, and a button to pay.
pub(super) async fn create_customer(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, key) = match begin(&stand_in, "/v1/customers", &headers) {
        Begun::Fresh { account, key } => (account, key),
        Begun::Answered(answer) => return answer,
    };
    let form = parse_form(&body);
    let metadata: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((name.to_owned(), v.clone()))
        })
        .collect();
    let id = stand_in.shared.lock().unwrap().next_id("cus");
    let customer = json!({"id": id, "object": "customer", "metadata": metadata,
                          "description": field(&form, "description")});
    stand_in
        .shared
        .lock()
        .unwrap()
        .customers
        .insert(id, (account.clone(), customer.clone()));
    remember(&stand_in, &account, &key, &customer);
    axum::Json(customer).into_response()
}

pub(super) async fn retrieve_subscription(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (account, _) = match stand_in.received("GET", &format!("/v1/subscriptions/{id}"), &headers)
    {
        Ok(received) => received,
        Err(refused) => return refused.into_response(),
    };
    match stand_in.shared.lock().unwrap().subscriptions.get(&id) {
        Some((owner, subscription)) if *owner == account => {
            axum::Json(subscription.clone()).into_response()
        }
        _ => Refused(
            StatusCode::NOT_FOUND,
            format!("No such subscription: '{id}'"),
        )
        .into_response(),
    }
}

pub(super) async fn create_portal_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, _) = match stand_in.received("POST", "/v1/billing_portal/sessions", &headers) {
        Ok(received) => received,
        Err(refused) => return refused.into_response(),
    };
    let form = parse_form(&body);
    let customer = field(&form, "customer").unwrap_or_default().to_owned();
    let owned = matches!(
        stand_in.shared.lock().unwrap().customers.get(&customer),
        Some((owner, _)) if *owner == account
    );
    if !owned {
        return Refused(
            StatusCode::NOT_FOUND,
            format!("No such customer: '{customer}'"),
        )
        .into_response();
    }
    axum::Json(json!({
        "id": "bps_1", "object": "billing_portal.session", "customer": customer,
        "return_url": field(&form, "return_url"),
        "url": format!("http://{}/billing/{customer}", stand_in.addr),
    }))
    .into_response()
}
