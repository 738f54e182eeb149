//! The staff workspace in headless Chromium (issue 21): the frame each role gets, every page
//! checked with axe-core (no serious or critical violation), usable at a phone's width and
//! from the keyboard; and the inbox worked as people work it: paging through a thousand
//! leads while new ones arrive, each filter, searching by e-mail and phone, assigning in
//! bulk, marking a first contact, a follow-up date, the speed-to-lead target (whose
//! reminders a real SMTP server receives, time passed in) and a CSV export.

use std::collections::HashSet;
use std::time::Duration;

use leadvault_accounts::{Role, Scope};
use leadvault_jobs::remind_leads;
use leadvault_mail::deliver_due;
use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::forms::{CONSULTATION_WITH_PHONE, WORK_ORDER_WITH_DUE_DATE};
use leadvault_test_support::{
    Browser, Chromium, Engine, SmtpSink, TestApp, TestPerson, both_engines,
};

/// WebDriver's code for the Tab and Enter keys.
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

/// What one person checks: the sections their frame should list, and the pages to visit.
struct Visit<'a> {
    person: &'a TestPerson,
    browser: &'a Browser<'a>,
    sections: &'a [&'a str],
    pages: Vec<String>,
}

/// The texts of the frame's sections, in order.
async fn sections(chromium: &Chromium) -> Vec<String> {
    let listed = chromium
        .run(
            "return Array.from(document.querySelectorAll('nav[aria-label=Workspace] a'))
                .map(a => a.firstChild.textContent.trim());",
        )
        .await;
    serde_json::from_value(listed).unwrap()
}

