//! Paying through Stripe, against a stand-in that speaks Stripe's API and signs its webhooks
//! as Stripe does: an owner connects the firm's own account (the keys sealed and never shown
//! again) and sets prices; a client placing a priced order is sent to Stripe's hosted page
//! for the server's amount and the order is marked paid by Stripe's webhook; a consultation's
//! fee is offered once the lead is stored; Stripe out of reach loses nothing; a cancelled
//! order's checkout is closed. Card data never reaches Leadvault.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_store::sqlx;
use leadvault_test_support::{
    Engine, STRIPE_ACCOUNT, STRIPE_SIGNING_SECRET, STRIPE_TEST_KEY, SmtpSink, StripeStandIn,
    TcpProxy, TestApp, both_engines,
};
use serde_json::json;

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
        (
            "pk_test_51Publishable0000000000",
            STRIPE_SIGNING_SECRET,
            "not a Stripe secret key",
        ),
        (unknown, STRIPE_SIGNING_SECRET, "Stripe refused the key"),
        (STRIPE_TEST_KEY, "", "give both"),
        (
            STRIPE_TEST_KEY,
            "not-a-secret",
            "not a webhook signing secret",
        ),
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
    let intake = app
        .member(
            &ana,
            "ivy@spectrum.legal",
            Role::Intake,
            Scope::Organization,
        )
        .await;
    let (mut ivy, _) = app.signed_in(&intake).await;
    assert_eq!(ivy.get("/settings/payments").await.status, 403);
    let billing = app
        .member(
            &ana,
            "bo@spectrum.legal",
            Role::Billing,
            Scope::Organization,
        )
        .await;
    let (mut bo, _) = app.signed_in(&billing).await;
    let page = bo.get("/settings/payments").await;
    assert_eq!(page.status, 200, "{}", page.html);
    let disconnected = bo
        .submit(&page, "/settings/payments/stripe/disconnect", &[])
        .await;
    assert_eq!(disconnected.status, 303);
    assert!(
        bo.get("/settings/payments")
            .await
            .html
            .contains("Not connected")
    );
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
    let mut firm = app.paying_firm(&stand_in).await;

    let placed = firm.order("Service of process").await;
    assert_eq!(placed.status, 303, "{}", placed.html);
    let session_id = stand_in.session_of(&placed);
    let order = app.only_order().await;
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
        creates[0]
            .2
            .as_deref()
            .is_some_and(|key| key.contains(&order)),
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
        stand_in.session_of(&pay),
        session_id,
        "the open session is offered again, not a second one"
    );
    assert_eq!(app.payment_states().await, ["awaiting_payment"]);

    // The customer pays on Stripe's page; Stripe's webhook (not the success page) marks it.
    assert_eq!(stand_in.complete(&session_id, false).await, Some(200));
    assert_eq!(app.payment_states().await, ["paid"]);
    assert!(
        stand_in
            .requests()
            .iter()
            .any(|(m, p, _)| m == "GET" && p == &format!("/v1/checkout/sessions/{session_id}")),
        "the session is fetched back from Stripe before the order is marked paid"
    );
    let page = firm.client.get(&format!("/portal/orders/{order}")).await;
    assert!(page.html.contains("Paid"), "{}", page.html);
    assert!(
        page.html.contains("payment: Paid"),
        "in its history: {}",
        page.html
    );
    assert!(!page.html.contains("Pay now"), "{}", page.html);
    let staff_page = firm.owner_browser.get(&format!("/orders/{order}")).await;
    assert!(
        staff_page.html.contains("payment: Paid (Stripe)"),
        "{}",
        staff_page.html
    );
    let audited = app
        .audited(Chain::of(firm.owner.org_id), "payments.payment_updated")
        .await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor, "system:stripe");
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
    assert_eq!(
        again.location(),
        Some(format!("/portal/orders/{order}").as_str())
    );
    assert_eq!(app.payment_states().await, ["paid"]);

    // The organization's own systems hear of it through its outgoing webhook.
    // (Checked in `an_order_cancelled_before_it_is_paid_closes_its_checkout`.)

    // An order of a job type without a price goes to its page: nothing to pay.
    let free = firm.order("Court filing").await;
    assert!(
        free.location()
            .is_some_and(|l| l.starts_with("/portal/orders/")),
        "{:?}",
        free.location()
    );
    assert_eq!(app.payment_states().await, ["paid"]);
}

