//! Changing one's password: `GET/POST /account/password`. The current password is asked for
//! again (re-authentication); failures count towards the same back-off as sign-in.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{AccountsError, Password, PasswordChange, change_password, sign_in_key};
use leadvault_store::Timestamp;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::account::views::PasswordPage;
use crate::state::AppState;
use crate::web::auth::redirect_with_session;
use crate::web::client_ip::ClientIp;
use crate::web::error::AppError;
use crate::web::person::Person;
use crate::web::rate_limit::backoff_check;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

pub async fn show(State(state): State<AppState>, person: Person) -> Result<Response, AppError> {
    Ok(render(&password_page(&state, &person, None).await?).into_response())
}

async fn password_page(
    state: &AppState,
    person: &Person,
    error: Option<String>,
) -> Result<PasswordPage, AppError> {
    Ok(PasswordPage {
        shell: Shell::of_person(state, person, Section::Account).await?,
        csrf: person.csrf_token(),
        error,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: Zeroizing<String>,
    #[serde(default)]
    new: Zeroizing<String>,
}

async fn refused(state: &AppState, person: &Person, message: String) -> Result<Response, AppError> {
    let page = password_page(state, person, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

pub async fn change(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    person: Person,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    state.limits().sign_in.check(&ip)?;
    let now = Timestamp::now();
    let key = sign_in_key(&person.email);
    let failures = &state.limits().sign_in_failures;
    backoff_check(failures, &key, now)?;

    let new = match Password::new(form.new.to_string()) {
        Ok(new) => new,
        Err(e) => return refused(&state, &person, format!("New password: {e}")).await,
    };
    let Ok(current) = Password::offered(form.current.to_string()) else {
        return refused(&state, &person, AccountsError::WrongPassword.to_string()).await;
    };
    let user = person.user_id;
    let changed = change_password(
        state.credentials(),
        user,
        PasswordChange { current, new },
        &person.token,
        &person.acting,
    )
    .await;
    match changed {
        Ok(fresh) => {
            failures.record_success(&key);
            tracing::info!(target: "security", user_id = %user, "password changed; other sessions ended");
            redirect_with_session(state.options(), &fresh, "/account")
        }
        Err(AccountsError::WrongPassword) => {
            failures.record_failure(&key, now);
            refused(
                &state,
                &person,
                "Your current password is not right.".to_owned(),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
