//! Changing a second factor that is set up: new recovery codes, or turning it off (only for
//! people no role of whom requires it). Both re-authenticate: password and a code.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{
    AccountsError, regenerate_recovery_codes, remove_second_factor, second_factor_required,
};

use crate::account::page::account_page;
use crate::account::reauth::{ReauthForm, reauthenticated};
use crate::account::views::RecoveryCodesPage;
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::error::AppError;
use crate::web::person::Person;
use crate::web::render::render;

pub async fn new_recovery_codes(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    person: Person,
    Form(form): Form<ReauthForm>,
) -> Result<Response, AppError> {
    if let Err(refusal) = reauthenticated(&state, ip, &person, &form.answers()).await? {
        return Ok(refusal);
    }
    let codes = match regenerate_recovery_codes(state.db(), &person.acting, person.user_id).await {
        Ok(codes) => codes,
        Err(e @ AccountsError::NotEnrolled) => {
            let page = account_page(&state, &person, Some(e.to_string())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    tracing::info!(target: "security", user_id = %person.user_id, "recovery codes replaced");
    Ok(render(&RecoveryCodesPage {
        codes: codes.iter().map(str::to_owned).collect(),
    })
    .into_response())
}

pub async fn turn_off(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    person: Person,
    Form(form): Form<ReauthForm>,
) -> Result<Response, AppError> {
    // Refused before the code is checked, so that no recovery code is spent on it.
    if second_factor_required(state.db(), person.user_id).await? {
        let message = AccountsError::SecondFactorMandatory.to_string();
        let page = account_page(&state, &person, Some(message)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    if let Err(refusal) = reauthenticated(&state, ip, &person, &form.answers()).await? {
        return Ok(refusal);
    }
    match remove_second_factor(state.db(), &person.acting, person.user_id).await {
        Ok(()) => {}
        Err(e @ AccountsError::SecondFactorMandatory) => {
            let page = account_page(&state, &person, Some(e.to_string())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(other) => return Err(other.into()),
    }
    tracing::info!(target: "security", user_id = %person.user_id, "second factor turned off");
    Ok(Redirect::to("/account").into_response())
}
