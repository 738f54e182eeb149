//! Paying for a work order in headless Chromium: the client places a priced order on the
//! portal's page, is sent to Stripe's hosted page (the stand-in's), pays there, comes back
//! to the order, and sees it paid: marked by Stripe's webhook, which the stand-in sends
//! before it sends the browser back, as Stripe usually does (the order page never relies
//! on being reached).

use leadvault_store::sqlx;
use leadvault_test_support::forms::WORK_ORDER_WITH_DUE_DATE;
use leadvault_test_support::{
    Engine, STRIPE_SIGNING_SECRET, STRIPE_TEST_KEY, StripeStandIn, TestApp, both_engines,
};

#[both_engines]
async fn a_client_places_an_order_pays_on_stripes_page_and_comes_back_to_it_paid(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@spectrum.legal").await;
    let form = app.form(ana.org_id, WORK_ORDER_WITH_DUE_DATE).await;
    app.connect_stripe(
        &mut owner,
        &stand_in,
        ana.org_id,
        ("acct_one", STRIPE_TEST_KEY, STRIPE_SIGNING_SECRET),
    )
    .await;
    app.set_prices(&mut owner, "usd", "40", &[("Court filing", "90")])
        .await;
    let dee = app.customer(&ana, "dee@client.example").await;
    let (client, _) = app.signed_in(&dee).await;
    let chromium = app.chromium_with(&client).await;

    chromium
        .goto(&app.url(&format!("/portal/orders/new/{}", form.id)))
        .await;
    chromium
        .run("document.getElementById('job').value = 'Court filing';")
        .await;
    let rush = chromium.wait_for("#rush").await;
    chromium.click(&rush).await;
    let party = chromium.wait_for("#party").await;
    chromium.type_into(&party, "Quentin Marlowe").await;
    let send = chromium.wait_for("form button[type=submit]").await;
    chromium.click(&send).await;

    // Stripe's page: the server's amount (90.00 and the rush surcharge), in dollars.
    chromium.wait_for("#pay").await;
    assert!(
        chromium
            .url()
            .await
            .starts_with(&format!("http://{}/checkout/cs_", stand_in.addr)),
        "{}",
        chromium.url().await
    );
    let heading = chromium
        .run("return document.querySelector('h1').textContent;")
        .await;
    assert_eq!(heading, "Pay USD 13000");
    let pay = chromium.wait_for("#pay").await;
    chromium.click(&pay).await;

    // Back on the order, paid.
    chromium
        .wait_until("return location.pathname.startsWith('/portal/orders/');")
        .await;
    let order: String = sqlx::query_scalar("SELECT id FROM work_orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        chromium.run("return location.pathname;").await,
        format!("/portal/orders/{order}")
    );
    let text = chromium.run("return document.body.innerText;").await;
    let text = text.as_str().unwrap();
    assert!(text.contains("Paid"), "{text}");
    assert!(text.contains("USD 130.00"), "{text}");
    assert!(!text.contains("Pay now"), "{text}");
    chromium.assert_accessible("a paid order's page").await;
    chromium.close().await;
}
