//! Signing in: password, mandatory second factor, recovery codes, back-off, and the
//! messages that must not tell an attacker which part was wrong.

use leadvault_test_support::{Engine, TestApp, both_engines, next_code};

#[both_engines]
async fn an_owner_must_set_up_a_second_factor_before_anything_else(engine: Engine) {
    let app = TestApp::start(engine).await;
    let person = app.owner("ana@lima.law").await;
    let mut browser = app.browser();

    let signed = browser.sign_in_with_password(&person).await;
    assert_eq!(signed.status, 303);
    assert_eq!(signed.location(), Some("/account/two-factor"));
    let before_enrolment = browser.cookie("lv_session").unwrap().to_owned();

    // Nothing else is reachable yet.
    let account = browser.get("/account").await;
    assert_eq!(
        (account.status.as_u16(), account.location()),
        (303, Some("/account/two-factor"))
    );
    let home = browser.get("/").await;
    assert!(!home.html.contains("Firm of ana@lima.law"), "{}", home.html);

    let page = browser.get("/account/two-factor").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("a second factor is required"),
        "{}",
        page.html
    );
    let qr = browser.get("/account/two-factor/qr.svg").await;
    assert_eq!(qr.status, 200);
    assert_eq!(qr.headers["content-type"], "image/svg+xml");
    assert_eq!(qr.headers["cache-control"], "no-store");
    assert!(
        qr.html.starts_with("<?xml") && qr.html.contains("<svg"),
        "{}",
        qr.html
    );
    // Reloading shows the same key, so a QR code already scanned stays good.
    let again = browser.get("/account/two-factor").await;
    assert_eq!(
        again.code_with_class("secret"),
        page.code_with_class("secret")
    );

    let wrong = browser
        .submit(&page, "/account/two-factor", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.html.contains("not valid"), "{}", wrong.html);

    let enrolled = browser.enrol().await;
    assert_eq!(enrolled.recovery_codes.len(), 10);
    let after = browser.cookie("lv_session").unwrap();
    assert_ne!(
        after, before_enrolment,
        "the session id changes with the privilege"
    );

    let account = browser.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(
        account.html.contains("On. 10 of 10 recovery codes left."),
        "{}",
        account.html
    );
    assert_eq!(account.headers["cache-control"], "no-store");

    // The secret is stored encrypted: its bytes appear nowhere in the row.
    let stored: Vec<u8> =
        leadvault_store::sqlx::query_scalar("SELECT secret FROM totp_credentials")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let raw = enrolled.secret.expose();
    assert!(!stored.windows(raw.len()).any(|w| w == raw));
}

#[both_engines]
async fn the_next_sign_in_asks_for_a_code_and_refuses_a_used_one(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (person, mut first, enrolled) = app.signed_in_owner("ana@lima.law").await;
    drop(first.get("/").await);

    let mut browser = app.browser();
    let signed = browser.sign_in_with_password(&person).await;
    assert_eq!(signed.location(), Some("/login/two-factor"));
    assert_eq!(
        browser.get("/account").await.location(),
        Some("/login/two-factor")
    );
    assert_eq!(
        browser.get("/account/two-factor").await.location(),
        Some("/login/two-factor")
    );

    // The code used at enrolment has been seen: it cannot be used again.
    let replay = browser
        .second_factor(&enrolled.secret.code_at(enrolled.confirmed_with))
        .await;
    assert_eq!(replay.status, 422, "{}", replay.html);
    assert!(
        replay.html.contains("already used") || replay.html.contains("not valid"),
        "{}",
        replay.html
    );

    let password_stage = browser.cookie("lv_session").unwrap().to_owned();
    let code = next_code(&enrolled.secret);
    let done = browser.second_factor(&code).await;
    assert_eq!((done.status.as_u16(), done.location()), (303, Some("/")));
    assert_ne!(browser.cookie("lv_session").unwrap(), password_stage);
    let home = browser.get("/").await;
    assert!(home.html.contains("Firm of ana@lima.law"), "{}", home.html);

    // A third browser cannot reuse the code just accepted.
    let mut other = app.browser();
    other.sign_in_with_password(&person).await;
    let replay = other.second_factor(&code).await;
    assert_eq!(replay.status, 422);
    assert!(replay.html.contains("already used"), "{}", replay.html);
}

