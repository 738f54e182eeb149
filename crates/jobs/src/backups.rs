//! The daily backup: at the configured time of day (and whenever the operations page asks),
//! a backup is made, verified by restoring it into scratch and retention applied
//! (`backup::back_up`). A failed backup, or none successful for longer than a day and a bit,
//! e-mails the operator through the outbox, once a day at most.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use leadvault_audit::Actor;
use leadvault_backup::{
    BackedUp, BackupError, Plan, Quiet, RunKind, back_up, last_success, overdue_since,
};
use leadvault_keys::Keyring;
use leadvault_mail::{Mail, Recipient, enqueue};
use leadvault_store::{Db, Timestamp};
use tokio::sync::Notify;
use zeroize::Zeroizing;

use crate::error::JobError;

/// Who backs up, in the audit log.
pub const BACKUP_ACTOR: Actor = Actor::System("backup");

/// How often the job looks at the clock and the record of runs.
const LOOK_EVERY: Duration = Duration::from_secs(15 * 60);

const DAY_MICROS: i64 = 86_400_000_000;

/// The first moment at `minute` after midnight (UTC) strictly after `now`.
pub fn next_daily(now: Timestamp, minute: u32) -> Timestamp {
    let micros = now.as_unix_micros();
    let midnight = micros.div_euclid(DAY_MICROS) * DAY_MICROS;
    let today = midnight + i64::from(minute) * 60_000_000;
    Timestamp::from_unix_micros(if today > micros {
        today
    } else {
        today + DAY_MICROS
    })
}

/// What the daily backup needs besides its plan.
#[derive(Debug, Clone)]
pub struct BackupJob {
    pub plan: Plan,
    pub keyring: Arc<Keyring>,
    /// Who hears of a failed or overdue backup (no one, if unset: the log says it).
    pub notify: Option<Recipient>,
    pub mail_wake: Option<Arc<Notify>>,
    /// Minutes after midnight, UTC.
    pub daily_at_minute: u32,
}

#[derive(Template)]
#[template(path = "backup_failed.txt")]
struct FailedText<'a> {
    what: &'a str,
    destination: &'a str,
    when: &'a str,
    problem: &'a str,
    advice: &'a str,
}

impl BackupJob {
    fn db(&self) -> &Db {
        &self.plan.source.db
    }

    async fn tell(
        &self,
        subject: &str,
        text: FailedText<'_>,
        now: Timestamp,
    ) -> Result<(), JobError> {
        let Some(to) = &self.notify else {
            tracing::error!(
                subject,
                problem = text.problem,
                "backup problem, and no backup.notify address to tell"
            );
            return Ok(());
        };
        let mail = Mail {
            to: to.clone(),
            subject: subject.to_owned(),
            body: Zeroizing::new(text.render()?),
        };
        enqueue(self.db(), &self.keyring, &mail, now).await?;
        if let Some(wake) = &self.mail_wake {
            wake.notify_one();
        }
        Ok(())
    }
}

/// Makes one backup now (create, verify, prune, each recorded); a failure is e-mailed to the
/// operator. The error is returned as well, for the log.
pub async fn backup_round(job: &BackupJob, now: Timestamp) -> Result<BackedUp, BackupError> {
    let result = back_up(&job.plan, BACKUP_ACTOR, now, Arc::new(Quiet)).await;
    if let Err(e) = &result {
        let step = match e {
            BackupError::Verification { .. }
            | BackupError::HashMismatch { .. }
            | BackupError::ArchiveHashMismatch { .. }
            | BackupError::Damaged { .. }
            | BackupError::Truncated { .. } => "verification",
            _ => "daily run",
        };
        let text = FailedText {
            what: step,
            destination: job.plan.destination.label(),
            when: &now.minute_utc(),
            problem: &e.to_string(),
            advice: "The backups made before this one are kept: retention removes nothing after a failure. Run `leadvault backup create` once the cause is fixed.",
        };
        if let Err(mail) = job.tell("Leadvault backup failed", text, now).await {
            tracing::error!(error = %mail, "could not queue the backup failure e-mail");
        }
    }
    result
}

/// Whether the last successful backup is older than [`leadvault_backup::OVERDUE`] (or, with none yet, the job
/// has been running longer than that since `since`); if so, and the operator was not told in
/// the last day (`last_told`), tells them. Returns whether a message was queued.
pub async fn warn_if_overdue(
    job: &BackupJob,
    since: Timestamp,
    last_told: &mut Option<Timestamp>,
    now: Timestamp,
) -> Result<bool, JobError> {
    let last = last_success(job.db(), RunKind::Create).await?;
    let reference = last.as_ref().map_or(since, |run| run.finished_at);
    let overdue = overdue_since(reference, now);
    let told_recently =
        last_told.is_some_and(|at| now.as_unix_micros() - at.as_unix_micros() < DAY_MICROS);
    if !overdue || told_recently {
        return Ok(false);
    }
    let problem = match &last {
        Some(run) => format!(
            "no backup has succeeded since {}",
            run.finished_at.minute_utc()
        ),
        None => format!(
            "no backup has succeeded since the job started at {}",
            since.minute_utc()
        ),
    };
    let text = FailedText {
        what: "daily run",
        destination: job.plan.destination.label(),
        when: &now.minute_utc(),
        problem: &problem,
        advice: "Check that a Leadvault server is running and can reach the destination; the operations page lists the last runs.",
    };
    job.tell("Leadvault backup overdue", text, now).await?;
    *last_told = Some(now);
    Ok(true)
}

/// Backs up every day at the configured time, and whenever `now` is notified, until
/// `shutdown`; looks for an overdue backup every quarter of an hour.
pub async fn backups_until(job: BackupJob, now: Arc<Notify>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let started = Timestamp::now();
    let mut next = next_daily(started, job.daily_at_minute);
    let mut last_told = None;
    loop {
        let wait = Duration::from_micros(
            u64::try_from(next.as_unix_micros() - Timestamp::now().as_unix_micros()).unwrap_or(0),
        )
        .min(LOOK_EVERY);
        let asked = tokio::select! {
            () = &mut shutdown => return,
            () = now.notified() => true,
            () = tokio::time::sleep(wait) => false,
        };
        let at = Timestamp::now();
        if asked || at >= next {
            match backup_round(&job, at).await {
                Ok(done) => tracing::info!(
                    backup = %done.index.name,
                    bytes = done.index.archive_size,
                    removed = done.pruned.removed.len(),
                    "backed up and verified"
                ),
                Err(e) => tracing::error!(error = %e, "backup failed"),
            }
            if at >= next {
                next = next_daily(at, job.daily_at_minute);
            }
        }
        if let Err(e) = warn_if_overdue(&job, started, &mut last_told, Timestamp::now()).await {
            tracing::warn!(error = %e, "could not check for an overdue backup");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-12-07 02:30 UTC.
    const AT_0230: i64 = 1_796_610_600_000_000;

    #[test]
    fn the_next_daily_run_is_today_if_its_time_is_still_ahead_else_tomorrow() {
        let minute = 2 * 60 + 30;
        let before = Timestamp::from_unix_micros(AT_0230 - 60_000_000);
        assert_eq!(next_daily(before, minute).as_unix_micros(), AT_0230);
        let exactly = Timestamp::from_unix_micros(AT_0230);
        assert_eq!(
            next_daily(exactly, minute).as_unix_micros(),
            AT_0230 + DAY_MICROS
        );
        let after = Timestamp::from_unix_micros(AT_0230 + 1);
        assert_eq!(
            next_daily(after, minute).as_unix_micros(),
            AT_0230 + DAY_MICROS
        );
    }
}
