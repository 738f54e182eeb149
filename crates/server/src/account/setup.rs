//! First-run setup pages: `GET /setup?token=…` shows the form, `POST /setup` founds the first
//! organization and its owner.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{
    AccountsError, Email, NewOwner, OrgName, Password, complete_setup, setup_is_open,
};
use leadvault_audit::Acting;
use leadvault_crypto::SecretToken;
use leadvault_store::Timestamp;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::account::views::{SetupDonePage, SetupErrors, SetupPage};
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::csrf;
use crate::web::error::AppError;
use crate::web::observe;
use crate::web::render::render;

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

pub async fn show(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<SetupQuery>,
) -> Result<Response, AppError> {
    state.limits().setup.check(&ip)?;
    let token = usable_token(&state, &query.token).await?;
    csrf::form_page(&headers, state.options(), StatusCode::OK, |csrf| {
        SetupPage {
            csrf,
            token: token.expose().to_owned(),
            ..SetupPage::default()
        }
    })
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    org_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: Zeroizing<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    state.limits().setup.check(&ip)?;
    let token = usable_token(&state, &form.token).await?;

    let mut errors = match create(&state, &token, &form).await? {
        Ok(org_name) => return Ok(render(&SetupDonePage { org_name }).into_response()),
        Err(errors) => errors,
    };
    errors.form = Some("Please correct the fields marked below.".to_owned());
    csrf::form_page(
        &headers,
        state.options(),
        StatusCode::UNPROCESSABLE_ENTITY,
        |csrf| SetupPage {
            csrf,
            token: token.expose().to_owned(),
            org_name: form.org_name,
            email: form.email,
            errors,
        },
    )
}

/// Creates the first organization and its owner from the form: `Ok(Ok(name))` done,
/// `Ok(Err(errors))` what to correct on which field.
async fn create(
    state: &AppState,
    token: &SecretToken,
    form: &SetupForm,
) -> Result<Result<String, SetupErrors>, AppError> {
    let org_name = OrgName::parse(&form.org_name);
    let email = Email::parse(&form.email);
    let password = Password::new(form.password.to_string());
    let mut errors = SetupErrors {
        org_name: org_name.as_ref().err().map(ToString::to_string),
        email: email.as_ref().err().map(ToString::to_string),
        password: password.as_ref().err().map(ToString::to_string),
        form: None,
    };
    let (Ok(org_name), Ok(email), Ok(password)) = (org_name, email, password) else {
        return Ok(Err(errors));
    };
    let shown_name = org_name.as_str().to_owned();
    let new = NewOwner {
        org_name,
        email,
        password,
    };
    let by = observe::anonymous();
    match complete_setup(
        state.db(),
        state.hasher(),
        token,
        new,
        &Acting::personal(by, Timestamp::now()),
    )
    .await
    {
        Ok(owner) => {
            tracing::info!(org_id = %owner.org_id, user_id = %owner.user_id, "first organization and owner created");
            Ok(Ok(shown_name))
        }
        Err(AccountsError::EmailTaken) => {
            errors.email = Some(AccountsError::EmailTaken.to_string());
            Ok(Err(errors))
        }
        Err(AccountsError::SetupTokenInvalid | AccountsError::SetupAlreadyDone) => {
            Err(AppError::NotFound)
        }
        Err(other) => Err(other.into()),
    }
}

/// The setup token, if setup is still open and the token is one we issued and still honour.
/// Every other case is a plain 404: the page does not say which part was wrong.
async fn usable_token(state: &AppState, candidate: &str) -> Result<SecretToken, AppError> {
    let token = SecretToken::parse(candidate).map_err(|_| AppError::NotFound)?;
    if setup_is_open(state.db(), &token, Timestamp::now()).await? {
        Ok(token)
    } else {
        Err(AppError::NotFound)
    }
}
