//! Speed to lead (issue 21): a lead's first contact, the organization's target in office
//! hours, reminders to the assignee and then intake staff (a real SMTP server receives them;
//! time is passed in), follow-up dates, and the channel a lead came through.

use std::time::Duration;

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_jobs::remind_leads;
use leadvault_mail::deliver_due;
use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::forms::CONSULTATION_WITH_PHONE;
use leadvault_test_support::{Engine, SmtpSink, TestApp, both_engines};

use crate::public_form::{GOOD, form_of, send};

const MINUTE: Duration = Duration::from_secs(60);
const LEADS_PAGE: &str = "http://lv.test/leads";

/// Sets a speed-to-lead target of 15 minutes on every day, office hours `(opens, closes)` at
/// `offset` from UTC, through the settings page.
async fn set_target(
    browser: &mut leadvault_test_support::Browser<'_>,
    (opens, closes): (&str, &str),
    offset: &str,
) -> leadvault_test_support::Page {
    let settings = browser.get("/settings/intake").await;
    let mut target = vec![
        ("minutes", "15"),
        ("opens", opens),
        ("closes", closes),
        ("utc_offset", offset),
    ];
    for day in ["0", "1", "2", "3", "4", "5", "6"] {
        target.push(("day", day));
    }
    browser
        .submit(&settings, "/settings/intake/contact-target", &target)
        .await
}

/// A lead's stored first contact and follow-up, in microseconds.
async fn clock_of(app: &TestApp, lead: impl std::fmt::Display) -> (Option<i64>, Option<i64>) {
    sqlx::query_as("SELECT first_contact_at, follow_up_at FROM leads WHERE id = $1")
        .bind(lead.to_string())
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

const MARISOL: &[(&str, &str)] = &[
    ("name", "Marisol Quintana"),
    ("email", "marisol@example.com"),
    ("phone", "(415) 555-0199"),
    ("agree", "yes"),
];

#[both_engines]
async fn a_first_contact_is_the_first_status_change_note_or_contacted_mark_and_only_the_first(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let (moved, noted, called, untouched) = (
        app.lead(&form, MARISOL).await,
        app.lead(&form, MARISOL).await,
        app.lead(&form, MARISOL).await,
        app.lead(&form, MARISOL).await,
    );
    let (mut browser, _) = app.signed_in(&ana).await;
    let page = browser.get(&format!("/leads/{called}")).await;
    assert!(
        page.html.contains("Nobody has contacted this person yet"),
        "{}",
        page.html
    );

    let page = browser.get(&format!("/leads/{moved}")).await;
    let path = format!("/leads/{moved}/status");
    assert_eq!(
        browser
            .submit(&page, &path, &[("status", "contacted")])
            .await
            .status,
        303
    );
    let first = clock_of(&app, moved).await.0.expect("first contact");
    let moved_on = browser
        .submit(&page, &path, &[("status", "consultation_scheduled")])
        .await;
    assert_eq!(moved_on.status, 303, "{}", moved_on.html);
    assert_eq!(clock_of(&app, moved).await.0, Some(first), "only the first");

    let page = browser.get(&format!("/leads/{noted}")).await;
    let noted_page = browser
        .submit(
            &page,
            &format!("/leads/{noted}/notes"),
            &[("note", "Left a voicemail.")],
        )
        .await;
    assert_eq!(noted_page.status, 303);
    assert!(clock_of(&app, noted).await.0.is_some());

    let page = browser.get(&format!("/leads/{called}")).await;
    let marked = browser
        .submit(&page, &format!("/leads/{called}/contacted"), &[])
        .await;
    assert_eq!(marked.status, 303, "{}", marked.html);
    assert!(clock_of(&app, called).await.0.is_some());
    let page = browser.get(&format!("/leads/{called}")).await;
    assert!(page.html.contains("First contacted"), "{}", page.html);
    assert!(page.html.contains("contacted the person"), "in its history");
    let audited = app.audited(Chain::Org(ana.org_id), "lead.contacted").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].target, format!("lead:{called}"));

    // Setting a lead to "new" again is not a contact.
    let page = browser.get(&format!("/leads/{untouched}")).await;
    browser
        .submit(
            &page,
            &format!("/leads/{untouched}/status"),
            &[("status", "new")],
        )
        .await;
    assert_eq!(clock_of(&app, untouched).await.0, None);

    // The inbox finds the leads still waiting for a first contact.
    let waiting = browser.get("/leads?waiting=contact").await;
    assert_eq!(
        crate::leads::listed_leads(&waiting),
        vec![untouched.to_string()]
    );
    let bad = browser.get("/leads?waiting=forever").await;
    assert_eq!(bad.status, 422);
}

