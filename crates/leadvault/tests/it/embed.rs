//! The embedded form in a real browser (headless Chromium). A firm's page, on its own
//! origin, carries the one-line embed tag: the form appears in a frame that grows with it,
//! hides a question until it applies, shows errors beside their fields before anything is
//! sent, finds the form's proof of work, takes the consultation and shows a tracking code,
//! and that code finds the status.
//! Another site that copies the tag shows no form.

use leadvault_store::sqlx;
use leadvault_test_support::forms::CONDITIONAL_CONSULTATION;
use leadvault_test_support::{Chromium, Engine, TestApp, TestCert, both_engines, serve_site_page};

/// The firm's page: the tag, and a note of when the frame has loaded (whatever it shows).
fn firm_page(form: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><title>Lima Law</title>
<script>document.addEventListener("load", function (e) {{
  if (e.target.tagName === "IFRAME") window.frameLoaded = true; }}, true);</script>
</head><body><h1>Talk to a lawyer</h1>
<script src="https://forms.lima-law.test/embed.js" data-form="{form}" async></script>
<p>Lima Law, 12 Harbor Street.</p></body></html>"#
    )
}

async fn leads(app: &TestApp) -> Vec<(Option<String>, String)> {
    sqlx::query_as("SELECT site_id, meta FROM leads")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

#[both_engines]
async fn a_visitor_fills_the_form_embedded_on_the_firms_site_and_tracks_it(engine: Engine) {
    let certs = tempfile::tempdir().unwrap();
    let cert = TestCert::create(certs.path(), "leadvault");
    let app = TestApp::builder(engine).tls(cert.clone()).build().await;
    let ana = app.owner("ana@lima.law").await;
    let site = app.site(ana.org_id, "www.lima.law").await;
    let form = app
        .form_on(ana.org_id, Some(site), CONDITIONAL_CONSULTATION)
        .await;
    let firm = serve_site_page(firm_page(&form.id.to_string()), &cert).await;
    let copycat = serve_site_page(firm_page(&form.id.to_string()), &cert).await;
    let chromium = Chromium::start(&[
        ("forms.lima-law.test", app.addr),
        ("www.lima.law", firm),
        ("copycat.test", copycat),
    ])
    .await;

    chromium
        .goto("https://www.lima.law/?utm_source=newsletter")
        .await;
    let frame = chromium.wait_for("iframe[data-leadvault-form]").await;
    // The frame takes the height its page reports, more than its starting minimum.
    chromium
        .wait_until(
            "var h = parseFloat(document.querySelector('iframe').style.height); return h > 400;",
        )
        .await;
    chromium.enter_frame(&frame).await;
    let send = chromium.wait_for("button[type=submit]").await;
    chromium.assert_accessible("the embedded form").await;
    assert_eq!(
        chromium
            .run("return document.getElementById('field-injured_on').hidden")
            .await,
        true
    );

    // Sending it empty: each error beside its field, focus on the first, and nothing
    // sent (the page was not even reloaded: what the script left on it is still there).
    chromium.run("window.stillHere = true; return null").await;
    chromium.click(&send).await;
    assert_eq!(
        chromium.text(&chromium.wait_for("#name-error").await).await,
        "Please answer this question."
    );
    assert_eq!(
        chromium
            .text(&chromium.wait_for("#agree-error").await)
            .await,
        "Please agree to continue."
    );
    assert_eq!(
        chromium.run("return document.activeElement.id").await,
        "name"
    );
    assert_eq!(
        chromium
            .run("return document.getElementById('name').getAttribute('aria-invalid')")
            .await,
        "true"
    );
    assert_eq!(chromium.run("return window.stillHere === true").await, true);
    chromium
        .assert_accessible("the embedded form with its errors")
        .await;
    assert!(leads(&app).await.is_empty());

    chromium
        .type_into(&chromium.wait_for("#name").await, "Marisol <b>Quintana</b>")
        .await;
    chromium
        .type_into(&chromium.wait_for("#email").await, "marisol@")
        .await;
    chromium.click(&send).await;
    assert_eq!(
        chromium
            .text(&chromium.wait_for("#email-error").await)
            .await,
        "Please enter an e-mail address like name@example.com."
    );
    assert_eq!(
        chromium.text(&chromium.wait_for("#name-error").await).await,
        "",
        "fixed, so cleared"
    );
    chromium
        .type_into(&chromium.wait_for("#email").await, "example.com")
        .await;

    // The conditional question appears when it applies.
    chromium
        .click(&chromium.wait_for("#area option:nth-child(3)").await)
        .await;
    chromium
        .wait_until("return document.getElementById('field-injured_on').hidden === false")
        .await;
    chromium.click(&chromium.wait_for("#agree").await).await;
    chromium.click(&send).await;

    let code = chromium
        .text(&chromium.wait_for("code.tracking-code").await)
        .await;
    assert!(
        leadvault_intake::TrackingCode::parse(&code).is_ok(),
        "{code}"
    );
    chromium.assert_accessible("the receipt").await;
    let stored = leads(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].0.as_deref(),
        Some(site.to_string().as_str()),
        "the lead is the site's"
    );
    assert!(
        stored[0].1.contains("\"utm_source\":\"newsletter\""),
        "{}",
        stored[0].1
    );
    chromium.leave_frames().await;

    // The code, typed on the status page, finds the status.
    chromium.goto("https://forms.lima-law.test/track").await;
    chromium
        .type_into(&chromium.wait_for("#code").await, &code)
        .await;
    chromium
        .click(&chromium.wait_for("button[type=submit]").await)
        .await;
    let status = chromium
        .text(&chromium.wait_for("dl.status strong").await)
        .await;
    assert_eq!(status, "New");
    chromium
        .assert_accessible("the tracking page's answer")
        .await;

    // The same tag on a site that is not the form's: the browser refuses to show it.
    chromium.goto("https://copycat.test/").await;
    chromium
        .wait_until("return window.frameLoaded === true")
        .await;
    let frame = chromium.wait_for("iframe[data-leadvault-form]").await;
    assert_eq!(
        chromium
            .run("return document.querySelector('iframe').style.height")
            .await,
        ""
    );
    chromium.enter_frame(&frame).await;
    assert!(
        chromium.find("form").await.is_none(),
        "{}",
        chromium.source().await
    );
    chromium.close().await;
    assert_eq!(leads(&app).await.len(), 1);
}
