//! Members, invitations, roles, scopes and sites, over HTTP: who may do what, and what every
//! change does to sessions.

use leadvault_accounts::{Role, Scope, SiteId};
use leadvault_audit::{Acting, Actor, By};
use leadvault_store::sqlx;
use leadvault_test_support::{Browser, Engine, Page, TEST_PASSWORD, TestApp, both_engines};

async fn invite(browser: &mut Browser<'_>, email: &str, role: &str, sites: &[&str]) -> Page {
    let page = browser.get("/members").await;
    assert_eq!(page.status, 200, "{page:?}");
    let mut fields = vec![("email", email), ("role", role)];
    fields.extend(sites.iter().map(|s| ("site", *s)));
    browser.submit(&page, "/members/invite", &fields).await
}

fn invitation_path(page: &Page) -> String {
    let link = page.code_with_class("invitation-link");
    let path = link.split_once("//").unwrap().1;
    path[path.find('/').unwrap()..].to_owned()
}

async fn add_site(browser: &mut Browser<'_>, domain: &str) -> String {
    let page = browser.get("/sites").await;
    let done = browser.submit(&page, "/sites", &[("domain", domain)]).await;
    assert_eq!(done.location(), Some("/sites"), "{}", done.html);
    let page = browser.get("/sites").await;
    let shown = leadvault_accounts::SiteDomain::parse(domain).unwrap();
    let remove = page
        .part("tr", shown.as_str())
        .attributes("form[action$=\"/remove\"]", "action")
        .remove(0);
    remove
        .trim_start_matches("/sites/")
        .trim_end_matches("/remove")
        .to_owned()
}

