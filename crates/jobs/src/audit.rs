//! Signing checkpoints of the audit log and copying them outside the database; exporting
//! records to a SIEM.

use std::future::Future;
use std::time::Duration;

use leadvault_audit::{Sink, export_new, send_checkpoints, sign_heads};
use leadvault_keys::Keyring;
use leadvault_store::{Db, Timestamp};

use crate::error::JobError;

/// What the audit job does, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditJobs {
    pub checkpoint_to: Vec<Sink>,
    pub every: Duration,
    pub export_to: Option<Sink>,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditRound {
    pub signed: usize,
    pub checkpoints_sent: u64,
    pub records_exported: u64,
}

/// Signs every moved head, sends each target the checkpoints it has not had, and exports
/// the records not yet exported. A target that fails does not stop the others; the first
/// failure is returned after all were tried.
pub async fn audit_round(
    db: &Db,
    keyring: &Keyring,
    jobs: &AuditJobs,
    now: Timestamp,
) -> Result<AuditRound, JobError> {
    let key = keyring.checkpoint_key(now).await?;
    let mut round = AuditRound {
        signed: sign_heads(db, &key, now).await?.len(),
        ..AuditRound::default()
    };
    let mut first_failure = None;
    for sink in &jobs.checkpoint_to {
        match send_checkpoints(db, sink, now).await {
            Ok(sent) => round.checkpoints_sent += sent,
            Err(e) => {
                first_failure.get_or_insert(e);
            }
        }
    }
    if let Some(sink) = &jobs.export_to {
        match export_new(db, sink, now).await {
            Ok(sent) => round.records_exported = sent,
            Err(e) => {
                first_failure.get_or_insert(e);
            }
        }
    }
    match first_failure {
        Some(e) => Err(e.into()),
        None => Ok(round),
    }
}

/// Runs [`audit_round`] now and every `jobs.every` until `shutdown`. (The first round of the
/// next start signs what a stopping server appended since its last round.)
pub async fn audit_until(
    db: Db,
    keyring: std::sync::Arc<Keyring>,
    jobs: AuditJobs,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        run_logged(&db, &keyring, &jobs).await;
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(jobs.every) => {}
        }
    }
}

async fn run_logged(db: &Db, keyring: &Keyring, jobs: &AuditJobs) {
    match audit_round(db, keyring, jobs, Timestamp::now()).await {
        Ok(round) => tracing::debug!(
            signed = round.signed,
            checkpoints_sent = round.checkpoints_sent,
            records_exported = round.records_exported,
            "audit round done"
        ),
        Err(e) => {
            tracing::warn!(target: "security", error = %e, "audit checkpoint or export round failed");
        }
    }
}
