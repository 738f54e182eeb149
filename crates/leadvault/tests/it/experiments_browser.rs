//! Experiments in a real browser (headless Chromium): a firm's page on its own origin loads
//! `lv.js?site=…` from Leadvault; the visitor sees their variation before the load event,
//! the same one after a reload and in a new tab; the control sees the page as it is; the
//! preview link forces a variation; a configuration for another site changes nothing; and a
//! conversion is counted under the variation the visitor was shown.

use std::time::Duration;

use leadvault_analytics::{
    Day, ExperimentError, ExperimentState, GoalKind, OnSite, Range, ReportScope, add_goal, assign,
    create_experiment, experiment_report, list_experiments, set_state,
};
use leadvault_store::Timestamp;
use leadvault_test_support::{
    Chromium, Engine, TestApp, TestCert, acting_in, both_engines, serve_site_page,
};

/// The page as it is, and as variation Direct shows it: the headline and its classes, the
/// link's address, the introduction's colour, whether the chat and the fee note show, which
/// element comes first, and the badge's classes (see `facts` in the page).
const ORIGINAL: &str = "Talk to a lawyer|hero|/call||block|none|H1|badge old";
const DIRECT: &str = "Speak with a lawyer today|hero direct|https://www.lima.law/contact|rgb(170, 0, 0)|none|block|P|badge";

const EXPERIMENT: &str = r##"{"name": "Hero", "include": ["/"], "traffic": 100, "anti_flicker": true,
  "goals": [{"event": "Signup"}],
  "variations": [{"name": "Original", "weight": 50},
    {"name": "Direct", "weight": 50, "changes": [
      {"set_text": {"selector": "h1", "text": "Speak with a lawyer today"}},
      {"add_class": {"selector": "h1", "class": "direct"}},
      {"set_attribute": {"selector": "a#call", "name": "href", "value": "https://www.lima.law/contact"}},
      {"set_style": {"selector": "#intro", "property": "color", "value": "#aa0000"}},
      {"hide": {"selector": "#chat"}},
      {"show": {"selector": "#fee"}},
      {"move": {"selector": "#intro", "target": "h1", "position": "before"}},
      {"remove_class": {"selector": ".badge", "class": "old"}},
      {"add_class": {"selector": "p.late", "class": "seen"}}]}]}"##;

/// Sends visitors of /old to /new.
const MOVED: &str = r#"{"name": "Moved", "include": ["/old"], "traffic": 100,
  "variations": [{"name": "Stay", "weight": 0},
    {"name": "Go", "weight": 100, "changes": [{"redirect": {"url": "https://www.lima.law/new"}}]}]}"#;

/// The firm's page: the script in the head, without defer, asking for `site`'s experiments
/// and saying it is `data_site`. It notes the headline as parsed and at the load event, and
/// adds a paragraph after the load. With `consent`, the script waits for it, which the page
/// gives when its address says `consent=yes`.
fn firm_page(site: &str, data_site: &str, consent: bool) -> String {
    let (given, required) = if consent {
        (
            r#"<script>window.lvConsent = location.search.indexOf("consent=yes") > 0;</script>"#,
            r#"data-consent="required""#,
        )
    } else {
        ("", "")
    };
    format!(
        r##"<!doctype html><html lang="en"><head><title>Lima Law</title>{given}
<script src="https://analytics.lima-law.test/js/lv.js?site={site}" data-site="{data_site}" {required}></script>
</head><body><h1 class="hero">Talk to a lawyer</h1><p id="intro">Free first consultation</p>
<a id="call" href="/call">Call us</a><div id="chat">Chat with us</div><p id="fee" hidden>No fee unless we win</p>
<span class="badge old">Since 1990</span>
<script>
function headline() {{
  var h = document.querySelector("h1"), shown = function (css) {{ return getComputedStyle(document.querySelector(css)).display; }};
  return [h.textContent, h.className, document.getElementById("call").getAttribute("href"),
    document.getElementById("intro").style.color, shown("#chat"), shown("#fee"),
    document.body.firstElementChild.tagName, document.querySelector(".badge").className].join("|");
}}
window.atParse = headline();
window.opacityAtParse = getComputedStyle(document.documentElement).opacity;
addEventListener("load", function () {{
  window.atLoad = headline();
  setTimeout(function () {{
    var p = document.createElement("p"); p.className = "late"; p.textContent = "Added later";
    document.body.appendChild(p);
  }}, 50);
}});
</script></body></html>"##
    )
}

/// An id in the `_lvid` cookie's form that `assign` puts in `variation`.
fn visitor_in(seed: &str, variation: usize) -> String {
    (0_u64..)
        .map(|n| format!("{n:032x}"))
        .find(|id| assign(seed, id, 100, &[50, 50]) == Some(variation))
        .unwrap()
}

