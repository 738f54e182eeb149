//! The webhook endpoints of `/settings/intake`: adding one (its signing secret shown on the
//! page this once) and removing one. The page itself is `intake_settings`'.

use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_webhooks::{WebhookError, add_endpoint, remove_endpoint};
use url::Url;

use crate::intake::intake_settings::{PAGE, page_with, settings_form, settings_page};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;

pub async fn add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = settings_form(&state, &signed_in, &body).await?;
    let refuse = |reason: String| settings_page(&state, &signed_in, Some(reason));
    let Ok(url) = Url::parse(fields.one("url").trim()) else {
        return refuse("give the endpoint's full address, starting with https://".into()).await;
    };
    if let Err(refused) = state.webhooks().accepts(&url) {
        return refuse(refused.to_string()).await;
    }
    let added = add_endpoint(state.db(), state.keyring(), &signed_in.acting, &url).await;
    match added {
        Ok((_, secret)) => {
            let shown = secret.display().to_string();
            page_with(&state, &signed_in, None, Some(shown)).await
        }
        Err(WebhookError::Invalid(reason)) => refuse(reason).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    settings_form(&state, &signed_in, &body).await?;
    let _org = signed_in.org();
    remove_endpoint(state.db(), &signed_in.acting, &id).await?;
    Ok(Redirect::to(PAGE).into_response())
}
