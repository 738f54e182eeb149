//! A firm's own web site, for browser tests: one HTML page over HTTPS on a loopback port,
//! another origin than the application's.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use leadvault_server::{ConnectionLimits, ReloadableCert, serve, tls_acceptor};
use tokio::net::TcpListener;

use crate::certs::TestCert;

/// Serves `html` at every path until the test ends; returns the address to map a host to.
pub async fn serve_site_page(html: String, cert: &TestCert) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let tls = tls_acceptor(ReloadableCert::load(&cert.cert, &cert.key).expect("certificate"))
        .expect("TLS acceptor");
    let page = Router::new().fallback(get(move || {
        let html = html.clone();
        async move { Html(html) }
    }));
    tokio::spawn(serve(
        listener,
        Some(tls),
        page,
        std::future::pending(),
        Duration::from_secs(1),
        ConnectionLimits::default(),
    ));
    addr
}
