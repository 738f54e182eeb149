//! The lead inbox at a firm's volume: with LEADS leads in one organization (100,000 unless
//! given), how long the inbox's first page, a filtered page and a search by e-mail take to
//! render, over HTTP through the real router, signed in as intake staff; and the owner's home
//! page, whose figures read the last eight weeks of leads (all of these leads: they arrived
//! today). Median and 90th percentile of 20 each, on SQLite and PostgreSQL. Prints figures;
//! asserts nothing.
//!
//!   cargo bench -p leadvault --bench inbox [-- LEADS]
//!
//! `LV_ENGINES=sqlite` (or `postgres`) runs one engine. The leads are made through the same
//! submission call as the public form (encrypted, indexed, audited), a quarter of them then
//! moved on to "contacted"; on PostgreSQL the table is then vacuumed and analyzed, as
//! autovacuum would soon after such a load.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use leadvault_accounts::{Role, Scope};
use leadvault_store::sqlx;
use leadvault_test_support::forms::CONSULTATION_WITH_PHONE;
use leadvault_test_support::{Browser, Engine, Page, TestApp};

const RUNS: usize = 20;

fn main() {
    let leads: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(100_000);
    let engines = match std::env::var("LV_ENGINES").as_deref() {
        Ok("sqlite") => vec![Engine::Sqlite],
        Ok("postgres") => vec![Engine::Postgres],
        _ => vec![Engine::Sqlite, Engine::Postgres],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("inbox with {leads} leads in one organization, {RUNS} requests each");
    for engine in engines {
        runtime.block_on(run(engine, leads));
    }
}

async fn run(engine: Engine, leads: usize) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let ivy = app
        .member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let started = Instant::now();
    for chunk in (0..leads).collect::<Vec<_>>().chunks(16) {
        let made = chunk.iter().map(|n| {
            let email = format!("person{n}@example.com");
            let name = format!("Person {n}");
            let app = &app;
            let form = &form;
            async move {
                let answers = [
                    ("name", name.as_str()),
                    ("email", email.as_str()),
                    ("area", "Family"),
                    ("agree", "yes"),
                ];
                app.lead(form, &answers).await
            }
        });
        futures_util::future::join_all(made).await;
    }
    let seeded = started.elapsed();
    if engine == Engine::Postgres {
        // What autovacuum does soon after such a load: the visibility map (so counts read
        // the index alone) and the planner's statistics.
        sqlx::query("VACUUM ANALYZE leads")
            .execute(app.db.pool())
            .await
            .unwrap();
    }
    // A quarter moved on, as a firm's inbox is: the filtered page has to find them.
    sqlx::query(
        "UPDATE leads SET status = 'contacted' WHERE id IN \
         (SELECT id FROM leads ORDER BY created_at LIMIT $1)",
    )
    .bind(i64::try_from(leads / 4).unwrap())
    .execute(app.db.pool())
    .await
    .unwrap();
    println!(
        "{:<9} seeded {leads} leads in {:.0} s ({:.0} leads/s)",
        engine_name(engine),
        seeded.as_secs_f64(),
        leads as f64 / seeded.as_secs_f64()
    );
    let (mut browser, _) = app.signed_in(&ivy).await;
    let inbox = browser.get("/leads").await;
    assert_eq!(inbox.status, 200);
    let cases: [(&str, Request); 4] = [
        ("first page", Request::Get("/leads".to_owned())),
        (
            "status filter",
            Request::Get("/leads?status=contacted".to_owned()),
        ),
        (
            "oldest, 2 filters",
            Request::Get("/leads?status=new&assigned=nobody&sort=oldest".to_owned()),
        ),
        (
            "e-mail search",
            Request::Search(format!("person{}@example.com", leads / 2)),
        ),
    ];
    for (what, request) in &cases {
        time(engine, what, &mut browser, &inbox, request).await;
    }
    let (mut owner, _) = app.signed_in(&ana).await;
    let home = Request::Get("/".to_owned());
    time(engine, "owner's home page", &mut owner, &inbox, &home).await;
}

/// Sends `request` [`RUNS`] times and prints the median and 90th percentile.
async fn time(
    engine: Engine,
    what: &str,
    browser: &mut Browser<'_>,
    inbox: &Page,
    request: &Request,
) {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let began = Instant::now();
        let page = request.send(browser, inbox).await;
        times.push(began.elapsed());
        assert_eq!(page.status, 200, "{what}: {}", page.html);
        assert!(page.html.contains("<tbody>"), "{what} shows rows");
    }
    times.sort_unstable();
    println!(
        "{:<9} {:<18} median {:>7.2} ms   p90 {:>7.2} ms",
        engine_name(engine),
        what,
        ms(times[RUNS / 2]),
        ms(times[RUNS * 9 / 10])
    );
}

enum Request {
    Get(String),
    /// The search box: posted, as the page posts it.
    Search(String),
}

impl Request {
    async fn send(&self, browser: &mut Browser<'_>, inbox: &Page) -> Page {
        match self {
            Self::Get(path) => browser.get(path).await,
            Self::Search(q) => browser.submit(inbox, "/leads/search", &[("q", q)]).await,
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}