#[both_engines]
async fn an_invitation_makes_a_member_once_with_the_role_and_sites_chosen(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_owner, mut owner_browser, _) = app.signed_in_owner("ana@lima.law").await;
    let site = add_site(&mut owner_browser, "https://www.lima.law/contact").await;
    add_site(&mut owner_browser, "intake.lima.law").await;

    let made = invite(&mut owner_browser, "Cy@Lima.law", "intake", &[&site]).await;
    assert_eq!(made.status, 200, "{}", made.html);
    let path = invitation_path(&made);
    assert!(made.html.contains("cy@lima.law"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let token = path.split("token=").nth(1).unwrap();
    assert!(
        !stored.windows(token.len()).any(|w| w == token.as_bytes()),
        "only the hash is kept"
    );

    let mut cy = app.browser();
    let page = cy.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("Join Firm of ana@lima.law") && page.html.contains("intake"));
    let weak = cy
        .submit(
            &page,
            "/invitation",
            &[("token", token), ("password", "1qaz2wsx3edc")],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.html.contains("breached"), "{}", weak.html);
    let joined = cy
        .submit(
            &page,
            "/invitation",
            &[("token", token), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.html);
    assert!(joined.html.contains("You have joined"));

    // The link is used up.
    assert_eq!(cy.get(&path).await.status, 404);
    let again = cy
        .submit(
            &page,
            "/invitation",
            &[("token", token), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(again.status, 404);

    let members = owner_browser.get("/members").await;
    assert!(members.html.contains("cy@lima.law"), "{}", members.html);
    assert!(
        members.html.contains("<td>www.lima.law</td>"),
        "the reach is listed: {}",
        members.html
    );
    let site_id = SiteId::parse(&site).unwrap();
    let row: (String, String) = sqlx::query_as("SELECT m.role, ms.site_id FROM memberships m JOIN membership_sites ms ON ms.user_id = m.user_id JOIN users u ON u.id = m.user_id WHERE u.email = 'cy@lima.law'")
        .fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(row, ("intake".to_owned(), site_id.to_string()));
}

#[both_engines]
async fn an_existing_account_joins_with_its_own_password_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_ana, mut ana, _) = app.signed_in_owner("ana@lima.law").await;
    app.owner("bo@other.law").await;
    let made = invite(&mut ana, "bo@other.law", "analyst", &[]).await;
    let path = invitation_path(&made);
    let token = path.split("token=").nth(1).unwrap();

    let mut bo = app.browser();
    let page = bo.get(&path).await;
    assert!(
        page.html.contains("The password of your Leadvault account"),
        "{}",
        page.html
    );
    let wrong = bo
        .submit(
            &page,
            "/invitation",
            &[("token", token), ("password", "not my password at all")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        bo.get(&path).await.status,
        200,
        "a wrong password does not use up the link"
    );
    let joined = bo
        .submit(
            &page,
            "/invitation",
            &[("token", token), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.html);
    let memberships: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'bo@other.law'")
        .fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(memberships, 2);
}

#[both_engines]
async fn inviting_reveals_nothing_about_other_organizations(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_ana, mut ana, _) = app.signed_in_owner("ana@lima.law").await;
    app.owner("bo@other.law").await;
    let known = invite(&mut ana, "bo@other.law", "analyst", &[]).await;
    let unknown = invite(&mut ana, "nobody@other.law", "analyst", &[]).await;
    assert_eq!(
        (known.status, unknown.status),
        (reqwest::StatusCode::OK, reqwest::StatusCode::OK)
    );
    let strip = |p: &Page, email: &str| {
        p.html
            .replace(email, "X")
            .split("token=")
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        strip(&known, "bo@other.law").len(),
        strip(&unknown, "nobody@other.law").len()
    );
    // A current member is another matter: the members list shows them anyway.
    let member = invite(&mut ana, "ana@lima.law", "analyst", &[]).await;
    assert_eq!(member.status, 422);
    assert!(member.html.contains("already belongs"));
}

#[both_engines]
async fn bad_invitations_change_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_ana, mut ana, _) = app.signed_in_owner("ana@lima.law").await;
    let cases: [(&str, &str, Vec<String>, &str); 5] = [
        ("not an address", "intake", vec![], "e-mail address like"),
        ("cy@lima.law", "superuser", vec![], "unknown role"),
        (
            "cy@lima.law",
            "admin",
            vec![SiteId::random().to_string()],
            "no such site",
        ),
        (
            "cy@lima.law",
            "intake",
            vec!["../../etc".into()],
            "no such site",
        ),
        (&"a".repeat(300), "intake", vec![], "at most 254"),
    ];
    for (email, role, sites, message) in cases {
        let sites: Vec<&str> = sites.iter().map(String::as_str).collect();
        let page = invite(&mut ana, email, role, &sites).await;
        assert_eq!(page.status, 422, "{email} {role}");
        assert!(page.html.contains(message), "{message}: {}", page.html);
    }
    let page = ana.get("/sites").await;
    let site = ana.submit(&page, "/sites", &[("domain", "lima.law")]).await;
    assert_eq!(site.status, 303);
    let site = add_site(&mut ana, "b.lima.law").await;
    let page = invite(&mut ana, "cy@lima.law", "admin", &[&site]).await;
    assert_eq!(page.status, 422, "admins cannot be limited to sites");
    assert!(page.html.contains("whole organization"));
    let invitations: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(invitations, 0);

    // Duplicate and malformed sites.
    let page = ana.get("/sites").await;
    for (domain, message) in [
        ("LIMA.law", "already has a site"),
        ("not a domain", "like www.example.com"),
        ("<b>x</b>.law", "like www.example.com"),
    ] {
        let refused = ana.submit(&page, "/sites", &[("domain", domain)]).await;
        assert_eq!(refused.status, 422, "{domain}");
        assert!(refused.html.contains(message), "{}", refused.html);
        assert!(!refused.html.contains("<b>x"), "typed text is escaped");
    }
}

#[both_engines]
async fn a_role_change_or_removal_ends_the_members_sessions_at_once(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut ana_browser, _) = app.signed_in_owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let (mut cy_browser, enrolled) = app.signed_in(&cy).await;
    assert!(enrolled.is_none(), "an analyst needs no second factor");
    assert_eq!(cy_browser.get("/sites").await.status, 200);
    assert_eq!(cy_browser.get("/members").await.status, 403);

    let page = ana_browser.get("/members").await;
    let changed = ana_browser
        .submit(
            &page,
            &format!("/members/{}/role", cy.user_id),
            &[("role", "intake")],
        )
        .await;
    assert_eq!(changed.location(), Some("/members"), "{}", changed.html);
    assert_eq!(
        cy_browser.get("/sites").await.location(),
        Some("/login"),
        "signed out by the change"
    );

    // Now an intake member: the second factor becomes mandatory.
    let (mut cy_browser, enrolled) = app.signed_in(&cy).await;
    assert!(enrolled.is_some());
    assert_eq!(cy_browser.get("/sites").await.status, 200);

    let page = ana_browser.get("/members").await;
    let removed = ana_browser
        .submit(&page, &format!("/members/{}/remove", cy.user_id), &[])
        .await;
    assert_eq!(removed.location(), Some("/members"));
    assert_eq!(cy_browser.get("/sites").await.location(), Some("/login"));
    let page = cy_browser.sign_in_with_password(&cy).await;
    assert_eq!(page.status, 422, "no organization left to sign in to");
}

