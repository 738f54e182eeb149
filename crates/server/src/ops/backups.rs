//! The installation's backups, for owners: when the daily backup runs and where it goes,
//! the last runs with their outcome (`/operations/backups`), a button that asks the job for
//! a backup now; and `/healthz/backup` for monitoring, which tells only times and outcomes.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::Capability;
use leadvault_backup::{Run, RunKind, human_size, last_success, overdue_since, recent};
use leadvault_store::Timestamp;
use serde::{Deserialize, Serialize};

use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

/// Runs shown on the page.
const SHOWN: u32 = 50;

pub struct RunRow {
    pub kind: &'static str,
    pub name: String,
    pub finished: String,
    pub succeeded: bool,
    pub size: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "ops/backups.html")]
pub struct BackupsPage {
    pub shell: Option<Shell>,
    pub configured: bool,
    pub destination: String,
    pub daily_at: String,
    pub last_verified: Option<String>,
    pub overdue: bool,
    pub asked: bool,
    pub runs: Vec<RunRow>,
}

#[derive(Deserialize)]
pub struct Shown {
    #[serde(default)]
    asked: Option<String>,
}

fn row(run: Run) -> RunRow {
    RunRow {
        kind: match run.kind {
            RunKind::Create => "backup",
            RunKind::Verify => "verification",
            RunKind::Prune => "retention",
            RunKind::Restore => "restore",
        },
        name: run.name.unwrap_or_default(),
        finished: run.finished_at.minute_utc(),
        succeeded: run.succeeded,
        size: run.archive_size.map(human_size).unwrap_or_default(),
        detail: run.detail,
    }
}

fn is_overdue(last: Option<&Run>, now: Timestamp) -> bool {
    last.is_none_or(|run| overdue_since(run.finished_at, now))
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(shown): Query<Shown>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Operations).await?;
    let last = last_success(state.db(), RunKind::Verify).await?;
    let runs = recent(state.db(), SHOWN).await?;
    let backups = state.backups();
    let page = BackupsPage {
        shell: Some(Shell::of(&state, &signed_in, Section::Operations).await?),
        configured: backups.is_some(),
        destination: backups.map(|b| b.destination.clone()).unwrap_or_default(),
        daily_at: backups
            .map(|b| {
                format!(
                    "{:02}:{:02} UTC",
                    b.daily_at_minute / 60,
                    b.daily_at_minute % 60
                )
            })
            .unwrap_or_default(),
        overdue: backups.is_some() && is_overdue(last.as_ref(), Timestamp::now()),
        last_verified: last.map(|run| run.finished_at.minute_utc()),
        asked: shown.asked.is_some(),
        runs: runs.into_iter().map(row).collect(),
    };
    Ok(render(&page).into_response())
}

/// `POST /operations/backups`: asks the daily job for a backup now. The run itself is
/// recorded and audited when it ends.
pub async fn back_up_now(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::Operations).await?;
    let Some(backups) = state.backups() else {
        return Err(AppError::NotFound);
    };
    backups.back_up_now.notify_one();
    Ok(Redirect::to("/operations/backups?asked=1").into_response())
}

#[derive(Serialize)]
pub struct BackupHealth {
    /// `off` (no backups configured), `ok`, or `overdue` (no verified backup for 26 hours).
    status: &'static str,
    last_verified: Option<String>,
    last_run_succeeded: Option<bool>,
}

/// `GET /healthz/backup`: for monitoring. 503 when backups are configured and none verified
/// in the last 26 hours; names and data never.
pub async fn health(
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<BackupHealth>), AppError> {
    let last = last_success(state.db(), RunKind::Verify).await?;
    let latest = recent(state.db(), 1).await?;
    let configured = state.backups().is_some();
    let overdue = configured && is_overdue(last.as_ref(), Timestamp::now());
    let body = BackupHealth {
        status: match (configured, overdue) {
            (false, _) => "off",
            (true, false) => "ok",
            (true, true) => "overdue",
        },
        last_verified: last.map(|run| run.finished_at.rfc3339()),
        last_run_succeeded: latest.first().map(|run| run.succeeded),
    };
    let code = if overdue {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    Ok((code, Json(body)))
}
