//! Analytics reports: rollups and what the dashboard, the JSON API and the CSV export say
//! about counted visits, and who may read them.

use std::collections::BTreeSet;
use std::time::Duration;

use leadvault_accounts::{Role, Scope};
use leadvault_analytics::{
    Channel, Day, Device, Range, Screen, Seen, StoredEvent, VisitFacts, VisitorId, VisitorIds,
    Visits, report, roll_up_day,
};
use leadvault_store::{SiteId, Timestamp};
use leadvault_test_support::{CHROME, Engine, IPHONE, TestApp, both_engines, event_body};

fn facts(channel: Channel, country: &str) -> VisitFacts {
    VisitFacts {
        channel,
        source: String::new(),
        utm: Default::default(),
        country: leadvault_analytics::Country::parse(country),
        browser: "Firefox".into(),
        browser_version: "133".into(),
        os: "Linux".into(),
        device: Device::Desktop,
        screen: Screen::Desktop,
    }
}

/// Stores page views of `visitor` at `minutes` past midnight of `day`, as the ingester
/// would (one visit while they are under 30 minutes apart).
async fn visit(
    app: &TestApp,
    site: SiteId,
    day: Day,
    visitor: i64,
    pages: &[(&str, i64)],
    facts: &VisitFacts,
) {
    static NEXT_VISIT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    let first_id = NEXT_VISIT.fetch_add(100, std::sync::atomic::Ordering::Relaxed);
    let mut visits = Visits::new(10, first_id);
    let mut events = Vec::new();
    for (path, minutes) in pages {
        let at = day
            .start()
            .saturating_add(Duration::from_secs(*minutes as u64 * 60));
        let ids = VisitorIds {
            today: VisitorId::from_raw(visitor),
            yesterday: None,
        };
        let recorded = visits.record(&Seen {
            site,
            visitor: ids,
            page: path,
            pageview: true,
            at,
            facts,
        });
        events.push(StoredEvent {
            site,
            at,
            visit: recorded.visit,
            visitor: ids.today,
            name: "pageview".into(),
            path: (*path).into(),
            props: None,
            revenue: None,
        });
    }
    visits.finish_all();
    app.analytics
        .write(&events, &visits.take_changed())
        .await
        .unwrap();
}

