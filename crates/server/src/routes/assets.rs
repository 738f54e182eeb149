use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use leadvault_accounts::owner_exists;

use crate::error::AppError;
use crate::pages::{HomePage, render};
use crate::state::AppState;

pub async fn home(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let needs_setup = !owner_exists(state.db()).await?;
    Ok(render(&HomePage { needs_setup }))
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}
