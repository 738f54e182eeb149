//! Signing in and out: `GET/POST /login` (password), `GET/POST /login/two-factor` (code),
//! `POST /logout`.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{
    AccountsError, NewSession, Password, PasswordAccepted, SessionStage, SessionToken,
    advance_session, check_password, end_session, sign_in_key, start_session, verify_second_factor,
};
use leadvault_audit::Acting;
use leadvault_store::Timestamp;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::account::device;
use crate::account::views::{SecondFactorPage, SignInPage};
use crate::state::AppState;
use crate::web::auth::{SigningIn, presented_token, redirect_with_session, signed_out};
use crate::web::client_ip::ClientIp;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::form_body::CodeForm;
use crate::web::observe;
use crate::web::person::Person;
use crate::web::rate_limit::backoff_check;
use crate::web::render::render;

/// The one message for every failed sign-in: which part was wrong is not said.
const SIGN_IN_FAILED: &str = "That e-mail address and password do not match an account.";

/// Where a session at `stage` goes next.
fn next_page(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::SecondFactor => "/login/two-factor",
        SessionStage::Enrol => "/account/two-factor",
        SessionStage::Full => "/",
    }
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    person: Option<Person>,
) -> Result<Response, AppError> {
    if person.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    sign_in_form(&state, &headers, String::new(), None, StatusCode::OK)
}

fn sign_in_form(
    state: &AppState,
    headers: &HeaderMap,
    email: String,
    error: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    csrf::form_page(headers, state.options(), status, |csrf| SignInPage {
        csrf,
        email,
        error,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: Zeroizing<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    state.limits().sign_in.check(&ip)?;
    let now = Timestamp::now();
    let account_key = sign_in_key(&form.email);
    let failures = &state.limits().sign_in_failures;
    backoff_check(failures, &account_key, now)?;

    // Too long to be anyone's password: refused like any wrong one, without hashing it.
    let accepted = match Password::offered(form.password.to_string()) {
        Ok(password) => {
            check_password(
                state.db(),
                state.hasher(),
                &form.email,
                password,
                &Acting::personal(observe::anonymous(), now),
            )
            .await?
        }
        Err(_) => None,
    };
    let Some(accepted) = accepted else {
        failures.record_failure(&account_key, now);
        tracing::info!(target: "security", "sign-in refused");
        let email = form.email.chars().take(254).collect();
        return sign_in_form(
            &state,
            &headers,
            email,
            Some(SIGN_IN_FAILED),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    failures.record_success(&account_key);
    let token = fresh_session(&state, &headers, &accepted, now).await?;
    tracing::info!(target: "security", user_id = %accepted.user_id, stage = ?accepted.stage, "password accepted");
    redirect_with_session(state.options(), &token, next_page(accepted.stage))
}

/// A new session for the person whose password was accepted, named by their device. A
/// session the browser already had (perhaps planted by someone else) is ended, not reused.
async fn fresh_session(
    state: &AppState,
    headers: &HeaderMap,
    accepted: &PasswordAccepted,
    now: Timestamp,
) -> Result<SessionToken, AppError> {
    if let Some(old) = presented_token(headers, state.options()) {
        end_session(
            state.db(),
            &Acting::personal(observe::anonymous(), now),
            &old,
        )
        .await?;
    }
    let device = device::label(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let session = NewSession {
        user: accepted.user_id,
        org: accepted.org_id,
        stage: accepted.stage,
        device: &device,
    };
    Ok(start_session(state.db(), session, now).await?)
}

pub async fn show_second_factor(signing_in: SigningIn) -> Result<Response, AppError> {
    if signing_in.session.stage != SessionStage::SecondFactor {
        return Ok(Redirect::to(next_page(signing_in.session.stage)).into_response());
    }
    Ok(render(&SecondFactorPage {
        csrf: signing_in.csrf_token(),
        error: None,
    })
    .into_response())
}

pub async fn submit_second_factor(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    signing_in: SigningIn,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    state.limits().second_factor.check(&ip)?;
    let by = signing_in.by();
    let SigningIn { session, token } = signing_in;
    if session.stage != SessionStage::SecondFactor {
        return Ok(Redirect::to(next_page(session.stage)).into_response());
    }
    let now = Timestamp::now();
    let failures = &state.limits().second_factor_failures;
    backoff_check(failures, &session.user_id, now)?;

    let code = form.code();
    match verify_second_factor(
        state.db(),
        state.keyring(),
        session.user_id,
        &code,
        &Acting::personal(by, now),
    )
    .await
    {
        Ok(()) => {}
        Err(AccountsError::Totp(wrong)) => {
            failures.record_failure(&session.user_id, now);
            tracing::info!(target: "security", user_id = %session.user_id, "second factor refused");
            let page = SecondFactorPage {
                csrf: token.csrf_token().to_string(),
                error: Some(wrong.to_string()),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(other) => return Err(other.into()),
    }
    failures.record_success(&session.user_id);
    let fresh = advance_session(state.db(), &token, SessionStage::Full, now)
        .await?
        .ok_or(AppError::SignInRequired)?;
    tracing::info!(target: "security", user_id = %session.user_id, "signed in");
    redirect_with_session(state.options(), &fresh, "/")
}

pub async fn sign_out(
    State(state): State<AppState>,
    signing_in: SigningIn,
) -> Result<Response, AppError> {
    end_session(
        state.db(),
        &Acting::personal(signing_in.by(), Timestamp::now()),
        &signing_in.token,
    )
    .await?;
    tracing::info!(target: "security", user_id = %signing_in.session.user_id, "signed out");
    Ok(signed_out(state.options()))
}