#[both_engines]
async fn the_firms_systems_hear_of_payments_and_a_cancelled_order_cannot_be_paid(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let receiver = leadvault_test_support::WebhookReceiver::start(&[]).await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let mut firm = app.paying_firm(&stand_in).await;
    let url = url::Url::parse(&receiver.url()).unwrap();
    let acting = leadvault_test_support::acting_in(firm.owner.org_id);
    leadvault_webhooks::add_endpoint(&app.db, &app.keyring, &acting, &url)
        .await
        .unwrap();

    let session_id = stand_in.session_of(&firm.order("Service of process").await);
    stand_in.complete(&session_id, false).await;
    let hooks = receiver.wait_for(3).await;
    let payments: Vec<serde_json::Value> = hooks
        .iter()
        .map(|h| serde_json::from_str::<serde_json::Value>(&h.body).unwrap())
        .filter(|b| b["type"] == json!("work_order.payment"))
        .collect();
    let states: Vec<&str> = payments
        .iter()
        .map(|b| b["data"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["awaiting_payment", "paid"], "{hooks:?}");
    assert_eq!(payments[1]["data"]["amount"], json!(17_500));
    assert_eq!(payments[1]["data"]["currency"], json!("usd"));
    let everything = serde_json::to_string(&payments).unwrap();
    assert!(
        !everything.contains("Quentin"),
        "ids, amounts and states only"
    );

    // The client cancels an order left unpaid: its checkout is closed at Stripe, and the
    // expiry Stripe reports marks the payment.
    let session_id = stand_in.session_of(&firm.order("Service of process").await);
    let order: String = sqlx::query_scalar("SELECT subject_id FROM payments WHERE session_id = $1")
        .bind(&session_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let page = firm.client.get(&format!("/portal/orders/{order}")).await;
    let csrf = page.csrf();
    let cancelled = firm
        .client
        .submit(&page, &format!("/portal/orders/{order}/cancel"), &[])
        .await;
    assert_eq!(cancelled.status, 303);
    assert_eq!(stand_in.session(&session_id)["status"], json!("expired"));
    assert!(
        stand_in
            .requests()
            .iter()
            .any(|(m, p, _)| m == "POST"
                && p == &format!("/v1/checkout/sessions/{session_id}/expire"))
    );
    for _ in 0..100 {
        if app.payment_states().await == ["paid", "expired"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(app.payment_states().await, ["paid", "expired"]);
    let page = firm.client.get(&format!("/portal/orders/{order}")).await;
    assert!(!page.html.contains("Pay now"), "{}", page.html);
    // Nor does a "Pay now" sent anyway open a new checkout.
    let sessions = stand_in.sessions().len();
    let pay = firm
        .client
        .post(&format!("/portal/orders/{order}/pay"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        pay.location(),
        Some(format!("/portal/orders/{order}").as_str())
    );
    assert_eq!(stand_in.sessions().len(), sessions);
}

#[both_engines]
async fn when_stripe_cannot_be_reached_the_order_is_kept_and_stays_payable(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let link = TcpProxy::start(stand_in.addr).await;
    let api = url::Url::parse(&format!("http://{}/", link.addr)).unwrap();
    let app = TestApp::builder(engine).stripe(api).build().await;
    let mut firm = app.paying_firm(&stand_in).await;

    link.cut();
    let placed = firm.order("Service of process").await;
    let order = app.only_order().await;
    assert_eq!(
        placed.location(),
        Some(format!("/portal/orders/{order}?payment=unavailable").as_str())
    );
    let page = firm.client.get(placed.location().unwrap()).await;
    assert!(page.html.contains("could not be opened"), "{}", page.html);
    assert!(page.html.contains("Pay now"), "{}", page.html);
    assert!(
        app.payment_states().await.is_empty(),
        "nothing half-recorded"
    );

    link.restore();
    let pay = firm
        .client
        .submit(&page, &format!("/portal/orders/{order}/pay"), &[])
        .await;
    let session_id = stand_in.session_of(&pay);

    // Stripe's webhook arrives while the session cannot be fetched back: 503 (Stripe will
    // retry), nothing changed; its retry is applied.
    stand_in.send_webhooks(
        "acct_one",
        "http://127.0.0.1:9/nowhere",
        STRIPE_SIGNING_SECRET,
    );
    stand_in.complete(&session_id, false).await;
    let completed = stand_in.event("checkout.session.completed", stand_in.session(&session_id));
    stand_in.send_webhooks(
        "acct_one",
        &app.url(&format!("/stripe/webhooks/{}", firm.owner.org_id)),
        STRIPE_SIGNING_SECRET,
    );
    link.cut();
    assert_eq!(stand_in.deliver("acct_one", &completed).await, Some(503));
    assert_eq!(app.payment_states().await, ["awaiting_payment"]);
    link.restore();
    assert_eq!(stand_in.deliver("acct_one", &completed).await, Some(200));
    assert_eq!(app.payment_states().await, ["paid"]);
}

#[both_engines]
async fn a_consultation_fee_is_offered_once_the_lead_is_stored_and_the_lead_shows_it_paid(
    engine: Engine,
) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let (ana, form) = crate::public_form::form_of(&app).await;
    let (mut owner, _) = app.signed_in(&ana).await;
    app.connect_stripe(&mut owner, &stand_in, ana.org_id, STRIPE_ACCOUNT)
        .await;
    let settings = owner.get("/settings/payments").await;
    let form_id = form.to_string();
    let saved = owner
        .submit(
            &settings,
            "/settings/payments/prices",
            &[
                ("currency", "USD"),
                ("consultation", &form_id),
                ("consultation_fee", "75"),
            ],
        )
        .await;
    assert!(saved.html.contains("Prices saved"), "{}", saved.html);
    // Only the organization's own consultation forms take a fee.
    let stranger = leadvault_intake::FormId::random().to_string();
    let refused = owner
        .submit(
            &settings,
            "/settings/payments/prices",
            &[
                ("currency", "USD"),
                ("consultation", &stranger),
                ("consultation_fee", "75"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);

    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;
    let received =
        crate::public_form::send(&mut visitor, &page, form, crate::public_form::GOOD).await;
    assert_eq!(received.status, 200, "{}", received.html);
    assert!(received.html.contains("USD 75.00"), "{}", received.html);
    let lead: String = sqlx::query_scalar("SELECT id FROM leads")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let token = received.hidden("token");

    // A token changed, or presented for another form, sends nobody to pay.
    let other = app
        .form(ana.org_id, leadvault_test_support::forms::NAME_ONLY)
        .await;
    for (path, token) in [
        (format!("/f/{form}/pay"), token.replace('.', "x")),
        (format!("/f/{form}/pay"), format!("{lead}.9999999999.00")),
        (format!("/f/{}/pay", other.id), token.clone()),
    ] {
        let refused = visitor.post(&path, &[("token", &token)]).await;
        assert_eq!(refused.status, 422, "{path} {token}");
    }
    assert!(app.payment_states().await.is_empty());

    let pay = visitor
        .post(&format!("/f/{form}/pay"), &[("token", &token)])
        .await;
    let session_id = stand_in.session_of(&pay);
    let session = stand_in.session(&session_id);
    assert_eq!(session["amount_total"], json!(7_500));
    assert_eq!(session["client_reference_id"], json!(lead));
    assert_eq!(
        session["success_url"],
        json!(app.url(&format!("/f/{form}/paid")))
    );
    let lead_page = owner.get(&format!("/leads/{lead}")).await;
    assert!(
        lead_page.html.contains("Awaiting payment"),
        "{}",
        lead_page.html
    );

    stand_in.complete(&session_id, false).await;
    assert_eq!(app.payment_states().await, ["paid"]);
    let lead_page = owner.get(&format!("/leads/{lead}")).await;
    assert!(
        lead_page.html.contains("payment: Paid"),
        "{}",
        lead_page.html
    );
    assert!(
        lead_page.html.contains("/refund"),
        "the owner may refund: {}",
        lead_page.html
    );
    assert_eq!(
        visitor.get(&format!("/f/{form}/paid")).await.status,
        200,
        "the page Stripe sends the visitor back to"
    );
    // The same token again: paid already, nothing new at Stripe.
    let again = visitor
        .post(&format!("/f/{form}/pay"), &[("token", &token)])
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(stand_in.sessions().len(), 1);
    let hook: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM lead_events WHERE kind = 'payment' AND lead_id = $1",
    )
    .bind(&lead)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(hook, 2, "awaiting payment, then paid");
}
