//! The one route table. Each feature lists its own routes ([`Route`]); [`table`] joins them,
//! the router is built from it, and [`routes`] lists it for the access-matrix test, so a
//! new route cannot escape the matrix. A route's CSRF policy is a column of the table: a
//! state-changing route is guarded by the session's token unless its entry says otherwise,
//! and its handler only ever sees a body whose token was checked.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware;
use axum::routing::{MethodRouter, get, post, put};

use crate::state::AppState;
use crate::web::csrf_guard::{self, Csrf};
use crate::web::error::AppError;
use crate::web::{headers, observe, plan_guard};
use crate::{account, analytics, audit_review, intake, ops, payments, team};

/// Forms are small; uploads will get their own, streaming, limit.
pub(crate) const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// One route: its method, path template, CSRF policy, whether a member of an organization
/// whose plan has lapsed may still use it, and its handler.
pub(crate) struct Route {
    method: Method,
    path: &'static str,
    csrf: Option<Csrf>,
    open_when_lapsed: bool,
    handler: MethodRouter<AppState>,
}

impl Route {
    /// A page or a read: changes nothing, so no CSRF check.
    pub(crate) fn get<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::GET, path, get(handler))
    }

    /// A change, guarded by the session's anti-CSRF token unless marked otherwise.
    pub(crate) fn post<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::POST, path, post(handler))
    }

    /// A change, guarded by the session's anti-CSRF token unless marked otherwise.
    pub(crate) fn put<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Self::new(Method::PUT, path, put(handler))
    }

    fn new(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        let csrf = (method != Method::GET).then_some(Csrf::Session);
        Self {
            method,
            path,
            csrf,
            open_when_lapsed: false,
            handler,
        }
    }

    /// A change a member of an organization whose plan has lapsed may still make (choosing
    /// a plan, signing out, their own account); every other change with a session is
    /// refused to them ([`crate::web::plan_guard`]).
    pub(crate) fn open_when_lapsed(mut self) -> Self {
        self.open_when_lapsed = true;
        self
    }

    /// A signed-out page's form: guarded by the double-submit cookie and field instead.
    pub(crate) fn signed_out(mut self) -> Self {
        self.csrf = Some(Csrf::Anonymous);
        self
    }

    /// Not guarded by an anti-CSRF token, for the reason given (shown in the access matrix).
    pub(crate) fn csrf_exempt(mut self, reason: &'static str) -> Self {
        self.csrf = Some(Csrf::Exempt(reason));
        self
    }

    /// The body is read as a stream by the handler, which holds each part to its own limit.
    pub(crate) fn streaming_body(mut self) -> Self {
        self.handler = self.handler.layer(DefaultBodyLimit::disable());
        self
    }

    /// The body is held to `bytes` rather than the application's limit.
    pub(crate) fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self.handler.layer(DefaultBodyLimit::max(bytes));
        self
    }
}

/// A route as the access matrix sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    /// How a state-changing route proves the request comes from our own page; `None` for a
    /// method that changes nothing.
    pub csrf: Option<Csrf>,
    /// A member may make this change while the organization's plan has lapsed.
    pub open_when_lapsed: bool,
}

/// Every route, one method each, feature by feature.
fn table() -> Vec<Route> {
    [
        ops::routes(),
        account::routes(),
        team::routes(),
        intake::routes(),
        analytics::routes(),
        payments::routes(),
        audit_review::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every route the application answers, with its CSRF policy.
pub fn routes() -> Vec<RouteInfo> {
    table()
        .into_iter()
        .map(|route| RouteInfo {
            method: route.method,
            path: route.path,
            csrf: route.csrf,
            open_when_lapsed: route.open_when_lapsed,
        })
        .collect()
}

/// The whole application. Middleware order, outermost first: request id and logging, then
/// security headers, then the body limit, then the CSRF guard, then the route.
pub fn router(state: AppState) -> Router {
    table()
        .into_iter()
        .fold(Router::new(), |router, route| {
            // A member's change waits for a plan in good standing, where plans are sold.
            let handler = match (route.csrf, route.open_when_lapsed) {
                (Some(Csrf::Session), false) => route.handler.layer(
                    middleware::from_fn_with_state(state.clone(), plan_guard::guard),
                ),
                _ => route.handler,
            };
            // Every state-changing route is guarded: its handler sees no body whose token
            // has not been checked (first, before the plan is looked at).
            let handler = match route.csrf {
                Some(policy) => handler.layer(middleware::from_fn_with_state(
                    state.clone(),
                    move |state, request, next| csrf_guard::guard(state, policy, request, next),
                )),
                None => handler,
            };
            router.route(route.path, handler)
        })
        .route_layer(middleware::from_fn(observe::record_route))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(middleware::from_fn(observe::observe))
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(method: Method, path: &str) -> Option<Csrf> {
        routes()
            .into_iter()
            .find(|route| route.method == method && route.path == path)
            .and_then(|route| route.csrf)
    }

    #[test]
    fn every_state_changing_route_is_guarded_unless_named() {
        assert_eq!(policy(Method::GET, "/leads"), None);
        assert_eq!(
            policy(Method::POST, "/leads/{id}/notes"),
            Some(Csrf::Session)
        );
        assert_eq!(policy(Method::PUT, "/api/forms/{id}"), Some(Csrf::Session));
        assert_eq!(policy(Method::POST, "/login"), Some(Csrf::Anonymous));
        assert!(matches!(
            policy(Method::POST, "/api/event"),
            Some(Csrf::Exempt(_))
        ));
    }
}
