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

/// The firm's page, with the embed tag of `form`.
fn firm_page(form: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><title>Lima Law</title></head><body>
<h1>Talk to a lawyer</h1>
<script src="https://forms.lima-law.test/embed.js" data-form="{form}" async></script>
</body></html>"#
    )
}

#[both_engines]
async fn a_visitor_pays_the_fee_from_the_form_embedded_on_the_firms_site(engine: Engine) {
    use leadvault_payments::{Connect, Money, PriceList, SecretKey, SigningSecret, Stripe};
    use leadvault_test_support::{
        Chromium, STRIPE_SIGNING_SECRET, STRIPE_TEST_KEY, TestCert, acting_in, serve_site_page,
    };

    let stand_in = StripeStandIn::start().await;
    let certs = tempfile::tempdir().unwrap();
    let cert = TestCert::create(certs.path(), "leadvault");
    let app = TestApp::builder(engine)
        .tls(cert.clone())
        .stripe(stand_in.api_url())
        .build()
        .await;
    let ana = app.owner("ana@lima.law").await;
    let site = app.site(ana.org_id, "www.lima.law").await;
    let form = app
        .form_on(
            ana.org_id,
            Some(site),
            leadvault_test_support::forms::NAME_AND_EMAIL,
        )
        .await;
    // Connected and priced as the settings page does it (the app here speaks only HTTPS).
    let acting = acting_in(ana.org_id);
    leadvault_payments::connect_stripe(
        &app.db,
        &app.keyring,
        &Stripe::new(Some(stand_in.api_url())),
        &acting,
        Connect {
            key: Some(SecretKey::parse(STRIPE_TEST_KEY).unwrap()),
            signing_secret: Some(SigningSecret::parse(STRIPE_SIGNING_SECRET).unwrap()),
        },
    )
    .await
    .unwrap();
    let mut prices = PriceList::empty(leadvault_payments::Currency::USD);
    prices
        .consultation_fees
        .insert(form.id, Money::parse("40", prices.currency).unwrap());
    leadvault_payments::set_prices(&app.db, &acting, &prices)
        .await
        .unwrap();
    let firm = serve_site_page(firm_page(&form.id.to_string()), &cert).await;
    let chromium =
        Chromium::start(&[("forms.lima-law.test", app.addr), ("www.lima.law", firm)]).await;

    chromium.goto("https://www.lima.law/").await;
    let frame = chromium.wait_for("iframe[data-leadvault-form]").await;
    chromium.enter_frame(&frame).await;
    chromium
        .type_into(&chromium.wait_for("#name").await, "Marisol Quintana")
        .await;
    chromium
        .type_into(&chromium.wait_for("#email").await, "marisol@example.com")
        .await;
    chromium
        .click(&chromium.wait_for("button[type=submit]").await)
        .await;

    // The lead is stored; its receipt offers the fee, and paying leaves the frame for
    // Stripe's page (which cannot be framed), the firm's page behind it.
    chromium.wait_for("code.tracking-code").await;
    let offer = chromium.wait_for("form[action$='/pay'] button").await;
    assert_eq!(chromium.text(&offer).await, "Pay USD 40.00");
    chromium
        .assert_accessible("the receipt offering the fee")
        .await;
    chromium.click(&offer).await;
    chromium.leave_frames().await;
    chromium
        .wait_until(&format!(
            "return location.href.startsWith('http://{}/checkout/cs_');",
            stand_in.addr
        ))
        .await;
    let heading = chromium
        .run("return document.querySelector('h1').textContent;")
        .await;
    assert_eq!(heading, "Pay USD 4000");
    assert_eq!(app.payment_states().await, ["awaiting_payment"]);
    chromium.close().await;
}
