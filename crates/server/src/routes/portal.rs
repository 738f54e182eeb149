//! The client portal: `GET /portal`, a client's own work orders. Staff are refused.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::pages::{PortalPage, render};
use crate::person::Person;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>, person: Person) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    Ok(render(&PortalPage {
        org_name: person.org_name,
        email: person.email,
    })
    .into_response())
}
