//! First-run setup over HTTP: the one-time link, CSRF, validation, escaping.

use leadvault_accounts::owner_exists;
use leadvault_audit::Acting;
use leadvault_store::sqlx::{self, Row};
use leadvault_test_support::{Engine, TestApp, both_engines, fixture};
use reqwest::Response;

const PASSWORD: &str = "correct horse battery staple";

/// The CSRF cookie and hidden field from the setup page, as a browser would keep them.
struct Form {
    cookie: String,
    csrf: String,
}

async fn open_form(app: &TestApp, token: &str) -> Form {
    let response = app.get(&format!("/setup?token={token}")).await;
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let html = response.text().await.unwrap();
    let csrf = hidden_value(&html, "csrf");
    assert_eq!(cookie.split_once('=').unwrap().1, csrf);
    Form { cookie, csrf }
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn post(app: &TestApp, form: &Form, fields: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url("/setup"))
        .header("cookie", &form.cookie)
        .header("origin", format!("http://{}", app.addr))
        .header("sec-fetch-site", "same-origin")
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query("SELECT count(*) FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .get(0)
}

#[both_engines]
async fn the_setup_link_creates_the_first_organization_and_owner_once(engine: Engine) {
    let app = TestApp::start(engine).await;
    let token = app.setup_token().await;
    let form = open_form(&app, token.expose()).await;
    let response = post(
        &app,
        &form,
        &[
            ("csrf", &form.csrf),
            ("token", token.expose()),
            ("org_name", "Lima & Partners"),
            ("email", "Ana@Lima.law"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Lima &#38; Partners has been created"),
        "{html}"
    );
    assert!(owner_exists(&app.db).await.unwrap());

    let row = sqlx::query("SELECT email, password_hash FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), "ana@lima.law");
    let hash: String = row.get(1);
    assert!(hash.starts_with("$argon2id$") && !hash.contains(PASSWORD));
    let tokens: i64 = sqlx::query("SELECT count(*) FROM setup_tokens")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(tokens, 0, "every setup link is closed");

    // The link is spent: neither the page nor a replayed submission works.
    assert_eq!(
        app.get(&format!("/setup?token={}", token.expose()))
            .await
            .status(),
        404
    );
    let replay = post(
        &app,
        &form,
        &[
            ("csrf", &form.csrf),
            ("token", token.expose()),
            ("org_name", "Other"),
            ("email", "x@other.law"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(replay.status(), 404);
    assert_eq!(user_count(&app).await, 1);
}

#[both_engines]
async fn a_wrong_or_missing_token_shows_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let _real = app.setup_token().await;
    for query in [
        "",
        "?token=",
        "?token=abc",
        "?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "?token=%00%27%22",
    ] {
        let response = app.get(&format!("/setup{query}")).await;
        assert_eq!(response.status(), 404, "{query}");
        assert!(!response.text().await.unwrap().contains("name=\"password\""));
    }
}

#[both_engines]
async fn a_submission_without_a_valid_csrf_token_is_refused_and_changes_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let token = app.setup_token().await;
    let form = open_form(&app, token.expose()).await;
    let fields = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("org_name", "Evil"),
            ("email", "evil@example.com"),
            ("password", PASSWORD),
        ]
    };
    let t = token.expose().to_owned();

    // No cookie at all.
    let mut f = fields("");
    f.push(("token", &t));
    let response = app
        .client
        .post(app.url("/setup"))
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // Cookie present, field wrong.
    let response = post(
        &app,
        &form,
        &[
            ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ("token", &t),
            ("org_name", "Evil"),
            ("email", "evil@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 403);

    // Right token, but the browser says the request came from another site.
    let response = app
        .client
        .post(app.url("/setup"))
        .header("cookie", &form.cookie)
        .header("origin", "https://attacker.example")
        .form(&[
            ("csrf", form.csrf.as_str()),
            ("token", &t),
            ("org_name", "Evil"),
            ("email", "evil@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .post(app.url("/setup"))
        .header("cookie", &form.cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("csrf", form.csrf.as_str()),
            ("token", &t),
            ("org_name", "Evil"),
            ("email", "evil@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    assert_eq!(user_count(&app).await, 0);
    assert!(!owner_exists(&app.db).await.unwrap());
}

#[both_engines]
async fn invalid_fields_are_explained_next_to_each_field_and_nothing_is_stored(engine: Engine) {
    let app = TestApp::start(engine).await;
    let token = app.setup_token().await;
    let form = open_form(&app, token.expose()).await;
    let response = post(
        &app,
        &form,
        &[
            ("csrf", &form.csrf),
            ("token", token.expose()),
            ("org_name", "<script>alert(1)</script>"),
            ("email", "not-an-address"),
            ("password", "short-pw"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"email-error\"") && html.contains("name@example.com"),
        "{html}"
    );
    assert!(html.contains("id=\"password-error\"") && html.contains("at least 12 characters"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(!html.contains("short-pw"), "the password is never echoed");
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "typed values are escaped"
    );
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert_eq!(user_count(&app).await, 0);

    // Malformed bodies get a client error, not a crash.
    let response = app
        .client
        .post(app.url("/setup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%=&&=%zz")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let response = app
        .client
        .post(app.url("/setup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 200_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[both_engines]
async fn once_an_owner_exists_setup_is_closed_to_every_token(engine: Engine) {
    let app = TestApp::start(engine).await;
    leadvault_accounts::create_owner(
        &app.db,
        &Acting::personal(fixture(), leadvault_store::Timestamp::now()),
        &leadvault_accounts::PasswordHasher::new(1),
        leadvault_accounts::NewOwner {
            org_name: leadvault_accounts::OrgName::parse("First").unwrap(),
            email: leadvault_accounts::Email::parse("ana@lima.law").unwrap(),
            password: leadvault_accounts::Password::new(PASSWORD.into()).unwrap(),
        },
    )
    .await
    .unwrap();
    // With an owner in place, setup is closed whatever token is offered.
    let token = app.setup_token().await;
    assert_eq!(
        app.get(&format!("/setup?token={}", token.expose()))
            .await
            .status(),
        404
    );
}

#[both_engines]
async fn over_https_the_csrf_cookie_is_host_prefixed_and_secure(engine: Engine) {
    let app = TestApp::builder(engine).https().build().await;
    let token = app.setup_token().await;
    let response = app.get(&format!("/setup?token={}", token.expose())).await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-lv_csrf=")
            && cookie.contains("; Secure")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
}

#[both_engines]
async fn of_two_simultaneous_setups_exactly_one_founds_the_organization(engine: Engine) {
    let app = TestApp::start(engine).await;
    let hasher = leadvault_accounts::PasswordHasher::new(2);
    let (first, second) = (app.setup_token().await, app.setup_token().await);
    let owner = |org: &str, email: &str| leadvault_accounts::NewOwner {
        org_name: leadvault_accounts::OrgName::parse(org).unwrap(),
        email: leadvault_accounts::Email::parse(email).unwrap(),
        password: leadvault_accounts::Password::new(PASSWORD.into()).unwrap(),
    };
    let now = leadvault_store::Timestamp::now();
    let by = fixture();
    let acting = Acting::personal(by, now);
    let (a, b) = tokio::join!(
        leadvault_accounts::complete_setup(
            &app.db,
            &hasher,
            &first,
            owner("A", "a@a.example"),
            &acting
        ),
        leadvault_accounts::complete_setup(
            &app.db,
            &hasher,
            &second,
            owner("B", "b@b.example"),
            &acting
        ),
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one wins: {a:?} {b:?}");
    let orgs: i64 = sqlx::query("SELECT count(*) FROM organizations")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(orgs, 1);
}

#[both_engines]
async fn a_setup_link_expires_after_a_day(engine: Engine) {
    let app = TestApp::start(engine).await;
    let issued = leadvault_store::Timestamp::now();
    let token = leadvault_accounts::issue_setup_token(&app.db, issued)
        .await
        .unwrap();
    let almost = issued.saturating_add(
        leadvault_accounts::SETUP_TOKEN_LIFETIME - std::time::Duration::from_secs(1),
    );
    assert!(
        leadvault_accounts::setup_token_is_valid(&app.db, &token, almost)
            .await
            .unwrap()
    );
    let expired = issued.saturating_add(leadvault_accounts::SETUP_TOKEN_LIFETIME);
    assert!(
        !leadvault_accounts::setup_token_is_valid(&app.db, &token, expired)
            .await
            .unwrap()
    );
    let new_owner = leadvault_accounts::NewOwner {
        org_name: leadvault_accounts::OrgName::parse("Late").unwrap(),
        email: leadvault_accounts::Email::parse("late@x.example").unwrap(),
        password: leadvault_accounts::Password::new(PASSWORD.into()).unwrap(),
    };
    let err = leadvault_accounts::complete_setup(
        &app.db,
        &leadvault_accounts::PasswordHasher::new(1),
        &token,
        new_owner,
        &Acting::personal(fixture(), expired),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, leadvault_accounts::AccountsError::SetupTokenInvalid),
        "{err}"
    );
}

/// GET /setup with a wrong token, from `forwarded_for` if given; returns the status.
async fn probe(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url("/setup?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.unwrap()
}

#[both_engines]
async fn setup_attempts_are_rate_limited_per_client_and_forged_addresses_do_not_help(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    for i in 0..10 {
        assert_eq!(
            probe(&app, Some(&format!("198.51.100.{i}"))).await.status(),
            404,
            "attempt {i}"
        );
    }
    // The eleventh is refused, whatever address the client claims to forward for.
    let refused = probe(&app, Some("203.0.113.250")).await;
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&retry), "{retry}");
    assert!(refused.text().await.unwrap().contains("Too many attempts"));
    // Posting is limited by the same allowance (a post that passes the CSRF check, so
    // that it reaches the limit).
    let token = leadvault_crypto::SecretToken::generate().unwrap();
    let post = app
        .client
        .post(app.url("/setup"))
        .header("cookie", format!("lv_csrf={}", token.expose()))
        .form(&[("csrf", token.expose())])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 429);
}

#[both_engines]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance(engine: Engine) {
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1"])
        .build()
        .await;
    for _ in 0..10 {
        assert_eq!(probe(&app, Some("198.51.100.1")).await.status(), 404);
    }
    assert_eq!(
        probe(&app, Some("198.51.100.1")).await.status(),
        429,
        "the same client, limited"
    );
    assert_eq!(
        probe(&app, Some("198.51.100.2")).await.status(),
        404,
        "another client, not limited"
    );
}
