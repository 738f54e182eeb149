//! The home page per role (issue 21): intake staff see what needs doing, attorneys their
//! own leads by status, owners and admins the firm's figures (leads per week, by form, site
//! and channel, retained, speed to lead overall and per attorney); analysts and clients
//! see none of it.

use leadvault_accounts::{Role, Scope};
use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::forms::CONSULTATION_WITH_PHONE;
use leadvault_test_support::{Engine, Page, TestApp, both_engines};

const PERSON: &[(&str, &str)] = &[
    ("name", "Marisol Quintana"),
    ("email", "marisol@example.com"),
    ("agree", "yes"),
];

const MINUTE_MICROS: i64 = 60_000_000;

/// Sets when a lead arrived and was first contacted, in minutes before now (the figures are
/// about time; a test cannot wait for it).
async fn took(app: &TestApp, lead: impl std::fmt::Display, arrived: i64, contacted: Option<i64>) {
    let now = Timestamp::now().as_unix_micros();
    sqlx::query("UPDATE leads SET created_at = $1, first_contact_at = $2 WHERE id = $3")
        .bind(now - arrived * MINUTE_MICROS)
        .bind(contacted.map(|c| now - c * MINUTE_MICROS))
        .bind(lead.to_string())
        .execute(app.db.pool())
        .await
        .unwrap();
}

/// The figure shown for a desk item, by the start of its label.
fn figure(page: &Page, label: &str) -> Option<String> {
    page.texts("ul.desk li").into_iter().find_map(|text| {
        let (figure, rest) = text.trim().split_once(char::is_whitespace)?;
        rest.trim().starts_with(label).then(|| figure.to_owned())
    })
}

#[both_engines]
async fn each_role_sees_what_it_does_on_the_home_page(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let ivy = app
        .member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let al = app
        .member(&ana, "al@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let mut leads = Vec::new();
    for _ in 0..5 {
        leads.push(app.lead(&form, PERSON).await);
    }
    // Dee has two: one retained, contacted after 10 minutes; one contacted after 30.
    let (mut browser, _) = app.signed_in(&ana).await;
    for lead in &leads[..2] {
        let page = browser.get(&format!("/leads/{lead}")).await;
        browser
            .submit(
                &page,
                &format!("/leads/{lead}/assign"),
                &[("attorney", &dee.user_id.to_string())],
            )
            .await;
    }
    let page = browser.get(&format!("/leads/{}", leads[0])).await;
    browser
        .submit(
            &page,
            &format!("/leads/{}/status", leads[0]),
            &[("status", "retained")],
        )
        .await;
    took(&app, leads[0], 60, Some(50)).await;
    took(&app, leads[1], 60, Some(30)).await;
    // One more contacted after 90 minutes by nobody in particular; two never contacted.
    took(&app, leads[2], 100, Some(10)).await;

    let home = browser.get("/").await;
    assert_eq!(home.status, 200, "{}", home.html);
    assert_eq!(
        figure(&home, "leads").as_deref(),
        Some("5"),
        "{}",
        home.html
    );
    assert_eq!(figure(&home, "retained").as_deref(), Some("20%"));
    assert_eq!(figure(&home, "not contacted yet").as_deref(), Some("2"));
    let speed = home.texts("table tbody tr");
    assert!(
        speed.iter().any(|row| row.contains("Everyone")
            && row.contains("3")
            && row.contains("30 min")
            && row.contains("1 h 30 min")),
        "median of 10, 30 and 90 minutes is 30; the 90th percentile 90: {speed:?}"
    );
    assert!(
        speed
            .iter()
            .any(|row| row.contains("dee@lima.law") && row.contains("10 min")),
        "{speed:?}"
    );
    assert!(
        home.texts("table caption")
            .iter()
            .any(|c| c == "By channel")
    );
    // Owners triage too: their desk links to the leads behind each figure.
    assert_eq!(
        figure(&home, "New leads nobody has been given").as_deref(),
        Some("3")
    );

    let (mut ivy_browser, _) = app.signed_in(&ivy).await;
    let home = ivy_browser.get("/").await;
    assert_eq!(
        figure(&home, "New leads nobody has contacted").as_deref(),
        Some("2"),
        "{}",
        home.html
    );
    assert!(
        home.texts("h2").iter().all(|h| !h.contains("weeks")),
        "no figures"
    );
    let link = home
        .attributes("ul.desk a", "href")
        .into_iter()
        .find(|href| href.contains("waiting=contact"))
        .expect("a link to the leads waiting");
    let waiting = ivy_browser.get(&link).await;
    assert_eq!(crate::leads::listed_leads(&waiting).len(), 2);

    let (mut dee_browser, _) = app.signed_in(&dee).await;
    let home = dee_browser.get("/").await;
    assert!(
        home.texts("h2").iter().any(|h| h == "Your leads"),
        "{}",
        home.html
    );
    assert_eq!(figure(&home, "Retained").as_deref(), Some("1"));
    assert_eq!(
        figure(&home, "Contacted"),
        None,
        "dee has no lead in that state"
    );
    assert!(
        figure(&home, "New leads nobody").is_none(),
        "dee does not triage"
    );

    for person in [&al] {
        let (mut other, _) = app.signed_in(person).await;
        let home = other.get("/").await;
        assert!(home.texts("ul.desk li").is_empty(), "{}", home.html);
    }
}
