//! Accepting an invitation: `GET /invitation?token=…` shows it, `POST /invitation` joins.
//! Anonymous pages, so CSRF is the double-submit kind; the token is checked on both.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{AccountsError, Password, accept_invitation, view_invitation};
use leadvault_audit::Acting;
use leadvault_crypto::SecretToken;
use leadvault_store::Timestamp;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::account::views::{InvitationDonePage, InvitationPage};
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::form_body::TokenQuery;
use crate::web::observe;
use crate::web::render::render;

/// A live invitation's token and what it shows; anything else is a plain 404.
async fn live(
    state: &AppState,
    candidate: &str,
) -> Result<(SecretToken, leadvault_accounts::InvitationView), AppError> {
    let token = SecretToken::parse(candidate).map_err(|_| AppError::NotFound)?;
    let view = view_invitation(state.db(), &token, Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((token, view))
}

fn page(
    state: &AppState,
    headers: &HeaderMap,
    token: &SecretToken,
    view: leadvault_accounts::InvitationView,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    csrf::form_page(headers, state.options(), status, |csrf| InvitationPage {
        csrf,
        token: token.expose().to_owned(),
        org_name: view.org_name,
        email: view.email,
        role: view.invited_as.to_string(),
        account_exists: view.account_exists,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    state.limits().invitation.check(&ip)?;
    let (token, view) = live(&state, &query.token).await?;
    page(&state, &headers, &token, view, None)
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: Zeroizing<String>,
}

pub async fn accept(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<AcceptForm>,
) -> Result<Response, AppError> {
    state.limits().invitation.check(&ip)?;
    let (token, view) = live(&state, &form.token).await?;
    // A new account's password must meet the policy; an existing one's need only be right.
    let password = if view.account_exists {
        Password::offered(form.password.to_string())
    } else {
        Password::new(form.password.to_string())
    };
    let password = match password {
        Ok(password) => password,
        Err(e) => return page(&state, &headers, &token, view, Some(e.to_string())),
    };
    let org_name = view.org_name.clone();
    match accept_invitation(
        state.db(),
        state.hasher(),
        &token,
        password,
        &Acting::personal(observe::anonymous(), Timestamp::now()),
    )
    .await
    {
        Ok((org, user)) => {
            tracing::info!(target: "security", org_id = %org, user_id = %user, "invitation accepted");
            Ok(render(&InvitationDonePage { org_name }).into_response())
        }
        Err(e @ (AccountsError::WrongPassword | AccountsError::AlreadyMember)) => {
            page(&state, &headers, &token, view, Some(e.to_string()))
        }
        Err(other) => Err(other.into()),
    }
}
