//! The public consultation form over HTTP, as a visitor (or a bot) meets it, and `/track`.

use leadvault_audit::Acting;
use std::time::Duration;

use leadvault_intake::form::FormDefinition;
use leadvault_intake::{FormDraft, FormId, create_form};
use leadvault_store::{DatabaseUrl, Db, DbOptions, Timestamp, sqlx};
use leadvault_test_support::forms::CONSULTATION;
use leadvault_test_support::{
    Browser, Engine, LeadvaultProcess, Page, TestApp, TestPerson, both_engines, fixture,
};

use crate::leadvault_bin;

const SSN: &str = "512-43-8876";

pub(crate) async fn form_of(app: &TestApp) -> (TestPerson, FormId) {
    let ana = app.owner("ana@lima.law").await;
    app.site(ana.org_id, "www.lima.law").await;
    let form = app.form(ana.org_id, CONSULTATION).await;
    (ana, form.id)
}

pub(crate) async fn send(
    browser: &mut Browser<'_>,
    page: &Page,
    form: FormId,
    fields: &[(&str, &str)],
) -> Page {
    let token = page.hidden("_token");
    let mut all = vec![("_token", token.as_str())];
    all.extend_from_slice(fields);
    browser.post(&format!("/f/{form}"), &all).await
}

pub(crate) const GOOD: &[(&str, &str)] = &[
    ("name", "Marisol Quintana"),
    ("email", "marisol@example.com"),
    ("area", "Family"),
    ("story", "Custody of my daughters."),
    ("agree", "yes"),
];

async fn leads(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[both_engines]
async fn a_visitor_sends_a_consultation_gets_a_code_and_checks_its_status(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_, form) = form_of(&app).await;
    let mut visitor = app.browser();
    let page = visitor
        .get(&format!(
            "/f/{form}?utm_source=newsletter&utm_campaign=fall"
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("<label for=\"name\">Your name"));
    assert!(
        page.html
            .contains("aria-describedby=\"email-help email-error\"")
    );
    assert!(
        page.html
            .contains("Lima Law may contact me about my request.")
    );
    assert!(
        page.html
            .contains("name=\"utm_source\" value=\"newsletter\"")
    );
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors https://www.lima.law"),
        "{csp}"
    );
    assert!(page.headers.get("x-frame-options").is_none());

    let mut fields = GOOD.to_vec();
    fields.push(("utm_source", "newsletter"));
    let done = send(&mut visitor, &page, form, &fields).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let code = done.code_with_class("tracking-code");
    assert_eq!(code.len(), 21, "{code}");
    assert_eq!(leads(&app).await, 1);
    let meta: String = sqlx::query_scalar("SELECT meta FROM leads")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(meta.contains("\"utm_source\":\"newsletter\""), "{meta}");

    let status = visitor
        .post(
            "/track",
            &[("code", &code.to_lowercase().replace('-', " "))],
        )
        .await;
    assert_eq!(status.status, 200, "{}", status.html);
    assert!(
        status.html.contains("<strong>New</strong>")
            && status.html.contains("Firm of ana@lima.law")
    );
    assert!(
        !status.html.contains("Marisol") && !status.html.contains("Custody"),
        "never what was sent"
    );

    // A mistyped code and an unknown code get the very same answer.
    let mut typo = code.clone().into_bytes();
    typo[0] = if typo[0] == b'A' { b'B' } else { b'A' };
    let mistyped = visitor
        .post("/track", &[("code", &String::from_utf8(typo).unwrap())])
        .await;
    let unknown = visitor
        .post(
            "/track",
            &[(
                "code",
                &leadvault_intake::TrackingCode::generate()
                    .unwrap()
                    .display(),
            )],
        )
        .await;
    assert_eq!(
        (mistyped.status.as_u16(), unknown.status.as_u16()),
        (404, 404)
    );
    assert_eq!(mistyped.html, unknown.html);
}

