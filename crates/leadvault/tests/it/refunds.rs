//! Refunds, whole or in part, by members with billing: made through Stripe, recorded once,
//! audited; Stripe's own report of them changes nothing more.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_store::sqlx;
use leadvault_test_support::{Engine, StripeStandIn, TestApp, both_engines};
use serde_json::json;

#[both_engines]
async fn members_with_billing_refund_in_part_or_whole_and_each_refund_is_audited(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let mut firm = app.paying_firm(&stand_in).await;
    let session_id = stand_in.session_of(&firm.order("Service of process").await);
    stand_in.complete(&session_id, false).await;
    let order = app.only_order().await;
    let payment: String = sqlx::query_scalar("SELECT id FROM payments")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let refund_path = format!("/payments/{payment}/refund");

    // Intake staff see the order but may not refund it.
    let intake = app
        .member(
            &firm.owner,
            "ivy@spectrum.legal",
            Role::Intake,
            Scope::Organization,
        )
        .await;
    let (mut ivy, _) = app.signed_in(&intake).await;
    let page = ivy.get(&format!("/orders/{order}")).await;
    assert!(!page.html.contains(&refund_path), "{}", page.html);
    let refused = ivy.submit(&page, &refund_path, &[("amount", "10")]).await;
    assert_eq!(refused.status, 403);

    let page = firm.owner_browser.get(&format!("/orders/{order}")).await;
    assert!(page.html.contains(&refund_path), "{}", page.html);
    for (amount, says) in [
        ("500", "at most USD 175.00"),
        ("0", "more than zero"),
        ("ten", "a number"),
    ] {
        let refused = firm
            .owner_browser
            .submit(
                &page,
                &refund_path,
                &[("amount", amount), ("back", "order")],
            )
            .await;
        assert_eq!(refused.status, 422, "{amount}");
        assert!(refused.html.contains(says), "{amount}: {}", refused.html);
    }
    let partly = firm
        .owner_browser
        .submit(
            &page,
            &refund_path,
            &[("amount", "25.50"), ("back", "order")],
        )
        .await;
    assert_eq!(partly.location(), Some(format!("/orders/{order}").as_str()));
    assert_eq!(app.payment_states().await, ["partially_refunded"]);
    let page = firm.owner_browser.get(&format!("/orders/{order}")).await;
    assert!(page.html.contains("USD 25.50 refunded"), "{}", page.html);
    assert!(
        page.html.contains("value=\"149.50\""),
        "the rest is offered: {}",
        page.html
    );

    // A member in the billing role refunds the rest from the same form.
    let billing = app
        .member(
            &firm.owner,
            "bo@spectrum.legal",
            Role::Billing,
            Scope::Organization,
        )
        .await;
    let (mut bo, _) = app.signed_in(&billing).await;
    let list = bo.get("/payments").await;
    assert!(list.html.contains(&refund_path), "{}", list.html);
    assert!(
        !list.html.contains(&format!("href=\"/orders/{order}\"")),
        "no link to an order the billing role may not open: {}",
        list.html
    );
    let rest = bo
        .submit(&list, &refund_path, &[("amount", "149.50")])
        .await;
    assert_eq!(rest.location(), Some("/payments"), "{}", rest.html);
    assert_eq!(app.payment_states().await, ["refunded"]);
    let refunds: Vec<(String, Option<String>)> = stand_in
        .requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == "/v1/refunds")
        .map(|(_, _, key)| (String::new(), key))
        .collect();
    assert_eq!(refunds.len(), 2);
    assert!(refunds.iter().all(|(_, key)| key.is_some()));
    let audited = app
        .audited(Chain::of(firm.owner.org_id), "payments.refund_issued")
        .await;
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[1].actor, format!("member:{}", billing.user_id));

    // Stripe's charge.refunded that follows finds the refunds recorded.
    let intent = stand_in.session(&session_id)["payment_intent"].clone();
    let charge = json!({"id": "ch_1", "object": "charge", "payment_intent": intent,
                        "amount": 17_500, "amount_refunded": 17_500, "refunded": true});
    stand_in
        .send_event("acct_one", "charge.refunded", charge)
        .await;
    assert_eq!(app.payment_states().await, ["refunded"]);
    let lines: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM work_order_events WHERE kind = 'payment' ORDER BY at",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        lines,
        ["awaiting_payment", "paid", "partially_refunded", "refunded"]
    );
    // Nothing left to refund.
    let page = firm.owner_browser.get(&format!("/orders/{order}")).await;
    let none = firm.owner_browser.submit(&page, &refund_path, &[]).await;
    assert_eq!(none.status, 422);
}
