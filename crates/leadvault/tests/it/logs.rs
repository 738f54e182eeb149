//! No log line may contain a body, a cookie, an Authorization header, a password, a key or an
//! IP address; every line of a request carries its request id.

use leadvault_test_support::LeadvaultProcess;

use crate::leadvault_bin;

const PASSWORD: &str = "Planted-Password-4417";
const COOKIE: &str = "Planted-Cookie-9921";
const BEARER: &str = "Planted-Bearer-3318";
const FORWARDED_IP: &str = "203.0.113.77";
const ORG: &str = "Planted Org 5521";
const EMAIL: &str = "planted.person.8812@example.com";

#[tokio::test]
async fn logs_never_contain_secrets_bodies_or_addresses_and_every_request_line_has_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = LeadvaultProcess::spawn(
        leadvault_bin(),
        dir.path(),
        &["serve", "--listen", "127.0.0.1:0", "--log-format", "json"],
        &[("LEADVAULT_LOG_LEVEL", "debug")],
    );
    let addr = serve.listening().await;
    let link = serve.setup_link();
    let setup_token = link.split("token=").nth(1).unwrap().to_owned();

    let client = leadvault_test_support::http_client();
    let page = client
        .get(&link)
        .header("x-forwarded-for", FORWARDED_IP)
        .send()
        .await
        .unwrap();
    let csrf_cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains(&csrf));

    // A rejected and an accepted submission, carrying every kind of planted secret.
    for (csrf_field, password) in [("wrong", PASSWORD), (csrf.as_str(), PASSWORD)] {
        let response = client
            .post(format!("http://{addr}/setup"))
            .header("cookie", format!("{csrf_cookie}; session={COOKIE}"))
            .header("authorization", format!("Bearer {BEARER}"))
            .header("x-forwarded-for", FORWARDED_IP)
            .header("x-real-ip", FORWARDED_IP)
            .form(&[
                ("csrf", csrf_field),
                ("token", &setup_token),
                ("org_name", ORG),
                ("email", EMAIL),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success() || response.status() == 403);
    }
    // Sign in, once with a wrong and once with the right password: the session cookie the
    // server hands out must not be logged either.
    let form = client
        .get(format!("http://{addr}/login"))
        .send()
        .await
        .unwrap();
    let sign_in_cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let sign_in_csrf = sign_in_cookie.split_once('=').unwrap().1.to_owned();
    let mut session = String::new();
    let no_redirects = leadvault_test_support::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for password in ["Planted-Wrong-Password-6610", PASSWORD] {
        let response = no_redirects
            .post(format!("http://{addr}/login"))
            .header("cookie", &sign_in_cookie)
            .form(&[
                ("csrf", sign_in_csrf.as_str()),
                ("email", EMAIL),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        if let Some(cookie) = response.headers().get("set-cookie") {
            let cookie = cookie.to_str().unwrap();
            if let Some(rest) = cookie.strip_prefix("lv_session=") {
                session = rest.split(';').next().unwrap().to_owned();
            }
        }
    }
    assert!(!session.is_empty(), "the right password opened a session");
    serve.stop().await;

    let logs = serve.stderr();
    assert!(
        logs.contains("password accepted") && logs.contains("sign-in refused"),
        "the test exercised sign-in:\n{logs}"
    );
    assert!(
        logs.contains("first organization and owner created"),
        "the test exercised the path:\n{logs}"
    );
    for planted in [
        PASSWORD,
        COOKIE,
        BEARER,
        FORWARDED_IP,
        ORG,
        EMAIL,
        &setup_token,
        &csrf,
        &session,
        "Planted-Wrong-Password-6610",
        "203.0.113",
    ] {
        assert!(!logs.contains(planted), "log contains {planted}:\n{logs}");
    }
    let key = std::fs::read(dir.path().join("data/root.key")).unwrap();
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!logs.contains(&key_hex));

    let mut request_lines = 0;
    for line in logs.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        // Every event the web layer logs while handling a request names that request; only
        // the server's own start and stop messages stand outside one.
        let target = event["target"].as_str().unwrap_or_default();
        if target.starts_with("leadvault_server") && target != "leadvault_server::web::shutdown" {
            request_lines += 1;
            let id = event["span"]["request_id"].as_str().unwrap_or_default();
            assert_eq!(id.len(), 36, "no request id: {line}");
        }
        if event["fields"]["message"] == "handled" {
            let route = event["fields"]["route"].as_str().unwrap_or_default();
            assert!(
                ["/setup", "/login"].contains(&route),
                "the route template, not the path sent: {line}"
            );
        }
        if event["span"]["request_id"].is_string() {
            assert!(
                !line.contains("127.0.0.1"),
                "a request's log line names the client address: {line}"
            );
        }
    }
    assert!(request_lines >= 5, "{logs}");
}

#[tokio::test]
async fn the_human_log_format_is_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let (mut serve, _) = LeadvaultProcess::serving(leadvault_bin(), dir.path(), &[]).await;
    serve.stop().await;
    let logs = serve.stderr();
    let line = logs
        .lines()
        .find(|l| l.contains("created a new local root key"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(line.contains(" INFO ") && !line.starts_with('{'), "{line}");
}
