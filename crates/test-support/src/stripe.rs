//! A stand-in for Stripe, for tests: Stripe cannot be reached from here, so this loopback
//! server answers the calls Leadvault makes with the shapes of Stripe's published API
//! (<https://docs.stripe.com/api>): Checkout Sessions (create, retrieve, list by payment
//! intent, expire), refunds; errors as `{"error": {...}}` with Stripe's statuses. It keeps
//! each account's objects apart (a key opens its own account only), honours
//! `Idempotency-Key`, serves a hosted checkout page whose "Pay" button completes the
//! session, and sends webhooks signed exactly as Stripe signs them (`Stripe-Signature:
//! t=…,v1=hex(HMAC-SHA256(secret, "t.body"))`).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use leadvault_payments::SigningSecret;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// A test key of the stand-in's first account (any well-formed key can be added).
pub const STRIPE_TEST_KEY: &str = "rk_test_51LeadvaultStandInAccountOne";
/// The webhook signing secret a test gives Leadvault for the first account.
pub const STRIPE_SIGNING_SECRET: &str = "whsec_StandInSigningSecretForAccountOne";

#[derive(Debug, Default)]
struct Account {
    /// Where this account's webhooks go, signed with which secret.
    webhook: Option<(String, String)>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Accounts by the key that opens them.
    accounts: HashMap<String, String>,
    account_settings: HashMap<String, Account>,
    /// Sessions by id, with the account they belong to.
    sessions: BTreeMap<String, (String, Value)>,
    /// Charges by payment intent.
    charges: HashMap<String, Value>,
    /// Customers and subscriptions by id, with the account they belong to.
    customers: BTreeMap<String, (String, Value)>,
    subscriptions: BTreeMap<String, (String, Value)>,
    /// Answers already given, by (account, idempotency key).
    idempotent: HashMap<(String, String), Value>,
    /// Every API request: (method, path, idempotency key), in order.
    requests: Vec<(String, String, Option<String>)>,
    /// What customers typed on the hosted page (card number, expiry, CVC, name): kept
    /// here, at "Stripe", as the values a test looks for everywhere else.
    cards: Vec<Form>,
    counter: u64,
}

impl Shared {
    fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}_test_{:024}", self.counter)
    }
}

