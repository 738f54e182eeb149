//! Probes, security headers and error pages, over HTTP on both engines.

use leadvault_test_support::{Engine, TestApp, both_engines};

#[both_engines]
async fn healthz_and_readyz_answer_200_when_all_is_well(engine: Engine) {
    let app = TestApp::start(engine).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["migrations"], "current");
}

#[both_engines]
async fn readyz_answers_503_until_migrations_are_applied(engine: Engine) {
    let app = TestApp::builder(engine).without_migrations().build().await;
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "alive all the same"
    );
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["migrations"], "pending");

    leadvault_store::migrate(
        &app.db,
        &leadvault_server::migrations(),
        leadvault_store::Timestamp::now(),
    )
    .await
    .unwrap();
    let ready = app.get("/readyz").await;
    assert_eq!(
        ready.status(),
        503,
        "analytics' own migrations are pending still"
    );
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["migrations"],
        "pending"
    );
    app.analytics
        .migrate(leadvault_store::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[both_engines]
async fn every_response_carries_the_security_headers_and_a_request_id(engine: Engine) {
    let app = TestApp::start(engine).await;
    for path in ["/healthz", "/", "/no/such/page", "/static/app.css"] {
        let response = app.get(path).await;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.contains_key("permissions-policy"), "{path}");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        assert!(uuid_like(h["x-request-id"].to_str().unwrap()), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS over plain loopback HTTP"
        );
    }
    assert_eq!(app.get("/").await.headers()["cache-control"], "no-store");
    assert_eq!(
        app.get("/static/app.css").await.headers()["cache-control"],
        "public, max-age=3600"
    );
}

#[both_engines]
async fn https_deployments_send_hsts(engine: Engine) {
    let app = TestApp::builder(engine).https().build().await;
    let response = app.get("/healthz").await;
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.starts_with("max-age=63072000"), "{hsts}");
}

#[both_engines]
async fn unknown_addresses_get_a_404_page_not_a_crash(engine: Engine) {
    let app = TestApp::start(engine).await;
    // Sent byte for byte: an HTTP client library would normalize the dots away.
    for target in [
        "/admin/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/../Cargo.toml",
        "//etc/passwd",
    ] {
        let head = raw_request(
            &app,
            &format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(
            head.starts_with("HTTP/1.1 404") || head.starts_with("HTTP/1.1 400"),
            "{target}: {head}"
        );
        assert!(!head.contains("root:"), "{target}");
    }
    let response = app
        .client
        .post(app.url("/healthz"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(html.contains("There is nothing at this address."));
    assert!(
        html.contains(&format!("Request id: <code>{request_id}</code>")),
        "the page shows the id to quote: {html}"
    );
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

async fn raw_request(app: &TestApp, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[both_engines]
async fn a_client_too_slow_to_send_its_headers_is_cut_off(engine: Engine) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::builder(engine)
        .header_timeout(std::time::Duration::from_millis(500))
        .build()
        .await;
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let ended = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(ended.is_ok(), "the connection was held open");
    assert!(
        !String::from_utf8_lossy(&buf).contains("200 OK"),
        "nothing was served"
    );
    // A prompt client on a fresh connection is served as usual.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