#[both_engines]
async fn a_report_counts_each_day_from_its_rollups_and_compares_with_the_period_before(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let site = SiteId::random();
    let today = Day::of(Timestamp::now());
    let (search, direct) = (
        facts(Channel::OrganicSearch, "US"),
        facts(Channel::Direct, "NL"),
    );
    // This week: Ana twice on one day (two visits, one visitor that day), Ben bouncing.
    visit(
        &app,
        site,
        today.plus(-1),
        1,
        &[("/", 60), ("/fees", 62)],
        &search,
    )
    .await;
    visit(&app, site, today.plus(-1), 1, &[("/contact", 180)], &search).await;
    visit(&app, site, today.plus(-3), 2, &[("/fees", 600)], &direct).await;
    // The week before: one visit.
    visit(
        &app,
        site,
        today.plus(-10),
        3,
        &[("/", 30), ("/about", 31)],
        &direct,
    )
    .await;
    // Another site's visit counts for it alone.
    visit(
        &app,
        SiteId::random(),
        today.plus(-1),
        4,
        &[("/", 10)],
        &direct,
    )
    .await;
    for days_ago in [1, 3, 10] {
        roll_up_day(&app.analytics, site, today.plus(-days_ago))
            .await
            .unwrap();
    }
    // Rolling a day up again changes nothing.
    roll_up_day(&app.analytics, site, today.plus(-1))
        .await
        .unwrap();

    let period = Range::Last7Days.period(today);
    let week = report(&app.analytics, site, period, 10).await.unwrap();
    assert_eq!(
        (
            week.totals.visitors,
            week.totals.visits,
            week.totals.pageviews
        ),
        (2, 3, 4)
    );
    assert_eq!(week.totals.bounces, 2, "Ana's second visit and Ben's");
    assert_eq!(week.totals.duration_micros, 2 * 60 * 1_000_000);
    assert_eq!((week.previous.visitors, week.previous.pageviews), (1, 2));
    assert_eq!(week.series.len(), 7);
    let per_day: Vec<i64> = week.series.iter().map(|p| p.visitors).collect();
    assert_eq!(per_day, [0, 0, 0, 1, 0, 1, 0]);
    let rows = |name: &str| -> Vec<(String, i64)> {
        week.breakdowns
            .iter()
            .find(|b| b.dimension.name() == name)
            .unwrap()
            .rows
            .iter()
            .map(|r| (r.value.clone(), r.metrics.visitors))
            .collect()
    };
    assert_eq!(
        rows("page"),
        [
            ("/fees".to_owned(), 2),
            ("/".to_owned(), 1),
            ("/contact".to_owned(), 1)
        ]
    );
    assert_eq!(
        rows("entry_page"),
        [
            ("/".to_owned(), 1),
            ("/contact".to_owned(), 1),
            ("/fees".to_owned(), 1)
        ]
    );
    assert_eq!(
        rows("channel"),
        [("direct".to_owned(), 1), ("organic_search".to_owned(), 1)]
    );
    assert_eq!(
        rows("country"),
        [("NL".to_owned(), 1), ("US".to_owned(), 1)]
    );
    assert!(rows("event").is_empty());

    let yesterday = report(&app.analytics, site, Range::Yesterday.period(today), 10)
        .await
        .unwrap();
    assert_eq!(
        yesterday.series.len(),
        24,
        "a one-day period is shown by the hour"
    );
    let hours: Vec<i64> = yesterday.series.iter().map(|p| p.visitors).collect();
    assert_eq!((hours[1], hours[3], hours.iter().sum::<i64>()), (1, 1, 2));
}

/// A site with visits counted through `/api/event`, and its owner.
async fn counted_site(app: &TestApp) -> (leadvault_test_support::TestPerson, SiteId) {
    let owner = app.owner("ana@lima.law").await;
    let site = app.site(owner.org_id, "lima.law").await;
    let signup = serde_json::json!({"s": site.to_string(), "n": "Signup", "u": "https://lima.law/fees", "p": {"plan": "pro"},
                                    "$": {"amount": "19.99", "currency": "USD"}});
    let submitted = serde_json::json!({"s": site.to_string(), "n": "Form submitted", "u": "https://lima.law/contact", "p": {"form": "f1"}});
    for (body, ip, agent) in [
        (
            event_body(&site, "pageview", "https://lima.law/"),
            "8.8.8.8",
            CHROME,
        ),
        (
            event_body(&site, "pageview", "https://lima.law/fees"),
            "8.8.8.8",
            CHROME,
        ),
        (signup.to_string(), "8.8.8.8", CHROME),
        (
            event_body(&site, "pageview", "https://lima.law/fees"),
            "193.0.6.139",
            IPHONE,
        ),
        (submitted.to_string(), "193.0.6.139", IPHONE),
    ] {
        assert_eq!(app.send_event(body, ip, agent).await.status(), 202);
    }
    app.flush_analytics().await;
    (owner, site)
}

