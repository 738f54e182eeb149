//! Leads for staff over HTTP: the list shows no personal data, opening a lead decrypts what
//! the reader's role allows and is audited, status and assignment change with history, and
//! the person who sent it sees the new status at `/track`. A membership scoped to sites
//! reaches the leads of those sites only.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_test_support::forms::MULTIPLE_CHOICE_CONSULTATION;
use leadvault_test_support::{Engine, Page, TestApp, both_engines};

#[both_engines]
async fn intake_staff_work_leads_and_attorneys_see_only_theirs(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let eve = app
        .member(&ana, "eve@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, MULTIPLE_CHOICE_CONSULTATION).await.id;

    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;
    let token = page.hidden("_token");
    let sent = visitor
        .post(
            &format!("/f/{form}"),
            &[
                ("_token", token.as_str()),
                ("name", "Marisol Quintana"),
                ("email", "marisol@example.com"),
                ("area", "Family"),
                ("area", "Injury"),
                ("agree", "yes"),
            ],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.html);
    let code = sent.code_with_class("tracking-code");

    let (mut dee_browser, _) = app.signed_in(&dee).await;
    let nothing = dee_browser.get("/leads").await;
    assert_eq!(nothing.status, 200);
    assert!(
        nothing.html.contains("No leads yet"),
        "nothing is assigned to dee yet"
    );
    let (mut eve_browser, _) = app.signed_in(&eve).await;
    assert_eq!(
        eve_browser.get("/leads").await.status,
        403,
        "analysts never see leads"
    );

    let (mut cy_browser, _) = app.signed_in(&cy).await;
    let list = cy_browser.get("/leads").await;
    assert_eq!(list.status, 200);
    assert!(
        list.html.contains("Free consultation") && !list.html.contains("Marisol"),
        "{}",
        list.html
    );
    let path = list.link_to("/leads/");
    let lead_page = cy_browser.get(&path).await;
    assert_eq!(lead_page.status, 200, "{}", lead_page.html);
    assert!(
        lead_page.html.contains("<dt>Your name</dt>")
            && lead_page.html.contains("Marisol Quintana")
    );
    assert!(
        lead_page.html.contains("Family<br>Injury"),
        "{}",
        lead_page.html
    );
    assert_eq!(dee_browser.get(&path).await.status, 404, "not dee's lead");

    let changed = cy_browser
        .submit(
            &lead_page,
            &format!("{path}/status"),
            &[("status", "contacted")],
        )
        .await;
    assert_eq!(changed.location(), Some(path.as_str()));
    let bogus = cy_browser
        .submit(&lead_page, &format!("{path}/status"), &[("status", "won")])
        .await;
    assert_eq!(bogus.status, 422);
    let assigned = cy_browser
        .submit(
            &lead_page,
            &format!("{path}/assign"),
            &[("attorney", &dee.user_id.to_string())],
        )
        .await;
    assert_eq!(assigned.location(), Some(path.as_str()));
    let not_an_attorney = cy_browser
        .submit(
            &lead_page,
            &format!("{path}/assign"),
            &[("attorney", &eve.user_id.to_string())],
        )
        .await;
    assert_eq!(not_an_attorney.status, 404);

    let theirs = dee_browser.get(&path).await;
    assert_eq!(theirs.status, 200);
    assert!(theirs.html.contains("Marisol Quintana"));
    assert!(
        theirs
            .html
            .contains("assigned to dee@lima.law (cy@lima.law)"),
        "{}",
        theirs.html
    );
    assert!(
        !theirs.html.contains("/assign\""),
        "attorneys are not offered assignment"
    );
    let assign_by_attorney = dee_browser
        .submit(
            &theirs,
            &format!("{path}/assign"),
            &[("attorney", &dee.user_id.to_string())],
        )
        .await;
    assert_eq!(assign_by_attorney.status, 403);

    // The same person again: intake staff see the hint, the attorney does not.
    let page = visitor.get(&format!("/f/{form}")).await;
    let token = page.hidden("_token");
    let again = visitor
        .post(
            &format!("/f/{form}"),
            &[
                ("_token", token.as_str()),
                ("name", "Marisol Q."),
                ("email", "MARISOL@example.com"),
                ("agree", "yes"),
            ],
        )
        .await;
    assert_eq!(again.status, 200);
    let list = cy_browser.get("/leads").await;
    let newest = list.link_to("/leads/");
    assert_ne!(newest, path);
    let hinted = cy_browser.get(&newest).await;
    assert!(
        hinted.html.contains("Possibly the same person as"),
        "{}",
        hinted.html
    );
    assert!(
        hinted.html.contains(&format!("href=\"{path}\"")),
        "the earlier lead is linked"
    );

    let status = visitor.post("/track", &[("code", code.as_str())]).await;
    assert!(
        status.html.contains("<strong>Contacted</strong>"),
        "{}",
        status.html
    );

    let reads = app.audited(Chain::Org(ana.org_id), "lead.read").await;
    let readers: Vec<&str> = reads.iter().map(|r| r.actor.as_str()).collect();
    assert!(readers.contains(&format!("member:{}", cy.user_id).as_str()));
    assert!(readers.contains(&format!("member:{}", dee.user_id).as_str()));
    assert!(
        reads
            .iter()
            .all(|r| r.fields == "area,email,name" || r.fields == "email,name"),
        "{reads:?}"
    );
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "lead.status_changed")
            .await
            .len(),
        1
    );
}

