//! Stripe's webhooks to an organization's endpoint: the signature checked on the raw body,
//! each event applied once, forward only, whatever order they come in; a session replayed
//! to another organization's endpoint changes nothing.

use leadvault_store::sqlx;
use leadvault_test_support::{Engine, STRIPE_SIGNING_SECRET, StripeStandIn, TestApp, both_engines};
use serde_json::json;

async fn history_lines(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM work_order_events WHERE kind = 'payment'")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[both_engines]
async fn stripes_webhooks_are_checked_then_applied_once_and_forward_only(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let mut firm = app.paying_firm(&stand_in).await;
    let org = firm.owner.org_id.to_string();
    let session_id = stand_in.session_of(&firm.order("Service of process").await);
    let completed = {
        let mut session = stand_in.session(&session_id);
        session["status"] = json!("complete");
        stand_in.event("checkout.session.completed", session)
    };
    let body = completed.to_string();
    let before = app.payment_states().await;

    // A wrong secret, a changed body, an old or a missing signature, no event at all: 400
    // and nothing changed.
    let now = leadvault_test_support::unix_now();
    let signed = StripeStandIn::signature(STRIPE_SIGNING_SECRET, now, body.as_bytes());
    for (body, signature) in [
        (
            body.clone(),
            StripeStandIn::signature("whsec_SomebodyElsesSecret000000", now, body.as_bytes()),
        ),
        (
            body.replace("checkout.session.completed", "checkout.session.expired"),
            signed.clone(),
        ),
        (
            body.clone(),
            StripeStandIn::signature(STRIPE_SIGNING_SECRET, now - 301, body.as_bytes()),
        ),
        (body.clone(), String::new()),
        (
            "not json".to_owned(),
            StripeStandIn::signature(STRIPE_SIGNING_SECRET, now, b"not json"),
        ),
    ] {
        assert_eq!(
            app.post_stripe_webhook(&org, &body, &signature).await,
            400,
            "{signature}"
        );
    }
    // An organization that takes no payments, or none at all: the same 400 (the endpoint
    // does not tell which organizations take payments).
    let stranger = leadvault_store::OrgId::random().to_string();
    assert_eq!(
        app.post_stripe_webhook(&stranger, &body, &signed).await,
        400
    );
    assert_eq!(
        app.post_stripe_webhook("not-an-org", &body, &signed).await,
        400
    );
    assert_eq!(app.payment_states().await, before);
    assert_eq!(history_lines(&app).await, 1, "awaiting payment only");

    // The session is still open at Stripe: an event claiming otherwise marks nothing.
    assert_eq!(stand_in.deliver("acct_one", &completed).await, Some(200));
    assert_eq!(app.payment_states().await, ["awaiting_payment"]);

    // Paid; the same event again (Stripe retries) changes nothing more.
    stand_in.complete(&session_id, false).await;
    let paid = stand_in.event("checkout.session.completed", stand_in.session(&session_id));
    for _ in 0..3 {
        assert_eq!(stand_in.deliver("acct_one", &paid).await, Some(200));
    }
    assert_eq!(app.payment_states().await, ["paid"]);
    assert_eq!(history_lines(&app).await, 2);

    // Late and unknown events are acknowledged and change nothing.
    let expired = stand_in.event("checkout.session.expired", stand_in.session(&session_id));
    assert_eq!(stand_in.deliver("acct_one", &expired).await, Some(200));
    let unknown = stand_in.event(
        "customer.created",
        json!({"id": "cus_1", "object": "customer"}),
    );
    assert_eq!(stand_in.deliver("acct_one", &unknown).await, Some(200));
    assert_eq!(app.payment_states().await, ["paid"]);

    // A refund made in Stripe's dashboard arrives as charge.refunded, in parts.
    let intent = stand_in.session(&session_id)["payment_intent"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        stand_in.refund_in_dashboard(&intent, 5_000).await,
        Some(200)
    );
    assert_eq!(app.payment_states().await, ["partially_refunded"]);
    assert_eq!(
        stand_in.refund_in_dashboard(&intent, 12_500).await,
        Some(200)
    );
    assert_eq!(app.payment_states().await, ["refunded"]);
    let page = firm
        .owner_browser
        .get(&format!("/orders/{}", app.only_order().await))
        .await;
    assert!(page.html.contains("USD 175.00 refunded"), "{}", page.html);
}

#[both_engines]
async fn events_out_of_order_end_where_stripe_says(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let mut firm = app.paying_firm(&stand_in).await;
    let session_id = stand_in.session_of(&firm.order("Service of process").await);

    // The refund's event overtakes the completion's: the refund proves the payment.
    stand_in.send_webhooks(
        "acct_one",
        "http://127.0.0.1:9/nowhere",
        STRIPE_SIGNING_SECRET,
    );
    stand_in.complete(&session_id, false).await;
    let completed = stand_in.event("checkout.session.completed", stand_in.session(&session_id));
    let intent = stand_in.session(&session_id)["payment_intent"]
        .as_str()
        .unwrap()
        .to_owned();
    stand_in.refund_in_dashboard(&intent, 17_500).await;
    let endpoint = app.url(&format!("/stripe/webhooks/{}", firm.owner.org_id));
    stand_in.send_webhooks("acct_one", &endpoint, STRIPE_SIGNING_SECRET);
    let refunded = stand_in.event(
        "charge.refunded",
        json!({"id": "ch_1", "object": "charge", "payment_intent": intent, "amount": 17_500,
               "amount_refunded": 17_500, "refunded": true, "currency": "usd"}),
    );
    assert_eq!(stand_in.deliver("acct_one", &refunded).await, Some(200));
    assert_eq!(app.payment_states().await, ["refunded"]);
    assert_eq!(stand_in.deliver("acct_one", &completed).await, Some(200));
    assert_eq!(
        app.payment_states().await,
        ["refunded"],
        "the late completion changes nothing"
    );

    // A payment that settles later: processing, then failed; the client may pay again.
    let session_id = stand_in.session_of(&firm.order("Service of process").await);
    stand_in.complete(&session_id, true).await;
    assert_eq!(app.payment_states().await, ["refunded", "processing"]);
    stand_in.settle(&session_id, false).await;
    assert_eq!(app.payment_states().await, ["refunded", "failed"]);
    let order: String =
        sqlx::query_scalar("SELECT subject_id FROM payments WHERE state = 'failed'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let page = firm.client.get(&format!("/portal/orders/{order}")).await;
    assert!(
        page.html.contains("Payment failed") && page.html.contains("Pay now"),
        "{}",
        page.html
    );
    let retry = firm
        .client
        .submit(&page, &format!("/portal/orders/{order}/pay"), &[])
        .await;
    let second = stand_in.session_of(&retry);
    assert_ne!(second, session_id, "a new attempt, a new session");
    let keys: Vec<String> = stand_in
        .requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == "/v1/checkout/sessions")
        .filter_map(|(_, _, key)| key)
        .filter(|key| key.contains(&order))
        .collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "each attempt its own Idempotency-Key");
    stand_in.settle(&session_id, true).await; // too late for the failed attempt
    stand_in.expire(&second).await;
    assert_eq!(
        app.payment_states().await,
        ["refunded", "failed", "expired"]
    );
}

