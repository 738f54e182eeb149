//! Payments through Stripe, against a stand-in that speaks Stripe's API and signs its
//! webhooks as Stripe does: an owner connects the firm's own account (the keys sealed and
//! never shown again), sets prices; a client placing a priced order is sent to Stripe's
//! hosted page for the server's amount; Stripe's webhooks (signature checked, each event
//! once, forward only, the session fetched back) mark it paid; members with billing refund
//! it. Card data never reaches Leadvault.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_store::sqlx;
use leadvault_test_support::forms::WORK_ORDER_WITH_DUE_DATE;
use leadvault_test_support::{
    Browser, Engine, STRIPE_SIGNING_SECRET, STRIPE_TEST_KEY, SmtpSink, StripeStandIn, TcpProxy,
    TestApp, TestPerson, both_engines,
};
use serde_json::json;

const ACCOUNT: (&str, &str, &str) = ("acct_one", STRIPE_TEST_KEY, STRIPE_SIGNING_SECRET);

/// A firm that takes payments: an owner signed in, Stripe connected, "Service of process"
/// at 125.00 and a rush surcharge of 50.00; a work-order form and a client signed in.
struct Firm<'a> {
    owner: TestPerson,
    owner_browser: Browser<'a>,
    client: Browser<'a>,
    form: String,
}

async fn firm<'a>(app: &'a TestApp, stand_in: &StripeStandIn) -> Firm<'a> {
    let (owner, mut owner_browser, _) = app.signed_in_owner("ana@spectrum.legal").await;
    let form = app.form(owner.org_id, WORK_ORDER_WITH_DUE_DATE).await;
    app.connect_stripe(&mut owner_browser, stand_in, owner.org_id, ACCOUNT)
        .await;
    let prices = app
        .set_prices(
            &mut owner_browser,
            "usd",
            "50",
            &[("Service of process", "125.00"), ("Court filing", "")],
        )
        .await;
    assert_eq!(prices.status, 200, "{}", prices.html);
    assert!(prices.html.contains("Prices saved"), "{}", prices.html);
    let person = app.customer(&owner, "dee@client.example").await;
    let (client, _) = app.signed_in(&person).await;
    Firm {
        owner,
        owner_browser,
        client,
        form: form.id.to_string(),
    }
}

/// Places a rush "Service of process" order; the answer (a redirect to Stripe's page).
async fn place(client: &mut Browser<'_>, form: &str, job: &str) -> leadvault_test_support::Page {
    client
        .place_order(
            form,
            &[("job", job), ("rush", "yes"), ("party", "Quentin Marlowe")],
            &[],
        )
        .await
}

async fn payment_states(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT state FROM payments ORDER BY created_at, attempt")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

async fn order_id(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT id FROM work_orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// The stand-in's session id of a redirect to its hosted page.
fn session_of(page: &leadvault_test_support::Page) -> String {
    let location = page.location().expect("a redirect");
    location
        .rsplit('/')
        .next()
        .filter(|id| id.starts_with("cs_"))
        .unwrap_or_else(|| panic!("not Stripe's page: {location}"))
        .to_owned()
}

#[both_engines]
async fn an_owner_connects_stripe_and_the_keys_are_never_shown_again(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@spectrum.legal").await;
    let page = owner.get("/settings/payments").await;
    assert!(page.html.contains("Not connected"), "{}", page.html);
    assert!(
        page.html
            .contains(&format!("/stripe/webhooks/{}", ana.org_id)),
        "the webhook address to give Stripe: {}",
        page.html
    );

    // A publishable key, a key Stripe does not know, a missing signing secret: refused,
    // nothing stored, and what was typed is not repeated.
    let unknown = "rk_test_51UnknownToStripeAtAll00000";
    for (key, secret, says) in [
        ("pk_test_51Publishable0000000000", STRIPE_SIGNING_SECRET, "not a Stripe secret key"),
        (unknown, STRIPE_SIGNING_SECRET, "Stripe refused the key"),
        (STRIPE_TEST_KEY, "", "give both"),
        (STRIPE_TEST_KEY, "not-a-secret", "not a webhook signing secret"),
    ] {
        let refused = owner
            .submit(
                &page,
                "/settings/payments/stripe",
                &[("secret_key", key), ("signing_secret", secret)],
            )
            .await;
        assert_eq!(refused.status, 422, "{key}: {}", refused.html);
        assert!(refused.html.contains(says), "{key}: {}", refused.html);
        assert!(!refused.html.contains(key) || key.is_empty());
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM stripe_accounts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);

    let connected = owner
        .submit(
            &page,
            "/settings/payments/stripe",
            &[
                ("secret_key", STRIPE_TEST_KEY),
                ("signing_secret", STRIPE_SIGNING_SECRET),
            ],
        )
        .await;
    assert_eq!(connected.status, 200, "{}", connected.html);
    assert!(connected.html.contains("Test mode"), "{}", connected.html);
    let shown = owner.get("/settings/payments").await;
    for secret in [STRIPE_TEST_KEY, STRIPE_SIGNING_SECRET] {
        assert!(!connected.html.contains(secret) && !shown.html.contains(secret));
    }
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT secret_key FROM stripe_accounts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(
        !sealed
            .windows(STRIPE_TEST_KEY.len())
            .any(|w| w == STRIPE_TEST_KEY.as_bytes()),
        "the key is stored sealed"
    );
    let audited = app
        .audited(Chain::of(ana.org_id), "payments.stripe_connected")
        .await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].fields, "secret_key,signing_secret");

    // A new signing secret joins the old one, which is still accepted for a day.
    let rotated = owner
        .submit(
            &shown,
            "/settings/payments/stripe",
            &[("signing_secret", "whsec_TheNextSigningSecretOfAccountOne")],
        )
        .await;
    assert!(
        rotated.html.contains("2 webhook signing secrets accepted"),
        "{}",
        rotated.html
    );

    // A member without billing is refused the page (and the refusal audited).
    let intake = app.member(&ana, "ivy@spectrum.legal", Role::Intake, Scope::Organization).await;
    let (mut ivy, _) = app.signed_in(&intake).await;
    assert_eq!(ivy.get("/settings/payments").await.status, 403);
    let billing = app.member(&ana, "bo@spectrum.legal", Role::Billing, Scope::Organization).await;
    let (mut bo, _) = app.signed_in(&billing).await;
    let page = bo.get("/settings/payments").await;
    assert_eq!(page.status, 200, "{}", page.html);
    let disconnected = bo
        .submit(&page, "/settings/payments/stripe/disconnect", &[])
        .await;
    assert_eq!(disconnected.status, 303);
    assert!(bo.get("/settings/payments").await.html.contains("Not connected"));
}