/// The lead ids a `/leads` page lists (its rows).
pub(crate) fn listed_leads(page: &Page) -> Vec<String> {
    page.attributes("tbody a[href^=\"/leads/\"]", "href")
        .into_iter()
        .map(|href| href.trim_start_matches("/leads/").to_owned())
        .collect()
}

#[both_engines]
async fn a_membership_scoped_to_a_site_reaches_that_sites_leads_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let family = app.site(ana.org_id, "www.lima.law").await;
    let immigration = app.site(ana.org_id, "visas.lima.law").await;
    let family_form = app
        .form_on(ana.org_id, Some(family), MULTIPLE_CHOICE_CONSULTATION)
        .await;
    let visa_form = app
        .form_on(ana.org_id, Some(immigration), MULTIPLE_CHOICE_CONSULTATION)
        .await;
    let firm_form = app.form(ana.org_id, MULTIPLE_CHOICE_CONSULTATION).await;
    let answers = [("name", "Marisol Quintana"), ("agree", "yes")];
    let family_lead = app.lead(&family_form, &answers).await.to_string();
    let visa_lead = app.lead(&visa_form, &answers).await.to_string();
    let firm_lead = app.lead(&firm_form, &answers).await.to_string();

    let cy = app
        .member(
            &ana,
            "cy@lima.law",
            Role::Intake,
            Scope::Sites([family].into()),
        )
        .await;
    let dee = app
        .member(
            &ana,
            "dee@lima.law",
            Role::Attorney,
            Scope::Sites([immigration].into()),
        )
        .await;
    let fay = app
        .member(&ana, "fay@lima.law", Role::Attorney, Scope::Organization)
        .await;

    // The owner reaches the whole organization; cy, the family site's leads only.
    let (mut owner, _) = app.signed_in(&ana).await;
    let mut everything = listed_leads(&owner.get("/leads").await);
    everything.sort();
    let mut expected = vec![family_lead.clone(), visa_lead.clone(), firm_lead.clone()];
    expected.sort();
    assert_eq!(everything, expected);
    let (mut cy_browser, _) = app.signed_in(&cy).await;
    assert_eq!(
        listed_leads(&cy_browser.get("/leads").await),
        vec![family_lead.clone()]
    );
    for other in [&visa_lead, &firm_lead] {
        let path = format!("/leads/{other}");
        assert_eq!(
            cy_browser.get(&path).await.status,
            404,
            "a lead of another site, or of none"
        );
    }

    // Out of reach is not found for changes too, and nothing changes.
    let page = cy_browser.get(&format!("/leads/{family_lead}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    let moved = cy_browser
        .submit(
            &page,
            &format!("/leads/{visa_lead}/status"),
            &[("status", "closed")],
        )
        .await;
    assert_eq!(moved.status, 404);
    let given = cy_browser
        .submit(
            &page,
            &format!("/leads/{visa_lead}/assign"),
            &[("attorney", &fay.user_id.to_string())],
        )
        .await;
    assert_eq!(given.status, 404);
    let statuses: Vec<String> =
        leadvault_store::sqlx::query_scalar("SELECT status FROM leads WHERE assigned_to IS NULL")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(statuses, vec!["new"; 3]);

    // Only an attorney who could read the lead may be given it.
    assert!(
        page.html.contains("fay@lima.law") && !page.html.contains("dee@lima.law"),
        "{}",
        page.html
    );
    let path = format!("/leads/{family_lead}");
    let to_dee = cy_browser
        .submit(
            &page,
            &format!("{path}/assign"),
            &[("attorney", &dee.user_id.to_string())],
        )
        .await;
    assert_eq!(to_dee.status, 404, "dee works the immigration site only");
    let to_fay = cy_browser
        .submit(
            &page,
            &format!("{path}/assign"),
            &[("attorney", &fay.user_id.to_string())],
        )
        .await;
    assert_eq!(to_fay.location(), Some(path.as_str()));
    let (mut fay_browser, _) = app.signed_in(&fay).await;
    assert_eq!(
        listed_leads(&fay_browser.get("/leads").await),
        vec![family_lead.clone()]
    );

    // A lead keeps the site of the form it came through, in its row and its meta data.
    let meta: String = leadvault_store::sqlx::query_scalar("SELECT meta FROM leads WHERE id = $1")
        .bind(&visa_lead)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(meta.contains("\"site\":\"visas.lima.law\""), "{meta}");
}

#[both_engines]
async fn a_sites_form_may_be_framed_by_that_site_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let family = app.site(ana.org_id, "www.lima.law").await;
    app.site(ana.org_id, "visas.lima.law").await;
    let family_form = app
        .form_on(ana.org_id, Some(family), MULTIPLE_CHOICE_CONSULTATION)
        .await;
    let firm_form = app.form(ana.org_id, MULTIPLE_CHOICE_CONSULTATION).await;
    let csp = |page: &Page| {
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };

    let mut visitor = app.browser();
    let own = csp(&visitor.get(&format!("/f/{}", family_form.id)).await);
    assert!(
        own.contains("frame-ancestors https://www.lima.law;"),
        "{own}"
    );
    let firm = csp(&visitor.get(&format!("/f/{}", firm_form.id)).await);
    assert!(
        firm.contains("https://www.lima.law") && firm.contains("https://visas.lima.law"),
        "a form of the whole firm may be framed by each of its sites: {firm}"
    );
}