#[both_engines]
async fn bad_answers_come_back_with_errors_on_their_fields_and_change_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_, form) = form_of(&app).await;
    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;

    let refused = send(
        &mut visitor,
        &page,
        form,
        &[
            ("name", "<script>alert(1)</script>"),
            ("email", "not an address"),
            ("area", "Tax"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.contains("Please check the 3 answers"),
        "{}",
        refused.html
    );
    assert!(
        refused
            .html
            .contains("id=\"email-error\" role=\"alert\">Please enter an e-mail address")
    );
    assert!(
        refused
            .html
            .contains("id=\"agree-error\" role=\"alert\">Please agree to continue.")
    );
    assert!(
        refused.html.contains("alert(1)") && !refused.html.contains("<script>alert"),
        "typed text comes back escaped"
    );
    assert!(refused.html.contains("aria-invalid=\"true\""));

    // Prohibited data: refused on its field, and the value is nowhere afterwards.
    let mut with_ssn = GOOD.to_vec();
    let story = format!("My SSN is {SSN}, please help");
    with_ssn.retain(|(k, _)| *k != "story");
    with_ssn.push(("story", &story));
    let refused = send(&mut visitor, &page, form, &with_ssn).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("id=\"story-error\" role=\"alert\">Please remove the Social Security number")
    );
    assert!(!refused.html.contains(SSN), "the value is not sent back");
    assert!(
        refused.html.contains("value=\"Marisol Quintana\""),
        "the other answers are kept"
    );

    // Spam: a filled honeypot, a missing or forged page token.
    let mut bot = GOOD.to_vec();
    bot.push(("_website", "http://spam.example"));
    assert_eq!(send(&mut visitor, &page, form, &bot).await.status, 422);
    assert_eq!(visitor.post(&format!("/f/{form}"), GOOD).await.status, 403);
    let mut forged = vec![("_token", "1700000000.00")];
    forged.extend_from_slice(GOOD);
    assert_eq!(
        visitor.post(&format!("/f/{form}"), &forged).await.status,
        403
    );
    assert_eq!(
        visitor
            .get(&format!("/f/{}", FormId::random()))
            .await
            .status,
        404
    );
    assert_eq!(visitor.get("/f/not-a-form").await.status, 404);

    assert_eq!(leads(&app).await, 0, "nothing was stored");
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT action || actor_id || target_id || fields FROM audit_records")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(
        !audit
            .iter()
            .any(|r| r.contains(SSN) || r.contains("lead.created"))
    );
}