#[both_engines]
async fn a_recovery_code_stands_in_for_the_app_once(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (person, _first, enrolled) = app.signed_in_owner("ana@lima.law").await;
    let code = enrolled.recovery_codes[3].clone();

    let mut browser = app.browser();
    browser.sign_in_with_password(&person).await;
    let done = browser.second_factor(&code.to_uppercase()).await;
    assert_eq!(done.location(), Some("/"), "{}", done.html);
    let account = browser.get("/account").await;
    assert!(
        account.html.contains("9 of 10 recovery codes left"),
        "{}",
        account.html
    );

    let mut again = app.browser();
    again.sign_in_with_password(&person).await;
    let refused = again.second_factor(&code).await;
    assert_eq!(refused.status, 422);

    let stored: Vec<Vec<u8>> =
        leadvault_store::sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    let plain = code.replace('-', "");
    assert!(
        stored
            .iter()
            .all(|h| h.len() == 32 && !h.windows(plain.len()).any(|w| w == plain.as_bytes()))
    );
}

#[both_engines]
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer(engine: Engine) {
    let app = TestApp::start(engine).await;
    let person = app.owner("ana@lima.law").await;
    let mut browser = app.browser();
    let form = browser.get("/login").await;

    let wrong = browser
        .submit(
            &form,
            "/login",
            &[
                ("email", &person.email),
                ("password", "not the password at all"),
            ],
        )
        .await;
    let unknown = browser
        .submit(
            &form,
            "/login",
            &[
                ("email", "nobody@lima.law"),
                ("password", "not the password at all"),
            ],
        )
        .await;
    let malformed = browser
        .submit(
            &form,
            "/login",
            &[("email", "no address"), ("password", "x")],
        )
        .await;
    let huge = browser
        .submit(
            &form,
            "/login",
            &[("email", &person.email), ("password", &"p".repeat(5000))],
        )
        .await;
    for page in [&wrong, &unknown, &malformed, &huge] {
        assert_eq!(page.status, 422, "{}", page.html);
        assert!(
            page.html.contains("do not match an account"),
            "{}",
            page.html
        );
        assert!(
            page.headers
                .get_all("set-cookie")
                .iter()
                .all(|c| !c.to_str().unwrap().contains("lv_session"))
        );
    }
    assert!(browser.cookie("lv_session").is_none());
    let sessions: i64 = leadvault_store::sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

#[both_engines]
async fn repeated_failures_back_off_per_address_whether_or_not_it_exists(engine: Engine) {
    let app = TestApp::start(engine).await;
    let person = app.owner("ana@lima.law").await;
    let mut browser = app.browser();
    let form = browser.get("/login").await;
    for address in [person.email.as_str(), "nobody@lima.law"] {
        for _ in 0..5 {
            let page = browser
                .submit(
                    &form,
                    "/login",
                    &[("email", address), ("password", "wrong wrong wrong")],
                )
                .await;
            assert_eq!(page.status, 422);
        }
        let page = browser
            .submit(
                &form,
                "/login",
                &[("email", address), ("password", "wrong wrong wrong")],
            )
            .await;
        assert_eq!(page.status, 422, "the sixth failure is still checked");
        let blocked = browser
            .submit(
                &form,
                "/login",
                &[("email", address), ("password", &person.password)],
            )
            .await;
        assert_eq!(blocked.status, 429, "{address}");
        let wait: u64 = blocked.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&wait), "{wait}");
    }
    // Another account is not held back.
    let other = app.owner("bo@lima.law").await;
    let page = browser.sign_in_with_password(&other).await;
    assert_eq!(page.status, 303);
}

#[both_engines]
async fn sign_in_is_limited_per_client_address(engine: Engine) {
    let app = TestApp::start(engine).await;
    let mut browser = app.browser();
    let form = browser.get("/login").await;
    let mut statuses = Vec::new();
    for i in 0..22 {
        let address = format!("person{i}@lima.law");
        let page = browser
            .submit(&form, "/login", &[("email", &address), ("password", "x")])
            .await;
        statuses.push(page.status.as_u16());
    }
    assert_eq!(&statuses[..20], &[422; 20]);
    assert_eq!(&statuses[20..], &[429, 429]);
}

