//! A backup as the daily job and `leadvault backup create` make it: create, verify by
//! restoring into scratch (with a key made for this backup alone), then apply retention;
//! every step recorded in `backup_runs` and the audit log.

use std::path::PathBuf;
use std::sync::Arc;

use leadvault_audit::Actor;
use leadvault_config::{BackupSettings, Keep};
use leadvault_store::{DatabaseUrl, Timestamp};

use crate::checks::{Checked, KnownSchema};
use crate::create::create;
use crate::destination::Destination;
use crate::error::BackupError;
use crate::keys::Recipients;
use crate::manifest::Index;
use crate::progress::Progress;
use crate::prune::{Pruned, prune};
use crate::runs::{Run, RunKind, record};
use crate::snapshot::Source;
use crate::verify::{ScratchServer, verify};

/// Everything a backup needs, resolved once from the configuration.
#[derive(Debug, Clone)]
pub struct Plan {
    pub source: Source,
    pub destination: Destination,
    pub recipients: Recipients,
    pub keep: Keep,
    pub scratch: PathBuf,
    pub scratch_server: Option<ScratchServer>,
    pub known: KnownSchema,
}

impl Plan {
    pub fn new(
        settings: &BackupSettings,
        source: Source,
        database: &DatabaseUrl,
        known: KnownSchema,
    ) -> Result<Self, BackupError> {
        Ok(Self {
            destination: Destination::open(&settings.destination, &settings.options)?,
            recipients: Recipients::parse(&settings.recipients)?,
            keep: settings.keep,
            scratch: settings.scratch_dir.clone(),
            scratch_server: ScratchServer::configured(settings, database),
            known,
            source,
        })
    }
}

/// What a whole backup did.
#[derive(Debug, Clone)]
pub struct BackedUp {
    pub index: Index,
    pub checked: Checked,
    pub pruned: Pruned,
}

/// Creates, verifies and prunes, recording each step as `actor`.
pub async fn back_up(
    plan: &Plan,
    actor: Actor,
    now: Timestamp,
    progress: Arc<dyn Progress>,
) -> Result<BackedUp, BackupError> {
    let db = &plan.source.db;
    let destination = plan.destination.label().to_owned();
    let run =
        |kind, name, started, result| Run::finished(kind, name, &destination, started, result);

    let (recipients, verifier) = plan.recipients.with_one_time_key();
    let created = create(
        &plan.source,
        &plan.destination,
        &recipients,
        &plan.scratch,
        now,
        progress.clone(),
    )
    .await;
    let created = match created {
        Ok(created) => {
            let detail = format!(
                "{} files, {} documents, {} bytes encrypted",
                created.manifest.files.len(),
                created.index.documents,
                created.index.archive_size
            );
            record(
                db,
                &run(
                    RunKind::Create,
                    Some(created.index.name.clone()),
                    now,
                    Ok((Some(created.index.archive_size), detail)),
                ),
                actor,
            )
            .await?;
            created
        }
        Err(e) => {
            record(db, &run(RunKind::Create, None, now, Err(&e)), actor).await?;
            return Err(e);
        }
    };
    let name = created.index.name.clone();

    let started = Timestamp::now();
    let verified = verify(
        &plan.destination,
        &name,
        Arc::new(verifier),
        &plan.known,
        &plan.scratch,
        plan.scratch_server.as_ref(),
        progress,
    )
    .await;
    let checked = match verified {
        Ok(verified) => {
            record(
                db,
                &run(
                    RunKind::Verify,
                    Some(name.clone()),
                    started,
                    Ok((
                        Some(verified.index.archive_size),
                        verified.checked.to_string(),
                    )),
                ),
                actor,
            )
            .await?;
            verified.checked
        }
        Err(e) => {
            record(
                db,
                &run(RunKind::Verify, Some(name), started, Err(&e)),
                actor,
            )
            .await?;
            return Err(e);
        }
    };

    // Retention only after a backup that verified: a failing one never costs a good one.
    let started = Timestamp::now();
    let pruned = match prune(&plan.destination, plan.keep).await {
        Ok(pruned) => {
            let detail = format!(
                "kept {}, removed {}{}",
                pruned.kept.len(),
                pruned.removed.len(),
                if pruned.removed.is_empty() {
                    String::new()
                } else {
                    format!(": {}", pruned.removed.join(", "))
                }
            );
            record(
                db,
                &run(RunKind::Prune, None, started, Ok((None, detail))),
                actor,
            )
            .await?;
            pruned
        }
        Err(e) => {
            record(db, &run(RunKind::Prune, None, started, Err(&e)), actor).await?;
            return Err(e);
        }
    };
    Ok(BackedUp {
        index: created.index,
        checked,
        pruned,
    })
}
