//! Changing one's e-mail address: `POST /account/email` (re-authenticated) mails a link to
//! the new address; `GET/POST /account/email/confirm` applies it, ends every session and
//! tells the old address.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{AccountsError, Email, confirm_email_change, request_email_change};
use leadvault_audit::Acting;
use leadvault_crypto::SecretToken;
use leadvault_store::Timestamp;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::account::page::account_page;
use crate::account::reauth::{Answers, reauthenticated};
use crate::account::views::{EmailChangedPage, EmailConfirmPage};
use crate::mails;
use crate::state::AppState;
use crate::web::auth::presented_token;
use crate::web::client_ip::ClientIp;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::form_body::TokenQuery;
use crate::web::observe;
use crate::web::person::Person;
use crate::web::render::{ErrorPage, render};

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: Zeroizing<String>,
    #[serde(default)]
    code: Zeroizing<String>,
}

async fn account_with(
    state: &AppState,
    person: &Person,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let mut page = account_page(state, person, error).await?;
    page.notice = notice;
    Ok((status, render(&page)).into_response())
}

pub async fn request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    person: Person,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let answers = Answers {
        password: &form.password,
        code: &form.code,
    };
    if let Err(refusal) = reauthenticated(&state, ip, &person, &answers).await? {
        return Ok(refusal);
    }
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Some(public) = state.mail_links().cloned() else {
        let message = "Changing the address needs e-mail, which is not set up here.".to_owned();
        return account_with(&state, &person, unprocessable, Some(message), None).await;
    };
    let new = match Email::parse(&form.email) {
        Ok(new) => new,
        Err(e) => {
            return account_with(&state, &person, unprocessable, Some(e.to_string()), None).await;
        }
    };
    let token = request_email_change(state.db(), &person.acting, person.user_id, &new).await?;
    let link = format!("{public}/account/email/confirm?token={}", token.expose());
    state
        .send_mail(&mails::email_change(new.as_str(), &link)?)
        .await?;
    tracing::info!(target: "security", user_id = %person.user_id, "e-mail change requested");
    let notice = format!(
        "A link to confirm {} is on its way there. It works once, for one hour.",
        new.as_str()
    );
    account_with(&state, &person, StatusCode::OK, None, Some(notice)).await
}

pub async fn show_confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    state.limits().password_reset.check(&ip)?;
    let token = SecretToken::parse(&query.token).map_err(|_| AppError::NotFound)?;
    csrf::form_page(&headers, state.options(), StatusCode::OK, |csrf| {
        EmailConfirmPage {
            csrf,
            token: token.expose().to_owned(),
        }
    })
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    token: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    state.limits().password_reset.check(&ip)?;
    let token = SecretToken::parse(&form.token).map_err(|_| AppError::NotFound)?;
    let changed = match confirm_email_change(
        state.db(),
        &Acting::personal(observe::anonymous(), Timestamp::now()),
        &token,
    )
    .await
    {
        Ok(changed) => changed,
        Err(AccountsError::EmailChangeInvalid) => return Err(AppError::NotFound),
        Err(AccountsError::EmailTaken) => {
            let page = ErrorPage {
                title: "Address not changed",
                explanation: "That address already belongs to another Leadvault account, so nothing was changed.",
                request_id: None,
            };
            return Ok((StatusCode::CONFLICT, render(&page)).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    state
        .send_mail(&mails::email_changed(&changed.old)?)
        .await?;
    tracing::info!(target: "security", user_id = %changed.user_id, "e-mail address changed; every session ended");
    let page = render(&EmailChangedPage { email: changed.new });
    // The browser's session, if it had one, ended with the change.
    match presented_token(&headers, state.options()) {
        Some(_) => Ok((
            [(
                axum::http::header::SET_COOKIE,
                crate::web::auth::cleared_cookie(state.options()),
            )],
            page,
        )
            .into_response()),
        None => Ok(page.into_response()),
    }
}
