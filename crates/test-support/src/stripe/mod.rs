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
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;

mod api;
mod events;
mod fixtures;
mod hosted;

use api::Form;
use api::{
    create_customer, create_portal_session, create_refund, create_session, expire_session,
    list_sessions, retrieve_session, retrieve_subscription,
};
use hosted::{hosted_page, hosted_pay};

pub use fixtures::{PayingFirm, STRIPE_ACCOUNT, unix_now};

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

    /// A request arrived: recorded, then the account its key opens (Stripe's 401 if
    /// none), with its `Idempotency-Key`.
    fn received(
        &self,
        method: &str,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<(String, Option<String>), Refused> {
        let idempotency_key = self.record(method, path, headers);
        Ok((self.account_of(headers)?, idempotency_key))
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
}
