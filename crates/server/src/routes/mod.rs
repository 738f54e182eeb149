mod account;
mod assets;
mod forms;
mod health;
mod setup;
mod sign_in;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};

use crate::error::AppError;
use crate::state::AppState;
use crate::{headers, observe};

/// Forms are small; uploads will get their own, streaming, limit.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The whole application. Middleware order, outermost first: request id and logging, then
/// security headers, then the body limit, then the route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(assets::home))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/setup", get(setup::show).post(setup::submit))
        .route("/login", get(sign_in::show).post(sign_in::submit))
        .route(
            "/login/two-factor",
            get(sign_in::show_second_factor).post(sign_in::submit_second_factor),
        )
        .route("/logout", post(sign_in::sign_out))
        .route("/account", get(account::show))
        .route(
            "/account/two-factor",
            get(account::show_enrolment).post(account::confirm),
        )
        .route("/account/two-factor/qr.svg", get(account::enrolment_qr))
        .route("/account/sessions/end-others", post(account::end_other))
        .route("/account/sessions/{id}/end", post(account::end_one_session))
        .route("/static/app.css", get(assets::stylesheet))
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
