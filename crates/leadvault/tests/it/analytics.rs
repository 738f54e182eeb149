//! Analytics ingestion over HTTP: what `/api/event` counts, what it refuses or drops, and
//! that neither the address nor the user agent of a visitor is kept.

use leadvault_accounts::set_do_not_track;
use leadvault_audit::Acting;
use leadvault_store::{SiteId, Timestamp, sqlx};
use leadvault_test_support::{
    CHROME, Engine, IPHONE, StoredVisit, TestApp, both_engines, event_body, fixture,
};

/// An app that believes the test's `X-Forwarded-For`, so each request can come from an
/// address of the test's choosing.
async fn app(engine: leadvault_store::Engine) -> TestApp {
    TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1/32"])
        .build()
        .await
}

async fn site(app: &TestApp, email: &str, domain: &str) -> SiteId {
    let owner = app.owner(email).await;
    app.site(owner.org_id, domain).await
}

#[both_engines]
async fn events_make_visits_with_what_was_learned_from_the_request(engine: Engine) {
    let app = app(engine).await;
    let site = site(&app, "ana@lima.law", "lima.law").await;
    let landing = serde_json::json!({
        "s": site.to_string(), "n": "pageview", "u": "https://www.lima.law/?gclid=planted-click",
        "r": "https://www.google.com/search?q=planted+question", "w": 1280,
    });
    for (body, ip, agent) in [
        (landing.to_string(), "8.8.8.8", CHROME),
        (
            serde_json::json!({"s": site.to_string(), "n": "Signup", "u": "https://www.lima.law/fees",
                               "p": {"plan": "pro"}, "$": {"amount": "19.99", "currency": "USD"}})
            .to_string(),
            "8.8.8.8",
            CHROME,
        ),
        (event_body(&site, "pageview", "https://www.lima.law/contact?email=planted%40mail.example"), "8.8.8.8", CHROME),
        (event_body(&site, "pageview", "https://lima.law/fees"), "193.0.6.139", IPHONE),
    ] {
        assert_eq!(app.send_event(body, ip, agent).await.status(), 202);
    }
    app.flush_analytics().await;

    let visits = app.stored_visits().await;
    assert_eq!(visits.len(), 2, "{visits:?}");
    assert_eq!(
        visits[0],
        StoredVisit {
            entry_page: "/".into(),
            exit_page: "/contact".into(),
            pageviews: 2,
            other_events: 1,
            channel: "paid_search".into(),
            source: "google.com".into(),
            utm_source: String::new(),
            country: "US".into(),
            browser: "Chrome".into(),
            os: visits[0].os.clone(),
            device: "desktop".into(),
            screen: "laptop".into(),
        }
    );
    assert!(visits[0].os.starts_with("Windows"), "{}", visits[0].os);
    assert_eq!(
        (
            visits[1].country.as_str(),
            visits[1].device.as_str(),
            visits[1].channel.as_str()
        ),
        ("NL", "mobile", "direct")
    );
    assert_eq!((visits[1].pageviews, visits[1].other_events), (1, 0));

    let events = app.stored_events().await;
    let names: Vec<(&str, &str)> = events
        .iter()
        .map(|(n, p, _)| (n.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("pageview", "/"),
            ("Signup", "/fees"),
            ("pageview", "/contact"),
            ("pageview", "/fees")
        ]
    );
    assert_eq!(events[1].2.as_deref(), Some(r#"{"plan":"pro"}"#));
    let revenue: (i64, String) = sqlx::query_as(
        "SELECT revenue_minor, revenue_currency FROM analytics_events WHERE name = 'Signup'",
    )
    .fetch_one(app.analytics.db().pool())
    .await
    .unwrap();
    assert_eq!(revenue, (1999, "USD".to_owned()));
    // Neither a query string (where forms put what people typed) nor a search term.
    let everything = format!("{visits:?} {events:?}");
    for planted in ["planted", "8.8.8.8", "193.0.6.139", "Mozilla"] {
        assert!(!everything.contains(planted), "{planted} was stored");
    }
}

#[both_engines]
async fn refused_and_dropped_events_change_nothing(engine: Engine) {
    let app = app(engine).await;
    let site = site(&app, "ana@lima.law", "lima.law").await;
    let good = event_body(&site, "pageview", "https://lima.law/");
    let cases: Vec<(&str, Vec<u8>, &str, u16)> = vec![
        ("not JSON", b"pageview".to_vec(), CHROME, 422),
        ("not UTF-8", b"{\"s\": \"\xff\xfe\", \"n\": \"pageview\"}".to_vec(), CHROME, 422),
        ("no page", format!(r#"{{"s": "{site}", "n": "pageview"}}"#).into_bytes(), CHROME, 422),
        ("a page that is no web address", event_body(&site, "pageview", "javascript:alert(1)").into_bytes(), CHROME, 422),
        ("a huge body", format!(r#"{{"s": "{site}", "n": "pageview", "u": "https://lima.law/", "p": {{"x": "{}"}}}}"#, "x".repeat(20_000)).into_bytes(), CHROME, 413),
        ("an unknown site", event_body(&SiteId::random(), "pageview", "https://lima.law/").into_bytes(), CHROME, 404),
        ("another site's page", event_body(&site, "pageview", "https://copycat.example/").into_bytes(), CHROME, 403),
        ("a look-alike domain", event_body(&site, "pageview", "https://notlima.law/").into_bytes(), CHROME, 403),
        ("a crawler", good.clone().into_bytes(), "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 202),
        ("a headless browser", good.clone().into_bytes(), "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", 202),
        ("an HTTP library", good.clone().into_bytes(), "python-requests/2.32.3", 202),
        ("no user agent at all", good.clone().into_bytes(), "", 202),
    ];
    for (what, body, agent, status) in cases {
        let response = app.send_event(body, "198.51.100.7", agent).await;
        assert_eq!(response.status().as_u16(), status, "{what}");
    }
    app.flush_analytics().await;
    assert!(app.stored_events().await.is_empty());
    assert!(app.stored_visits().await.is_empty());
}

#[both_engines]
async fn a_flood_from_one_address_is_cut_off_and_others_still_counted(engine: Engine) {
    let app = app(engine).await;
    let site = site(&app, "ana@lima.law", "lima.law").await;
    let body = event_body(&site, "pageview", "https://lima.law/");
    let mut limited = 0;
    for _ in 0..400 {
        let status = app
            .send_event(body.clone(), "203.0.113.50", CHROME)
            .await
            .status();
        assert!(status == 202 || status == 429, "{status}");
        limited += usize::from(status == 429);
    }
    assert!(limited >= 50, "only {limited} of 400 refused");
    assert_eq!(
        app.send_event(body, "203.0.113.51", CHROME).await.status(),
        202
    );
    app.flush_analytics().await;
    let stored = app.stored_events().await.len();
    assert_eq!(
        stored,
        400 - limited + 1,
        "what was accepted is stored, no more"
    );
}

#[both_engines]
async fn an_absurd_screen_and_a_huge_referrer_are_dropped_from_the_event_not_the_event(
    engine: Engine,
) {
    let app = app(engine).await;
    let site = site(&app, "ana@lima.law", "lima.law").await;
    let body = serde_json::json!({
        "s": site.to_string(), "n": "pageview", "u": "https://lima.law/",
        "r": format!("https://google.com/{}", "r".repeat(10_000)), "w": 99_999_999,
    });
    assert_eq!(
        app.send_event(body.to_string(), "198.51.100.8", CHROME)
            .await
            .status(),
        202
    );
    app.flush_analytics().await;
    let visits = app.stored_visits().await;
    assert_eq!(visits.len(), 1);
    assert_eq!(
        (visits[0].screen.as_str(), visits[0].source.as_str()),
        ("unknown", "")
    );
}

#[both_engines]
async fn a_site_that_honours_do_not_track_counts_nobody_who_asks(engine: Engine) {
    let app = app(engine).await;
    let owner = app.owner("ana@lima.law").await;
    let honouring = app.site(owner.org_id, "lima.law").await;
    let other = app.site(owner.org_id, "lima-blog.law").await;
    assert!(
        set_do_not_track(
            &app.db,
            &Acting::new(owner.org_id, fixture(), Timestamp::now()),
            honouring,
            true,
        )
        .await
        .unwrap()
    );
    for (site, host) in [(honouring, "lima.law"), (other, "lima-blog.law")] {
        let body = event_body(&site, "pageview", &format!("https://{host}/"));
        for (header, value) in [("dnt", "1"), ("sec-gpc", "1"), ("dnt", "0")] {
            let response = app
                .client
                .post(app.url("/api/event"))
                .header("x-forwarded-for", "198.51.100.9")
                .header("user-agent", CHROME)
                .header(header, value)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
        }
    }
    app.flush_analytics().await;
    let site_ids: Vec<(String,)> = sqlx::query_as(
        "SELECT s.site_id FROM analytics_events e JOIN analytics_sites s ON s.site_key = e.site_key ORDER BY e.at",
    )
        .fetch_all(app.analytics.db().pool())
        .await
        .unwrap();
    let counted: Vec<String> = site_ids.into_iter().map(|(s,)| s).collect();
    assert_eq!(
        counted,
        [
            honouring.to_string(),
            other.to_string(),
            other.to_string(),
            other.to_string()
        ],
        "the honouring site counts only the visitor who did not ask"
    );
}

#[both_engines]
async fn the_script_is_served_minified_for_other_sites_to_load(engine: Engine) {
    let app = TestApp::start(engine).await;
    let script = app.get("/js/lv.js").await;
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        script.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    assert!(
        script.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let text = script.text().await.unwrap();
    assert!(text.contains("/api/event") && text.contains("keepalive"));
    assert!(!text.contains("\n  ") && !text.contains("// "), "minified");
}

/// On SQLite analytics has a file of its own: a long analytics write cannot hold up an
/// intake write, nor the other way round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_analytics_and_intake_write_to_different_files() {
    use leadvault_store::sqlx::{Connection, Executor};

    let app = app(leadvault_store::Engine::Sqlite).await;
    let site = site(&app, "ana@lima.law", "lima.law").await;
    let main_file = app.test_db().sqlite_dir().unwrap().join("test.db");
    let analytics_file = app
        .test_db()
        .sqlite_dir()
        .unwrap()
        .join("test-analytics.db");
    assert!(analytics_file.exists());

    // Intake's file locked for writing: analytics stores all the same.
    let mut main_lock = sqlx::AnyConnection::connect(&format!("sqlite://{}", main_file.display()))
        .await
        .unwrap();
    main_lock.execute("BEGIN IMMEDIATE").await.unwrap();
    let body = event_body(&site, "pageview", "https://lima.law/");
    assert_eq!(
        app.send_event(body, "198.51.100.10", CHROME).await.status(),
        202
    );
    tokio::time::timeout(std::time::Duration::from_secs(3), app.flush_analytics())
        .await
        .expect("analytics did not wait for intake's lock");
    assert_eq!(app.stored_events().await.len(), 1);
    main_lock.execute("ROLLBACK").await.unwrap();

    // Analytics' file locked for writing: intake writes all the same.
    let mut analytics_lock =
        sqlx::AnyConnection::connect(&format!("sqlite://{}", analytics_file.display()))
            .await
            .unwrap();
    analytics_lock.execute("BEGIN IMMEDIATE").await.unwrap();
    let owner = app.owner("ben@lima.law").await;
    tokio::time::timeout(
        std::time::Duration::from_secs(3),
        app.site(owner.org_id, "ben.law"),
    )
    .await
    .expect("intake did not wait for analytics' lock");
    analytics_lock.execute("ROLLBACK").await.unwrap();

    // And the intake file holds none of analytics' events, visits or rollups: only what a
    // site counts and shows (goals, share links, experiments), which is audited in the
    // same transaction as its change and so lives beside the audit log.
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'analytics%' \
         ORDER BY name",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let tables: Vec<&str> = tables.iter().map(|(name,)| name.as_str()).collect();
    assert_eq!(
        tables,
        [
            "analytics_experiments",
            "analytics_goals",
            "analytics_shares"
        ]
    );
}

/// 10,000 events from 1,000 addresses (IPv4 and IPv6), each event with a user agent of its
/// own, all marked so that any copy of one can be found.
const PLANTED_EVENTS: usize = 10_000;
const AGENT_MARK: &str = "PlantedAgent";

fn planted_address(i: usize) -> String {
    let n = i % 1_000;
    if n.is_multiple_of(4) {
        format!("2a02:8108:1{:03x}::77", n)
    } else {
        format!("81.{}.{}.77", 100 + n / 100, 100 + n % 100)
    }
}

fn planted_agent(i: usize) -> String {
    format!("{CHROME} {AGENT_MARK}/{i:05}")
}

/// What must be found nowhere: every address and the agents' mark.
fn planted_needles() -> Vec<String> {
    let mut needles: Vec<String> = (0..1_000).map(planted_address).collect();
    needles.push(AGENT_MARK.to_owned());
    needles
}

/// Sends the planted events of `site` to `url`, eight at a time; every one must be taken.
async fn send_planted(client: &reqwest::Client, url: String, site: SiteId) {
    let mut senders = tokio::task::JoinSet::new();
    for lane in 0..8 {
        let (client, url) = (client.clone(), url.clone());
        senders.spawn(async move {
            for i in (lane..PLANTED_EVENTS).step_by(8) {
                let page = format!("https://lima.law/page-{}", i % 25);
                let status = client
                    .post(&url)
                    .header("x-forwarded-for", planted_address(i))
                    .header("user-agent", planted_agent(i))
                    .body(event_body(&site, "pageview", &page))
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, 202, "event {i}");
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done.unwrap();
    }
}

#[both_engines]
async fn ten_thousand_events_leave_no_address_and_no_user_agent_in_the_database(engine: Engine) {
    let app = app(engine).await;
    let site = site(&app, "ana@lima.law", "lima.law").await;
    send_planted(&app.client, app.url("/api/event"), site).await;
    app.flush_analytics().await;
    assert_eq!(
        app.stored_events().await.len(),
        PLANTED_EVENTS,
        "every event taken is stored"
    );

    let haystacks = match app.test_db().sqlite_dir() {
        // Both files, their WAL and shared memory, while the server runs.
        Some(dir) => leadvault_test_support::files_under(dir),
        None => leadvault_test_support::postgres_rows(&app.db).await,
    };
    assert!(
        haystacks
            .iter()
            .any(|h| h.name.ends_with("-wal") || h.name.contains("analytics_events")),
        "the search reached the analytics data: {:?}",
        haystacks.iter().map(|h| &h.name).collect::<Vec<_>>()
    );
    let found = leadvault_test_support::planted_in(&haystacks, &planted_needles());
    assert!(found.is_empty(), "planted values stored: {found:?}");
}

/// The real binary: the events are stored by the time `serve` has stopped on SIGTERM, and
/// neither its files (databases, WAL) nor its log hold an address or a user agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stores_every_event_it_took_and_keeps_no_address_or_user_agent_anywhere() {
    use leadvault_store::{DatabaseUrl, Db, DbOptions};
    use leadvault_test_support::LeadvaultProcess;

    let dir = tempfile::tempdir().unwrap();
    let mut serve = LeadvaultProcess::spawn(
        crate::leadvault_bin(),
        dir.path(),
        &["serve", "--listen", "127.0.0.1:0", "--log-format", "json"],
        &[
            ("LEADVAULT_LOG_LEVEL", "debug"),
            ("LEADVAULT_TRUSTED_PROXIES", "127.0.0.1/32"),
        ],
    );
    let addr = serve.listening().await;
    let data = dir.path().join("data");
    let main = Db::connect(
        &DatabaseUrl::sqlite_file(&data.join("leadvault.db")),
        &DbOptions::default(),
    )
    .await
    .unwrap();
    let owner = leadvault_test_support::owner_in(&main, "ana@lima.law").await;
    let site = leadvault_test_support::site_in(&main, owner.org_id, "lima.law").await;
    main.close().await;

    send_planted(
        &leadvault_test_support::http_client(),
        format!("http://{addr}/api/event"),
        site,
    )
    .await;
    // While it runs (the WAL files are there), then once it has stopped.
    let while_running = leadvault_test_support::files_under(&data);
    assert!(
        while_running
            .iter()
            .any(|h| h.name.ends_with("leadvault-analytics.db-wal"))
    );
    serve.stop().await;

    let analytics = Db::connect(
        &DatabaseUrl::sqlite_file(&data.join("leadvault-analytics.db")),
        &DbOptions::default(),
    )
    .await
    .unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM analytics_events")
        .fetch_one(analytics.pool())
        .await
        .unwrap();
    analytics.close().await;
    assert_eq!(
        stored, PLANTED_EVENTS as i64,
        "an event answered 202 is stored by shutdown"
    );

    let mut haystacks = while_running;
    haystacks.extend(leadvault_test_support::files_under(&data));
    haystacks.push(leadvault_test_support::Haystack {
        name: "stdout".into(),
        bytes: serve.stdout().into_bytes(),
    });
    haystacks.push(leadvault_test_support::Haystack {
        name: "stderr".into(),
        bytes: serve.stderr().into_bytes(),
    });
    assert!(
        serve.stderr().contains("/api/event"),
        "the requests were logged (without what they carried)"
    );
    let found = leadvault_test_support::planted_in(&haystacks, &planted_needles());
    assert!(found.is_empty(), "planted values written: {found:?}");
}