#[both_engines]
async fn a_missed_target_reminds_the_assignee_then_intake_staff_and_says_nothing_personal(
    engine: Engine,
) {
    let sink = SmtpSink::start().await.expect("an SMTP server on loopback");
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Attorney, Scope::Organization)
        .await;
    app.member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let (mut browser, _) = app.signed_in(&ana).await;

    // Without a target, nobody is reminded of anything.
    let given = app.lead(&form, MARISOL).await;
    let alone = app.lead(&form, MARISOL).await;
    let arrived = Timestamp::now();
    let later = |minutes: u32| arrived.saturating_add(MINUTE * minutes);
    assert_eq!(
        remind_leads(&app.db, &app.keyring, LEADS_PAGE, later(60))
            .await
            .unwrap(),
        0
    );

    // A target of 15 minutes, round the clock.
    let saved = set_target(&mut browser, ("00:00", "24:00"), "+00:00").await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "contact_target.changed")
            .await
            .len(),
        1
    );
    let page = browser.get(&format!("/leads/{given}")).await;
    browser
        .submit(
            &page,
            &format!("/leads/{given}/assign"),
            &[("attorney", &dee.user_id.to_string())],
        )
        .await;

    // Within the target: nothing yet.
    assert_eq!(
        remind_leads(&app.db, &app.keyring, LEADS_PAGE, later(14))
            .await
            .unwrap(),
        0
    );
    // Missed: dee hears of hers, intake staff of the one nobody has.
    assert_eq!(
        remind_leads(&app.db, &app.keyring, LEADS_PAGE, later(16))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        remind_leads(&app.db, &app.keyring, LEADS_PAGE, later(17))
            .await
            .unwrap(),
        0,
        "each reminder once"
    );
    deliver_due(&app.db, &app.keyring, &sink.sender(), later(16), 50)
        .await
        .unwrap();
    let to_dee = sink.wait_for_recipient("dee@lima.law").await;
    assert!(to_dee.body.contains(&format!("{LEADS_PAGE}/{given}")));
    assert!(to_dee.body.contains("15 minutes"), "{}", to_dee.body);
    let to_ivy = sink.wait_for_recipient("ivy@lima.law").await;
    assert!(to_ivy.body.contains(&format!("{LEADS_PAGE}/{alone}")));

    // A target's time later, still nobody has called dee's: intake staff hear of it too.
    assert_eq!(
        remind_leads(&app.db, &app.keyring, LEADS_PAGE, later(31))
            .await
            .unwrap(),
        1
    );
    deliver_due(&app.db, &app.keyring, &sink.sender(), later(31), 50)
        .await
        .unwrap();
    let all = sink.wait_for(3).await;
    let to_ivy: Vec<_> = all
        .iter()
        .filter(|m| m.to.contains("ivy@lima.law"))
        .collect();
    assert_eq!(to_ivy.len(), 2);
    assert!(
        to_ivy
            .iter()
            .any(|m| m.body.contains(&format!("{LEADS_PAGE}/{given}")))
    );
    for mail in &all {
        for planted in ["Marisol", "Quintana", "marisol@example.com", "555-0199"] {
            assert!(!mail.body.contains(planted), "{planted} in {}", mail.body);
            assert!(!mail.subject.contains(planted));
        }
    }
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "lead.reminder_sent")
            .await
            .len(),
        3
    );

    // A lead contacted in time is never the subject of a reminder.
    let called = app.lead(&form, MARISOL).await;
    let page = browser.get(&format!("/leads/{called}")).await;
    browser
        .submit(&page, &format!("/leads/{called}/contacted"), &[])
        .await;
    assert_eq!(
        remind_leads(&app.db, &app.keyring, LEADS_PAGE, later(120))
            .await
            .unwrap(),
        0
    );
}

#[both_engines]
async fn a_target_counts_office_hours_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    app.member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let (mut browser, _) = app.signed_in(&ana).await;
    // The office is open one hour a day, starting two hours from now (UTC), every day.
    // The office opens 8:00 to 9:00 local time every day, local time being set so that it
    // is 6:00 now (whenever the test runs).
    let now = Timestamp::now();
    let c = now.civil();
    let mut offset = 6 * 60 - (c.hour * 60 + c.minute);
    if offset < -14 * 60 {
        offset += 24 * 60;
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = format!("{sign}{:02}:{:02}", offset.abs() / 60, offset.abs() % 60);
    let saved = set_target(&mut browser, ("08:00", "09:00"), &offset).await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    app.lead(&form, MARISOL).await;
    // Half an hour later the office has not opened: the clock has not started.
    let remind = |at: Timestamp| remind_leads(&app.db, &app.keyring, LEADS_PAGE, at);
    assert_eq!(remind(now.saturating_add(30 * MINUTE)).await.unwrap(), 0);
    // Three hours later it has been open for at least 15 minutes.
    assert_eq!(remind(now.saturating_add(180 * MINUTE)).await.unwrap(), 1);
}