#[both_engines]
async fn a_session_replayed_to_another_organization_changes_nothing(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let mut firm = app.paying_firm(&stand_in).await;
    let session_id = stand_in.session_of(&firm.order("Service of process").await);

    // Another firm, with its own Stripe account, its own order and its own secret.
    let (bea, mut other, _) = app.signed_in_owner("bea@other.legal").await;
    let other_secret = "whsec_OtherFirmsSigningSecret0000000";
    app.connect_stripe(
        &mut other,
        &stand_in,
        bea.org_id,
        (
            "acct_two",
            "rk_test_51OtherFirmsRestrictedKey00",
            other_secret,
        ),
    )
    .await;
    // Someone who can sign for the other firm's endpoint replays the first firm's session.
    stand_in.complete(&session_id, false).await;
    let body = stand_in
        .event("checkout.session.completed", stand_in.session(&session_id))
        .to_string();
    let signature = StripeStandIn::signature(
        other_secret,
        leadvault_test_support::unix_now(),
        body.as_bytes(),
    );
    assert_eq!(
        app.post_stripe_webhook(&bea.org_id.to_string(), &body, &signature)
            .await,
        200
    );
    let theirs: i64 = sqlx::query_scalar("SELECT count(*) FROM payments WHERE org_id = $1")
        .bind(bea.org_id.to_string())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(theirs, 0);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM stripe_events WHERE org_id = $1")
        .bind(bea.org_id.to_string())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(events, 0, "nothing of it recorded");
    // The first firm's own endpoint was told by Stripe: paid there, and only there.
    assert_eq!(app.payment_states().await, ["paid"]);
}
