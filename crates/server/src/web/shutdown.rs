//! The one accept loop, for plain HTTP and TLS alike: bounded handshakes and header reads
//! (slow clients are cut off), and on shutdown no new connections while the requests in
//! flight finish, for at most the grace period.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use tower::ServiceExt;

use crate::web::client_ip::Peer;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How long a connection may take to finish its TLS handshake, and a request its headers.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub handshake: Duration,
    pub headers: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            handshake: Duration::from_secs(10),
            headers: Duration::from_secs(30),
        }
    }
}

/// Serves `app` on `listener` (over TLS when an acceptor is given) until `shutdown`
/// resolves; then stops accepting and lets in-flight requests finish for at most `grace`.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    limits: ConnectionLimits,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.headers);
    let builder = builder.http1_only();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: pause rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Every request knows its connection's peer (for rate limits, never for logs).
                let service = TowerToHyperService::new(app.clone().map_request(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(Peer(peer));
                    request
                }));
                let builder = builder.clone();
                let watcher = graceful.watcher();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let served = match tls {
                        None => {
                            let connection = builder.serve_connection(TokioIo::new(tcp), service);
                            watcher.watch(connection.into_owned()).await
                        }
                        Some(acceptor) => {
                            let stream = match tokio::time::timeout(limits.handshake, acceptor.accept(tcp)).await {
                                Ok(Ok(stream)) => stream,
                                // A refused protocol version, a scanner, a timeout: nothing to serve.
                                Ok(Err(e)) => {
                                    tracing::debug!(error = %e, "TLS handshake failed");
                                    return;
                                }
                                Err(_) => return,
                            };
                            let connection = builder.serve_connection(TokioIo::new(stream), service);
                            watcher.watch(connection.into_owned()).await
                        }
                    };
                    if let Err(e) = served {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: no new connections; finishing requests in flight");
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "requests still in flight after the grace period were cut off"
        );
    }
    Ok(())
}