#[both_engines]
async fn every_page_passes_axe_and_each_role_sees_the_sections_it_reaches(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let site = app.site(ana.org_id, "www.lima.law").await;
    let form = app
        .form_on(ana.org_id, Some(site), CONSULTATION_WITH_PHONE)
        .await;
    let order_form = app.form(ana.org_id, WORK_ORDER_WITH_DUE_DATE).await;
    let member = |email: &'static str, role| app.member(&ana, email, role, Scope::Organization);
    let ivy = member("ivy@lima.law", Role::Intake).await;
    let dee = member("dee@lima.law", Role::Attorney).await;
    let al = member("al@lima.law", Role::Analyst).await;
    let bo = member("bo@lima.law", Role::Billing).await;
    let cy = app.customer(&ana, "cy@client.example").await;
    let answers = [
        ("name", "Marisol Quintana"),
        ("email", "marisol@example.com"),
        ("agree", "yes"),
    ];
    let lead = app.lead(&form, &answers).await;
    let dees = app.lead(&form, &answers).await;
    let (mut owner, _) = app.signed_in(&ana).await;
    let page = owner.get(&format!("/leads/{dees}")).await;
    owner
        .submit(
            &page,
            &format!("/leads/{dees}/assign"),
            &[("attorney", &dee.user_id.to_string())],
        )
        .await;
    let order = app
        .order(
            &order_form,
            cy.user_id.as_uuid(),
            &[
                ("job", "Court filing"),
                ("party", "R. Roe"),
                ("rush", "yes"),
            ],
            &[],
        )
        .await;

    let (ivy_browser, _) = app.signed_in(&ivy).await;
    let (dee_browser, _) = app.signed_in(&dee).await;
    let (al_browser, _) = app.signed_in(&al).await;
    let (bo_browser, _) = app.signed_in(&bo).await;
    let (cy_browser, _) = app.signed_in(&cy).await;
    let visits = [
        Visit {
            person: &ana,
            browser: &owner,
            sections: &[
                "Home",
                "Leads",
                "Work orders",
                "Forms",
                "Sites and analytics",
                "Members",
                "Intake settings",
                "Payments",
                "Audit log",
                "Backups",
            ],
            pages: vec![
                "/".into(),
                "/leads".into(),
                format!("/leads/{lead}"),
                "/orders".into(),
                format!("/orders/{order}"),
                "/forms".into(),
                "/forms/new".into(),
                format!("/forms/{}/edit", form.id),
                "/sites".into(),
                format!("/sites/{site}/analytics"),
                format!("/sites/{site}/experiments"),
                "/members".into(),
                "/settings/intake".into(),
                "/payments".into(),
                "/settings/payments".into(),
                "/audit".into(),
                "/operations/backups".into(),
                "/account".into(),
            ],
        },
        Visit {
            person: &ivy,
            browser: &ivy_browser,
            sections: &["Home", "Leads", "Work orders", "Sites and analytics"],
            pages: vec![
                "/".into(),
                "/leads".into(),
                format!("/leads/{lead}"),
                "/orders".into(),
            ],
        },
        Visit {
            person: &dee,
            browser: &dee_browser,
            sections: &["Home", "Leads"],
            pages: vec!["/".into(), "/leads".into(), format!("/leads/{dees}")],
        },
        Visit {
            person: &bo,
            browser: &bo_browser,
            sections: &["Home", "Payments"],
            pages: vec!["/".into(), "/payments".into(), "/settings/payments".into()],
        },
        Visit {
            person: &al,
            browser: &al_browser,
            sections: &["Home", "Sites and analytics"],
            pages: vec![
                "/".into(),
                "/sites".into(),
                format!("/sites/{site}/analytics"),
            ],
        },
    ];
    for visit in &visits {
        let chromium = app.chromium_with(visit.browser).await;
        for path in &visit.pages {
            chromium.goto(&app.url(path)).await;
            let what = format!("{path} for {}", visit.person.email);
            let title = chromium.run("return document.title;").await;
            assert!(
                !title.as_str().unwrap_or_default().contains("rror"),
                "{what}: {title}"
            );
            assert_eq!(
                chromium
                    .run("return document.querySelector('.brand').textContent;")
                    .await,
                "Firm of ana@lima.law",
                "{what}"
            );
            assert_eq!(sections(&chromium).await, visit.sections, "{what}");
            chromium.assert_accessible(&what).await;
        }
        // The section shown is marked as the current one.
        chromium.goto(&app.url("/")).await;
        assert_eq!(
            chromium
                .run("return document.querySelector('nav a[aria-current=page]').textContent;")
                .await,
            "Home"
        );
        chromium.close().await;
    }

    // The client's portal and the public pages have no workspace frame, and pass too.
    let chromium = app.chromium_with(&cy_browser).await;
    for path in [
        "/portal".to_owned(),
        format!("/portal/orders/{order}"),
        format!("/portal/orders/new/{}", order_form.id),
        format!("/f/{}", form.id),
        "/track".to_owned(),
    ] {
        chromium.goto(&app.url(&path)).await;
        assert!(sections(&chromium).await.is_empty(), "{path}");
        chromium.assert_accessible(&path).await;
    }
    chromium.close().await;
    let chromium = Chromium::start(&[]).await;
    chromium.goto(&app.url("/login")).await;
    chromium.assert_accessible("/login").await;
    chromium.close().await;

    // At a phone's width nothing needs scrolling sideways; from the keyboard, the first Tab
    // offers the skip link, which moves past the frame.
    let chromium = app.chromium_with(&owner).await;
    chromium.resize(375, 740).await;
    for path in ["/", "/leads", "/orders"] {
        chromium.goto(&app.url(path)).await;
        assert_eq!(
            chromium
                .run("return document.documentElement.scrollWidth <= window.innerWidth;")
                .await,
            true,
            "{path} scrolls sideways on a phone"
        );
        chromium
            .assert_accessible(&format!("{path} on a phone"))
            .await;
    }
    // The check can fail: an image without a text alternative is caught.
    chromium.goto(&app.url("/")).await;
    chromium
        .run("document.querySelector('main').appendChild(document.createElement('img')).src = '/static/none.png'; return null;")
        .await;
    let caught = chromium.accessibility_violations().await;
    assert!(caught.iter().any(|v| v.rule == "image-alt"), "{caught:?}");

    chromium.goto(&app.url("/leads")).await;
    chromium.press(TAB).await;
    assert_eq!(
        chromium
            .run("return document.activeElement.textContent;")
            .await,
        "Skip to the page"
    );
    chromium.press(ENTER).await;
    assert!(chromium.url().await.ends_with("#main"));
    chromium.close().await;
}

