//! `/track`: where a request stands, for whoever holds its tracking code. Shows the status
//! and what happens next, never what was sent. The code travels in a POST body, never in an
//! address; a mistyped code and an unknown one get the same answer; lookups are rate limited.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadvault_intake::{TrackingCode, track};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::intake::views::{TrackPage, TrackedView};
use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::error::AppError;
use crate::web::render::{render, utc};

const NOT_FOUND: &str =
    "No request has this code. Check it and type it again: it has 17 letters and digits.";

/// What happens next, by status (the default pipeline; an organization's own states fall
/// back to the general sentence).
fn next_steps(status: &str) -> &'static str {
    match status {
        "new" => "Your request is waiting for the firm's intake team, who read every request.",
        "contacted" => "The firm has been in touch. Check your e-mail and phone for their message.",
        "consultation_scheduled" => {
            "A consultation is scheduled. The firm has sent you the details."
        }
        "retained" => "The firm is working on your matter.",
        "declined" => {
            "The firm cannot take this matter. This is not legal advice about your case: consider contacting another lawyer soon, as deadlines may apply."
        }
        "closed" => "This request is closed.",
        _ => "The firm is handling your request.",
    }
}

pub async fn show(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    state.limits().track.check(&ip)?;
    Ok(render(&TrackPage {
        error: None,
        status: None,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    code: Zeroizing<String>,
}

pub async fn lookup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(form): Form<TrackForm>,
) -> Result<Response, AppError> {
    state.limits().track.check(&ip)?;
    let typed: String = form.code.chars().take(64).collect();
    let found = match TrackingCode::parse(&typed) {
        Ok(code) => track(state.db(), &code).await?,
        Err(_) => None,
    };
    let Some(found) = found else {
        let page = TrackPage {
            error: Some(NOT_FOUND.to_owned()),
            status: None,
        };
        return Ok((StatusCode::NOT_FOUND, render(&page)).into_response());
    };
    Ok(render(&TrackPage {
        error: None,
        status: Some(TrackedView {
            org_name: found.org_name,
            next_steps: next_steps(&found.status),
            status: found.label,
            submitted: utc(found.submitted_at),
            updated: utc(found.updated_at),
        }),
    })
    .into_response())
}
