//! Sessions: the cookie, rotation, timeouts, signing out (here and everywhere), and the
//! anti-CSRF token tied to the session.

use leadvault_store::sqlx;
use leadvault_test_support::{Browser, Engine, TestApp, both_engines};

fn session_set_cookie(page: &leadvault_test_support::Page) -> String {
    page.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.contains("lv_session="))
        .expect("a session cookie")
}

async fn sessions_in_db(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[both_engines]
async fn the_session_cookie_is_http_only_same_site_and_host_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    let person = app.owner("ana@lima.law").await;
    let page = app.browser().sign_in_with_password(&person).await;
    let cookie = session_set_cookie(&page);
    assert!(cookie.starts_with("lv_session="), "{cookie}");
    for part in ["Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");

    let app = TestApp::builder(engine).https().build().await;
    let person = app.owner("ana@lima.law").await;
    let page = app.browser().sign_in_with_password(&person).await;
    let cookie = session_set_cookie(&page);
    assert!(
        cookie.starts_with("__Host-lv_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    // Only a hash of the token is stored.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!stored.windows(token.len()).any(|w| w == token.as_bytes()));
}

#[both_engines]
async fn a_planted_or_forged_session_id_opens_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (person, _owner, enrolled) = app.signed_in_owner("ana@lima.law").await;

    // Forged: the right shape, never issued.
    let mut forger = app.browser();
    forger.set_cookie("lv_session", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(forger.get("/account").await.location(), Some("/login"));
    forger.set_cookie("lv_session", "'; DROP TABLE sessions; --");
    assert_eq!(forger.get("/account").await.location(), Some("/login"));

    // Fixation: an attacker's session id planted in the victim's browser is replaced at
    // sign-in, and the attacker's copy does not follow the victim in.
    let mut attacker = app.browser();
    attacker.sign_in_with_password(&person).await;
    let planted = attacker.cookie("lv_session").unwrap().to_owned();
    let mut victim = app.browser();
    victim.set_cookie("lv_session", &planted);
    victim.sign_in_with_password(&person).await;
    assert_ne!(victim.cookie("lv_session").unwrap(), planted);
    let done = victim
        .second_factor(&leadvault_test_support::next_code(&enrolled.secret))
        .await;
    assert_eq!(done.location(), Some("/"));
    assert_eq!(attacker.get("/account").await.location(), Some("/login"));
}

#[both_engines]
async fn signing_out_ends_the_session_on_the_server(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_person, mut browser, _) = app.signed_in_owner("ana@lima.law").await;
    let token = browser.cookie("lv_session").unwrap().to_owned();
    let account = browser.get("/account").await;
    let out = browser.submit(&account, "/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    assert!(
        browser.cookie("lv_session").is_none(),
        "the cookie is cleared"
    );

    // A copy of the old cookie is worthless.
    let mut copy = app.browser();
    copy.set_cookie("lv_session", &token);
    assert_eq!(copy.get("/account").await.location(), Some("/login"));
    assert_eq!(sessions_in_db(&app).await, 0);
}

#[both_engines]
async fn sign_out_everywhere_else_and_one_by_one(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (person, mut laptop, enrolled) = app.signed_in_owner("ana@lima.law").await;
    let mut phone = Browser::new(&app);
    phone.sign_in_with_password(&person).await;
    phone
        .second_factor(&leadvault_test_support::next_code(&enrolled.secret))
        .await;
    assert_eq!(phone.get("/account").await.status, 200);

    let account = laptop.get("/account").await;
    assert_eq!(
        account.html.matches("Firefox on Linux").count(),
        2,
        "{}",
        account.html
    );
    assert!(account.html.contains("(this one)"));
    let done = laptop
        .submit(&account, "/account/sessions/end-others", &[])
        .await;
    assert_eq!(done.location(), Some("/account"));
    assert_eq!(phone.get("/account").await.location(), Some("/login"));
    assert_eq!(laptop.get("/account").await.status, 200);

    // Someone else's session id, or nonsense, is not found.
    let account = laptop.get("/account").await;
    let missing = laptop
        .submit(
            &account,
            &format!("/account/sessions/{}/end", "ab".repeat(32)),
            &[],
        )
        .await;
    assert_eq!(missing.status, 404);
    let missing = laptop
        .submit(&account, "/account/sessions/not-hex/end", &[])
        .await;
    assert_eq!(missing.status, 404);

    // Ending one's own current session signs out.
    let end = account.form_to("/account/sessions/");
    assert!(end.ends_with("/end"), "{end}");
    let out = laptop.submit(&account, &end, &[]).await;
    assert_eq!(out.location(), Some("/login"));
    assert_eq!(laptop.get("/account").await.location(), Some("/login"));
}

#[both_engines]
async fn sessions_end_after_idling_and_after_a_working_day(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_person, mut idle, _) = app.signed_in_owner("ana@lima.law").await;
    let minute = 60_000_000_i64;
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
        .bind(31 * minute)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(idle.get("/account").await.location(), Some("/login"));
    assert_eq!(
        sessions_in_db(&app).await,
        0,
        "an expired session is deleted"
    );

    let (_person, mut old, _) = app.signed_in_owner("bo@lima.law").await;
    // Active a minute ago, but started thirteen hours ago.
    sqlx::query(
        "UPDATE sessions SET created_at = created_at - $1, last_seen_at = last_seen_at - $2",
    )
    .bind(13 * 60 * minute)
    .bind(minute)
    .execute(app.db.pool())
    .await
    .unwrap();
    assert_eq!(old.get("/account").await.location(), Some("/login"));

    let (_person, mut fresh, _) = app.signed_in_owner("cy@lima.law").await;
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
        .bind(29 * minute)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        fresh.get("/account").await.status,
        200,
        "29 idle minutes are fine"
    );
}

