//! How leads are worked, set up per organization: its own pipeline states, and assignment
//! rules that give new leads to attorneys in turn, by site and by answer.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_store::sqlx;
use leadvault_test_support::forms::CHOICE_CONSULTATION;
use leadvault_test_support::{Browser, Engine, TestApp, both_engines};

/// Sends the public form as a visitor does; the new lead's id.
async fn send(app: &TestApp, visitor: &mut Browser<'_>, form: &str, area: &str) -> String {
    let page = visitor.get(&format!("/f/{form}")).await;
    let token = page.hidden("_token");
    let sent = visitor
        .post(
            &format!("/f/{form}"),
            &[
                ("_token", token.as_str()),
                ("name", "Marisol"),
                ("area", area),
                ("agree", "yes"),
            ],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.html);
    sqlx::query_scalar("SELECT id FROM leads ORDER BY created_at DESC LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn assignee(app: &TestApp, lead: &str) -> Option<String> {
    sqlx::query_scalar("SELECT assigned_to FROM leads WHERE id = $1")
        .bind(lead)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[both_engines]
async fn an_organization_sets_its_own_pipeline_and_leads_move_through_it(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CHOICE_CONSULTATION).await;
    let lead = app
        .lead(&form, &[("name", "Marisol"), ("agree", "yes")])
        .await;
    let path = format!("/leads/{lead}");

    let settings = owner.get("/settings/intake").await;
    assert_eq!(settings.status, 200, "{}", settings.html);
    assert!(
        settings
            .html
            .contains("Contacted\nConsultation scheduled\nRetained\nDeclined\nClosed</textarea>"),
        "{}",
        settings.html
    );
    let page = owner.get(&path).await;
    let moved = owner
        .submit(&page, &format!("{path}/status"), &[("status", "contacted")])
        .await;
    assert_eq!(moved.location(), Some(path.as_str()));

    // A state that a lead is in cannot go; nothing changes.
    let refused = owner
        .submit(
            &settings,
            "/settings/intake/pipeline",
            &[("states", "Called\nBooked")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("some leads are “Contacted”; move them to another state before removing it"),
        "{}",
        refused.html
    );
    let twice = owner
        .submit(
            &settings,
            "/settings/intake/pipeline",
            &[("states", "Contacted\ncontacted!")],
        )
        .await;
    assert!(twice.html.contains("is there twice"), "{}", twice.html);
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "pipeline.changed")
            .await
            .len(),
        0
    );

    let saved = owner
        .submit(
            &settings,
            "/settings/intake/pipeline",
            &[("states", "Contacted\nBooked\nWon (paid)\nLost")],
        )
        .await;
    assert_eq!(saved.location(), Some("/settings/intake"));
    let page = owner.get(&path).await;
    assert!(
        page.html
            .contains("<option value=\"won_paid\">Won (paid)</option>"),
        "{}",
        page.html
    );
    let retained = owner
        .submit(&page, &format!("{path}/status"), &[("status", "retained")])
        .await;
    assert_eq!(retained.status, 422, "no longer a state of this firm");
    let won = owner
        .submit(&page, &format!("{path}/status"), &[("status", "won_paid")])
        .await;
    assert_eq!(won.location(), Some(path.as_str()));
    assert!(owner.get("/leads").await.html.contains("Won (paid)"));
    assert!(
        owner
            .get(&path)
            .await
            .html
            .contains("status set to Won (paid)")
    );
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "pipeline.changed")
            .await
            .len(),
        1
    );

    // Another firm keeps the defaults; other roles cannot change the pipeline.
    let (bo, mut bo_browser, _) = app.signed_in_owner("bo@nyx.law").await;
    let theirs = bo_browser.get("/settings/intake").await;
    assert!(
        theirs.html.contains("Contacted\nConsultation scheduled"),
        "{}",
        theirs.html
    );
    let cy = app
        .member(&ana, "cy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let (mut cy_browser, _) = app.signed_in(&cy).await;
    assert_eq!(cy_browser.get("/settings/intake").await.status, 403);
    let _ = bo;
}

