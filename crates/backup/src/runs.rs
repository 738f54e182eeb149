//! The record of what backups did: each run (create, verify, prune, restore) with its
//! outcome, also appended to the instance's audit chain. What the operations page shows,
//! what monitoring reads, and how the daily job knows a backup is missing.

use leadvault_audit::{Action, Actor, Chain, Event, append_alone};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, Timestamp};
use uuid::Uuid;

use crate::error::BackupError;

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Create,
    Verify,
    Prune,
    Restore,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Verify => "verify",
            Self::Prune => "prune",
            Self::Restore => "restore",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Create, Self::Verify, Self::Prune, Self::Restore]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// The audit actions of backups, on the instance's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupAction {
    Created,
    CreateFailed,
    Verified,
    VerifyFailed,
    Pruned,
    PruneFailed,
    Restored,
    RestoreFailed,
}

impl Action for BackupAction {
    fn name(self) -> &'static str {
        match self {
            Self::Created => "backup.created",
            Self::CreateFailed => "backup.create_failed",
            Self::Verified => "backup.verified",
            Self::VerifyFailed => "backup.verify_failed",
            Self::Pruned => "backup.pruned",
            Self::PruneFailed => "backup.prune_failed",
            Self::Restored => "backup.restored",
            Self::RestoreFailed => "backup.restore_failed",
        }
    }
}

impl BackupAction {
    fn of(kind: RunKind, succeeded: bool) -> Self {
        match (kind, succeeded) {
            (RunKind::Create, true) => Self::Created,
            (RunKind::Create, false) => Self::CreateFailed,
            (RunKind::Verify, true) => Self::Verified,
            (RunKind::Verify, false) => Self::VerifyFailed,
            (RunKind::Prune, true) => Self::Pruned,
            (RunKind::Prune, false) => Self::PruneFailed,
            (RunKind::Restore, true) => Self::Restored,
            (RunKind::Restore, false) => Self::RestoreFailed,
        }
    }
}

/// One finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub kind: RunKind,
    pub name: Option<String>,
    pub destination: String,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub succeeded: bool,
    pub archive_size: Option<u64>,
    /// What was done, or the error: names, hashes and sizes, never personal data.
    pub detail: String,
}

impl Run {
    /// A run of `kind` that began at `started` and ends now: on success the archive's size
    /// (if any) and what was done, on failure the error.
    pub fn finished(
        kind: RunKind,
        name: Option<String>,
        destination: &str,
        started: Timestamp,
        result: Result<(Option<u64>, String), &BackupError>,
    ) -> Self {
        Self {
            kind,
            name,
            destination: destination.to_owned(),
            started_at: started,
            finished_at: Timestamp::now().max(started),
            succeeded: result.is_ok(),
            archive_size: result.as_ref().ok().and_then(|(size, _)| *size),
            detail: match result {
                Ok((_, detail)) => detail,
                Err(e) => e.to_string(),
            },
        }
    }
}

/// How old the last successful backup may be before the operator and monitoring hear of
/// it: a day, and time for a slow backup.
pub const OVERDUE: std::time::Duration = std::time::Duration::from_secs(26 * 60 * 60);

/// Whether something last done at `at` is older than [`OVERDUE`] at `now`.
pub fn overdue_since(at: Timestamp, now: Timestamp) -> bool {
    now.as_unix_micros() - at.as_unix_micros()
        > i64::try_from(OVERDUE.as_micros()).unwrap_or(i64::MAX)
}

/// A size as people read it (decimal units): `512 B`, `1.3 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Stores `run` and appends it to the instance's audit chain, `actor` doing it. A database
/// whose schema predates the record of runs (the backup taken before the migration that
/// makes it) has the audit record and the log only.
pub async fn record(db: &Db, run: &Run, actor: Actor) -> Result<(), BackupError> {
    tracing::info!(
        kind = run.kind.as_str(),
        backup = run.name.as_deref().unwrap_or(""),
        succeeded = run.succeeded,
        detail = %run.detail,
        "backup run"
    );
    if has_runs_table(db).await? {
        insert(db, run).await?;
    }
    let mut event = Event::new(actor, BackupAction::of(run.kind, run.succeeded));
    if let Some(name) = &run.name {
        event = event.on("backup", name);
    }
    append_alone(db, Chain::Instance, &event, run.finished_at).await?;
    Ok(())
}

async fn has_runs_table(db: &Db) -> Result<bool, BackupError> {
    let mut conn = db.pool().acquire().await?;
    Ok(crate::tables::table_names(&mut conn, db.engine())
        .await?
        .iter()
        .any(|t| t == "backup_runs"))
}

async fn insert(db: &Db, run: &Run) -> Result<(), BackupError> {
    sqlx::query(
        "INSERT INTO backup_runs (id, kind, name, destination, started_at, finished_at, succeeded, archive_size, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(run.kind.as_str())
    .bind(run.name.clone())
    .bind(run.destination.clone())
    .bind(run.started_at.as_unix_micros())
    .bind(run.finished_at.as_unix_micros())
    .bind(i64::from(run.succeeded))
    .bind(run.archive_size.and_then(|s| i64::try_from(s).ok()))
    .bind(run.detail.clone())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The newest runs, newest first.
pub async fn recent(db: &Db, limit: u32) -> Result<Vec<Run>, BackupError> {
    let rows = sqlx::query(
        "SELECT kind, name, destination, started_at, finished_at, succeeded, archive_size, detail \
         FROM backup_runs ORDER BY finished_at DESC, id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(run_from).collect()
}

/// The newest successful run of `kind`, if any.
pub async fn last_success(db: &Db, kind: RunKind) -> Result<Option<Run>, BackupError> {
    let row = sqlx::query(
        "SELECT kind, name, destination, started_at, finished_at, succeeded, archive_size, detail \
         FROM backup_runs WHERE kind = $1 AND succeeded = $2 ORDER BY finished_at DESC LIMIT 1",
    )
    .bind(kind.as_str())
    .bind(1_i64)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(run_from).transpose()
}

fn run_from(row: &leadvault_store::sqlx::any::AnyRow) -> Result<Run, BackupError> {
    let kind: String = row.try_get(0)?;
    Ok(Run {
        kind: RunKind::parse(&kind).unwrap_or(RunKind::Create),
        name: row.try_get(1)?,
        destination: row.try_get(2)?,
        started_at: Timestamp::from_unix_micros(row.try_get(3)?),
        finished_at: Timestamp::from_unix_micros(row.try_get(4)?),
        succeeded: row.try_get::<i64, _>(5)? != 0,
        archive_size: row
            .try_get::<Option<i64>, _>(6)?
            .and_then(|s| u64::try_from(s).ok()),
        detail: row.try_get(7)?,
    })
}
