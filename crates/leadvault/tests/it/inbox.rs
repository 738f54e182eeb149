//! The lead inbox (issue 21): pages that neither repeat nor skip a lead while new ones
//! arrive, filters kept in the URL, counts per status, and search by e-mail or phone through
//! the blind index, audited without the value searched.

use std::collections::HashSet;

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_intake::{
    Assigned, Contact, Form, InboxFilter, InboxQuery, LeadAccess, LeadId, Sort, inbox,
};
use leadvault_store::Timestamp;
use leadvault_test_support::forms::CONSULTATION_WITH_PHONE;
use leadvault_test_support::{Engine, TestApp, acting_in, both_engines};

/// Every lead of the inbox, page by page (`per_page` at a time), with `between` run after
/// each page as new leads arrive.
async fn page_through(
    app: &TestApp,
    org: leadvault_store::OrgId,
    sort: Sort,
    per_page: usize,
    mut between: impl AsyncFnMut(usize),
) -> Vec<LeadId> {
    let mut seen = Vec::new();
    let mut after = None;
    for page_number in 0.. {
        let query = InboxQuery {
            filter: InboxFilter::default(),
            sort,
            after,
            limit: per_page,
        };
        let page = inbox(
            &app.db,
            &app.keyring,
            &acting_in(org),
            &LeadAccess::all(),
            &query,
        )
        .await
        .unwrap();
        assert!(page.leads.len() <= per_page);
        seen.extend(page.leads.iter().map(|lead| lead.id));
        between(page_number).await;
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    seen
}

#[both_engines]
async fn paging_through_a_thousand_leads_repeats_and_skips_none_while_new_ones_arrive(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let answers = |n: usize| {
        [
            ("name", format!("Person {n}")),
            ("email", format!("person{n}@example.com")),
            ("agree", "yes".to_owned()),
        ]
    };
    let mut first = HashSet::new();
    for n in 0..1_000 {
        let given = answers(n);
        let given: Vec<(&str, &str)> = given.iter().map(|(k, v)| (*k, v.as_str())).collect();
        first.insert(app.lead(&form, &given).await);
    }

    let mut arrived = Vec::new();
    let newest_first = page_through(&app, ana.org_id, Sort::NewestFirst, 37, async |page| {
        // Leads keep arriving while someone pages: they are newer than every page shown.
        if page % 3 == 0 {
            let given = answers(10_000 + page);
            let given: Vec<(&str, &str)> = given.iter().map(|(k, v)| (*k, v.as_str())).collect();
            arrived.push(app.lead(&form, &given).await);
        }
    })
    .await;
    let unique: HashSet<LeadId> = newest_first.iter().copied().collect();
    assert_eq!(unique.len(), newest_first.len(), "no lead is shown twice");
    assert_eq!(
        unique, first,
        "every lead that was there is shown, and only those"
    );
    assert!(!arrived.is_empty());

    // Oldest first, new arrivals come at the end, each once.
    let oldest_first = page_through(&app, ana.org_id, Sort::OldestFirst, 100, async |_| {}).await;
    let unique: HashSet<LeadId> = oldest_first.iter().copied().collect();
    assert_eq!(unique.len(), oldest_first.len());
    assert_eq!(unique.len(), first.len() + arrived.len());
    assert_eq!(oldest_first.last(), arrived.last());
}

/// Client `n`'s lead through `form`, with an e-mail address and a phone number of their own.
async fn client_lead(app: &TestApp, form: &Form, n: usize) -> LeadId {
    let name = format!("Client {n}");
    let email = format!("client{n}@example.com");
    let phone = format!("(415) 555-01{n:02}");
    let answers = [
        ("name", name.as_str()),
        ("email", email.as_str()),
        ("phone", phone.as_str()),
        ("agree", "yes"),
    ];
    app.lead(form, &answers).await
}

#[both_engines]
async fn the_inbox_filters_by_what_is_stored_plain_and_keeps_the_filters_in_its_links(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let site = app.site(ana.org_id, "www.lima.law").await;
    let on_site = app
        .form_on(ana.org_id, Some(site), CONSULTATION_WITH_PHONE)
        .await;
    let other = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let lead = |on: bool, n: usize| client_lead(&app, if on { &on_site } else { &other }, n);
    let mut on_site_leads = Vec::new();
    for n in 0..6 {
        on_site_leads.push(lead(true, n).await);
    }
    let mut other_leads = Vec::new();
    for n in 6..10 {
        other_leads.push(lead(false, n).await);
    }
    // Two of the site's leads go to dee, one is moved on.
    let (mut browser, _) = app.signed_in(&ana).await;
    for id in &on_site_leads[..2] {
        let page = browser.get(&format!("/leads/{id}")).await;
        let assigned = browser
            .submit(
                &page,
                &format!("/leads/{id}/assign"),
                &[("attorney", &dee.user_id.to_string())],
            )
            .await;
        assert_eq!(assigned.status, 303, "{}", assigned.html);
    }
    let page = browser.get(&format!("/leads/{}", on_site_leads[2])).await;
    let moved = browser
        .submit(
            &page,
            &format!("/leads/{}/status", on_site_leads[2]),
            &[("status", "contacted")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.html);

    let listed = |page: &leadvault_test_support::Page| -> HashSet<String> {
        crate::leads::listed_leads(page).into_iter().collect()
    };
    let ids =
        |leads: &[LeadId]| -> HashSet<String> { leads.iter().map(ToString::to_string).collect() };

    let all = browser.get("/leads").await;
    assert_eq!(all.status, 200, "{}", all.html);
    assert_eq!(listed(&all).len(), 10);
    assert!(
        all.html.contains("New <span class=\"count\">9</span>"),
        "{}",
        all.html
    );
    assert!(
        all.html
            .contains("Contacted <span class=\"count\">1</span>")
    );

    let by_site = browser.get(&format!("/leads?site={site}")).await;
    assert_eq!(listed(&by_site), ids(&on_site_leads));
    let by_form = browser.get(&format!("/leads?form={}", other.id)).await;
    assert_eq!(listed(&by_form), ids(&other_leads));
    let unassigned = browser.get("/leads?assigned=nobody").await;
    assert_eq!(listed(&unassigned).len(), 8);
    let dees = browser
        .get(&format!("/leads?assigned={}", dee.user_id))
        .await;
    assert_eq!(listed(&dees), ids(&on_site_leads[..2]));
    let contacted = browser.get("/leads?status=contacted").await;
    assert_eq!(listed(&contacted), ids(&on_site_leads[2..3]));
    // A status count keeps the other filters in its link.
    assert!(
        by_site
            .attributes("ul.counts a", "href")
            .iter()
            .any(|href| href.contains(&format!("site={site}")) && href.contains("status=new")),
        "{}",
        by_site.html
    );
    let today = leadvault_analytics::Day::of(Timestamp::now());
    let received_today = browser
        .get(&format!("/leads?from={today}&until={today}"))
        .await;
    assert_eq!(listed(&received_today).len(), 10);
    let tomorrow = today.plus(1);
    let none = browser.get(&format!("/leads?from={tomorrow}")).await;
    assert!(listed(&none).is_empty());
    assert!(none.html.contains("No lead matches these filters"));
    let bad = browser.get("/leads?from=yesterday").await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("is a date (YYYY-MM-DD)"), "{}", bad.html);

    // dee's inbox is dee's leads, whatever the filters say.
    let (mut dee_browser, _) = app.signed_in(&dee).await;
    let mine = dee_browser.get("/leads").await;
    assert_eq!(listed(&mine), ids(&on_site_leads[..2]));
    let everyone = dee_browser.get(&format!("/leads?form={}", other.id)).await;
    assert!(listed(&everyone).is_empty());

    // Fifty more of the site's leads: more than a page of fifty; the next page's
    // link keeps the filter, and the pages together hold each lead once.
    for n in 10..60 {
        lead(true, n % 100).await;
    }
    let first = browser.get(&format!("/leads?site={site}")).await;
    let next = first.attributes("a[rel=\"next\"]", "href").remove(0);
    assert!(
        next.contains(&format!("site={site}")) && next.contains("after="),
        "{next}"
    );
    let second = browser.get(&next).await;
    let (one, two) = (listed(&first), listed(&second));
    assert_eq!(one.len() + two.len(), 56);
    assert!(one.is_disjoint(&two));
    assert!(second.attributes("a[rel=\"next\"]", "href").is_empty());
}

#[both_engines]
async fn a_search_by_email_or_phone_finds_through_the_blind_index_and_is_audited_without_the_value(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let marisol = app
        .lead(
            &form,
            &[
                ("name", "Marisol"),
                ("email", "Marisol.Quintana@Example.com"),
                ("phone", "+1 415 555 0177"),
                ("agree", "yes"),
            ],
        )
        .await;
    app.lead(
        &form,
        &[
            ("name", "Other"),
            ("email", "other@example.com"),
            ("agree", "yes"),
        ],
    )
    .await;
    let (mut browser, _) = app.signed_in(&ana).await;
    let listing = browser.get("/leads?status=new").await;
    for typed in ["marisol.quintana@example.com", "(415) 555-0177"] {
        let found = browser
            .submit(
                &listing,
                "/leads/search",
                &[("q", typed), ("status", "new")],
            )
            .await;
        assert_eq!(found.status, 200, "{}", found.html);
        assert_eq!(
            crate::leads::listed_leads(&found),
            [marisol.to_string()],
            "{typed}"
        );
        // What was searched is in no link of the page (nor an export of it).
        for href in found.attributes("a", "href") {
            assert!(
                !href.contains("marisol") && !href.contains("0177") && !href.contains("q="),
                "{href}"
            );
        }
        assert!(
            found
                .attributes("a[href^=\"/leads/export\"]", "href")
                .is_empty()
        );
    }
    let nobody = browser
        .submit(&listing, "/leads/search", &[("q", "nobody@example.com")])
        .await;
    assert!(crate::leads::listed_leads(&nobody).is_empty());
    let partial = browser
        .submit(&listing, "/leads/search", &[("q", "marisol")])
        .await;
    assert_eq!(partial.status, 422, "a part of an address is not searched");
    // Typed into the address instead, a search is refused and not made.
    let in_the_address = browser.get("/leads?q=marisol.quintana%40example.com").await;
    assert_eq!(in_the_address.status, 422);

    let searches = app.audited(Chain::Org(ana.org_id), "leads.searched").await;
    let kinds: Vec<&str> = searches.iter().map(|row| row.fields.as_str()).collect();
    assert_eq!(kinds, ["email", "phone", "email"]);
    let everything = format!("{:?}", app.audit_records(Chain::Org(ana.org_id)).await);
    for planted in ["marisol.quintana", "Marisol.Quintana", "0177", "nobody@"] {
        assert!(!everything.contains(planted), "{planted} in the audit log");
    }

    // The domain call reads the search box the same way.
    assert_eq!(
        Contact::read(" Marisol.Quintana@Example.com ").unwrap(),
        Contact::Email("marisol.quintana@example.com".to_owned())
    );
    let query = InboxQuery {
        filter: InboxFilter {
            assigned: Assigned::Nobody,
            contact: Some(Contact::read("415-555-0177").unwrap()),
            ..InboxFilter::default()
        },
        limit: 10,
        ..InboxQuery::default()
    };
    let page = inbox(
        &app.db,
        &app.keyring,
        &acting_in(ana.org_id),
        &LeadAccess::all(),
        &query,
    )
    .await
    .unwrap();
    assert_eq!(page.leads.len(), 1);
    assert_eq!(page.leads[0].id, marisol);
}

/// Who `lead` is assigned to and its status, as stored.
async fn stored(app: &TestApp, lead: LeadId) -> (Option<String>, String) {
    use leadvault_store::sqlx::{self, Row as _};
    let row = sqlx::query("SELECT assigned_to, status FROM leads WHERE id = $1")
        .bind(lead.to_string())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[both_engines]
async fn selected_leads_are_assigned_or_moved_at_once_each_under_the_policy_and_audited(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let mut leads = Vec::new();
    for n in 0..4 {
        leads.push(client_lead(&app, &form, n).await);
    }
    let dee_id = dee.user_id.to_string();
    let (mut browser, _) = app.signed_in(&ana).await;
    let inbox = browser.get("/leads?status=new").await;
    let (one, two, three) = (
        leads[0].to_string(),
        leads[1].to_string(),
        leads[2].to_string(),
    );
    let assigned = browser
        .submit(
            &inbox,
            "/leads/bulk",
            &[
                ("lead", &one),
                ("lead", &two),
                ("lead", &three),
                ("action", "assign"),
                ("attorney", &dee_id),
                ("back", "/leads?status=new"),
            ],
        )
        .await;
    assert_eq!(assigned.status, 303, "{}", assigned.html);
    assert_eq!(assigned.location(), Some("/leads?status=new"));
    for lead in &leads[..3] {
        assert_eq!(
            stored(&app, *lead).await.0.as_deref(),
            Some(dee_id.as_str())
        );
    }
    assert_eq!(stored(&app, leads[3]).await.0, None);
    let chain = Chain::Org(ana.org_id);
    assert_eq!(
        app.audited(chain, "lead.assigned").await.len(),
        3,
        "one record a lead"
    );

    let moved = browser
        .submit(
            &inbox,
            "/leads/bulk",
            &[
                ("lead", &one),
                ("lead", &two),
                ("action", "status"),
                ("status", "contacted"),
                ("back", "https://elsewhere.example/"),
            ],
        )
        .await;
    assert_eq!(
        moved.location(),
        Some("/leads"),
        "never back anywhere but the inbox"
    );
    assert_eq!(stored(&app, leads[0]).await.1, "contacted");
    assert_eq!(stored(&app, leads[1]).await.1, "contacted");
    assert_eq!(stored(&app, leads[2]).await.1, "new");
    assert_eq!(app.audited(chain, "lead.status_changed").await.len(), 2);

    let nothing = browser
        .submit(
            &inbox,
            "/leads/bulk",
            &[("action", "status"), ("status", "contacted")],
        )
        .await;
    assert_eq!(nothing.status, 422);

    // An attorney moves their own leads only, and assigns none.
    let (mut dee_browser, _) = app.signed_in(&dee).await;
    let theirs = dee_browser.get("/leads").await;
    let four = leads[3].to_string();
    let refused = dee_browser
        .submit(
            &theirs,
            "/leads/bulk",
            &[
                ("lead", &three),
                ("action", "assign"),
                ("attorney", &dee_id),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    let partly = dee_browser
        .submit(
            &theirs,
            "/leads/bulk",
            &[
                ("lead", &three),
                ("lead", &four),
                ("action", "status"),
                ("status", "contacted"),
            ],
        )
        .await;
    assert_eq!(partly.status, 422, "{}", partly.html);
    assert!(
        partly.html.contains("1 of 2 leads changed"),
        "{}",
        partly.html
    );
    assert_eq!(stored(&app, leads[2]).await.1, "contacted");
    assert_eq!(stored(&app, leads[3]).await.1, "new", "not dee's lead");
}

#[both_engines]
async fn the_workspace_offers_each_role_its_sections_only_with_what_waits(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    for n in 0..3 {
        client_lead(&app, &form, n).await;
    }
    let sections = |page: &leadvault_test_support::Page| page.attributes("header nav a", "href");

    let (mut owner, _) = app.signed_in(&ana).await;
    let leads = owner.get("/leads").await;
    assert_eq!(
        sections(&leads),
        [
            "/",
            "/leads",
            "/orders",
            "/forms",
            "/sites",
            "/members",
            "/settings/intake",
            "/payments",
            "/audit",
            "/operations/backups"
        ]
    );
    assert_eq!(
        leads.attributes("header nav a[aria-current=\"page\"]", "href"),
        ["/leads"]
    );
    assert_eq!(
        leads.texts("header nav a[href=\"/leads\"] .count"),
        ["3 waiting"]
    );
    assert!(
        leads.texts("header .brand")[0].contains("lima.law"),
        "{}",
        leads.html
    );
    // Every section offered opens, with the same frame and itself marked.
    for href in sections(&leads).iter().skip(1) {
        let page = owner.get(href).await;
        assert_eq!(page.status, 200, "{href}: {}", page.html);
        let current = page.attributes("header nav a[aria-current=\"page\"]", "href");
        assert_eq!(current, std::slice::from_ref(href), "{href}");
    }

    // The pages staff and clients share carry the member's frame, none of it marked.
    for shared in ["/", "/account", "/account/password"] {
        let page = owner.get(shared).await;
        assert_eq!(page.status, 200, "{shared}");
        assert_eq!(sections(&page).len(), 10, "{shared}: {}", page.html);
        let current = page.attributes("header nav a[aria-current=\"page\"]", "href");
        assert_eq!(
            current,
            if shared == "/" {
                vec!["/".to_owned()]
            } else {
                vec![]
            }
        );
    }
    let site = app.site(ana.org_id, "www.lima.law").await;
    let analytics = owner.get(&format!("/sites/{site}/analytics")).await;
    assert_eq!(
        analytics.attributes("header nav a[aria-current=\"page\"]", "href"),
        ["/sites"]
    );
    // A client's pages are the portal's: no workspace.
    let client = app.customer(&ana, "client@example.com").await;
    let (mut portal, _) = app.signed_in(&client).await;
    let account = portal.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(sections(&account).is_empty(), "{}", account.html);

    let (mut intake, _) = app.signed_in(&cy).await;
    let theirs = intake.get("/orders").await;
    assert_eq!(sections(&theirs), ["/", "/leads", "/orders", "/sites"]);

    let (mut attorney, _) = app.signed_in(&dee).await;
    let own = attorney.get("/leads").await;
    assert_eq!(sections(&own), ["/", "/leads"]);
    assert_eq!(
        own.texts("header nav a[href=\"/leads\"] .count"),
        ["0 waiting"],
        "an attorney counts only the leads given to them"
    );

    // Signing out from the frame ends the session.
    let out = attorney.submit(&own, "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(attorney.get("/leads").await.location(), Some("/login"));
}