#[both_engines]
async fn impossible_targets_and_follow_ups_are_refused_and_change_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let lead = app.lead(&form, MARISOL).await;
    let (mut browser, _) = app.signed_in(&ana).await;
    let settings = browser.get("/settings/intake").await;
    for bad in [
        vec![("minutes", "15"), ("opens", "17:00"), ("closes", "09:00")],
        vec![("minutes", "0"), ("opens", "09:00"), ("closes", "17:00")],
        vec![("minutes", "soon"), ("opens", "09:00"), ("closes", "17:00")],
        vec![("minutes", "15"), ("opens", "9am"), ("closes", "17:00")],
    ] {
        let mut fields = bad.clone();
        fields.push(("day", "0"));
        fields.push(("utc_offset", "0"));
        let refused = browser
            .submit(&settings, "/settings/intake/contact-target", &fields)
            .await;
        assert_eq!(refused.status, 422, "{bad:?}");
        assert!(refused.html.contains("Not changed"), "{}", refused.html);
    }
    let no_day = browser
        .submit(
            &settings,
            "/settings/intake/contact-target",
            &[("minutes", "15"), ("opens", "09:00"), ("closes", "17:00")],
        )
        .await;
    assert_eq!(no_day.status, 422);
    assert_eq!(app.rows_in("contact_targets").await, 0);

    let page = browser.get(&format!("/leads/{lead}")).await;
    let path = format!("/leads/{lead}/follow-up");
    for bad in ["tomorrow", "2026-13-01T10:00", "", "2001-01-01T10:00"] {
        let refused = browser.submit(&page, &path, &[("at", bad)]).await;
        assert_eq!(refused.status, 422, "{bad}: {}", refused.html);
    }
    assert_eq!(clock_of(&app, lead).await, (None, None));
}

#[both_engines]
async fn a_follow_up_date_reminds_once_when_it_comes(engine: Engine) {
    let sink = SmtpSink::start().await.expect("an SMTP server on loopback");
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    app.member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let form = app.form(ana.org_id, CONSULTATION_WITH_PHONE).await;
    let lead = app.lead(&form, MARISOL).await;
    let (mut browser, _) = app.signed_in(&ana).await;
    let when = Timestamp::now().saturating_add(3 * 24 * 60 * MINUTE);
    let c = when.civil();
    let field = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    );
    let page = browser.get(&format!("/leads/{lead}")).await;
    let set = browser
        .submit(
            &page,
            &format!("/leads/{lead}/follow-up"),
            &[("at", &field)],
        )
        .await;
    assert_eq!(set.status, 303, "{}", set.html);
    let page = browser.get(&format!("/leads/{lead}")).await;
    assert!(page.html.contains("follow-up set for"), "{}", page.html);
    let due = browser.get("/leads?waiting=follow-up").await;
    assert!(crate::leads::listed_leads(&due).is_empty(), "not due yet");

    let remind = |at: Timestamp| remind_leads(&app.db, &app.keyring, LEADS_PAGE, at);
    assert_eq!(remind(when.saturating_sub(MINUTE)).await.unwrap(), 0);
    assert_eq!(remind(when.saturating_add(MINUTE)).await.unwrap(), 1);
    assert_eq!(remind(when.saturating_add(2 * MINUTE)).await.unwrap(), 0);
    deliver_due(
        &app.db,
        &app.keyring,
        &sink.sender(),
        when.saturating_add(MINUTE),
        50,
    )
    .await
    .unwrap();
    let mail = sink.wait_for_recipient("ivy@lima.law").await;
    assert!(mail.subject.contains("follow-up"), "{}", mail.subject);
    assert!(mail.body.contains(&format!("{LEADS_PAGE}/{lead}")));
    assert!(!mail.body.contains("Marisol"));

    // Cleared, it is gone from the lead.
    let cleared = browser
        .submit(
            &page,
            &format!("/leads/{lead}/follow-up"),
            &[("clear", "1")],
        )
        .await;
    assert_eq!(cleared.status, 303);
    assert_eq!(clock_of(&app, lead).await.1, None);
}

#[both_engines]
async fn a_lead_keeps_the_channel_its_page_was_tagged_with_and_the_inbox_filters_on_it(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let (ana, form) = form_of(&app).await;
    let mut visitor = app.browser();
    let page = visitor
        .get(&format!("/f/{form}?utm_source=google&utm_medium=cpc"))
        .await;
    let mut fields = GOOD.to_vec();
    fields.extend([("utm_source", "google"), ("utm_medium", "cpc")]);
    assert_eq!(send(&mut visitor, &page, form, &fields).await.status, 200);
    let page = visitor.get(&format!("/f/{form}")).await;
    assert_eq!(send(&mut visitor, &page, form, GOOD).await.status, 200);
    let channels: Vec<Option<String>> =
        sqlx::query_scalar("SELECT channel FROM leads ORDER BY channel")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        channels,
        [Some("direct".to_owned()), Some("paid_search".to_owned())]
    );

    let (mut browser, _) = app.signed_in(&ana).await;
    let paid = browser.get("/leads?channel=paid_search").await;
    assert_eq!(crate::leads::listed_leads(&paid).len(), 1);
    let direct = browser.get("/leads?channel=direct").await;
    assert_eq!(crate::leads::listed_leads(&direct).len(), 1);
    let lead = crate::leads::listed_leads(&paid).remove(0);
    let shown = browser.get(&format!("/leads/{lead}")).await;
    assert!(
        shown.html.contains("Came through: Paid search"),
        "{}",
        shown.html
    );
    assert_eq!(
        browser.get("/leads?channel=carrier-pigeon").await.status,
        422
    );
}
