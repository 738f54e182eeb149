//! Speed to lead on a lead's page: `POST /leads/{id}/contacted` (staff reached the person
//! outside Leadvault) and `POST /leads/{id}/follow-up` (when to look at it again, or clear
//! it). Whoever may work the lead may do both.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use leadvault_intake::{IntakeError, mark_contacted, set_follow_up};
use leadvault_store::Timestamp;
use serde::Deserialize;

use crate::intake::leads::{access, after_change, lead_id};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;

pub async fn contacted(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let lead = lead_id(&id)?;
    let marked = mark_contacted(state.db(), &signed_in.acting, lead, &access).await;
    after_change(&state, &signed_in, &access, lead, marked).await
}

#[derive(Deserialize)]
pub struct FollowUpForm {
    /// `YYYY-MM-DDTHH:MM`, UTC.
    #[serde(default)]
    at: String,
    /// Present when the "Clear" button was pressed.
    #[serde(default)]
    clear: Option<String>,
}

pub async fn follow_up(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<FollowUpForm>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let lead = lead_id(&id)?;
    let when = match (form.clear, Timestamp::parse_date_time(&form.at)) {
        (Some(_), _) => Ok(None),
        (None, Some(at)) => Ok(Some(at)),
        (None, None) => Err(IntakeError::Invalid(
            "give the follow-up's date and time".into(),
        )),
    };
    let set = match when {
        Ok(when) => set_follow_up(state.db(), &signed_in.acting, lead, &access, when).await,
        Err(refused) => Err(refused),
    };
    after_change(&state, &signed_in, &access, lead, set).await
}
