//! Probes for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use leadvault_store::{MigrationError, schema_status};
use serde::Serialize;

use crate::state::AppState;

/// Liveness: the process answers. Deliberately touches nothing else, so a database outage
/// does not get healthy processes restarted.
pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Serialize)]
pub struct Readiness {
    status: &'static str,
    database: &'static str,
    migrations: &'static str,
}

/// Readiness: the databases answer (the main one and analytics', the same one on
/// PostgreSQL) and their schemas are the ones this binary expects.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let main = schema_status(state.db(), state.migrations()).await;
    let status = match main {
        Ok(status) if status.is_current() => state.analytics().db().schema_status().await,
        other => other,
    };
    let outcome = match status {
        Ok(status) if status.is_current() => Ok(()),
        Ok(_) => Err(("ok", "pending")),
        Err(MigrationError::Store(e)) if e.is_unavailable() => Err(("unreachable", "unknown")),
        Err(MigrationError::Modified { .. } | MigrationError::Unknown { .. }) => {
            Err(("ok", "mismatch"))
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(("error", "unknown"))
        }
    };
    match outcome {
        Ok(()) => (
            StatusCode::OK,
            Json(Readiness {
                status: "ready",
                database: "ok",
                migrations: "current",
            }),
        ),
        Err((database, migrations)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Readiness {
                status: "unavailable",
                database,
                migrations,
            }),
        ),
    }
}