#[both_engines]
async fn signed_in_forms_need_this_sessions_token(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_person, mut ana, _) = app.signed_in_owner("ana@lima.law").await;
    let (_other, mut bo, _) = app.signed_in_owner("bo@lima.law").await;
    let bos_page = bo.get("/account").await;

    for token in [String::new(), "0".repeat(64), bos_page.csrf(), "x".into()] {
        let refused = ana.post("/logout", &[("csrf", &token)]).await;
        assert_eq!(refused.status, 403, "{token}");
    }
    // Right token, wrong site.
    let page = ana.get("/account").await;
    let cross = app
        .client
        .post(app.url("/logout"))
        .header(
            "cookie",
            format!("lv_session={}", ana.cookie("lv_session").unwrap()),
        )
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", page.csrf())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(ana.get("/account").await.status, 200, "nothing changed");
    assert_eq!(sessions_in_db(&app).await, 2);
}

#[both_engines]
async fn a_new_password_needs_the_current_one_and_ends_every_other_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (mut person, mut laptop, enrolled) = app.signed_in_owner("ana@lima.law").await;
    let mut phone = Browser::new(&app);
    phone.sign_in_with_password(&person).await;
    phone
        .second_factor(&leadvault_test_support::next_code(&enrolled.secret))
        .await;
    assert_eq!(phone.get("/account").await.status, 200);

    let page = laptop.get("/account/password").await;
    let before = laptop.cookie("lv_session").unwrap().to_owned();
    let new_password = "marble kettle orbit nineteen";
    for (current, new, message) in [
        (
            "not my password",
            new_password,
            "current password is not right",
        ),
        (person.password.as_str(), "too short", "at least 12"),
        (person.password.as_str(), "1qaz2wsx3edc", "breached"),
    ] {
        let refused = laptop
            .submit(
                &page,
                "/account/password",
                &[("current", current), ("new", new)],
            )
            .await;
        assert_eq!(refused.status, 422, "{current} {new}");
        assert!(refused.html.contains(message), "{}", refused.html);
    }
    assert_eq!(
        phone.get("/account").await.status,
        200,
        "nothing changed yet"
    );

    let done = laptop
        .submit(
            &page,
            "/account/password",
            &[("current", &person.password), ("new", new_password)],
        )
        .await;
    assert_eq!(done.location(), Some("/account"), "{}", done.html);
    assert_ne!(
        laptop.cookie("lv_session").unwrap(),
        before,
        "this session gets a new id"
    );
    assert_eq!(
        laptop.get("/account").await.status,
        200,
        "and stays signed in"
    );
    assert_eq!(
        phone.get("/account").await.location(),
        Some("/login"),
        "every other session ended"
    );

    let old = app.browser().sign_in_with_password(&person).await;
    assert_eq!(old.status, 422, "the old password no longer works");
    person.password = new_password.to_owned();
    let new = app.browser().sign_in_with_password(&person).await;
    assert_eq!(new.location(), Some("/login/two-factor"));
}
