//! E-mail through a real SMTP server on loopback (aiosmtpd): invitations, password reset,
//! and the outbox that keeps mail through an SMTP outage.

use std::time::Duration;

use leadvault_mail::{deliver_due, queued};
use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::{Browser, Engine, Page, SmtpSink, TestApp, both_engines, next_code};

/// The path (with query) of the first link to this app in `body`.
fn link_path(app: &TestApp, body: &str) -> String {
    let origin = format!("http://{}", app.addr);
    let start = body
        .find(&origin)
        .unwrap_or_else(|| panic!("no link in {body}"))
        + origin.len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

async fn invite(browser: &mut Browser<'_>, email: &str) -> Page {
    let page = browser.get("/members").await;
    browser
        .submit(
            &page,
            "/members/invite",
            &[("email", email), ("role", "analyst")],
        )
        .await
}

#[both_engines]
async fn an_invitation_is_e_mailed_and_its_link_works(engine: Engine) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(sink.url()).build().await;
    let (_ana, mut ana, _) = app.signed_in_owner("ana@lima.law").await;

    let made = invite(&mut ana, "cy@lima.law").await;
    assert_eq!(made.status, 200, "{}", made.html);
    assert!(
        made.html
            .contains("has been e-mailed to <strong>cy@lima.law</strong>"),
        "{}",
        made.html
    );
    assert!(
        !made.html.contains("token="),
        "the inviter is not shown the secret link"
    );

    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, "cy@lima.law");
    assert!(
        mail.subject.contains("Firm of ana@lima.law"),
        "{}",
        mail.subject
    );
    let path = link_path(&app, &mail.body);
    assert!(path.starts_with("/invitation?token="), "{path}");
    let page = app.browser().get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("Join Firm of ana@lima.law"));
    assert_eq!(
        queued(&app.db).await.unwrap(),
        0,
        "delivered mail leaves the outbox"
    );
}

#[both_engines]
async fn mail_queued_during_an_smtp_outage_is_kept_encrypted_and_delivered_later(engine: Engine) {
    let Some(mut sink) = SmtpSink::start().await else {
        return;
    };
    let port = sink.port();
    sink.stop().await;
    let app = TestApp::builder(engine)
        .mail(format!("smtp://127.0.0.1:{port}"))
        .build()
        .await;
    let (_ana, mut ana, _) = app.signed_in_owner("ana@lima.law").await;
    let made = invite(&mut ana, "cy@lima.law").await;
    assert_eq!(
        made.status, 200,
        "queued, even though SMTP is down: {}",
        made.html
    );

    // The worker has tried and failed; the message waits, encrypted. (Waited for, up to
    // 30 s: on a loaded machine the first attempt can take a while to be recorded.)
    for _ in 0..300 {
        let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM outbox")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (sealed, error): (Vec<u8>, Option<String>) =
        sqlx::query_as("SELECT sealed, last_error FROM outbox")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(
        error.is_some_and(|e| !e.contains("cy@")),
        "the failure is recorded without the address"
    );
    let stored = String::from_utf8_lossy(&sealed);
    assert!(
        !stored.contains("cy@lima.law"),
        "the address is not stored in clear"
    );
    assert!(!stored.contains("invitation?token="), "nor the link");

    // The server comes back; the next attempt (its retry is due in 30 s) delivers it.
    let sink = SmtpSink::start_on(port)
        .await
        .expect("the SMTP server again");
    let sender = sink.sender();
    let later = Timestamp::now().saturating_add(Duration::from_secs(31));
    let done = deliver_due(&app.db, &app.keyring, &sender, later, 10)
        .await
        .unwrap();
    assert_eq!((done.sent, done.failed), (1, 0));
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, "cy@lima.law");
    assert_eq!(queued(&app.db).await.unwrap(), 0);
}

#[both_engines]
async fn a_password_reset_needs_the_mailbox_and_the_second_factor(engine: Engine) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(sink.url()).build().await;
    let (person, mut old_session, enrolled) = app.signed_in_owner("ana@lima.law").await;

    // Known and unknown addresses get the same answer; only the known one gets mail.
    let mut browser = app.browser();
    let form = browser.get("/password-reset").await;
    let unknown = browser
        .submit(&form, "/password-reset", &[("email", "nobody@lima.law")])
        .await;
    let known = browser
        .submit(&form, "/password-reset", &[("email", "ana@lima.law")])
        .await;
    assert_eq!((unknown.status.as_u16(), known.status.as_u16()), (200, 200));
    assert_eq!(
        unknown.html.replace("nobody@lima.law", "X"),
        known.html.replace("ana@lima.law", "X"),
    );
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, "ana@lima.law");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "nothing for the unknown address");

    let path = link_path(&app, &mail.body);
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("name=\"code\""),
        "the second factor is asked for"
    );
    let token = page.hidden("token");
    let new_password = "walnut harbour signal forty";
    for (password, code, message) in [
        (new_password, "", "enter a code"),
        (new_password, "000000", "not valid"),
        ("short", "", "at least 12"),
    ] {
        let refused = browser
            .submit(
                &page,
                "/password-reset/confirm",
                &[("token", &token), ("password", password), ("code", code)],
            )
            .await;
        assert_eq!(refused.status, 422, "{password} {code}");
        assert!(
            refused.html.contains(message),
            "{message}: {}",
            refused.html
        );
    }
    let done = browser
        .submit(
            &page,
            "/password-reset/confirm",
            &[
                ("token", &token),
                ("password", new_password),
                ("code", &next_code(&enrolled.secret)),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("has been changed"));

    assert_eq!(
        old_session.get("/account").await.location(),
        Some("/login"),
        "every session ended"
    );
    assert_eq!(browser.get(&path).await.status, 404, "the link works once");
    let mut with_new = person.clone();
    with_new.password = new_password.to_owned();
    assert_eq!(
        app.browser()
            .sign_in_with_password(&with_new)
            .await
            .location(),
        Some("/login/two-factor")
    );
    assert_eq!(
        app.browser().sign_in_with_password(&person).await.status,
        422
    );
}

