//! Password reset by e-mail: `GET/POST /password-reset` asks for a link,
//! `GET/POST /password-reset/confirm` sets the new password (with the second factor, when
//! the account has one).
//!
//! Asking answers the same whether or not the address has an account, and the lookup and
//! the e-mail happen after the answer, so neither the page nor its timing tells.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{
    AccountsError, Email, Password, complete_password_reset, request_password_reset, sign_in_key,
    view_password_reset,
};
use leadvault_audit::Acting;
use leadvault_crypto::SecretToken;
use leadvault_store::Timestamp;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::account::views::{PasswordResetDonePage, PasswordResetPage, PasswordResetRequestPage};
use crate::mails;
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::form_body::TokenQuery;
use crate::web::observe;
use crate::web::rate_limit::backoff_check;
use crate::web::render::render;

fn request_page(
    state: &AppState,
    headers: &HeaderMap,
    sent_to: Option<String>,
) -> Result<Response, AppError> {
    csrf::form_page(headers, state.options(), StatusCode::OK, |csrf| {
        PasswordResetRequestPage {
            csrf,
            available: state.mail_links().is_some(),
            sent_to,
        }
    })
}

pub async fn show_request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state.limits().password_reset.check(&ip)?;
    request_page(&state, &headers, None)
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    email: String,
}

pub async fn request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<RequestForm>,
) -> Result<Response, AppError> {
    state.limits().password_reset.check(&ip)?;
    let Some(public) = state.mail_links().cloned() else {
        return request_page(&state, &headers, None);
    };
    state
        .limits()
        .reset_requests
        .check(&sign_in_key(&form.email))?;
    let typed: String = form.email.chars().take(254).collect();
    if let Ok(email) = Email::parse(&form.email) {
        let state = state.clone();
        let by = observe::anonymous();
        // Out of the request's sight: whether an account exists changes only what happens
        // here, never the answer or how long it took.
        tokio::spawn(async move {
            let now = Timestamp::now();
            let result = async {
                if let Some(token) =
                    request_password_reset(state.db(), &Acting::personal(by, now), &email).await?
                {
                    let link = format!("{public}/password-reset/confirm?token={}", token.expose());
                    state
                        .send_mail(&mails::password_reset(email.as_str(), &link)?)
                        .await?;
                    tracing::info!(target: "security", "password reset link sent");
                }
                Ok::<(), AppError>(())
            }
            .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "a password reset request could not be completed");
            }
        });
    }
    request_page(&state, &headers, Some(typed))
}

/// A live reset link's token and whether a code is needed; anything else is a plain 404.
async fn live(state: &AppState, candidate: &str) -> Result<(SecretToken, bool), AppError> {
    let token = SecretToken::parse(candidate).map_err(|_| AppError::NotFound)?;
    let view = view_password_reset(state.db(), &token, Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((token, view.needs_second_factor))
}

fn reset_page(
    state: &AppState,
    headers: &HeaderMap,
    token: &SecretToken,
    needs_code: bool,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    csrf::form_page(headers, state.options(), status, |csrf| PasswordResetPage {
        csrf,
        token: token.expose().to_owned(),
        needs_code,
        error,
    })
}

pub async fn show_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    state.limits().password_reset.check(&ip)?;
    let (token, needs_code) = live(&state, &query.token).await?;
    reset_page(&state, &headers, &token, needs_code, None)
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: Zeroizing<String>,
    #[serde(default)]
    code: Zeroizing<String>,
}

pub async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    state.limits().password_reset.check(&ip)?;
    let (token, needs_code) = live(&state, &form.token).await?;
    let now = Timestamp::now();
    let refuse = |message: String| reset_page(&state, &headers, &token, needs_code, Some(message));
    let password = match Password::new(form.password.to_string()) {
        Ok(password) => password,
        Err(e) => return refuse(e.to_string()),
    };
    let view = view_password_reset(state.db(), &token, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let failures = &state.limits().second_factor_failures;
    backoff_check(failures, &view.user_id, now)?;
    let code: String = form.code.chars().take(64).collect();
    let done = complete_password_reset(
        state.credentials(),
        &token,
        password,
        Some(&code),
        &Acting::personal(observe::anonymous(), now),
    )
    .await;
    match done {
        Ok(user) => {
            failures.record_success(&user);
            tracing::info!(target: "security", user_id = %user, "password reset; every session ended");
            Ok(render(&PasswordResetDonePage).into_response())
        }
        Err(e @ (AccountsError::Totp(_) | AccountsError::SecondFactorRequired)) => {
            failures.record_failure(&view.user_id, now);
            refuse(e.to_string())
        }
        Err(other) => Err(other.into()),
    }
}
