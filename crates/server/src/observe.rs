//! A request id for every request, on every log line it causes and in the response.
//!
//! The log line records method, path (never the query string, which may carry a token),
//! status and duration: never a body, a cookie, an authorization header or an IP address.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use uuid::Uuid;

/// Identifies one request across log lines and to the person who saw an error page.
#[derive(Debug, Clone, Copy)]
pub struct RequestId(pub Uuid);

pub async fn observe(mut request: Request, next: Next) -> Response {
    let id = RequestId(Uuid::new_v4());
    let span = tracing::info_span!("request", request_id = %id.0);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(id);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            %method,
            path = %truncated(&path, 200),
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "handled"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id.0.to_string()) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

fn truncated(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}
