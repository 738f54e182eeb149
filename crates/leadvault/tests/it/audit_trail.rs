//! What the audit log records of people's actions over HTTP: sign-ins and their failures,
//! second-factor checks, changes to accounts, members, invitations and sites, refusals, and
//! sign-outs. Each record names the actor, the target and the request; never a value.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::{Chain, verify};
use leadvault_store::sqlx;
use leadvault_test_support::{
    AuditRow, Engine, Page, TestApp, TestPerson, both_engines, next_code,
};

fn request_id(page: &Page) -> String {
    page.headers["x-request-id"].to_str().unwrap().to_owned()
}

fn member(person: &TestPerson) -> String {
    format!("member:{}", person.user_id)
}

fn about(person: &TestPerson) -> String {
    format!("user:{}", person.user_id)
}

fn last(rows: &[AuditRow]) -> &AuditRow {
    rows.last().expect("a record")
}

async fn assert_chains_verify(app: &TestApp, chains: &[Chain]) {
    for chain in chains {
        let checked = verify(&app.db, *chain).await.unwrap();
        assert!(checked.is_ok(), "{chain:?}: {checked:?}");
    }
}

#[both_engines]
async fn sign_ins_are_recorded_in_every_organization_the_person_belongs_to(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, _, enrolled) = app.signed_in_owner("ana@lima.law").await;
    let bo = app.owner("bo@nyx.law").await;
    app.customer(&bo, "ana@lima.law").await;
    let (lima, nyx) = (Chain::Org(ana.org_id), Chain::Org(bo.org_id));

    let mut stranger = app.browser();
    let wrong = TestPerson {
        password: "not the password at all".into(),
        ..ana.clone()
    };
    let refused = stranger.sign_in_with_password(&wrong).await;
    assert_eq!(refused.status, 422);
    for chain in [lima, nyx] {
        let tries = app.audited(chain, "sign_in.password").await;
        let failed = last(&tries);
        assert!(failed.is("sign_in.password", "denied"), "{tries:?}");
        assert_eq!(failed.actor, "anonymous:", "whoever typed it is not known");
        assert_eq!(failed.target, about(&ana));
        assert_eq!(failed.request_id, request_id(&refused));
    }

    let nobody = TestPerson {
        email: "nobody@lima.law".into(),
        ..ana.clone()
    };
    let unknown = stranger.sign_in_with_password(&nobody).await;
    assert_eq!(unknown.status, 422);
    let installation = app.audited(Chain::Instance, "sign_in.password").await;
    assert_eq!(installation.len(), 1, "{installation:?}");
    assert!(installation[0].is("sign_in.password", "denied"));
    assert_eq!(
        installation[0].target, ":",
        "no account, no target, and never the address"
    );
    assert_eq!(installation[0].request_id, request_id(&unknown));

    let mut laptop = app.browser();
    let password = laptop.sign_in_with_password(&ana).await;
    assert_eq!(password.location(), Some("/login/two-factor"));
    let wrong_code = laptop.second_factor("000000").await;
    assert_eq!(wrong_code.status, 422);
    let signed_in = laptop.second_factor(&next_code(&enrolled.secret)).await;
    assert_eq!(signed_in.location(), Some("/"));

    let accepted = app.audited(lima, "sign_in.password").await;
    assert!(last(&accepted).is("sign_in.password", "allowed"));
    assert_eq!(last(&accepted).actor, member(&ana));
    assert_eq!(last(&accepted).request_id, request_id(&password));
    let as_client = app.audited(nyx, "sign_in.password").await;
    assert_eq!(
        last(&as_client).actor,
        format!("client:{}", ana.user_id),
        "a client there"
    );

    let codes = app.audited(lima, "sign_in.second_factor").await;
    let (refused_code, accepted_code) = (&codes[codes.len() - 2], last(&codes));
    assert!(
        refused_code.is("sign_in.second_factor", "denied"),
        "{codes:?}"
    );
    assert_eq!(refused_code.request_id, request_id(&wrong_code));
    assert!(accepted_code.is("sign_in.second_factor", "allowed"));
    assert_eq!(
        accepted_code.fields, "totp_code",
        "which kind of code, never the code"
    );
    assert_eq!(accepted_code.request_id, request_id(&signed_in));

    let page = laptop.get("/account").await;
    let out = laptop.submit(&page, "/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    let signed_out = app.audited(lima, "session.signed_out").await;
    assert_eq!(signed_out.len(), 1);
    assert_eq!(signed_out[0].actor, member(&ana));

    assert_chains_verify(&app, &[lima, nyx, Chain::Instance]).await;
}

