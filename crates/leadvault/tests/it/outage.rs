//! PostgreSQL going away while serving, and coming back.

use std::time::Duration;

use leadvault_store::{DatabaseUrl, Engine};
use leadvault_test_support::{TcpProxy, TestApp, TestDb, postgres_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_postgres_goes_away_requests_get_503_and_service_recovers_by_itself() {
    if !postgres_available().await {
        return;
    }
    let test_db = TestDb::new(Engine::Postgres).await;
    let mut direct = url::Url::parse(test_db.raw_url()).unwrap();
    let target = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let target = tokio::net::lookup_host(target)
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = TcpProxy::start(target).await;
    direct.set_port(Some(proxy.addr.port())).unwrap();
    direct.set_host(Some("127.0.0.1")).unwrap();
    let via_proxy = DatabaseUrl::parse(direct.as_str()).unwrap();

    let app = TestApp::builder(Engine::Postgres)
        .database_url(via_proxy)
        .build_with(test_db)
        .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get("/").await.status(), 200);

    proxy.cut();
    assert_eq!(app.get("/readyz").await.status(), 503);
    let page = app.get("/").await;
    assert_eq!(page.status(), 503, "a page that needs the database says so");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("cannot reach its database")
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "the process itself is alive"
    );

    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "readyz returned to 200 without a restart");
    assert_eq!(app.get("/").await.status(), 200);
}
