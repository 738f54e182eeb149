//! Paying for a work order in headless Chromium: the client places a priced order on the
//! portal's page, is sent to Stripe's hosted page (the stand-in's), pays there, comes back
//! to the order, and sees it paid: marked by Stripe's webhook, which the stand-in sends
//! before it sends the browser back, as Stripe usually does (the order page never relies
//! on being reached).

use leadvault_test_support::{Engine, StripeStandIn, TestApp, both_engines};

#[both_engines]
async fn a_client_places_an_order_pays_on_stripes_page_and_comes_back_to_it_paid(engine: Engine) {
    let stand_in = StripeStandIn::start().await;
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .build()
        .await;
    let firm = app.paying_firm(&stand_in).await;
    let chromium = app.chromium_with(&firm.client).await;

    chromium
        .goto(&app.url(&format!("/portal/orders/new/{}", firm.form)))
        .await;
    chromium
        .run("document.getElementById('job').value = 'Service of process';")
        .await;
    let rush = chromium.wait_for("#rush").await;
    chromium.click(&rush).await;
    let party = chromium.wait_for("#party").await;
    chromium.type_into(&party, "Quentin Marlowe").await;
    let send = chromium.wait_for("form button[type=submit]").await;
    chromium.click(&send).await;

    // Stripe's page: the server's amount (125.00 and the rush surcharge), in dollars. The
    // card is typed there, never on a page of Leadvault's.
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
    assert_eq!(heading, "Pay USD 17500");
    for (field, value) in [
        ("#card_number", "4242 4242 4242 4242"),
        ("#exp", "12/34"),
        ("#cvc", "123"),
    ] {
        let input = chromium.wait_for(field).await;
        chromium.type_into(&input, value).await;
    }
    let pay = chromium.wait_for("#pay").await;
    chromium.click(&pay).await;

    // Back on the order, paid.
    chromium
        .wait_until("return location.pathname.startsWith('/portal/orders/');")
        .await;
    let order = app.only_order().await;
    assert_eq!(
        chromium.run("return location.pathname;").await,
        format!("/portal/orders/{order}")
    );
    let text = chromium.run("return document.body.innerText;").await;
    let text = text.as_str().unwrap();
    assert!(text.contains("Paid"), "{text}");
    assert!(text.contains("USD 175.00"), "{text}");
    assert!(!text.contains("Pay now"), "{text}");
    chromium.assert_accessible("a paid order's page").await;
    chromium.close().await;
}