#[both_engines]
async fn the_dashboard_the_json_api_and_the_csv_show_what_was_counted_today(engine: Engine) {
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1/32"])
        .build()
        .await;
    let (owner, site) = counted_site(&app).await;
    let (mut browser, _) = app.signed_in(&owner).await;

    let json = browser
        .get(&format!("/api/sites/{site}/analytics?period=today"))
        .await;
    assert_eq!(json.status, 200, "{}", json.html);
    let report: serde_json::Value = serde_json::from_str(&json.html).unwrap();
    assert_eq!(report["totals"]["visitors"], 2);
    assert_eq!(report["totals"]["visits"], 2);
    assert_eq!(report["totals"]["pageviews"], 3);
    assert_eq!(report["totals"]["events"], 2);
    assert_eq!(
        report["totals"]["bounce_rate"], 0.0,
        "each visit did more than one thing"
    );
    assert_eq!(report["series"].as_array().unwrap().len(), 24);
    let values = |dimension: &str| -> BTreeSet<String> {
        report["breakdowns"][dimension]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| format!("{}={}", row["value"].as_str().unwrap(), row["visitors"]))
            .collect()
    };
    assert_eq!(values("page"), ["/=1", "/fees=2"].map(String::from).into());
    assert_eq!(
        values("event"),
        ["Form submitted=1", "Signup=1"].map(String::from).into()
    );
    assert_eq!(values("country"), ["NL=1", "US=1"].map(String::from).into());
    assert_eq!(
        values("device"),
        ["desktop=1", "mobile=1"].map(String::from).into()
    );

    let page = browser
        .get(&format!("/sites/{site}/analytics?period=today"))
        .await;
    assert_eq!(page.status, 200);
    for shown in [
        "lima.law",
        "Unique visitors",
        "<svg",
        "<polyline",
        "Top pages",
        "/fees",
        "Form submitted",
    ] {
        assert!(page.html.contains(shown), "{shown} not on the dashboard");
    }

    let export = browser
        .get(&format!("/sites/{site}/analytics.csv?period=today"))
        .await;
    assert_eq!(export.status, 200);
    assert_eq!(export.headers["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = export.html.lines().collect();
    assert!(lines[0].starts_with("dimension,value,visitors,visits,pageviews"));
    assert!(lines[1].starts_with("total,,2,2,3,"), "{}", lines[1]);
    assert!(
        lines.iter().any(|l| l.starts_with("page,/fees,2,2,2,")),
        "{lines:?}"
    );

    // Narrowed to the visitors from one country, through the query string.
    let dutch = browser
        .get(&format!(
            "/api/sites/{site}/analytics?period=today&country=NL"
        ))
        .await
        .json();
    assert_eq!(
        (
            dutch["totals"]["visitors"].as_i64(),
            dutch["totals"]["pageviews"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(dutch["breakdowns"]["event"][0]["value"], "Form submitted");
    let page = browser
        .get(&format!(
            "/sites/{site}/analytics?period=today&page=%2Ffees"
        ))
        .await;
    assert!(
        page.html.contains("Only visits with") && page.html.contains("Top pages: /fees"),
        "the filter is shown"
    );
    assert!(
        page.html.contains("page=%2Ffees&#38;country=NL"),
        "a row narrows further: {}",
        page.html
    );
    let too_many = browser
        .get(&format!("/api/sites/{site}/analytics?page=/&country=NL&channel=direct&device=mobile&os=iOS&browser=Safari"))
        .await;
    assert_eq!(too_many.status, 422);

    // A custom event's properties.
    let signup = browser
        .get(&format!(
            "/api/sites/{site}/analytics/events/Signup/properties?period=today"
        ))
        .await
        .json();
    assert_eq!(signup["properties"]["plan"][0]["value"], "pro");
    assert_eq!(
        (
            signup["properties"]["plan"][0]["events"].as_i64(),
            signup["properties"]["plan"][0]["visitors"].as_i64()
        ),
        (Some(1), Some(1))
    );
    let none = browser
        .get(&format!(
            "/api/sites/{site}/analytics/events/Nothing/properties?period=today"
        ))
        .await
        .json();
    assert_eq!(none["properties"], serde_json::json!({}));

    // A period that is not one is a clear refusal.
    let bad = browser
        .get(&format!(
            "/api/sites/{site}/analytics?period=custom&from=2026-02-30"
        ))
        .await;
    assert_eq!(bad.status, 422);
}

#[both_engines]
async fn only_members_whose_analytics_reach_the_site_see_it(engine: Engine) {
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1/32"])
        .build()
        .await;
    let (owner, site) = counted_site(&app).await;
    let other_site = app.site(owner.org_id, "lima-blog.law").await;
    let analyst = app
        .member(
            &owner,
            "amy@lima.law",
            Role::Analyst,
            Scope::Sites([other_site].into_iter().collect()),
        )
        .await;
    let intake = app
        .member(&owner, "ian@lima.law", Role::Intake, Scope::Organization)
        .await;
    let stranger = app.owner("zed@elsewhere.law").await;

    let path = format!("/api/sites/{site}/analytics");
    let (mut browser, _) = app.signed_in(&analyst).await;
    assert_eq!(
        browser.get(&path).await.status,
        403,
        "an analyst of another site"
    );
    assert_eq!(
        browser
            .get(&format!("/api/sites/{other_site}/analytics"))
            .await
            .status,
        200
    );
    let (mut browser, _) = app.signed_in(&intake).await;
    assert_eq!(browser.get(&path).await.status, 403, "intake staff");
    let (mut browser, _) = app.signed_in(&stranger).await;
    assert_eq!(browser.get(&path).await.status, 404, "another organization");
    assert_eq!(app.get(&path).await.status(), 401, "nobody");
    assert_eq!(
        app.get(&format!("/sites/{site}/analytics")).await.status(),
        303
    );
}

#[both_engines]
async fn goals_count_conversions_and_break_them_down_by_a_dimension(engine: Engine) {
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1/32"])
        .build()
        .await;
    let (owner, site) = counted_site(&app).await;
    let (mut browser, _) = app.signed_in(&owner).await;
    let dashboard = format!("/sites/{site}/analytics?period=today");
    let page = browser.get(&dashboard).await;
    assert!(
        page.html.contains("Event: Form submitted"),
        "the built-in goal is there"
    );
    let csrf = page.csrf();

    // A page goal and an event goal; a pattern that is no path is refused and saves nothing.
    let goals = format!("/sites/{site}/analytics/goals");
    let refused = browser
        .post(
            &goals,
            &[("csrf", &csrf), ("kind", "page"), ("target", "thank-you")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("a page goal is a path starting with /")
    );
    for (kind, target) in [("page", "/fees"), ("event", "Signup")] {
        let added = browser
            .post(
                &goals,
                &[("csrf", &csrf), ("kind", kind), ("target", target)],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.html);
    }
    let again = browser
        .post(
            &goals,
            &[("csrf", &csrf), ("kind", "event"), ("target", "Signup")],
        )
        .await;
    assert_eq!(again.status, 422, "the same goal twice");

    let report = browser
        .get(&format!("/api/sites/{site}/analytics?period=today"))
        .await
        .json();
    let goals: Vec<(String, i64, i64, f64)> = report["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_owned(),
                g["visitors"].as_i64().unwrap(),
                g["conversions"].as_i64().unwrap(),
                g["rate"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        report["goals"][2]["revenue"],
        serde_json::json!({"USD": 1999}),
        "revenue sent with the goal's events"
    );
    assert_eq!(
        goals,
        [
            ("Event: Form submitted".to_owned(), 1, 1, 50.0),
            ("Visit /fees".to_owned(), 2, 2, 100.0),
            ("Event: Signup".to_owned(), 1, 1, 50.0),
        ]
    );

    // Which country the consultation came from, and the rate among that country's visitors.
    let by_country = browser
        .get(&format!(
            "/api/sites/{site}/analytics/goals/form-submitted?period=today&dimension=country"
        ))
        .await
        .json();
    assert_eq!(by_country["rows"].as_array().unwrap().len(), 1);
    assert_eq!(by_country["rows"][0]["value"], "NL");
    assert_eq!(by_country["rows"][0]["converted"], 1);
    assert_eq!(by_country["rows"][0]["rate"], 100.0);
    let bad = browser
        .get(&format!(
            "/api/sites/{site}/analytics/goals/form-submitted?dimension=page"
        ))
        .await;
    assert_eq!(bad.status, 422);

    // The dashboard shows the goals and what brought the forms; removing one is audited.
    let page = browser.get(&dashboard).await;
    assert!(page.html.contains("Forms sent, by channel") && page.html.contains("Visit /fees"));
    assert!(page.html.contains("Signup: plan") && page.html.contains("Event properties"));
    assert!(page.html.contains("USD 19.99"), "the goal's revenue");
    let signup = report["goals"][2]["id"].as_str().unwrap().to_owned();
    let removed = browser
        .post(
            &format!("/sites/{site}/analytics/goals/{signup}/remove"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(removed.status, 303);
    let after = browser
        .get(&format!("/api/sites/{site}/analytics?period=today"))
        .await
        .json();
    assert_eq!(after["goals"].as_array().unwrap().len(), 2);
    let chain = leadvault_audit::Chain::of(owner.org_id);
    assert_eq!(app.audited(chain, "analytics.goal_added").await.len(), 2);
    assert_eq!(app.audited(chain, "analytics.goal_removed").await.len(), 1);
}

#[both_engines]
async fn events_and_visits_past_their_retention_are_deleted_and_their_counts_stay(engine: Engine) {
    let app = TestApp::start(engine).await;
    let site = SiteId::random();
    let today = Day::of(Timestamp::now());
    let old = today.plus(-420);
    let direct = facts(Channel::Direct, "US");
    visit(&app, site, old, 1, &[("/", 60), ("/fees", 61)], &direct).await;
    visit(&app, site, today.plus(-2), 2, &[("/", 60)], &direct).await;
    roll_up_day(&app.analytics, site, old).await.unwrap();

    let purged = leadvault_analytics::purge(
        &app.analytics,
        leadvault_analytics::DEFAULT_RETENTION,
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!((purged.events, purged.visits), (2, 1));
    let left = app.stored_events().await;
    assert_eq!(left.len(), 1, "the recent visit stays: {left:?}");
    let past = leadvault_analytics::Range::Custom {
        first: old,
        last: old,
    }
    .period(today);
    let counted = report(&app.analytics, site, past, 10).await.unwrap();
    assert_eq!(
        (counted.totals.visitors, counted.totals.pageviews),
        (1, 2),
        "the rollup stays"
    );
    let again = leadvault_analytics::purge(
        &app.analytics,
        leadvault_analytics::DEFAULT_RETENTION,
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(again, leadvault_analytics::Purged::default());
}

#[both_engines]
async fn a_filtered_report_reads_the_visits_themselves_and_agrees_with_the_rollups(engine: Engine) {
    use leadvault_analytics::{Dimension, Filter, Traffic, filtered_report, generate};

    let app = TestApp::start(engine).await;
    let site = SiteId::random();
    let today = Day::of(Timestamp::now());
    let traffic = Traffic {
        events: 3_000,
        days: 3,
        last: today,
        seed: 7,
    };
    generate(&app.analytics, site, traffic, None).await.unwrap();
    for range in [Range::Last7Days, Range::Today] {
        let period = range.period(today);
        let rolled = report(&app.analytics, site, period, 10).await.unwrap();
        let read = filtered_report(&app.analytics, site, period, &[], 10)
            .await
            .unwrap();
        assert!(rolled.totals.pageviews > 0);
        assert_eq!(
            read, rolled,
            "{range:?}: the same figures from the visits as from the rollups"
        );
    }

    // Narrowed to one country: as many visits as that country's row said.
    let period = Range::Last7Days.period(today);
    let whole = report(&app.analytics, site, period, 10).await.unwrap();
    let countries = &whole
        .breakdowns
        .iter()
        .find(|b| b.dimension == Dimension::Country)
        .unwrap()
        .rows;
    let us = countries.iter().find(|row| row.value == "US").unwrap();
    let only_us = [Filter {
        dimension: Dimension::Country,
        value: "US".into(),
    }];
    let narrowed = filtered_report(&app.analytics, site, period, &only_us, 10)
        .await
        .unwrap();
    assert_eq!(narrowed.totals, us.metrics);
    let narrowed_countries = &narrowed
        .breakdowns
        .iter()
        .find(|b| b.dimension == Dimension::Country)
        .unwrap()
        .rows;
    assert_eq!(narrowed_countries.len(), 1);
    // Two filters at once, one of them a page viewed.
    let both = [
        Filter {
            dimension: Dimension::Country,
            value: "US".into(),
        },
        Filter {
            dimension: Dimension::Page,
            value: "/contact".into(),
        },
    ];
    let fewer = filtered_report(&app.analytics, site, period, &both, 10)
        .await
        .unwrap();
    assert!(fewer.totals.visits > 0 && fewer.totals.visits < narrowed.totals.visits);
    let nobody = [Filter {
        dimension: Dimension::Country,
        value: "' OR 1=1 --".into(),
    }];
    let none = filtered_report(&app.analytics, site, period, &nobody, 10)
        .await
        .unwrap();
    assert_eq!(none.totals, leadvault_analytics::Metrics::default());
}

#[both_engines]
async fn a_share_link_shows_the_dashboard_read_only_to_anyone_until_it_is_ended(engine: Engine) {
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1/32"])
        .build()
        .await;
    let (owner, site) = counted_site(&app).await;
    let (mut browser, _) = app.signed_in(&owner).await;
    let csrf = browser
        .get(&format!("/sites/{site}/analytics"))
        .await
        .csrf();
    let made = browser
        .post(
            &format!("/sites/{site}/analytics/share"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(made.status, 200);
    let link = made.code_with_class("share-link");
    let path = link
        .split_once("/share/")
        .map(|(_, token)| format!("/share/{token}"))
        .unwrap();

    let shown = app.get(&format!("{path}?period=today")).await;
    assert_eq!(shown.status(), 200);
    let html = shown.text().await.unwrap();
    for seen in ["lima.law", "Unique visitors", "<svg", "/fees"] {
        assert!(html.contains(seen), "{seen} on the shared dashboard");
    }
    for hidden in [
        "Add goal",
        "csrf",
        "Download CSV",
        "Make a share link",
        "Remove",
    ] {
        assert!(!html.contains(hidden), "{hidden} on the shared dashboard");
    }
    assert!(
        html.contains(&format!("href=\"{path}?period=today&#38;country=")),
        "filters stay under the link"
    );
    let narrowed = app.get(&format!("{path}?period=today&country=NL")).await;
    assert_eq!(narrowed.status(), 200);

    // A new link ends the old; ending sharing ends the new one. Both audited.
    let again = browser
        .post(
            &format!("/sites/{site}/analytics/share"),
            &[("csrf", &csrf)],
        )
        .await;
    let second = again.code_with_class("share-link");
    assert_ne!(second, link);
    assert_eq!(app.get(&path).await.status(), 404);
    let second_path = format!("/share/{}", second.split_once("/share/").unwrap().1);
    assert_eq!(app.get(&second_path).await.status(), 200);
    let ended = browser
        .post(
            &format!("/sites/{site}/analytics/share/remove"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(ended.status, 303);
    assert_eq!(app.get(&second_path).await.status(), 404);
    assert_eq!(app.get("/share/not-a-token").await.status(), 404);
    let chain = leadvault_audit::Chain::of(owner.org_id);
    assert_eq!(app.audited(chain, "analytics.shared").await.len(), 2);
    assert_eq!(app.audited(chain, "analytics.unshared").await.len(), 1);
}