#[both_engines]
async fn notes_are_encrypted_shared_with_whoever_reads_the_lead_and_audited(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, MULTIPLE_CHOICE_CONSULTATION).await;
    let lead = app
        .lead(&form, &[("name", "Marisol Quintana"), ("agree", "yes")])
        .await;
    let path = format!("/leads/{lead}");
    let cy = app
        .member(&ana, "cy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;

    let (mut cy_browser, _) = app.signed_in(&cy).await;
    let page = cy_browser.get(&path).await;
    let note = "Called back.\nPrefers Spanish; hearing on the 1st <b>soon</b>.";
    let added = cy_browser
        .submit(&page, &format!("{path}/notes"), &[("note", note)])
        .await;
    assert_eq!(added.location(), Some(path.as_str()), "{}", added.html);
    let empty = cy_browser
        .submit(&page, &format!("{path}/notes"), &[("note", "  ")])
        .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty.html.contains("a note has 1 to 5000 characters"),
        "{}",
        empty.html
    );

    let shown = cy_browser.get(&path).await;
    assert!(
        shown.html.contains(
            "Called back.<br>Prefers Spanish; hearing on the 1st &#60;b&#62;soon&#60;/b&#62;."
        ),
        "{}",
        shown.html
    );
    assert!(
        shown.html.contains("added a note (cy@lima.law)"),
        "{}",
        shown.html
    );
    let stored: Vec<Vec<u8>> = leadvault_store::sqlx::query_scalar("SELECT body FROM lead_notes")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].windows(7).any(|w| w == b"Spanish"),
        "stored encrypted"
    );

    // An attorney adds and reads notes only on leads assigned to them.
    let (mut dee_browser, _) = app.signed_in(&dee).await;
    let own_page = dee_browser.get("/account").await;
    let refused = dee_browser
        .submit(
            &own_page,
            &format!("{path}/notes"),
            &[("note", "Mine now?")],
        )
        .await;
    assert_eq!(refused.status, 404);
    let assigned = cy_browser
        .submit(
            &shown,
            &format!("{path}/assign"),
            &[("attorney", &dee.user_id.to_string())],
        )
        .await;
    assert_eq!(assigned.location(), Some(path.as_str()));
    let theirs = dee_browser.get(&path).await;
    assert!(theirs.html.contains("Prefers Spanish"), "{}", theirs.html);
    let reply = dee_browser
        .submit(
            &theirs,
            &format!("{path}/notes"),
            &[("note", "Consultation booked.")],
        )
        .await;
    assert_eq!(reply.location(), Some(path.as_str()));

    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "lead.note_added")
            .await
            .len(),
        2
    );
    let reads = app.audited(Chain::Org(ana.org_id), "lead.read").await;
    assert!(
        reads.last().unwrap().fields.ends_with(",notes"),
        "reading notes is recorded: {reads:?}"
    );
}