/// The stand-in, on a loopback port.
#[derive(Debug, Clone)]
pub struct StripeStandIn {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

/// A request Stripe refuses: its status and message, answered as Stripe's errors are.
#[derive(Debug)]
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        error(self.0, "invalid_request_error", &self.1)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl StripeStandIn {
    /// Starts the stand-in with one account, opened by [`STRIPE_TEST_KEY`].
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stand_in = Self {
            addr: listener.local_addr().unwrap(),
            shared: Arc::new(Mutex::new(Shared::default())),
        };
        stand_in.add_account("acct_one", STRIPE_TEST_KEY);
        let app = Router::new()
            .route(
                "/v1/checkout/sessions",
                post(create_session).get(list_sessions),
            )
            .route("/v1/checkout/sessions/{id}", get(retrieve_session))
            .route("/v1/checkout/sessions/{id}/expire", post(expire_session))
            .route("/v1/refunds", post(create_refund))
            .route("/v1/customers", post(create_customer))
            .route("/v1/subscriptions/{id}", get(retrieve_subscription))
            .route("/v1/billing_portal/sessions", post(create_portal_session))
            .route("/checkout/{id}", get(hosted_page))
            .route("/checkout/{id}/pay", post(hosted_pay))
            .fallback(|| async {
                error(
                    StatusCode::NOT_FOUND,
                    "invalid_request_error",
                    "Unrecognized request URL",
                )
            })
            .with_state(stand_in.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        stand_in
    }

    /// The API's base URL, for `TestAppBuilder::stripe`.
    pub fn api_url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).unwrap()
    }

    /// Another account, opened by `key`.
    pub fn add_account(&self, account: &str, key: &str) {
        let mut shared = self.shared.lock().unwrap();
        shared.accounts.insert(key.to_owned(), account.to_owned());
        shared
            .account_settings
            .entry(account.to_owned())
            .or_default();
    }

    /// Sends `account`'s events to `url`, signed with `secret`.
    pub fn send_webhooks(&self, account: &str, url: &str, secret: &str) {
        let mut shared = self.shared.lock().unwrap();
        shared
            .account_settings
            .entry(account.to_owned())
            .or_default()
            .webhook = Some((url.to_owned(), secret.to_owned()));
    }

    /// A session as Stripe would return it.
    pub fn session(&self, id: &str) -> Value {
        self.shared.lock().unwrap().sessions[id].1.clone()
    }

    /// Every session, oldest first.
    pub fn sessions(&self) -> Vec<Value> {
        self.shared
            .lock()
            .unwrap()
            .sessions
            .values()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// What customers typed on the hosted page, each payment's fields.
    pub fn cards(&self) -> Vec<Vec<(String, String)>> {
        self.shared.lock().unwrap().cards.clone()
    }

    /// Every API request so far: (method, path, idempotency key).
    pub fn requests(&self) -> Vec<(String, String, Option<String>)> {
        self.shared.lock().unwrap().requests.clone()
    }

    fn account_of(&self, headers: &HeaderMap) -> Result<String, Refused> {
        let key = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        self.shared
            .lock()
            .unwrap()
            .accounts
            .get(key)
            .cloned()
            .ok_or_else(|| Refused(StatusCode::UNAUTHORIZED, "Invalid API Key provided".into()))
    }

    fn record(&self, method: &str, path: &str, headers: &HeaderMap) -> Option<String> {
        let key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.shared.lock().unwrap().requests.push((
            method.to_owned(),
            path.to_owned(),
            key.clone(),
        ));
        key
    }

    /// The session `id` of `account`, or Stripe's 404.
    fn owned_session(&self, account: &str, id: &str) -> Result<Value, Refused> {
        match self.shared.lock().unwrap().sessions.get(id) {
            Some((owner, session)) if owner == account => Ok(session.clone()),
            _ => Err(Refused(
                StatusCode::NOT_FOUND,
                format!("No such checkout.session: '{id}'"),
            )),
        }
    }

    fn update_session(&self, id: &str, change: impl FnOnce(&mut Value)) -> (String, Value) {
        let mut shared = self.shared.lock().unwrap();
        let (account, session) = shared
            .sessions
            .get_mut(id)
            .expect("a session of the stand-in");
        change(session);
        (account.clone(), session.clone())
    }

    /// The customer paid on the hosted page: the session completes (`paid`, or `unpaid`
    /// for a payment method that settles later) and Stripe sends
    /// `checkout.session.completed`; a subscription's session also starts the
    /// subscription (`customer.subscription.created`). The event's answer status, if sent.
    pub async fn complete(&self, id: &str, settles_later: bool) -> Option<u16> {
        if self.session(id)["mode"] == json!("subscription") {
            return self.start_subscription(id).await;
        }
        let intent = {
            let mut shared = self.shared.lock().unwrap();
            shared.next_id("pi")
        };
        let (account, session) = self.update_session(id, |s| {
            s["status"] = json!("complete");
            s["payment_status"] = json!(if settles_later { "unpaid" } else { "paid" });
            s["payment_intent"] = json!(intent);
            s["url"] = Value::Null;
        });
        if !settles_later {
            self.charge(&intent, &session);
        }
        self.send_event(&account, "checkout.session.completed", session)
            .await
    }

    fn charge(&self, intent: &str, session: &Value) {
        let mut shared = self.shared.lock().unwrap();
        let id = shared.next_id("ch");
        shared.charges.insert(
            intent.to_owned(),
            json!({
                "id": id, "object": "charge", "payment_intent": intent,
                "amount": session["amount_total"], "amount_refunded": 0, "refunded": false,
                "currency": session["currency"],
                "metadata": session["metadata"],
            }),
        );
    }

    async fn start_subscription(&self, id: &str) -> Option<u16> {
        let session = self.session(id);
        let sub = {
            let mut shared = self.shared.lock().unwrap();
            shared.next_id("sub")
        };
        let account = self.shared.lock().unwrap().sessions[id].0.clone();
        let subscription = json!({
            "id": sub, "object": "subscription", "customer": session["customer"],
            "status": "active", "metadata": session["subscription_metadata"],
            "items": {"object": "list", "data": [{
                "id": "si_1", "object": "subscription_item",
                "price": {"id": session["price"], "object": "price"},
                "current_period_end": now() + 30 * 24 * 3600,
            }]},
        });
        self.shared
            .lock()
            .unwrap()
            .subscriptions
            .insert(sub.clone(), (account.clone(), subscription.clone()));
        let (_, session) = self.update_session(id, |s| {
            s["status"] = json!("complete");
            s["payment_status"] = json!("paid");
            s["subscription"] = json!(sub);
            s["url"] = Value::Null;
        });
        self.send_event(&account, "checkout.session.completed", session)
            .await;
        self.send_event(&account, "customer.subscription.created", subscription)
            .await
    }

    /// A subscription made on `account` some other way (its dashboard, say).
    pub fn add_subscription(&self, account: &str, subscription: Value) {
        let id = subscription["id"].as_str().unwrap().to_owned();
        self.shared
            .lock()
            .unwrap()
            .subscriptions
            .insert(id, (account.to_owned(), subscription));
    }

    /// Every subscription, oldest first.
    pub fn subscriptions(&self) -> Vec<Value> {
        self.shared
            .lock()
            .unwrap()
            .subscriptions
            .values()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// The subscription moved to `status` (a renewal failed: `past_due`; it ended:
    /// `canceled`, then `customer.subscription.deleted`), and Stripe says so.
    pub async fn set_subscription_status(&self, id: &str, status: &str) -> Option<u16> {
        let (account, subscription) = {
            let mut shared = self.shared.lock().unwrap();
            let (account, subscription) = shared.subscriptions.get_mut(id).expect("a subscription");
            subscription["status"] = json!(status);
            (account.clone(), subscription.clone())
        };
        let kind = if status == "canceled" {
            "customer.subscription.deleted"
        } else {
            "customer.subscription.updated"
        };
        self.send_event(&account, kind, subscription).await
    }

    /// A delayed payment settled (`succeeded`) or failed.
    pub async fn settle(&self, id: &str, succeeded: bool) -> Option<u16> {
        let (account, session) = self.update_session(id, |s| {
            if succeeded {
                s["payment_status"] = json!("paid");
            }
        });
        if succeeded {
            let intent = session["payment_intent"].as_str().unwrap().to_owned();
            self.charge(&intent, &session);
        }
        let kind = if succeeded {
            "checkout.session.async_payment_succeeded"
        } else {
            "checkout.session.async_payment_failed"
        };
        self.send_event(&account, kind, session).await
    }

    /// The session expired unpaid (Stripe's 24 hours, at once).
    pub async fn expire(&self, id: &str) -> Option<u16> {
        let (account, session) = self.update_session(id, |s| {
            s["status"] = json!("expired");
            s["url"] = Value::Null;
        });
        self.send_event(&account, "checkout.session.expired", session)
            .await
    }

    /// A refund made in Stripe's dashboard: `charge.refunded` follows.
    pub async fn refund_in_dashboard(&self, intent: &str, amount: i64) -> Option<u16> {
        let (account, charge) = self.refund(intent, amount).unwrap();
        self.send_event(&account, "charge.refunded", charge).await
    }

    fn refund(&self, intent: &str, amount: i64) -> Result<(String, Value), &'static str> {
        let mut shared = self.shared.lock().unwrap();
        let account = shared
            .sessions
            .values()
            .find(|(_, s)| s["payment_intent"] == json!(intent))
            .map(|(a, _)| a.clone())
            .ok_or("No such payment_intent")?;
        let charge = shared
            .charges
            .get_mut(intent)
            .ok_or("This payment has not been charged")?;
        let left = charge["amount"].as_i64().unwrap() - charge["amount_refunded"].as_i64().unwrap();
        if amount > left {
            return Err("Refund amount is greater than the unrefunded amount on the charge");
        }
        let refunded = charge["amount_refunded"].as_i64().unwrap() + amount;
        charge["amount_refunded"] = json!(refunded);
        charge["refunded"] = json!(refunded == charge["amount"].as_i64().unwrap());
        Ok((account, charge.clone()))
    }

    /// An event of `account` with `object`, as Stripe makes it (not sent).
    pub fn event(&self, kind: &str, object: Value) -> Value {
        let id = self.shared.lock().unwrap().next_id("evt");
        json!({
            "id": id, "object": "event", "api_version": "2025-03-31.basil",
            "created": now(), "livemode": false, "pending_webhooks": 1,
            "type": kind, "data": {"object": object},
        })
    }

    /// `body` signed as Stripe signs it, at `timestamp`, with `secret`.
    pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
        leadvault_payments::signature::sign(&SigningSecret::parse(secret).unwrap(), timestamp, body)
    }

    /// Makes an event and sends it to `account`'s endpoint; the answer's status.
    pub async fn send_event(&self, account: &str, kind: &str, object: Value) -> Option<u16> {
        let event = self.event(kind, object);
        self.deliver(account, &event).await
    }

    /// Sends `event` (again, perhaps) to `account`'s endpoint, signed now.
    pub async fn deliver(&self, account: &str, event: &Value) -> Option<u16> {
        let (url, secret) = self
            .shared
            .lock()
            .unwrap()
            .account_settings
            .get(account)?
            .webhook
            .clone()?;
        let body = event.to_string();
        let signature = Self::signature(&secret, now(), body.as_bytes());
        let answer = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", signature)
            .body(body)
            .send()
            .await
            .ok()?;
        Some(answer.status().as_u16())
    }
}