#[both_engines]
async fn only_owners_make_or_unmake_owners_and_one_always_remains(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut ana_browser, _) = app.signed_in_owner("ana@lima.law").await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Admin, Scope::Organization)
        .await;
    let (mut dee_browser, _) = app.signed_in(&dee).await;

    let page = dee_browser.get("/members").await;
    assert_eq!(page.status, 200);
    let promote = dee_browser
        .submit(
            &page,
            &format!("/members/{}/role", dee.user_id),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(promote.status, 403);
    let demote = dee_browser
        .submit(
            &page,
            &format!("/members/{}/role", ana.user_id),
            &[("role", "analyst")],
        )
        .await;
    assert_eq!(demote.status, 403);
    let remove = dee_browser
        .submit(&page, &format!("/members/{}/remove", ana.user_id), &[])
        .await;
    assert_eq!(remove.status, 403);
    let invite_owner = invite(&mut dee_browser, "eve@lima.law", "owner", &[]).await;
    assert_eq!(invite_owner.status, 403);

    let page = ana_browser.get("/members").await;
    let last = ana_browser
        .submit(
            &page,
            &format!("/members/{}/role", ana.user_id),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(last.status, 422);
    assert!(last.html.contains("at least one owner"), "{}", last.html);
    let last = ana_browser
        .submit(&page, &format!("/members/{}/remove", ana.user_id), &[])
        .await;
    assert_eq!(last.status, 422);
    let role: String = sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1")
        .bind(ana.user_id.to_string())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(role, "owner");
}

#[both_engines]
async fn another_organizations_members_sites_and_invitations_are_not_found(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut ana_browser, _) = app.signed_in_owner("ana@lima.law").await;
    let (bo, mut bo_browser, _) = app.signed_in_owner("bo@other.law").await;
    let bos_site = add_site(&mut bo_browser, "other.law").await;
    let made = invite(&mut bo_browser, "fay@other.law", "analyst", &[]).await;
    assert_eq!(made.status, 200);
    let bos_invitation: String = sqlx::query_scalar("SELECT id FROM invitations")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let bos_analyst = app
        .member(&bo, "gus@other.law", Role::Analyst, Scope::Organization)
        .await;

    let page = ana_browser.get("/members").await;
    for path in [
        format!("/members/{}/role", bos_analyst.user_id),
        format!("/members/{}/remove", bos_analyst.user_id),
        format!("/members/{}/remove", bo.user_id),
        format!("/sites/{bos_site}/remove"),
        format!("/invitations/{bos_invitation}/revoke"),
        "/members/not-an-id/remove".to_owned(),
    ] {
        let answer = ana_browser
            .submit(&page, &path, &[("role", "analyst")])
            .await;
        assert_eq!(answer.status, 404, "{path}");
    }
    // Ana cannot reach into Bo's organization with Bo's site either.
    let refused = invite(&mut ana_browser, "hal@lima.law", "intake", &[&bos_site]).await;
    assert_eq!(refused.status, 422);
    assert!(!ana_browser.get("/sites").await.html.contains("other.law"));
    assert!(!ana_browser.get("/members").await.html.contains("other.law"));

    let still: (i64, i64, i64) = sqlx::query_as("SELECT (SELECT count(*) FROM sites), (SELECT count(*) FROM invitations), (SELECT count(*) FROM memberships WHERE org_id = $1)")
        .bind(bo.org_id.to_string()).fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(still, (1, 1, 2));
    let _ = ana;
}