/// The headline noted at parse and at load, once the load event has passed.
async fn headline(chromium: &Chromium) -> (String, String) {
    chromium
        .wait_until("return typeof window.atLoad === 'string';")
        .await;
    let seen = chromium
        .run("return [window.atParse, window.atLoad];")
        .await;
    (
        seen[0].as_str().unwrap().to_owned(),
        seen[1].as_str().unwrap().to_owned(),
    )
}

async fn cookie(chromium: &Chromium, name: &str) -> Option<String> {
    let cookies = chromium.run("return document.cookie;").await;
    cookies
        .as_str()
        .unwrap()
        .split("; ")
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

#[both_engines]
async fn visitors_see_their_variation_before_the_page_loads_and_conversions_count_under_it(
    engine: Engine,
) {
    let certs = tempfile::tempdir().unwrap();
    let cert = TestCert::create(certs.path(), "leadvault");
    let app = TestApp::builder(engine).tls(cert.clone()).build().await;
    let owner = app.owner("ana@lima.law").await;
    let site = app.site(owner.org_id, "www.lima.law").await;
    let other = app.site(owner.org_id, "www.other.law").await;
    let acting = acting_in(owner.org_id);
    add_goal(&app.db, &acting, site, &GoalKind::Event("Signup".into()))
        .await
        .unwrap();

    // Defined and started; an unsafe change cannot be saved. (The API and the page
    // that do this over HTTP are tested in `experiments`; this server speaks HTTPS only.)
    let (db, on_lima) = (
        &app.db,
        OnSite {
            site,
            domain: "www.lima.law",
        },
    );
    let unsafe_one = EXPERIMENT.replace(
        r#"{"set_text": {"selector": "h1", "text": "Speak with a lawyer today"}}"#,
        r#"{"set_attribute": {"selector": "a", "name": "href", "value": "javascript:alert(document.cookie)"}}"#,
    );
    assert!(matches!(
        create_experiment(db, &acting, on_lima, &unsafe_one).await,
        Err(ExperimentError::Refused(_))
    ));
    let id = create_experiment(db, &acting, on_lima, EXPERIMENT)
        .await
        .unwrap();
    set_state(db, &acting, on_lima, id, ExperimentState::Running)
        .await
        .unwrap();
    let moved = create_experiment(db, &acting, on_lima, MOVED)
        .await
        .unwrap();
    set_state(db, &acting, on_lima, moved, ExperimentState::Running)
        .await
        .unwrap();
    let saved = list_experiments(db, on_lima).await.unwrap();
    assert_eq!(saved.len(), 2, "the unsafe one was not saved");
    let hero = saved.iter().find(|e| e.id == id).unwrap();
    let seed = hero.seed.clone();

    let lima = site.to_string();
    let page = serve_site_page(firm_page(&lima, &lima, false), &cert).await;
    let asking = serve_site_page(firm_page(&lima, &lima, true), &cert).await;
    let mismatched = serve_site_page(firm_page(&lima, &other.to_string(), false), &cert).await;
    let hosts = [
        ("analytics.lima-law.test", app.addr),
        ("www.lima.law", page),
        ("consent.lima.law", asking),
        ("www.other.law", mismatched),
    ];

    // A visitor: no cookie on a page without experiments; on the home page, a random id
    // and the variation it draws, in the DOM before the load event (already as parsed).
    let visitor = Chromium::start_as_visitor(&hosts).await;
    visitor.goto("https://www.lima.law/about").await;
    headline(&visitor).await;
    assert_eq!(
        cookie(&visitor, "_lvid").await,
        None,
        "no experiment runs on /about"
    );
    visitor.goto("https://www.lima.law/").await;
    let their_id = cookie(&visitor, "_lvid")
        .await
        .expect("the visitor id cookie");
    assert_eq!(their_id.len(), 32);
    let arm = assign(&seed, &their_id, 100, &[50, 50]).unwrap();
    let expected = [ORIGINAL, DIRECT][arm];
    assert_eq!(
        headline(&visitor).await,
        (expected.to_owned(), expected.to_owned())
    );
    // The same after a reload, and in a new tab.
    visitor.reload().await;
    assert_eq!(headline(&visitor).await.1, expected);
    visitor.new_tab().await;
    visitor.goto("https://www.lima.law/").await;
    assert_eq!(headline(&visitor).await.1, expected);
    assert_eq!(
        cookie(&visitor, "_lvid").await.as_deref(),
        Some(their_id.as_str())
    );
    // They sign up.
    visitor.run("lv('Signup'); return null;").await;

    // The control group sees the page as it is; the variation's visitors see it changed,
    // also on an element added after the load, and nothing stays hidden.
    let others = Chromium::start_as_visitor(&hosts).await;
    others.goto("https://www.lima.law/about").await;
    others.set_cookie("_lvid", &visitor_in(&seed, 0)).await;
    others.goto("https://www.lima.law/").await;
    assert_eq!(
        headline(&others).await,
        (ORIGINAL.to_owned(), ORIGINAL.to_owned())
    );
    assert_eq!(
        others.run("return window.opacityAtParse;").await,
        "1",
        "nothing hidden for the control"
    );
    others.wait_for("p.late").await;
    assert!(others.find("p.late.seen").await.is_none());
    others.set_cookie("_lvid", &visitor_in(&seed, 1)).await;
    others.reload().await;
    assert_eq!(
        headline(&others).await,
        (DIRECT.to_owned(), DIRECT.to_owned())
    );
    others.wait_for("p.late.seen").await;
    // Anti-flicker: hidden while parsed (one change, for p.late, had found nothing yet),
    // shown once the page was parsed.
    assert_eq!(others.run("return window.opacityAtParse;").await, "0");
    assert_eq!(
        others
            .run("return getComputedStyle(document.documentElement).opacity;")
            .await,
        "1"
    );
    // The preview link forces a variation, whatever the cookie says.
    others.set_cookie("_lvid", &visitor_in(&seed, 0)).await;
    others
        .goto(&format!("https://www.lima.law/?lv_preview={id}:1"))
        .await;
    assert_eq!(headline(&others).await.1, DIRECT);
    // A redirect keeps the visitor's query string (their campaign).
    others
        .goto("https://www.lima.law/old?utm_source=newsletter")
        .await;
    others
        .wait_until("return location.pathname === '/new';")
        .await;
    assert_eq!(
        others.run("return location.search;").await,
        "?utm_source=newsletter"
    );
    // A page whose script tag names another site applies nothing.
    others.goto("https://www.other.law/").await;
    others.set_cookie("_lvid", &visitor_in(&seed, 1)).await;
    others.reload().await;
    assert_eq!(
        headline(&others).await,
        (ORIGINAL.to_owned(), ORIGINAL.to_owned())
    );

    // One exposure per visit for the first visitor, then the conversion: counted under
    // the variation they were shown.
    let mut events = Vec::new();
    for _ in 0..100 {
        app.flush_analytics().await;
        events = app.stored_events().await;
        if events.iter().any(|(name, _, _)| name == "Signup") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exposure = format!(r#"{{"experiment":"{id}","variation":"{arm}"}}"#);
    let first_visitor: Vec<_> = events
        .iter()
        .take_while(|(name, _, _)| name != "Signup")
        .filter(|(name, _, _)| name == "Experiment exposure")
        .collect();
    assert_eq!(first_visitor.len(), 1, "{events:?}");
    assert_eq!(first_visitor[0].2.as_deref(), Some(exposure.as_str()));
    let today = Day::of(Timestamp::now());
    let report = experiment_report(
        &app.analytics,
        site,
        hero,
        ReportScope {
            period: Range::Today.period(today),
            effect: 0.1,
            today,
        },
    )
    .await
    .unwrap();
    let (goal, results) = &report.goals[0];
    assert_eq!(goal, &GoalKind::Event("Signup".into()));
    let arms: Vec<(u64, u64)> = results
        .variations
        .iter()
        .map(|v| (v.arm.visitors, v.arm.conversions))
        .collect();
    let mut expected_arms = vec![(0, 0), (0, 0)];
    expected_arms[arm] = (1, 1);
    assert_eq!(
        arms, expected_arms,
        "one visitor (one address and browser, one day), converted"
    );

    // A page that asks for consent first: no cookie and no variation until it is given.
    others.goto("https://consent.lima.law/").await;
    assert_eq!(headline(&others).await.1, ORIGINAL);
    assert_eq!(
        cookie(&others, "_lvid").await,
        None,
        "no cookie before consent"
    );
    others.goto("https://consent.lima.law/?consent=yes").await;
    let given = cookie(&others, "_lvid")
        .await
        .expect("the cookie, once consent is given");
    let arm = assign(&seed, &given, 100, &[50, 50]).unwrap();
    assert_eq!(headline(&others).await.1, [ORIGINAL, DIRECT][arm]);

    // Shipped: everyone sees the variation, and no one is assigned.
    set_state(db, &acting, on_lima, id, ExperimentState::Shipped(1))
        .await
        .unwrap();
    app.experiments_changed(site);
    let newcomer = Chromium::start_as_visitor(&hosts).await;
    newcomer.goto("https://www.lima.law/").await;
    assert_eq!(headline(&newcomer).await.1, DIRECT);
    assert_eq!(cookie(&newcomer, "_lvid").await, None);
    newcomer.close().await;
    visitor.close().await;
    others.close().await;
}