type Form = Vec<(String, String)>;

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn parse_form(body: &[u8]) -> Form {
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

async fn create_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = stand_in.record("POST", "/v1/checkout/sessions", &headers);
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    if let Some(answer) = replayed(&stand_in, &account, &key) {
        return axum::Json(answer).into_response();
    }
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

async fn list_sessions(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    stand_in.record("GET", "/v1/checkout/sessions", &headers);
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
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

async fn retrieve_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    stand_in.record("GET", &format!("/v1/checkout/sessions/{id}"), &headers);
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    match stand_in.owned_session(&account, &id) {
        Ok(session) => axum::Json(session).into_response(),
        Err(refused) => refused.into_response(),
    }
}

async fn expire_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    stand_in.record(
        "POST",
        &format!("/v1/checkout/sessions/{id}/expire"),
        &headers,
    );
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
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

async fn create_refund(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = stand_in.record("POST", "/v1/refunds", &headers);
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    if let Some(answer) = replayed(&stand_in, &account, &key) {
        return axum::Json(answer).into_response();
    }
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
async fn create_customer(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = stand_in.record("POST", "/v1/customers", &headers);
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    if let Some(answer) = replayed(&stand_in, &account, &key) {
        return axum::Json(answer).into_response();
    }
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

async fn retrieve_subscription(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    stand_in.record("GET", &format!("/v1/subscriptions/{id}"), &headers);
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
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

async fn create_portal_session(
    State(stand_in): State<StripeStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    stand_in.record("POST", "/v1/billing_portal/sessions", &headers);
    let account = match stand_in.account_of(&headers) {
        Ok(account) => account,
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

async fn hosted_page(State(stand_in): State<StripeStandIn>, Path(id): Path<String>) -> Response {
    let session = match stand_in.shared.lock().unwrap().sessions.get(&id) {
        Some((_, session)) => session.clone(),
        None => return (StatusCode::NOT_FOUND, "no such session").into_response(),
    };
    if session["status"] != json!("open") {
        return Html(
            "<!doctype html><title>Stripe</title><p>This checkout is closed.</p>".to_owned(),
        )
        .into_response();
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><title>Checkout (Stripe stand-in)</title><main>\
         <h1>Pay {} {}</h1><p id=\"item\">{}</p>\
         <form method=\"post\" action=\"/checkout/{id}/pay\">\
         <label>Card number <input id=\"card_number\" name=\"card_number\" autocomplete=\"cc-number\"></label>\
         <label>Expiry <input id=\"exp\" name=\"exp\" autocomplete=\"cc-exp\"></label>\
         <label>CVC <input id=\"cvc\" name=\"cvc\" autocomplete=\"cc-csc\"></label>\
         <label>Name on card <input id=\"cardholder\" name=\"cardholder\" autocomplete=\"cc-name\"></label>\
         <button id=\"pay\" type=\"submit\">Pay</button></form>\
         </main></html>",
        session["currency"].as_str().unwrap_or_default().to_uppercase(),
        session["amount_total"],
        session["line_items_name"].as_str().unwrap_or_default(),
    ))
    .into_response()
}

async fn hosted_pay(
    State(stand_in): State<StripeStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    stand_in
        .shared
        .lock()
        .unwrap()
        .cards
        .push(parse_form(&body));
    let success = match stand_in.shared.lock().unwrap().sessions.get(&id) {
        Some((_, session)) if session["status"] == json!("open") => session["success_url"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        _ => return (StatusCode::NOT_FOUND, "no such open session").into_response(),
    };
    stand_in.complete(&id, false).await;
    Redirect::to(&success).into_response()
}

impl crate::TestApp {
    /// Connects the signed-in owner's organization `org` to the stand-in's account
    /// `account` (opened by `key`, webhooks signed with `secret`) through the settings page,
    /// as an owner would, and sends that account's webhooks to the organization's endpoint.
    pub async fn connect_stripe(
        &self,
        owner: &mut crate::Browser<'_>,
        stand_in: &StripeStandIn,
        org: leadvault_store::OrgId,
        (account, key, secret): (&str, &str, &str),
    ) {
        stand_in.add_account(account, key);
        stand_in.send_webhooks(
            account,
            &self.url(&format!("/stripe/webhooks/{org}")),
            secret,
        );
        let page = owner.get("/settings/payments").await;
        assert_eq!(page.status, 200, "{}", page.html);
        let connected = owner
            .submit(
                &page,
                "/settings/payments/stripe",
                &[("secret_key", key), ("signing_secret", secret)],
            )
            .await;
        assert_eq!(connected.status, 200, "{}", connected.html);
        assert!(
            connected.html.contains("Stripe is connected"),
            "{}",
            connected.html
        );
    }

    /// Sets the organization's prices through the settings page: `jobs` as (job type,
    /// amount), a rush surcharge, in `currency`.
    pub async fn set_prices(
        &self,
        owner: &mut crate::Browser<'_>,
        currency: &str,
        rush: &str,
        jobs: &[(&str, &str)],
    ) -> crate::Page {
        let page = owner.get("/settings/payments").await;
        let mut fields = vec![("currency", currency), ("rush_surcharge", rush)];
        for (job, amount) in jobs {
            fields.push(("job", job));
            fields.push(("job_price", amount));
        }
        owner
            .submit(&page, "/settings/payments/prices", &fields)
            .await
    }
}