#[both_engines]
async fn changes_to_members_invitations_and_sites_name_who_made_them(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut browser, _) = app.signed_in_owner("ana@lima.law").await;
    let lima = Chain::Org(ana.org_id);
    let created = app.audited(lima, "organization.created").await;
    assert_eq!(created.len(), 1, "the organization's first record");
    assert_eq!(created[0].seq, 1);

    let page = browser.get("/sites").await;
    let added = browser
        .submit(&page, "/sites", &[("domain", "www.lima.law")])
        .await;
    assert_eq!(added.location(), Some("/sites"));
    let site = last(&app.audited(lima, "site.added").await).clone();
    assert_eq!(
        (site.actor.as_str(), site.fields.as_str()),
        (member(&ana).as_str(), "domain")
    );
    assert_eq!(site.request_id, request_id(&added));

    let page = browser.get("/members").await;
    let invited = browser
        .submit(
            &page,
            "/members/invite",
            &[("email", "eve@lima.law"), ("role", "analyst")],
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.html);
    let invitation = last(&app.audited(lima, "invitation.created").await).clone();
    assert_eq!(invitation.actor, member(&ana));
    assert_eq!(invitation.fields, "email,role,scope");
    let invitation_id = invitation
        .target
        .strip_prefix("invitation:")
        .unwrap()
        .to_owned();
    let page = browser.get("/members").await;
    let withdrawn = browser
        .submit(&page, &format!("/invitations/{invitation_id}/revoke"), &[])
        .await;
    assert_eq!(withdrawn.location(), Some("/members"));
    let revoked = app.audited(lima, "invitation.revoked").await;
    assert_eq!(last(&revoked).target, invitation.target);

    let cy = app
        .member(&ana, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let joined = last(&app.audited(lima, "invitation.accepted").await).clone();
    assert_eq!(joined.actor, member(&cy), "the person who joined");

    let page = browser.get("/members").await;
    let changed = browser
        .submit(
            &page,
            &format!("/members/{}/role", cy.user_id),
            &[("role", "intake")],
        )
        .await;
    assert_eq!(changed.location(), Some("/members"), "{}", changed.html);
    let grant = last(&app.audited(lima, "member.grant_changed").await).clone();
    assert_eq!((grant.actor, grant.target), (member(&ana), about(&cy)));
    assert_eq!(grant.fields, "role,scope,sessions");
    assert_eq!(grant.request_id, request_id(&changed));

    let page = browser.get("/members").await;
    let removed = browser
        .submit(&page, &format!("/members/{}/remove", cy.user_id), &[])
        .await;
    assert_eq!(removed.location(), Some("/members"));
    let removal = last(&app.audited(lima, "member.removed").await).clone();
    assert_eq!((removal.actor, removal.target), (member(&ana), about(&cy)));

    assert_chains_verify(&app, &[lima]).await;
}