#[both_engines]
async fn assignment_rules_give_new_leads_to_attorneys_in_turn(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    let family_site = app.site(ana.org_id, "www.lima.law").await;
    let visa_site = app.site(ana.org_id, "visas.lima.law").await;
    let form = app
        .form_on(ana.org_id, Some(family_site), CHOICE_CONSULTATION)
        .await
        .id
        .to_string();
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let fay = app
        .member(&ana, "fay@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let gus = app
        .member(
            &ana,
            "gus@lima.law",
            Role::Attorney,
            Scope::Sites([visa_site].into()),
        )
        .await;
    let eve = app
        .member(&ana, "eve@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let (dee_id, fay_id, gus_id) = (
        dee.user_id.to_string(),
        fay.user_id.to_string(),
        gus.user_id.to_string(),
    );

    let settings = owner.get("/settings/intake").await;
    let site = family_site.to_string();
    let refused = owner
        .submit(&settings, "/settings/intake/rules", &[("site", &site)])
        .await;
    assert!(
        refused.html.contains("choose 1 to 50 attorneys"),
        "{}",
        refused.html
    );
    let analyst = owner
        .submit(
            &settings,
            "/settings/intake/rules",
            &[("attorney", &eve.user_id.to_string())],
        )
        .await;
    assert!(
        analyst
            .html
            .contains("choose attorneys of this organization"),
        "{}",
        analyst.html
    );
    let family_rule = [
        ("site", site.as_str()),
        ("field_key", "area"),
        ("field_value", "Family"),
        ("attorney", &dee_id),
        ("attorney", &gus_id),
        ("attorney", &fay_id),
    ];
    assert_eq!(
        owner
            .submit(&settings, "/settings/intake/rules", &family_rule)
            .await
            .location(),
        Some("/settings/intake")
    );
    let fallback = owner
        .submit(
            &settings,
            "/settings/intake/rules",
            &[("attorney", fay_id.as_str())],
        )
        .await;
    assert_eq!(fallback.location(), Some("/settings/intake"));
    let listed = owner.get("/settings/intake").await;
    assert!(
        listed.html.contains("“area” is “Family”")
            && listed
                .html
                .contains("dee@lima.law, gus@lima.law, fay@lima.law"),
        "{}",
        listed.html
    );

    // Family leads of the site go in turn to dee and fay; gus works another site only.
    let mut visitor = app.browser();
    let mut given = Vec::new();
    for _ in 0..3 {
        let lead = send(&app, &mut visitor, &form, "Family").await;
        given.push(assignee(&app, &lead).await.unwrap());
    }
    assert_eq!(given, vec![dee_id.clone(), fay_id.clone(), dee_id.clone()]);
    let injury = send(&app, &mut visitor, &form, "Injury").await;
    assert_eq!(
        assignee(&app, &injury).await,
        Some(fay_id.clone()),
        "the second rule takes the rest"
    );

    let (mut dee_browser, _) = app.signed_in(&dee).await;
    let first = dee_browser.get("/leads").await;
    assert_eq!(
        first.html.matches("href=\"/leads/").count(),
        2,
        "{}",
        first.html
    );
    let assigned = app.audited(Chain::Org(ana.org_id), "lead.assigned").await;
    assert_eq!(assigned.len(), 4);
    assert!(
        assigned
            .iter()
            .all(|r| r.actor == "system:assignment rules"),
        "{assigned:?}"
    );
    let history = owner.get(&format!("/leads/{injury}")).await;
    assert!(
        history
            .html
            .contains("assigned to fay@lima.law (assignment rules)"),
        "{}",
        history.html
    );

    let (_, mut bo, _) = app.signed_in_owner("bo@nyx.law").await;
    let bo_page = bo.get("/settings/intake").await;
    // Moved below the catch-all rule, the family rule takes nothing; moved back, it does.
    let rule: String =
        sqlx::query_scalar("SELECT id FROM assignment_rules ORDER BY position LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(
        listed.html.contains("Move rule 1 down") && !listed.html.contains("Move rule 1 up"),
        "{}",
        listed.html
    );
    let moved = owner
        .submit(
            &listed,
            &format!("/settings/intake/rules/{rule}/move"),
            &[("direction", "down")],
        )
        .await;
    assert_eq!(moved.location(), Some("/settings/intake"));
    let shown = owner.get("/settings/intake").await.html;
    assert!(
        shown.find("fay@lima.law</td>").unwrap()
            < shown.find("dee@lima.law, gus@lima.law").unwrap(),
        "{shown}"
    );
    let moved_lead = send(&app, &mut visitor, &form, "Family").await;
    assert_eq!(
        assignee(&app, &moved_lead).await,
        Some(fay_id.clone()),
        "the catch-all comes first now"
    );
    let sideways = owner
        .submit(
            &listed,
            &format!("/settings/intake/rules/{rule}/move"),
            &[("direction", "left")],
        )
        .await;
    assert_eq!(sideways.status, 422);
    owner
        .submit(
            &listed,
            &format!("/settings/intake/rules/{rule}/move"),
            &[("direction", "up")],
        )
        .await;
    let back = send(&app, &mut visitor, &form, "Family").await;
    assert_eq!(
        assignee(&app, &back).await,
        Some(fay_id.clone()),
        "dee, fay, dee, then fay in turn"
    );
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "assignment_rule.moved")
            .await
            .len(),
        2
    );
    assert_eq!(
        bo.submit(
            &bo_page,
            &format!("/settings/intake/rules/{rule}/move"),
            &[("direction", "up")]
        )
        .await
        .status,
        404
    );

    // Without the first rule, a family lead falls to the second.
    assert_eq!(
        bo.submit(
            &bo_page,
            &format!("/settings/intake/rules/{rule}/remove"),
            &[]
        )
        .await
        .status,
        404
    );
    let removed = owner
        .submit(
            &listed,
            &format!("/settings/intake/rules/{rule}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.location(), Some("/settings/intake"));
    let later = send(&app, &mut visitor, &form, "Family").await;
    assert_eq!(assignee(&app, &later).await, Some(fay_id));
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "assignment_rule.removed")
            .await
            .len(),
        1
    );
}