#[both_engines]
async fn a_form_sent_faster_than_a_person_types_is_refused(engine: Engine) {
    let app = TestApp::builder(engine)
        .form_min_fill(Duration::from_secs(2))
        .build()
        .await;
    let (_, form) = form_of(&app).await;
    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;
    let fast = send(&mut visitor, &page, form, GOOD).await;
    assert_eq!(fast.status, 422);
    assert!(fast.html.contains("quicker than a person"), "{}", fast.html);
    assert!(
        fast.html.contains("value=\"Marisol Quintana\""),
        "answers are kept"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(send(&mut visitor, &fast, form, GOOD).await.status, 200);
}

#[both_engines]
async fn tracking_lookups_are_rate_limited(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut visitor = app.browser();
    for _ in 0..10 {
        assert_eq!(
            visitor.post("/track", &[("code", "nope")]).await.status,
            404
        );
    }
    let limited = visitor.post("/track", &[("code", "nope")]).await;
    assert_eq!(limited.status, 429);
    assert!(limited.headers.contains_key("retry-after"));
}

/// The real binary, its logs, and a rejected Social Security number: the number appears in
/// no log line and no table.
#[tokio::test]
async fn a_rejected_value_is_never_logged_or_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = LeadvaultProcess::spawn(
        leadvault_bin(),
        dir.path(),
        &["serve", "--listen", "127.0.0.1:0", "--log-format", "json"],
        &[("LEADVAULT_LOG_LEVEL", "debug")],
    );
    let addr = serve.listening().await;
    let db = Db::connect(
        &DatabaseUrl::sqlite_file(&dir.path().join("data/leadvault.db")),
        &DbOptions::default(),
    )
    .await
    .unwrap();
    let owner = leadvault_accounts::create_owner(
        &db,
        &Acting::personal(fixture(), Timestamp::now()),
        &leadvault_accounts::PasswordHasher::new(1),
        leadvault_accounts::NewOwner {
            org_name: leadvault_accounts::OrgName::parse("Lima Law").unwrap(),
            email: leadvault_accounts::Email::parse("ana@lima.law").unwrap(),
            password: leadvault_accounts::Password::new("orchid lantern gravel seventy".into())
                .unwrap(),
        },
    )
    .await
    .unwrap();
    let draft = FormDraft::new(
        "Free consultation",
        FormDefinition::from_json(CONSULTATION).unwrap(),
    );
    let form = create_form(
        &db,
        &Acting::new(owner.org_id, fixture(), Timestamp::now()),
        &draft,
    )
    .await
    .unwrap();

    let client = leadvault_test_support::http_client();
    let url = format!("http://{addr}/f/{form}");
    let page = client.get(&url).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"_token\" value=\"";
    let token = page
        .split(marker)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    // serve waits for a person's minimum fill time.
    tokio::time::sleep(crate::FORM_FILL_WAIT).await;
    let story = format!("my social security number is {SSN}");
    let answer = client
        .post(&url)
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("_token", token.as_str()),
            ("name", "Marisol"),
            ("email", "m@example.com"),
            ("story", &story),
            ("agree", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert!(!answer.text().await.unwrap().contains(SSN));

    // Written the way people type them: an SSN with mixed separators after a misspelt label,
    // and a card number in pieces. Refused by kind and field, and echoed nowhere.
    let typed = "my socail 521 - 43 8876 and my visa 4532 0151 / 1283 0366 exp 04/29";
    let answer = client
        .post(&url)
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("_token", token.as_str()),
            ("name", "Marisol"),
            ("email", "m@example.com"),
            ("story", typed),
            ("agree", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    assert!(
        page.contains("Please remove the Social Security number from"),
        "{page}"
    );
    let planted = [
        "521 - 43 8876",
        "521438876",
        "4532 0151",
        "1283 0366",
        "4532015112830366",
    ];
    for value in planted {
        assert!(!page.contains(value), "{value} sent back");
    }
    serve.stop().await;

    let logs = serve.stderr();
    assert!(logs.contains("prohibited data refused"), "{logs}");
    assert!(!logs.contains(SSN) && !logs.contains("512438876"), "{logs}");
    for value in planted {
        assert!(!logs.contains(value), "{value} logged: {logs}");
    }
    let dump = std::fs::read(dir.path().join("data/leadvault.db")).unwrap();
    assert!(
        !dump.windows(SSN.len()).any(|w| w == SSN.as_bytes()),
        "not in the database file"
    );
    let wal = std::fs::read(dir.path().join("data/leadvault.db-wal")).unwrap_or_default();
    assert!(
        !wal.windows(SSN.len()).any(|w| w == SSN.as_bytes()),
        "not in its write-ahead log"
    );
    for value in planted {
        for file in [&dump, &wal] {
            assert!(
                !file.windows(value.len()).any(|w| w == value.as_bytes()),
                "{value} stored"
            );
        }
    }
    db.close().await;
}

#[both_engines]
async fn staff_are_told_a_lead_is_waiting_and_nothing_of_what_it_says(engine: Engine) {
    let Some(sink) = leadvault_test_support::SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(sink.url()).build().await;
    let (owner, form) = form_of(&app).await;
    app.member(
        &owner,
        "cy@lima.law",
        leadvault_accounts::Role::Intake,
        leadvault_accounts::Scope::Organization,
    )
    .await;
    app.member(
        &owner,
        "eve@lima.law",
        leadvault_accounts::Role::Analyst,
        leadvault_accounts::Scope::Organization,
    )
    .await;

    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;
    assert_eq!(send(&mut visitor, &page, form, GOOD).await.status, 200);
    for to in ["cy@lima.law", "ana@lima.law"] {
        let mail = sink.wait_for_recipient(to).await;
        assert_eq!(mail.subject, "A new consultation request is waiting");
        assert!(
            mail.body.contains(&format!("http://{}/leads", app.addr)),
            "{}",
            mail.body
        );
        for planted in ["Marisol", "marisol@example.com", "Custody"] {
            assert!(
                !mail.body.contains(planted) && !mail.subject.contains(planted),
                "{planted} in a notification"
            );
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sink.messages().iter().all(|m| m.to != "eve@lima.law"),
        "analysts are not told"
    );
}

#[both_engines]
async fn owners_find_their_forms_and_where_they_are_filled_in(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (owner, form) = form_of(&app).await;
    let (mut browser, _) = app.signed_in(&owner).await;
    let page = browser.get("/forms").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(
        page.html.contains(
            "<td>Free consultation</td><td>consultation</td><td>all sites</td><td>1</td><td>5</td>"
        ),
        "{}",
        page.html
    );
    assert!(
        page.html.contains(&format!("/f/{form}</code>")),
        "{}",
        page.html
    );
    let tag = format!(
        "&#60;script src=&#34;/embed.js&#34; data-form=&#34;{form}&#34; async&#62;&#60;/script&#62;"
    );
    assert!(
        page.html.contains(&tag),
        "the embed tag, shown as text: {}",
        page.html
    );
    let script = browser.get("/embed.js").await;
    assert_eq!(script.status, 200);
    assert!(
        script.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.html.contains("/f/"), "{}", script.html);
    assert_eq!(
        script.headers["cross-origin-resource-policy"], "cross-origin",
        "other sites load it"
    );
    assert_eq!(
        page.headers["cross-origin-resource-policy"], "same-origin",
        "and nothing else"
    );
    let home = browser.get("/").await;
    assert!(home.html.contains("href=\"/forms\""));
}

#[both_engines]
async fn a_visitor_who_asks_gets_the_tracking_code_by_email_and_nothing_else(engine: Engine) {
    let Some(sink) = leadvault_test_support::SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(sink.url()).build().await;
    let (_, form) = form_of(&app).await;
    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;
    assert!(
        page.html.contains("name=\"_email_code\""),
        "offered when e-mail is set up: {}",
        page.html
    );

    let mut asked = GOOD.to_vec();
    asked.push(("_email_code", "yes"));
    let done = send(&mut visitor, &page, form, &asked).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(
        done.html.contains("We have also e-mailed it"),
        "{}",
        done.html
    );
    let code = done.code_with_class("tracking-code");
    let mail = sink.wait_for_recipient("marisol@example.com").await;
    assert_eq!(
        mail.subject,
        "Your request to Firm of ana@lima.law: tracking code"
    );
    assert!(
        mail.body.contains(&code) && mail.body.contains(&format!("http://{}/track", app.addr)),
        "{}",
        mail.body
    );
    for planted in ["Marisol", "Custody", "Family"] {
        assert!(
            !mail.body.contains(planted),
            "{planted} in the code's e-mail"
        );
    }

    // Not asked: not sent.
    let page = visitor.get(&format!("/f/{form}")).await;
    let mut other = GOOD.to_vec();
    other.retain(|(k, _)| *k != "email");
    other.push(("email", "quiet@example.com"));
    let done = send(&mut visitor, &page, form, &other).await;
    assert!(!done.html.contains("We have also e-mailed it"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().iter().all(|m| m.to != "quiet@example.com"));
}

#[both_engines]
async fn without_email_set_up_the_code_is_not_offered_by_email(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_, form) = form_of(&app).await;
    let page = app.browser().get(&format!("/f/{form}")).await;
    assert!(!page.html.contains("_email_code"));
}

#[both_engines]
async fn a_page_sends_one_request_and_a_proof_of_work_form_needs_its_proof(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, form) = form_of(&app).await;
    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;
    assert_eq!(send(&mut visitor, &page, form, GOOD).await.status, 200);
    let replayed = send(&mut visitor, &page, form, GOOD).await;
    assert_eq!(replayed.status, 422);
    assert!(
        replayed
            .html
            .contains("This page was already used to send a request"),
        "{}",
        replayed.html
    );
    assert_eq!(leads(&app).await, 1, "one lead per page");
    // Spent pages are remembered as long as their tokens could be accepted, then forgotten.
    assert_eq!(
        leadvault_intake::forget_spent_pages(&app.db, Timestamp::now())
            .await
            .unwrap(),
        0
    );
    let day_later = Timestamp::now().saturating_add(Duration::from_secs(25 * 3600));
    assert_eq!(
        leadvault_intake::forget_spent_pages(&app.db, day_later)
            .await
            .unwrap(),
        1
    );
    let fresh = visitor.get(&format!("/f/{form}")).await;
    assert_eq!(send(&mut visitor, &fresh, form, GOOD).await.status, 200);

    let guarded = app
        .form(
            ana.org_id,
            &CONSULTATION.replace(
                "\"kind\": \"consultation\"",
                "\"kind\": \"consultation\", \"proof_of_work\": true",
            ),
        )
        .await
        .id;
    let page = visitor.get(&format!("/f/{guarded}")).await;
    assert!(
        page.html
            .contains(&format!("data-pow=\"{}\"", leadvault_intake::POW_BITS)),
        "{}",
        page.html
    );
    let without = send(&mut visitor, &page, guarded, GOOD).await;
    assert_eq!(without.status, 422);
    assert!(
        without
            .html
            .contains("could not confirm that a person is sending this form"),
        "{}",
        without.html
    );
    let token = page.hidden("_token");
    let wrong = (0u64..)
        .map(|n| n.to_string())
        .find(|n| !leadvault_intake::proof_of_work_ok(&token, n))
        .unwrap();
    let mut fields = GOOD.to_vec();
    fields.push(("_pow", wrong.as_str()));
    assert_eq!(
        send(&mut visitor, &page, guarded, &fields).await.status,
        422
    );
    assert_eq!(leads(&app).await, 2);
    let found = (0u64..)
        .map(|n| n.to_string())
        .find(|n| leadvault_intake::proof_of_work_ok(&token, n))
        .unwrap();
    let mut fields = GOOD.to_vec();
    fields.push(("_pow", found.as_str()));
    let done = send(&mut visitor, &page, guarded, &fields).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert_eq!(leads(&app).await, 3);
}