#[both_engines]
async fn a_priced_order_is_paid_on_stripes_page_and_marked_paid_by_the_webhook(engine: Engine) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .mail(sink.url())
        .build()
        .await;
    let mut firm = firm(&app, &stand_in).await;

    let placed = place(&mut firm.client, &firm.form, "Service of process").await;
    assert_eq!(placed.status, 303, "{}", placed.html);
    let session_id = session_of(&placed);
    let order = order_id(&app).await;
    let session = stand_in.session(&session_id);
    // The server's price (125.00 and the rush surcharge), never the browser's.
    assert_eq!(session["amount_total"], json!(17_500));
    assert_eq!(session["currency"], json!("usd"));
    assert_eq!(session["mode"], json!("payment"));
    assert_eq!(session["client_reference_id"], json!(order));
    assert_eq!(session["metadata"]["leadvault_id"], json!(order));
    assert_eq!(
        session["success_url"],
        json!(app.url(&format!("/portal/orders/{order}")))
    );
    let creates: Vec<_> = stand_in
        .requests()
        .into_iter()
        .filter(|(method, path, _)| method == "POST" && path == "/v1/checkout/sessions")
        .collect();
    assert_eq!(creates.len(), 1);
    assert!(
        creates[0].2.as_deref().is_some_and(|key| key.contains(&order)),
        "an Idempotency-Key per order and attempt: {creates:?}"
    );

    // Back without paying: the order waits, payable.
    let page = firm.client.get(&format!("/portal/orders/{order}")).await;
    assert!(page.html.contains("Awaiting payment"), "{}", page.html);
    assert!(page.html.contains("USD 175.00"), "{}", page.html);
    let pay = firm
        .client
        .submit(&page, &format!("/portal/orders/{order}/pay"), &[])
        .await;
    assert_eq!(
        session_of(&pay),
        session_id,
        "the open session is offered again, not a second one"
    );
    assert_eq!(payment_states(&app).await, ["awaiting_payment"]);

    // The customer pays on Stripe's page; Stripe's webhook (not the success page) marks it.
    assert_eq!(stand_in.complete(&session_id, false).await, Some(200));
    assert_eq!(payment_states(&app).await, ["paid"]);
    assert!(
        stand_in
            .requests()
            .iter()
            .any(|(m, p, _)| m == "GET" && p == &format!("/v1/checkout/sessions/{session_id}")),
        "the session is fetched back from Stripe before the order is marked paid"
    );
    let page = firm.client.get(&format!("/portal/orders/{order}")).await;
    assert!(page.html.contains("Paid"), "{}", page.html);
    assert!(page.html.contains("payment: Paid"), "in its history: {}", page.html);
    assert!(!page.html.contains("Pay now"), "{}", page.html);
    let staff_page = firm.owner_browser.get(&format!("/orders/{order}")).await;
    assert!(staff_page.html.contains("payment: Paid (Stripe)"), "{}", staff_page.html);
    let audited = app
        .audited(Chain::of(firm.owner.org_id), "payments.payment_updated")
        .await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor, "system:stripe");
    let hooks: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM webhook_deliveries WHERE event_type = 'work_order.payment'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let _ = hooks; // No endpoint is registered here; the webhooks test covers delivery.
    let notice = sink.wait_for_recipient("dee@client.example").await;
    assert!(notice.subject.contains("Paid"), "{}", notice.subject);
    assert!(
        !notice.body.contains("175") && !notice.body.contains("Quentin"),
        "no amount and nothing of the order: {}",
        notice.body
    );
    // Paying twice is not offered, and a second "Pay now" does not charge again.
    let again = firm
        .client
        .post(
            &format!("/portal/orders/{order}/pay"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(again.location(), Some(format!("/portal/orders/{order}").as_str()));
    assert_eq!(payment_states(&app).await, ["paid"]);

    // An order of a job type without a price goes to its page: nothing to pay.
    let free = place(&mut firm.client, &firm.form, "Court filing").await;
    assert!(
        free.location().is_some_and(|l| l.starts_with("/portal/orders/")),
        "{:?}",
        free.location()
    );
    assert_eq!(payment_states(&app).await, ["paid"]);
}