#[both_engines]
async fn an_expired_reset_link_or_invitation_is_not_found(engine: Engine) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(sink.url()).build().await;
    let (_ana, mut ana, _) = app.signed_in_owner("ana@lima.law").await;
    invite(&mut ana, "cy@lima.law").await;
    let mut browser = app.browser();
    let form = browser.get("/password-reset").await;
    browser
        .submit(&form, "/password-reset", &[("email", "ana@lima.law")])
        .await;
    let mails = sink.wait_for(2).await;
    sqlx::query("UPDATE invitations SET expires_at = $1")
        .bind(Timestamp::now().as_unix_micros())
        .execute(app.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE password_resets SET expires_at = $1")
        .bind(Timestamp::now().as_unix_micros())
        .execute(app.db.pool())
        .await
        .unwrap();
    for mail in mails {
        let path = link_path(&app, &mail.body);
        assert_eq!(browser.get(&path).await.status, 404, "{path}");
    }
}

#[both_engines]
async fn without_e_mail_a_reset_is_not_offered(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    let page = browser.get("/password-reset").await;
    assert!(page.html.contains("E-mail is not set up"), "{}", page.html);
    assert!(!page.html.contains("name=\"email\""));
}

#[both_engines]
async fn a_new_e_mail_address_is_confirmed_from_its_own_mailbox(engine: Engine) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(sink.url()).build().await;
    let (person, mut browser, enrolled) = app.signed_in_owner("ana@lima.law").await;
    app.owner("taken@lima.law").await;

    let account = browser.get("/account").await;
    let wrong = browser
        .submit(
            &account,
            "/account/email",
            &[
                ("email", "ana@new.law"),
                ("password", "not my password"),
                ("code", ""),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let no_code = browser
        .submit(
            &account,
            "/account/email",
            &[
                ("email", "ana@new.law"),
                ("password", &person.password),
                ("code", ""),
            ],
        )
        .await;
    assert_eq!(no_code.status, 422, "the second factor is asked for too");
    let asked = browser
        .submit(
            &account,
            "/account/email",
            &[
                ("email", "Ana@New.law"),
                ("password", &person.password),
                ("code", &next_code(&enrolled.secret)),
            ],
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.html);
    assert!(
        asked.html.contains("A link to confirm ana@new.law"),
        "{}",
        asked.html
    );
    assert_eq!(
        app.browser().sign_in_with_password(&person).await.status,
        303,
        "nothing changes before confirmation"
    );

    let mail = sink.wait_for_recipient("ana@new.law").await;
    let path = link_path(&app, &mail.body);
    let mut mailbox = app.browser();
    let page = mailbox.get(&path).await;
    assert_eq!(page.status, 200);
    let token = page.hidden("token");
    let done = mailbox
        .submit(&page, "/account/email/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("Your address is now ana@new.law"));
    assert_eq!(
        browser.get("/account").await.location(),
        Some("/login"),
        "every session ended"
    );
    let again = mailbox
        .submit(&page, "/account/email/confirm", &[("token", &token)])
        .await;
    assert_eq!(again.status, 404, "the link works once");

    let notice = sink.wait_for_recipient("ana@lima.law").await;
    assert!(
        notice.subject.contains("was changed"),
        "the old address is told"
    );
    assert!(
        !notice.body.contains("ana@new.law"),
        "without naming the new one"
    );
    assert_eq!(
        app.browser().sign_in_with_password(&person).await.status,
        422,
        "the old address no longer signs in"
    );
    let mut moved = person.clone();
    moved.email = "ana@new.law".into();
    assert_eq!(
        app.browser().sign_in_with_password(&moved).await.location(),
        Some("/login/two-factor")
    );

    // An address that belongs to someone else is not taken over, even from its mailbox.
    let (other, mut other_browser, other_enrolled) = app.signed_in_owner("cy@lima.law").await;
    let account = other_browser.get("/account").await;
    other_browser
        .submit(
            &account,
            "/account/email",
            &[
                ("email", "taken@lima.law"),
                ("password", &other.password),
                ("code", &next_code(&other_enrolled.secret)),
            ],
        )
        .await;
    let mail = sink.wait_for_recipient("taken@lima.law").await;
    let page = mailbox.get(&link_path(&app, &mail.body)).await;
    let clash = mailbox
        .submit(
            &page,
            "/account/email/confirm",
            &[("token", &page.hidden("token"))],
        )
        .await;
    assert_eq!(clash.status, 409, "{}", clash.html);
}