/// The lead ids the inbox page in `chromium` lists.
async fn listed(chromium: &Chromium) -> Vec<String> {
    let ids = chromium
        .run(
            "return Array.from(document.querySelectorAll('tbody a[href^=\"/leads/\"]'))
                .map(a => a.getAttribute('href').slice(7));",
        )
        .await;
    serde_json::from_value(ids).unwrap()
}

#[both_engines]
async fn staff_page_filter_search_and_assign_in_the_inbox_as_people_do(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let ivy = app
        .member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let person = |n: usize| {
        [
            ("name", format!("Person {n}")),
            ("email", format!("person{n}@example.com")),
            (
                "area",
                if n.is_multiple_of(10) {
                    "Injury"
                } else {
                    "Family"
                }
                .to_owned(),
            ),
            ("agree", "yes".to_owned()),
        ]
    };
    let mut there = HashSet::new();
    for n in 0..1_000 {
        let answers = person(n);
        let answers: Vec<(&str, &str)> = answers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        there.insert(app.lead(&form, &answers).await.to_string());
    }

    let (ivy_browser, _) = app.signed_in(&ivy).await;
    let chromium = app.chromium_with(&ivy_browser).await;
    chromium.goto(&app.url("/leads")).await;
    chromium.assert_accessible("the inbox").await;
    let mut seen = Vec::new();
    let mut arrived = 0;
    loop {
        seen.extend(listed(&chromium).await);
        // People keep sending requests while someone pages.
        if seen.len().is_multiple_of(150) {
            let answers = person(5_000 + arrived);
            let answers: Vec<(&str, &str)> =
                answers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.lead(&form, &answers).await;
            arrived += 1;
        }
        match chromium.find("a[rel=next]").await {
            Some(next) => chromium.click(&next).await,
            None => break,
        }
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 1_000, "no lead twice");
    assert_eq!(unique, there, "every lead that was there, and only those");
    assert!(arrived > 0);
    // Past a thousand, a count says so rather than reading every lead on each page.
    assert_eq!(
        chromium
            .run("return document.querySelector('ul.counts a[href*=\"status=new\"] .count').textContent;")
            .await,
        "1000+"
    );

    // A filter chosen in the form lands in the address, so the view can be bookmarked.
    chromium.goto(&app.url("/leads")).await;
    let injury = chromium.wait_for("#status option[value=new]").await;
    chromium.click(&injury).await;
    let oldest = chromium.wait_for("#sort option[value=oldest]").await;
    chromium.click(&oldest).await;
    let show = chromium
        .wait_for("form[aria-label='Filter leads'] button")
        .await;
    chromium.click(&show).await;
    chromium
        .wait_until("return location.search.includes('sort=oldest');")
        .await;
    let address = chromium.url().await;
    assert!(address.contains("status=new"), "{address}");
    assert_eq!(listed(&chromium).await.len(), 50);
    chromium.assert_accessible("a filtered inbox").await;

    // A search through the box finds the one lead, and the address never holds it.
    let search = chromium.wait_for("#q").await;
    chromium.type_into(&search, "Person7@Example.com").await;
    let find = chromium.wait_for("form[role=search] button").await;
    chromium.click(&find).await;
    chromium
        .wait_until("return document.querySelectorAll('tbody tr').length === 1;")
        .await;
    let address = chromium.url().await;
    assert!(!address.to_lowercase().contains("person7"), "{address}");
    chromium.assert_accessible("search results").await;

    // Two leads ticked and given to dee at once.
    chromium.goto(&app.url("/leads?sort=oldest")).await;
    let picked = listed(&chromium).await[..2].to_vec();
    for id in &picked {
        let tick = chromium.wait_for(&format!("#lead-{id}")).await;
        chromium.click(&tick).await;
    }
    let option = chromium
        .wait_for(&format!("#bulk-attorney option[value='{}']", dee.user_id))
        .await;
    chromium.click(&option).await;
    let assign = chromium.wait_for("button[value=assign]").await;
    chromium.click(&assign).await;
    chromium
        .wait_until("return document.readyState === 'complete' && !!document.querySelector('.notice, .error, tbody');")
        .await;
    let (mut dee_browser, _) = app.signed_in(&dee).await;
    let picked: HashSet<String> = picked.into_iter().collect();
    let mut dees = HashSet::new();
    for _ in 0..50 {
        dees = crate::leads::listed_leads(&dee_browser.get("/leads").await)
            .into_iter()
            .collect();
        if dees == picked {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(dees, picked);
    chromium.close().await;
}

/// Sets a form field's value as typing a date into a date picker would (pickers' typing
/// depends on the browser's locale; their value does not).
async fn set_value(chromium: &Chromium, css: &str, value: &str) {
    chromium
        .run(&format!(
            "document.querySelector({css:?}).value = {value:?}; return null;"
        ))
        .await;
}

/// Chooses `value` in the select `css` by clicking its option.
async fn choose(chromium: &Chromium, css: &str, value: &str) {
    let option = chromium
        .wait_for(&format!("{css} option[value='{value}']"))
        .await;
    chromium.click(&option).await;
}

#[both_engines]
async fn staff_filter_search_contact_follow_up_set_a_target_and_export_in_the_browser(
    engine: Engine,
) {
    let sink = SmtpSink::start().await.expect("an SMTP server on loopback");
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let site = app.site(ana.org_id, "www.lima.law").await;
    let on_site = app
        .form_on(ana.org_id, Some(site), CONSULTATION_WITH_PHONE)
        .await;
    let other = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    app.member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let client = |n: usize, formula: bool| {
        let name = if formula {
            "=HYPERLINK(\"http://evil.example\")".to_owned()
        } else {
            format!("Client {n}")
        };
        [
            ("name", name),
            ("email", format!("client{n}@example.com")),
            ("phone", format!("(415) 555-01{n:02}")),
            ("agree", "yes".to_owned()),
        ]
    };
    let mut leads = Vec::new();
    for n in 0..6 {
        let answers = client(n, n == 5);
        let answers: Vec<(&str, &str)> = answers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let form = if n < 4 { &on_site } else { &other };
        leads.push(app.lead(form, &answers).await.to_string());
    }
    // Two came through paid search (as a tagged page would record them), one a month ago.
    sqlx::query("UPDATE leads SET channel = 'paid_search' WHERE id IN ($1, $2)")
        .bind(&leads[0])
        .bind(&leads[1])
        .execute(app.db.pool())
        .await
        .unwrap();
    let month_ago = Timestamp::now().saturating_sub(Duration::from_secs(30 * 86_400));
    sqlx::query("UPDATE leads SET created_at = $1 WHERE id = $2")
        .bind(month_ago.as_unix_micros())
        .bind(&leads[2])
        .execute(app.db.pool())
        .await
        .unwrap();
    let (owner, _) = app.signed_in(&ana).await;
    let chromium = app.chromium_with(&owner).await;

    // The speed-to-lead target, set on the settings page: 15 minutes, round the clock.
    chromium.goto(&app.url("/settings/intake")).await;
    chromium.assert_accessible("the intake settings").await;
    set_value(&chromium, "#minutes", "15").await;
    set_value(&chromium, "#opens", "00:00").await;
    set_value(&chromium, "#closes", "24:00").await;
    for day in ["5", "6"] {
        let tick = chromium
            .wait_for(&format!("input[name=day][value='{day}']"))
            .await;
        chromium.click(&tick).await;
    }
    let save = chromium
        .wait_for("form[action='/settings/intake/contact-target'] button")
        .await;
    chromium.click(&save).await;
    chromium
        .wait_for("form[action='/settings/intake/contact-target'] button[name=remove]")
        .await;

    // One lead marked as contacted, another given a follow-up date.
    chromium
        .goto(&app.url(&format!("/leads/{}", leads[0])))
        .await;
    chromium.assert_accessible("a lead").await;
    let contacted = chromium
        .wait_for(&format!(
            "form[action='/leads/{}/contacted'] button",
            leads[0]
        ))
        .await;
    chromium.click(&contacted).await;
    chromium
        .wait_until("return document.body.textContent.includes('First contacted');")
        .await;
    chromium
        .goto(&app.url(&format!("/leads/{}", leads[1])))
        .await;
    let tomorrow = Timestamp::now().saturating_add(Duration::from_secs(86_400));
    let c = tomorrow.civil();
    let at = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    );
    set_value(&chromium, "#follow_up", &at).await;
    let set = chromium
        .wait_for(&format!(
            "form[action='/leads/{}/follow-up'] button",
            leads[1]
        ))
        .await;
    chromium.click(&set).await;
    chromium
        .wait_until("return document.body.textContent.includes('follow-up set for');")
        .await;

    // Each filter, chosen on the page.
    let filtered = async |pick: &[(&str, &str)], dates: &[(&str, &str)]| -> usize {
        chromium.goto(&app.url("/leads")).await;
        for (select, value) in pick {
            choose(&chromium, select, value).await;
        }
        for (input, value) in dates {
            set_value(&chromium, input, value).await;
        }
        let show = chromium
            .wait_for("form[aria-label='Filter leads'] button")
            .await;
        chromium.click(&show).await;
        chromium
            .wait_until("return location.search.length > 1;")
            .await;
        chromium.assert_accessible("a filtered inbox").await;
        listed(&chromium).await.len()
    };
    assert_eq!(
        filtered(&[("#status", "contacted")], &[]).await,
        0,
        "marking is not a status"
    );
    assert_eq!(filtered(&[("#assigned", "nobody")], &[]).await, 6);
    assert_eq!(filtered(&[("#form", &other.id.to_string())], &[]).await, 2);
    assert_eq!(filtered(&[("#site", &site.to_string())], &[]).await, 4);
    assert_eq!(filtered(&[("#channel", "paid_search")], &[]).await, 2);
    assert_eq!(filtered(&[("#waiting", "contact")], &[]).await, 5);
    let yesterday = leadvault_analytics::Day::of(Timestamp::now())
        .plus(-1)
        .to_string();
    assert_eq!(filtered(&[], &[("#from", &yesterday)]).await, 5);
    let old = leadvault_analytics::Day::of(month_ago).to_string();
    assert_eq!(filtered(&[], &[("#from", &old), ("#until", &old)]).await, 1);

    // Found by phone number, typed as people type it.
    chromium.goto(&app.url("/leads")).await;
    let search = chromium.wait_for("#q").await;
    chromium.type_into(&search, "415.555.0103").await;
    chromium
        .click(&chromium.wait_for("form[role=search] button").await)
        .await;
    chromium
        .wait_until("return document.querySelectorAll('tbody tr').length === 1;")
        .await;
    assert_eq!(listed(&chromium).await, [leads[3].clone()]);

    // The view downloaded as CSV from its link: the second site form's two leads, the formula
    // defused.
    chromium
        .goto(&app.url(&format!("/leads?form={}", other.id)))
        .await;
    let download = chromium.wait_for("a[href^='/leads/export']").await;
    chromium.click(&download).await;
    let csv = String::from_utf8(chromium.downloaded("leads-").await).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("client4@example.com"), "{csv}");
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    chromium.close().await;

    // Fifteen minutes on, intake staff hear of this week's leads nobody has contacted: not
    // of the one marked, nor of the month-old one.
    let later = Timestamp::now().saturating_add(Duration::from_secs(16 * 60));
    let reminded = remind_leads(&app.db, &app.keyring, "http://lv.test/leads", later)
        .await
        .unwrap();
    assert_eq!(reminded, 4);
    let sender = sink.sender();
    deliver_due(&app.db, &app.keyring, &sender, later, 50)
        .await
        .unwrap();
    let mails = sink.wait_for(4).await;
    assert!(mails.iter().all(|m| m.to.contains("ivy@lima.law")));
    for quiet in [&leads[0], &leads[2]] {
        assert!(!mails.iter().any(|m| m.body.contains(quiet.as_str())));
    }
}