#[both_engines]
async fn refusals_are_recorded_with_what_was_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let lima = Chain::Org(ana.org_id);
    let cy = app
        .member(&ana, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let dee = app.customer(&ana, "dee@client.example").await;

    let (mut cy_browser, _) = app.signed_in(&cy).await;
    let refused = cy_browser.get("/members").await;
    assert_eq!(refused.status, 403);
    let denial = last(&app.audited(lima, "access.denied").await).clone();
    assert_eq!(denial.actor, member(&cy));
    assert_eq!(denial.target, "capability:manage_members");
    assert_eq!(denial.outcome, "denied");
    assert_eq!(denial.request_id, request_id(&refused));

    let (mut dee_browser, _) = app.signed_in(&dee).await;
    assert_eq!(dee_browser.get("/sites").await.status, 403);
    let denial = last(&app.audited(lima, "access.denied").await).clone();
    assert_eq!(denial.actor, format!("client:{}", dee.user_id));
    assert_eq!(denial.target, "capability:staff_pages");

    assert_eq!(cy_browser.get("/portal").await.status, 403);
    let denial = last(&app.audited(lima, "access.denied").await).clone();
    assert_eq!(
        (denial.actor, denial.target),
        (member(&cy), "capability:client_portal".to_owned())
    );
    assert_eq!(app.audited(lima, "access.denied").await.len(), 3);
}

#[both_engines]
async fn account_changes_are_recorded_for_the_person_and_never_hold_a_value(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let lima = Chain::Org(ana.org_id);
    let (mut laptop, _) = app.signed_in(&cy).await;
    let (mut phone, _) = app.signed_in(&cy).await;

    let page = laptop.get("/account/password").await;
    let wrong = laptop
        .submit(
            &page,
            "/account/password",
            &[
                ("current", "not my password"),
                ("new", "marble kettle orbit nineteen"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let refused = last(&app.audited(lima, "password.changed").await).clone();
    assert_eq!(
        (refused.outcome.as_str(), refused.actor.as_str()),
        ("denied", member(&cy).as_str())
    );
    let done = laptop
        .submit(
            &page,
            "/account/password",
            &[
                ("current", &cy.password),
                ("new", "marble kettle orbit nineteen"),
            ],
        )
        .await;
    assert_eq!(done.location(), Some("/account"), "{}", done.html);
    let changed = last(&app.audited(lima, "password.changed").await).clone();
    assert!(changed.is("password.changed", "allowed"));
    assert_eq!(
        (changed.target, changed.fields),
        (about(&cy), "password,sessions".to_owned())
    );
    assert_eq!(phone.get("/account").await.location(), Some("/login"));

    let page = laptop.get("/account").await;
    let ended = laptop
        .submit(&page, "/account/sessions/end-others", &[])
        .await;
    assert_eq!(ended.location(), Some("/account"));
    assert_eq!(app.audited(lima, "session.revoked_others").await.len(), 1);

    // Nothing personal is in the log: not an address, not a password.
    let everything: Vec<String> = sqlx::query_scalar(
        "SELECT chain || actor_id || action || target_id || fields || request_id FROM audit_records",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    for planted in [
        "cy@lima.law",
        "marble kettle",
        "not my password",
        "ana@lima.law",
    ] {
        assert!(
            !everything.iter().any(|row| row.contains(planted)),
            "{planted} leaked into the audit log"
        );
    }
    assert_chains_verify(&app, &[lima]).await;
}

#[both_engines]
async fn an_operation_whose_record_cannot_be_written_does_not_happen(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut browser, _) = app.signed_in_owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let page = browser.get("/members").await;

    let (hide, restore) = (
        "ALTER TABLE audit_records RENAME TO audit_hidden",
        "ALTER TABLE audit_hidden RENAME TO audit_records",
    );
    sqlx::raw_sql(hide).execute(app.db.pool()).await.unwrap();
    let failed = browser
        .submit(
            &page,
            &format!("/members/{}/role", cy.user_id),
            &[("role", "intake")],
        )
        .await;
    sqlx::raw_sql(restore).execute(app.db.pool()).await.unwrap();
    assert_eq!(failed.status, 500, "{}", failed.html);
    let role: String = sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1")
        .bind(cy.user_id.to_string())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        role, "analyst",
        "the change did not happen without its record"
    );
    assert_chains_verify(&app, &[Chain::Org(ana.org_id)]).await;
}
