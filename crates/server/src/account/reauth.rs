//! Re-authentication in a form: the password and, for a person with a second factor, a
//! code. Failures count towards the person's second-factor back-off.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{AccountsError, Password, Proof, reauthenticate};
use leadvault_store::Timestamp;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::account::page::account_page;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::person::Person;
use crate::web::rate_limit::backoff_check;
use crate::web::render::render;

/// A form whose only fields are the re-authentication.
#[derive(Deserialize)]
pub struct ReauthForm {
    #[serde(default)]
    password: Zeroizing<String>,
    #[serde(default)]
    code: Zeroizing<String>,
}

impl ReauthForm {
    pub fn answers(&self) -> Answers<'_> {
        Answers {
            password: &self.password,
            code: &self.code,
        }
    }
}

/// The re-authentication fields of any form.
#[derive(Debug, Clone, Copy)]
pub struct Answers<'a> {
    pub password: &'a str,
    pub code: &'a str,
}

/// Checks CSRF, limits, password and code. `Ok(Err(page))`: refused, show `page` (422).
pub async fn reauthenticated(
    state: &AppState,
    ip: std::net::IpAddr,
    person: &Person,
    answers: &Answers<'_>,
) -> Result<Result<(), Response>, AppError> {
    state.limits().second_factor.check(&ip)?;
    let now = Timestamp::now();
    let failures = &state.limits().second_factor_failures;
    backoff_check(failures, &person.user_id, now)?;
    // Too long to be anyone's password: refused like a wrong one.
    let outcome = match Password::offered(answers.password.to_owned()) {
        Ok(password) => {
            let code: String = answers.code.chars().take(64).collect();
            reauthenticate(
                state.credentials(),
                person.user_id,
                Proof {
                    password,
                    code: &code,
                },
                &person.acting,
            )
            .await
        }
        Err(_) => Err(AccountsError::WrongPassword),
    };
    match outcome {
        Ok(()) => {
            failures.record_success(&person.user_id);
            Ok(Ok(()))
        }
        Err(
            e @ (AccountsError::WrongPassword
            | AccountsError::Totp(_)
            | AccountsError::SecondFactorRequired),
        ) => {
            failures.record_failure(&person.user_id, now);
            let page = account_page(state, person, Some(e.to_string())).await?;
            Ok(Err(
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
            ))
        }
        Err(other) => Err(other.into()),
    }
}
