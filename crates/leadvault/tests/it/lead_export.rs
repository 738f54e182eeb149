//! Leads downloaded as CSV (issue 21): the inbox's view as a spreadsheet for owners and
//! admins, the field-visibility policy applied, every cell safe from spreadsheet formulas,
//! each lead audited as exported (never the values), and nobody else may.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_test_support::forms::CONSULTATION_WITH_PHONE;
use leadvault_test_support::{Engine, TestApp, both_engines};

/// The rows of a CSV file, cells unquoted (RFC 4180: quotes doubled inside quoted cells).
fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    rows
}

#[both_engines]
async fn owners_download_the_view_they_filtered_safely_and_each_lead_is_audited(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let family = app
        .lead(
            &form,
            &[
                ("name", formula),
                ("email", "marisol@example.com"),
                ("area", "Family"),
                ("story", "Custody, \"urgent\",\nhearing soon"),
                ("agree", "yes"),
            ],
        )
        .await;
    let injury = app
        .lead(
            &form,
            &[
                ("name", "Bo Lind"),
                ("email", "bo@example.com"),
                ("area", "Injury"),
                ("agree", "yes"),
            ],
        )
        .await;
    let (mut browser, _) = app.signed_in(&ana).await;
    let page = browser.get(&format!("/leads/{injury}")).await;
    browser
        .submit(
            &page,
            &format!("/leads/{injury}/status"),
            &[("status", "contacted")],
        )
        .await;

    let inbox = browser.get("/leads?status=new").await;
    let link = inbox.link_to("/leads/export");
    assert!(link.contains("status=new"), "the view's filters: {link}");
    let (status, headers, body) = browser.download(&link).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"leads-")
    );
    assert_eq!(headers["cache-control"], "no-store");
    let csv = String::from_utf8(body).unwrap();
    let table = rows(&csv);
    assert_eq!(table.len(), 2, "a header and the one new lead: {csv}");
    let header = &table[0];
    let cell = |name: &str| {
        let at = header.iter().position(|h| h == name).unwrap();
        table[1][at].clone()
    };
    assert_eq!(cell("lead"), family.to_string());
    assert_eq!(cell("status"), "New");
    assert_eq!(cell("email"), "marisol@example.com");
    assert_eq!(cell("area"), "Family");
    assert_eq!(cell("story"), "Custody, \"urgent\",\nhearing soon");
    assert_eq!(cell("name"), format!("'{formula}"), "a formula is defused");
    assert!(
        !header.iter().any(|h| h == "agree"),
        "consent is not an answer"
    );

    let exported = app.audited(Chain::Org(ana.org_id), "lead.exported").await;
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].target, format!("lead:{family}"));
    assert!(exported[0].fields.contains("email"));
    assert!(!format!("{exported:?}").contains("marisol@example.com"));

    // The whole inbox: both leads, each audited.
    let (_, _, all) = browser.download("/leads/export").await;
    assert_eq!(rows(&String::from_utf8(all).unwrap()).len(), 3);
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "lead.exported")
            .await
            .len(),
        3
    );

    // Filters that cannot be read are refused like the inbox refuses them.
    let (status, _, _) = browser.download("/leads/export?from=yesterday").await;
    assert_eq!(status, 422);
}

#[both_engines]
async fn only_owners_and_admins_may_export(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    app.lead(
        &form,
        &[
            ("name", "Bo"),
            ("email", "bo@example.com"),
            ("agree", "yes"),
        ],
    )
    .await;
    for (email, role) in [
        ("ivy@lima.law", Role::Intake),
        ("dee@lima.law", Role::Attorney),
        ("al@lima.law", Role::Analyst),
    ] {
        let member = app.member(&ana, email, role, Scope::Organization).await;
        let (mut browser, _) = app.signed_in(&member).await;
        let (status, _, body) = browser.download("/leads/export").await;
        assert_eq!(status, 403, "{email}");
        assert!(!String::from_utf8_lossy(&body).contains("bo@example.com"));
        let inbox = browser.get("/leads").await;
        assert!(!inbox.html.contains("/leads/export"), "no link for {email}");
    }
    assert!(
        app.audited(Chain::Org(ana.org_id), "lead.exported")
            .await
            .is_empty()
    );
    let admin = app
        .member(&ana, "ada@lima.law", Role::Admin, Scope::Organization)
        .await;
    let (mut browser, _) = app.signed_in(&admin).await;
    let (status, _, _) = browser.download("/leads/export").await;
    assert_eq!(status, 200);
}
