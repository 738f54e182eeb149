//! The audit review page: owners and admins see who did what, refusals first, filter and
//! page through it, and download it as CSV; every look is itself recorded.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::{Actor, Chain, Event};
use leadvault_intake::IntakeAction;
use leadvault_test_support::{Engine, TestApp, TestPerson, both_engines};

#[both_engines]
async fn owners_review_the_log_filtered_paginated_and_as_csv(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut browser, _) = app.signed_in_owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let (mut cy_browser, _) = app.signed_in(&cy).await;
    assert_eq!(cy_browser.get("/members").await.status, 403);
    assert_eq!(
        cy_browser.get("/audit").await.status,
        403,
        "analysts do not read the log"
    );
    let wrong = TestPerson {
        password: "not the password at all".into(),
        ..ana.clone()
    };
    assert_eq!(
        app.browser().sign_in_with_password(&wrong).await.status,
        422
    );

    let page = browser.get("/audit").await;
    assert_eq!(page.status, 200, "{}", page.html);
    let denied_at = page
        .html
        .find("<strong>denied</strong>")
        .expect("a refusal is shown");
    let first_allowed = page
        .html
        .find("<td>allowed</td>")
        .expect("allowed rows too");
    assert!(denied_at < first_allowed, "refusals come first");
    assert!(page.html.contains("<td>cy@lima.law</td><td><code>access.denied</code></td><td>capability manage_members</td>"), "{}", page.html);
    assert!(
        page.html.contains(
            "<td>someone not signed in</td><td><code>sign_in.password</code></td><td>user "
        ),
        "{}",
        page.html
    );

    let mine = browser.get(&format!("/audit?member={}", cy.user_id)).await;
    assert!(
        mine.html.contains("cy@lima.law</td>") && !mine.html.contains("<td>ana@lima.law</td>"),
        "{}",
        mine.html
    );
    let denials = browser.get("/audit?action=access.denied").await;
    assert!(
        !denials.html.contains("<code>sign_in.password</code>"),
        "{}",
        denials.html
    );
    let future = browser.get("/audit?from=2999-01-01").await;
    assert!(future.html.contains("Nothing recorded for these filters"));

    // Bad filters change nothing and say what is wrong.
    for (query, message) in [
        ("from=yesterday", "From: give a date"),
        ("member=nobody", "Member: choose one"),
        ("action=DROP%20TABLE", "Action: a name like"),
        ("page=0", "Page: a page number"),
    ] {
        let refused = browser.get(&format!("/audit?{query}")).await;
        assert_eq!(refused.status, 422, "{query}");
        assert!(refused.html.contains(message), "{query}: {}", refused.html);
    }

    // Sixty distinct targets: two pages.
    let chain = Chain::Org(ana.org_id);
    for n in 0..60 {
        let event =
            Event::new(Actor::Member(cy.user_id.as_uuid()), IntakeAction::LeadRead).on("lead", n);
        app.append(chain, &event).await;
    }
    let first = browser.get("/audit?action=lead.read").await;
    assert_eq!(first.html.matches("<code>lead.read</code>").count(), 50);
    assert!(
        first
            .html
            .contains("href=\"/audit?action=lead.read&#38;page=2\""),
        "{}",
        first.html
    );
    let second = browser.get("/audit?action=lead.read&page=2").await;
    assert_eq!(second.html.matches("<code>lead.read</code>").count(), 10);
    assert!(second.html.contains("rel=\"prev\"") && !second.html.contains("rel=\"next\""));

    let csv = browser.get("/audit.csv?action=lead.read").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        csv.html.lines().count(),
        61,
        "a header and every row, unpaginated"
    );
    assert!(
        csv.html
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("member,{},lead.read,lead,", cy.user_id))
    );

    let looked = app.audited(chain, "audit.reviewed").await;
    assert!(looked.len() >= 6, "{looked:?}");
    assert!(
        looked
            .iter()
            .all(|r| r.actor == format!("member:{}", ana.user_id))
    );
    let downloaded = app.audited(chain, "audit.downloaded").await;
    assert_eq!(downloaded.len(), 1);
    assert_eq!(downloaded[0].fields, "action,since");
}
