//! The tracking script in a real browser (headless Chromium): a firm's page on its own
//! origin loads `lv.js` from Leadvault, navigates as a single-page app, fires a custom
//! event, sends a Leadvault form embedded in the page, downloads a file and follows a link to
//! another site;
//! the report then shows exactly those page views and events, and nothing else.

use std::time::Duration;

use leadvault_analytics::{Day, Range, report};
use leadvault_store::Timestamp;
use leadvault_test_support::forms::NAME_AND_EMAIL;
use leadvault_test_support::{Chromium, Engine, TestApp, TestCert, both_engines, serve_site_page};

fn firm_page(site: &str, form: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><title>Lima Law</title>
<script>window.lv = window.lv || function () {{ (lv.q = lv.q || []).push(arguments); }};
lv("Early", {{queued: "yes"}});</script>
<script defer src="https://analytics.lima-law.test/js/lv.js" data-site="{site}"></script>
</head><body><h1>Talk to a lawyer</h1>
<a id="about" href="/about">About us</a>
<a id="brochure" href="/files/fees-2026.pdf?v=2" download>Our fees (PDF)</a>
<a id="out" href="https://bar-association.test/find-a-lawyer?ref=lima">Bar association</a>
<script src="https://analytics.lima-law.test/embed.js" data-form="{form}" async></script>
<script>
document.getElementById("about").addEventListener("click", function (e) {{
  e.preventDefault(); history.pushState({{}}, "", "/about"); }});
</script></body></html>"#
    )
}

/// Leadvault over HTTPS, a firm with the site www.lima.law and a form on it, and the firm's
/// page (served on another origin) carrying the script and the form.
struct Firm {
    app: TestApp,
    site: leadvault_store::SiteId,
    form: leadvault_intake::Form,
    page: std::net::SocketAddr,
    cert: TestCert,
    _certs: tempfile::TempDir,
}

impl Firm {
    async fn start(engine: leadvault_store::Engine) -> Self {
        let certs = tempfile::tempdir().unwrap();
        let cert = TestCert::create(certs.path(), "leadvault");
        let app = TestApp::builder(engine).tls(cert.clone()).build().await;
        let owner = app.owner("ana@lima.law").await;
        let site = app.site(owner.org_id, "www.lima.law").await;
        let form = app.form_on(owner.org_id, Some(site), NAME_AND_EMAIL).await;
        let page = serve_site_page(firm_page(&site.to_string(), &form.id.to_string()), &cert).await;
        Self {
            app,
            site,
            form,
            page,
            cert,
            _certs: certs,
        }
    }
}

#[both_engines]
async fn the_script_counts_what_a_visitor_does_on_the_firms_site_and_nothing_more(engine: Engine) {
    let Firm {
        app,
        site,
        form,
        page: firm,
        cert,
        _certs,
    } = Firm::start(engine).await;
    let elsewhere = serve_site_page(
        "<!doctype html><title>Bar</title><p>Find a lawyer".into(),
        &cert,
    )
    .await;
    let chromium = Chromium::start_as_visitor(&[
        ("analytics.lima-law.test", app.addr),
        ("www.lima.law", firm),
        ("bar-association.test", elsewhere),
    ])
    .await;

    // A page view on load (and the event queued before the script ran).
    chromium
        .goto("https://www.lima.law/?utm_source=newsletter&utm_medium=email")
        .await;
    chromium
        .wait_until("return typeof window.lv === 'function' && !window.lv.q;")
        .await;
    // A single-page app's navigation, and back.
    chromium.click(&chromium.wait_for("#about").await).await;
    chromium.run("history.back(); return null").await;
    chromium
        .wait_until("return location.pathname === '/';")
        .await;
    // The site's own event, with a property.
    chromium
        .run("lv('Signup', {plan: 'pro'}); return null")
        .await;
    // A consultation sent through the embedded form.
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
    chromium.wait_for("[data-leadvault-received]").await;
    chromium.leave_frames().await;
    // A file downloaded.
    chromium.click(&chromium.wait_for("#brochure").await).await;
    // A link to another site, followed.
    chromium.click(&chromium.wait_for("#out").await).await;
    chromium
        .wait_until("return location.hostname === 'bar-association.test';")
        .await;

    // Everything sent arrives: eight events.
    let mut events = Vec::new();
    for _ in 0..100 {
        app.flush_analytics().await;
        events = app.stored_events().await;
        if events.len() >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut seen: Vec<(&str, &str, Option<&str>)> = events
        .iter()
        .map(|(name, path, props)| (name.as_str(), path.as_str(), props.as_deref()))
        .collect();
    // The first page view and the queued event leave together: either may arrive first.
    if seen.len() >= 2 {
        seen[..2].sort_by_key(|(name, _, _)| *name != "pageview");
    }
    let form_props = format!(r#"{{"form":"{}"}}"#, form.id);
    assert_eq!(
        seen,
        [
            ("pageview", "/", None),
            ("Early", "/", Some(r#"{"queued":"yes"}"#)),
            ("pageview", "/about", None),
            ("pageview", "/", None),
            ("Signup", "/", Some(r#"{"plan":"pro"}"#)),
            ("Form submitted", "/", Some(form_props.as_str())),
            (
                "File Download",
                "/",
                Some(r#"{"url":"https://www.lima.law/files/fees-2026.pdf"}"#)
            ),
            (
                "Outbound Link: Click",
                "/",
                Some(r#"{"url":"https://bar-association.test/find-a-lawyer"}"#)
            ),
        ],
        "exactly what the visitor did, in the order done"
    );

    // The report says so.
    let today = Day::of(Timestamp::now());
    let report = report(&app.analytics, site, Range::Today.period(today), 10)
        .await
        .unwrap();
    let totals = report.totals;
    assert_eq!(
        (
            totals.visitors,
            totals.visits,
            totals.pageviews,
            totals.events
        ),
        (1, 1, 3, 5)
    );
    let rows = |name: &str| -> Vec<String> {
        let mut values: Vec<String> = report
            .breakdowns
            .iter()
            .find(|b| b.dimension.name() == name)
            .unwrap()
            .rows
            .iter()
            .map(|row| row.value.clone())
            .collect();
        values.sort();
        values
    };
    assert_eq!(
        rows("event"),
        [
            "Early",
            "File Download",
            "Form submitted",
            "Outbound Link: Click",
            "Signup"
        ]
    );
    assert_eq!(rows("page"), ["/", "/about"]);
    assert_eq!(rows("channel"), ["email"]);
    assert_eq!(rows("utm_source"), ["newsletter"]);
    assert_eq!(rows("browser"), ["Chrome"]);
    chromium.close().await;
}

#[both_engines]
async fn a_browser_driven_by_a_program_is_not_counted(engine: Engine) {
    let Firm {
        app,
        page: firm,
        _certs,
        ..
    } = Firm::start(engine).await;
    // As WebDriver leaves it: `navigator.webdriver` is true.
    let chromium = Chromium::start(&[
        ("analytics.lima-law.test", app.addr),
        ("www.lima.law", firm),
    ])
    .await;
    chromium.goto("https://www.lima.law/").await;
    chromium
        .wait_until("return typeof window.lv === 'function' && !window.lv.q;")
        .await;
    assert_eq!(
        chromium.run("return navigator.webdriver === true").await,
        true
    );
    chromium
        .run("lv('Signup', {plan: 'pro'}); history.pushState({}, '', '/about'); return null")
        .await;
    // Had anything been sent, it would be there by now: the script's requests go out at once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.flush_analytics().await;
    assert!(app.stored_events().await.is_empty());
    chromium.close().await;
}