#[both_engines]
async fn totp_secrets_follow_a_rotation_of_the_installation_key(engine: Engine) {
    use leadvault_accounts::OrgId;
    use leadvault_store::{Timestamp, sqlx};
    use std::ops::ControlFlow;

    let app = TestApp::start(engine).await;
    let (person, _first, enrolled) = app.signed_in_owner("ana@lima.law").await;
    let sealed = || async {
        sqlx::query_scalar::<_, Vec<u8>>("SELECT secret FROM totp_credentials")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    let before = sealed().await;

    let now = Timestamp::now();
    app.keyring
        .rotate_tenant(OrgId::INSTANCE, leadvault_audit::Actor::System("test"), now)
        .await
        .unwrap();
    let report = app
        .keyring
        .reencrypt(
            OrgId::INSTANCE,
            &leadvault_server::encrypted_columns(),
            100,
            now,
            |_| ControlFlow::Continue(()),
        )
        .await
        .unwrap();
    assert_eq!((report.total, report.reencrypted), (1, 1));
    assert_ne!(sealed().await, before, "re-encrypted under the new key");

    let mut browser = app.browser();
    browser.sign_in_with_password(&person).await;
    let done = browser.second_factor(&next_code(&enrolled.secret)).await;
    assert_eq!(
        done.location(),
        Some("/"),
        "the secret still decrypts: {}",
        done.html
    );
}

#[both_engines]
async fn new_recovery_codes_need_the_password_and_a_code_and_replace_the_old(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (person, mut browser, enrolled) = app.signed_in_owner("ana@lima.law").await;
    let account = browser.get("/account").await;
    assert!(account.html.contains("Make new recovery codes"));
    assert!(
        !account.html.contains("Turn off two-factor"),
        "an owner cannot turn it off"
    );

    let code = next_code(&enrolled.secret);
    for (password, code, message) in [
        ("not my password", code.as_str(), "password is not right"),
        (person.password.as_str(), "", "enter a code"),
        (person.password.as_str(), "000000", "not valid"),
    ] {
        let refused = browser
            .submit(
                &account,
                "/account/two-factor/recovery-codes",
                &[("password", password), ("code", code)],
            )
            .await;
        assert_eq!(refused.status, 422, "{password} {code}");
        assert!(
            refused.html.contains(message),
            "{message}: {}",
            refused.html
        );
    }
    let fresh = browser
        .submit(
            &account,
            "/account/two-factor/recovery-codes",
            &[("password", &person.password), ("code", &code)],
        )
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.html);
    let new_codes = fresh.listed_codes();
    assert_eq!(new_codes.len(), 10);
    assert!(
        new_codes
            .iter()
            .all(|c| !enrolled.recovery_codes.contains(c))
    );

    let mut signing_in = app.browser();
    signing_in.sign_in_with_password(&person).await;
    let old = signing_in.second_factor(&enrolled.recovery_codes[0]).await;
    assert_eq!(old.status, 422, "the old recovery codes are gone");

    let off = browser
        .submit(
            &account,
            "/account/two-factor/disable",
            &[("password", &person.password), ("code", &new_codes[0])],
        )
        .await;
    assert_eq!(off.status, 422);
    assert!(off.html.contains("cannot be turned off"), "{}", off.html);
    assert!(
        leadvault_accounts::has_second_factor(&app.db, person.user_id)
            .await
            .unwrap()
    );
    assert_eq!(
        leadvault_accounts::recovery_codes_left(&app.db, person.user_id)
            .await
            .unwrap(),
        10,
        "no code was spent on a refusal"
    );
}

#[both_engines]
async fn an_analyst_may_turn_a_voluntary_second_factor_off_again(engine: Engine) {
    use leadvault_accounts::{Role, Scope};
    let app = TestApp::start(engine).await;
    let owner = app.owner("ana@lima.law").await;
    let analyst = app
        .member(&owner, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let (mut browser, none) = app.signed_in(&analyst).await;
    assert!(none.is_none());
    let enrolled = browser.enrol().await;
    let account = browser.get("/account").await;
    assert!(
        account.html.contains("Turn off two-factor"),
        "{}",
        account.html
    );
    let off = browser
        .submit(
            &account,
            "/account/two-factor/disable",
            &[
                ("password", &analyst.password),
                ("code", &next_code(&enrolled.secret)),
            ],
        )
        .await;
    assert_eq!(off.location(), Some("/account"), "{}", off.html);
    let again = app.browser().sign_in_with_password(&analyst).await;
    assert_eq!(again.location(), Some("/"), "no code asked any more");
}
