//! A request id for every request, on every log line it causes, in the response header and
//! on error pages.
//!
//! The log line records method, the matched route (a template such as `/setup`, never the
//! path as sent, so tokens in paths and query strings stay out of logs), status and duration:
//! never a body, a cookie, an authorization header or an IP address.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use leadvault_audit::{Actor, By};
use tracing::Instrument;
use uuid::Uuid;

/// Identifies one request across log lines and to the person who saw an error page.
#[derive(Debug, Clone, Copy)]
pub struct RequestId(pub Uuid);

tokio::task_local! {
    static CURRENT: RequestId;
}

/// The id of the request being handled, for error pages.
pub fn current_request_id() -> Option<RequestId> {
    CURRENT.try_with(|id| *id).ok()
}

/// `actor`, acting in the request being handled: what an audited operation is handed.
pub fn by(actor: Actor) -> By {
    By::new(actor, current_request_id().map(|id| id.0))
}

/// Somebody not signed in (or not yet), acting in the request being handled.
pub fn anonymous() -> By {
    by(Actor::Anonymous)
}

/// Where the inner route layer leaves the matched route for the outer logging layer.
#[derive(Debug, Clone, Default)]
struct RouteSlot(Arc<Mutex<Option<String>>>);

pub async fn observe(mut request: Request, next: Next) -> Response {
    let id = RequestId(Uuid::new_v4());
    let span = tracing::info_span!("request", request_id = %id.0);
    let method = request.method().clone();
    let slot = RouteSlot::default();
    request.extensions_mut().insert(id);
    request.extensions_mut().insert(slot.clone());
    let started = Instant::now();
    let mut response = CURRENT
        .scope(id, next.run(request))
        .instrument(span.clone())
        .await;
    let status = response.status().as_u16();
    let route = slot
        .0
        .lock()
        .ok()
        .and_then(|route| route.clone())
        .unwrap_or_else(|| "(no route)".to_owned());
    span.in_scope(|| {
        tracing::info!(
            %method,
            route,
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

/// Runs inside routing (as a route layer), where the matched route is known.
pub async fn record_route(request: Request, next: Next) -> Response {
    if let (Some(matched), Some(slot)) = (
        request.extensions().get::<MatchedPath>(),
        request.extensions().get::<RouteSlot>(),
    ) && let Ok(mut route) = slot.0.lock()
    {
        *route = Some(matched.as_str().to_owned());
    }
    next.run(request).await
}
