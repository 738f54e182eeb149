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

pub async fn show(person: Person) -> Result<Response, AppError> {
    Ok(render(&PasswordPage {
        csrf: person.csrf_token(),
        error: None,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: Zeroizing<String>,
    #[serde(default)]
    new: Zeroizing<String>,
}

fn refused(person: &Person, message: String) -> Response {
    let page = PasswordPage {
        csrf: person.csrf_token(),
        error: Some(message),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
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
        Err(e) => return Ok(refused(&person, format!("New password: {e}"))),
    };
    let Ok(current) = Password::offered(form.current.to_string()) else {
        return Ok(refused(&person, AccountsError::WrongPassword.to_string()));
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
            Ok(refused(
                &person,
                "Your current password is not right.".to_owned(),
            ))
        }
        Err(other) => Err(other.into()),
    }
}
