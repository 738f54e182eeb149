mod account;
mod analytics_report;
mod assets;
mod audit_review;
mod consultation;
mod email;
mod event;
pub(crate) mod experiment_form;
mod experiments_api;
mod experiments_page;
mod form_builder;
mod form_view;
pub(crate) mod forms;
mod forms_admin;
mod forms_api;
mod health;
mod intake_settings;
mod invitation;
mod leads;
mod members;
mod multipart_form;
mod order_view;
mod orders;
mod password;
mod password_reset;
mod portal;
mod public_form;
mod reauth;
mod setup;
mod sign_in;
mod sites;
mod track;
mod two_factor;
mod webhook_settings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware;
use axum::routing::{MethodRouter, get, post, put};

use crate::error::AppError;
use crate::state::AppState;
use crate::{csrf_guard, headers, observe};

/// Forms are small; uploads will get their own, streaming, limit.
pub(crate) const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Every route, one method each. The router is built from this table and [`routes`] lists
/// it, so the access-matrix test sees every route there is: a new one cannot escape it.
fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/", get(assets::home)),
        (Method::GET, "/healthz", get(health::healthz)),
        (Method::GET, "/readyz", get(health::readyz)),
        (Method::GET, "/static/app.css", get(assets::stylesheet)),
        (Method::GET, "/static/form.js", get(assets::form_script)),
        (Method::GET, "/embed.js", get(assets::embed_script)),
        (Method::GET, "/js/lv.js", get(assets::analytics_script)),
        (
            Method::POST,
            "/api/event",
            post(event::collect).layer(DefaultBodyLimit::max(event::EVENT_BODY_LIMIT)),
        ),
        (Method::GET, "/setup", get(setup::show)),
        (Method::POST, "/setup", post(setup::submit)),
        (Method::GET, "/login", get(sign_in::show)),
        (Method::POST, "/login", post(sign_in::submit)),
        (
            Method::GET,
            "/login/two-factor",
            get(sign_in::show_second_factor),
        ),
        (
            Method::POST,
            "/login/two-factor",
            post(sign_in::submit_second_factor),
        ),
        (Method::POST, "/logout", post(sign_in::sign_out)),
        (
            Method::GET,
            "/password-reset",
            get(password_reset::show_request),
        ),
        (
            Method::POST,
            "/password-reset",
            post(password_reset::request),
        ),
        (
            Method::GET,
            "/password-reset/confirm",
            get(password_reset::show_reset),
        ),
        (
            Method::POST,
            "/password-reset/confirm",
            post(password_reset::reset),
        ),
        (Method::GET, "/account", get(account::show)),
        (
            Method::GET,
            "/account/two-factor",
            get(account::show_enrolment),
        ),
        (Method::POST, "/account/two-factor", post(account::confirm)),
        (
            Method::POST,
            "/account/two-factor/recovery-codes",
            post(two_factor::new_recovery_codes),
        ),
        (
            Method::POST,
            "/account/two-factor/disable",
            post(two_factor::turn_off),
        ),
        (Method::POST, "/account/email", post(email::request)),
        (
            Method::GET,
            "/account/email/confirm",
            get(email::show_confirm),
        ),
        (Method::POST, "/account/email/confirm", post(email::confirm)),
        (Method::GET, "/account/password", get(password::show)),
        (Method::POST, "/account/password", post(password::change)),
        (
            Method::GET,
            "/account/two-factor/qr.svg",
            get(account::enrolment_qr),
        ),
        (
            Method::POST,
            "/account/sessions/end-others",
            post(account::end_other),
        ),
        (
            Method::POST,
            "/account/sessions/{id}/end",
            post(account::end_one_session),
        ),
        (Method::GET, "/members", get(members::show)),
        (
            Method::POST,
            "/members/invite",
            post(members::invite_someone),
        ),
        (
            Method::POST,
            "/members/{id}/role",
            post(members::change_role),
        ),
        (Method::POST, "/members/{id}/remove", post(members::remove)),
        (
            Method::POST,
            "/invitations/{id}/revoke",
            post(members::withdraw_invitation),
        ),
        (Method::GET, "/invitation", get(invitation::show)),
        (Method::POST, "/invitation", post(invitation::accept)),
        (Method::GET, "/portal", get(portal::show)),
        (
            Method::GET,
            "/portal/orders/new/{form}",
            get(portal::show_new),
        ),
        (
            Method::POST,
            "/portal/orders/new/{form}",
            // Documents stream to disk, each held to the store's own limit: the
            // application-wide body limit would cut them off.
            post(portal::place).layer(DefaultBodyLimit::disable()),
        ),
        (Method::GET, "/portal/orders/{id}", get(portal::show_order)),
        (
            Method::POST,
            "/portal/orders/{id}/cancel",
            post(portal::cancel),
        ),
        (
            Method::GET,
            "/portal/documents/{id}",
            get(portal::download_document),
        ),
        (Method::GET, "/orders", get(orders::list)),
        (Method::GET, "/orders/{id}", get(orders::show)),
        (
            Method::POST,
            "/orders/{id}/status",
            post(orders::change_status),
        ),
        (
            Method::GET,
            "/orders/documents/{id}",
            get(orders::download_document),
        ),
        (Method::GET, "/sites", get(sites::show)),
        (
            Method::GET,
            "/sites/{id}/analytics",
            get(analytics_report::dashboard),
        ),
        (
            Method::GET,
            "/sites/{id}/analytics.csv",
            get(analytics_report::export),
        ),
        (
            Method::GET,
            "/api/sites/{id}/analytics",
            get(analytics_report::json),
        ),
        (
            Method::GET,
            "/api/sites/{id}/analytics/goals/{goal}",
            get(analytics_report::goal_breakdown),
        ),
        (
            Method::POST,
            "/sites/{id}/analytics/goals",
            post(analytics_report::add),
        ),
        (
            Method::POST,
            "/sites/{id}/analytics/goals/{goal}/remove",
            post(analytics_report::remove),
        ),
        (
            Method::POST,
            "/sites/{id}/analytics/share",
            post(analytics_report::share_link),
        ),
        (
            Method::POST,
            "/sites/{id}/analytics/share/remove",
            post(analytics_report::stop_sharing),
        ),
        (Method::GET, "/share/{token}", get(analytics_report::shared)),
        (
            Method::GET,
            "/api/sites/{id}/experiments",
            get(experiments_api::list),
        ),
        (
            Method::POST,
            "/api/sites/{id}/experiments",
            post(experiments_api::create),
        ),
        (
            Method::POST,
            "/api/sites/{id}/experiments/{experiment}/state",
            post(experiments_api::change_state),
        ),
        (
            Method::GET,
            "/api/sites/{id}/experiments/{experiment}/results",
            get(experiments_page::results_json),
        ),
        (
            Method::GET,
            "/sites/{id}/experiments",
            get(experiments_page::page),
        ),
        (
            Method::POST,
            "/sites/{id}/experiments",
            post(experiments_page::create),
        ),
        (
            Method::GET,
            "/sites/{id}/experiments/{experiment}",
            get(experiments_page::results_page),
        ),
        (
            Method::POST,
            "/sites/{id}/experiments/{experiment}/state",
            post(experiments_page::change_state),
        ),
        (
            Method::GET,
            "/api/sites/{id}/analytics/events/{name}/properties",
            get(analytics_report::event_properties_json),
        ),
        (Method::GET, "/f/{form}", get(public_form::show)),
        (
            Method::POST,
            "/f/{form}",
            // A form whose owner asked for documents streams them (each held to the store's
            // limit); other bodies are held to the usual limit by the handler.
            post(public_form::submit).layer(DefaultBodyLimit::disable()),
        ),
        (Method::GET, "/track", get(track::show)),
        (Method::POST, "/track", post(track::lookup)),
        (Method::GET, "/forms", get(forms_admin::list)),
        (Method::GET, "/forms/new", get(form_builder::show_new)),
        (Method::POST, "/forms/new", post(form_builder::submit_new)),
        (
            Method::GET,
            "/forms/{id}/edit",
            get(form_builder::show_edit),
        ),
        (
            Method::POST,
            "/forms/{id}/edit",
            post(form_builder::submit_edit),
        ),
        (Method::GET, "/api/forms", get(forms_api::list)),
        (Method::POST, "/api/forms", post(forms_api::create)),
        (Method::GET, "/api/forms/{id}", get(forms_api::show)),
        (Method::PUT, "/api/forms/{id}", put(forms_api::revise)),
        (Method::GET, "/leads", get(leads::list)),
        (Method::GET, "/leads/{id}", get(leads::show)),
        (
            Method::POST,
            "/leads/{id}/status",
            post(leads::change_status),
        ),
        (Method::POST, "/leads/{id}/assign", post(leads::assign)),
        (Method::POST, "/leads/{id}/notes", post(leads::add_note)),
        (
            Method::GET,
            "/leads/documents/{id}",
            get(leads::download_document),
        ),
        (Method::GET, "/settings/intake", get(intake_settings::show)),
        (
            Method::POST,
            "/settings/intake/pipeline",
            post(intake_settings::change_pipeline),
        ),
        (
            Method::POST,
            "/settings/intake/rules",
            post(intake_settings::add),
        ),
        (
            Method::POST,
            "/settings/intake/rules/{id}/remove",
            post(intake_settings::remove),
        ),
        (
            Method::POST,
            "/settings/intake/rules/{id}/move",
            post(intake_settings::move_one),
        ),
        (
            Method::POST,
            "/settings/intake/webhooks",
            post(webhook_settings::add),
        ),
        (
            Method::POST,
            "/settings/intake/webhooks/{id}/remove",
            post(webhook_settings::remove),
        ),
        (Method::GET, "/audit", get(audit_review::show)),
        (Method::GET, "/audit.csv", get(audit_review::download)),
        (Method::POST, "/sites", post(sites::add)),
        (Method::POST, "/sites/{id}/remove", post(sites::remove)),
        (Method::POST, "/sites/{id}/privacy", post(sites::privacy)),
    ]
}

/// Every (method, path template) the application answers.
pub fn routes() -> Vec<(Method, &'static str)> {
    table()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// The whole application. Middleware order, outermost first: request id and logging, then
/// security headers, then the body limit, then the route.
pub fn router(state: AppState) -> Router {
    table()
        .into_iter()
        .fold(Router::new(), |router, (method, path, handler)| {
            // Every state-changing route is guarded: its handler sees no body whose token
            // has not been checked.
            let handler = match csrf_guard::policy(&method, path) {
                Some(policy) => handler.layer(middleware::from_fn_with_state(
                    state.clone(),
                    move |state, request, next| csrf_guard::guard(state, policy, request, next),
                )),
                None => handler,
            };
            router.route(path, handler)
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