#[both_engines]
async fn a_client_joins_the_portal_and_reaches_no_staff_page(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_ana, mut ana, _) = app.signed_in_owner("ana@lima.law").await;
    let site = add_site(&mut ana, "lima.law").await;
    let refused = invite(&mut ana, "client@acme.test", "customer", &[&site]).await;
    assert_eq!(refused.status, 422, "clients are not given sites");
    let made = invite(&mut ana, "client@acme.test", "customer", &[]).await;
    assert_eq!(made.status, 200, "{}", made.html);
    let path = invitation_path(&made);
    let token = path.split("token=").nth(1).unwrap().to_owned();

    let mut client = app.browser();
    let page = client.get(&path).await;
    assert!(
        page.html.contains("as <strong>client</strong>"),
        "{}",
        page.html
    );
    let joined = client
        .submit(
            &page,
            "/invitation",
            &[("token", &token), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.html);

    let person = leadvault_test_support::TestPerson {
        email: "client@acme.test".into(),
        password: TEST_PASSWORD.into(),
        user_id: leadvault_accounts::UserId::random(),
        org_id: leadvault_accounts::OrgId::random(),
    };
    let signed = client.sign_in_with_password(&person).await;
    assert_eq!(
        signed.location(),
        Some("/"),
        "no second factor is forced on a client"
    );
    let home = client.get("/").await;
    assert!(home.html.contains("href=\"/portal\""), "{}", home.html);
    let portal = client.get("/portal").await;
    assert_eq!(portal.status, 200);
    assert!(
        portal.html.contains("no work orders yet"),
        "{}",
        portal.html
    );
    for staff_page in ["/members", "/sites"] {
        assert_eq!(client.get(staff_page).await.status, 403, "{staff_page}");
    }
    assert_eq!(
        client.get("/account").await.status,
        200,
        "their own account they may see"
    );
    assert_eq!(ana.get("/portal").await.status, 403, "staff have no portal");
    let (customers, members): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM memberships)",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((customers, members), (1, 1));
}

/// Runs `operation` while another write holds the database's write lock, and commits that
/// write while `operation` waits: on SQLite a transaction that read first cannot take the
/// write lock once another writer has committed since it read, so an operation that reads
/// and then writes must queue for the lock before it reads.
async fn while_another_write_commits<F>(
    app: &TestApp,
    org: leadvault_store::OrgId,
    operation: F,
) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut other = app.db.begin_write().await.unwrap();
    sqlx::query("UPDATE organizations SET name = name || '' WHERE id = $1")
        .bind(org.to_string())
        .execute(&mut *other)
        .await
        .unwrap();
    let running = tokio::spawn(operation);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    other.commit().await.unwrap();
    running.await.unwrap()
}

#[both_engines]
async fn operations_that_read_then_write_wait_for_a_concurrent_write_instead_of_failing(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let owner = app.owner("ana@lima.law").await;

    // An invitation reads (is the address a member already?), then writes.
    let db = app.db.clone();
    let invited = while_another_write_commits(&app, owner.org_id, async move {
        let email = leadvault_accounts::Email::parse("cy@lima.law").unwrap();
        let joining = leadvault_accounts::Joining::Member(
            leadvault_accounts::Grant::new(Role::Attorney, Scope::Organization).unwrap(),
        );
        let now = leadvault_store::Timestamp::now();
        leadvault_accounts::invite(
            &db,
            &Acting::new(owner.org_id, leadvault_test_support::fixture(), now),
            owner.user_id,
            &email,
            &joining,
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
    })
    .await;
    assert_eq!(invited, Ok(()));

    // A sign-in refused: the audit record reads whose chains it goes to, then appends.
    let db = app.db.clone();
    let refused = while_another_write_commits(&app, owner.org_id, async move {
        let wrong =
            leadvault_accounts::Password::new("not the password at all".to_owned()).unwrap();
        leadvault_accounts::check_password(
            &db,
            &leadvault_accounts::PasswordHasher::new(1),
            "ana@lima.law",
            wrong,
            &Acting::personal(
                By::new(Actor::Anonymous, None),
                leadvault_store::Timestamp::now(),
            ),
        )
        .await
        .map(|accepted| accepted.is_some())
        .map_err(|e| e.to_string())
    })
    .await;
    assert_eq!(refused, Ok(false));
}
