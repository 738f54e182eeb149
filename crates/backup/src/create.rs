//! `backup create`: snapshot, archive, encrypt and upload in one stream, then the index.

use std::path::Path;
use std::sync::Arc;

use leadvault_store::Timestamp;
use tokio::sync::mpsc;

use crate::archive::ArchiveWriter;
use crate::destination::Destination;
use crate::error::BackupError;
use crate::keys::Recipients;
use crate::manifest::{FORMAT, Index, Manifest, archive_key, backup_name};
use crate::pipe::{ChannelWriter, IN_FLIGHT};
use crate::progress::Progress;
use crate::snapshot::{self, Source};

/// A backup just made.
#[derive(Debug, Clone)]
pub struct Created {
    pub index: Index,
    pub manifest: Manifest,
}

/// Makes a backup of `source` at `to`, named for `now`, encrypted to `recipients`. The
/// snapshot is assembled under `scratch` and removed afterwards, whatever happens.
pub async fn create(
    source: &Source,
    to: &Destination,
    recipients: &Recipients,
    scratch: &Path,
    now: Timestamp,
    progress: Arc<dyn Progress>,
) -> Result<Created, BackupError> {
    progress.step("taking a consistent snapshot", None);
    let snapshot = snapshot::take(source, scratch).await?;
    let name = backup_name(now);
    let files = snapshot.sources(&source.documents_dir);
    let total: u64 = files
        .iter()
        .filter_map(|(_, local)| std::fs::metadata(local).ok())
        .map(|m| m.len())
        .sum();
    let manifest = Manifest {
        format: FORMAT,
        leadvault_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: now.as_unix_micros(),
        engine: snapshot.engine.name().to_owned(),
        schema: snapshot.schema.clone(),
        files: Vec::new(),
        counts: snapshot.counts.clone(),
    };
    progress.step("encrypting and uploading", Some(total));
    let (sender, receiver) = mpsc::channel(IN_FLIGHT);
    let recipients = recipients.clone();
    let writing = progress.clone();
    let maker = tokio::task::spawn_blocking(move || {
        let mut writer = ArchiveWriter::new(ChannelWriter::new(sender), &recipients, &*writing)?;
        for (path, local) in &files {
            writer.add_file(path, local)?;
        }
        let (written, _out) = writer.finish(manifest)?;
        Ok::<_, BackupError>(written)
    });
    let made = async {
        maker.await.map_err(|e| BackupError::Io {
            doing: "writing the archive".into(),
            source: std::io::Error::other(e),
        })?
    };
    let written = to.upload(&archive_key(&name), receiver, made).await?;
    let index = Index {
        format: FORMAT,
        name,
        created_at: now.as_unix_micros(),
        leadvault_version: written.manifest.leadvault_version.clone(),
        engine: written.manifest.engine.clone(),
        schema: written.manifest.schema.clone(),
        archive_size: written.archive_size,
        archive_sha256: written.archive_sha256.clone(),
        documents: snapshot.documents.len() as u64,
    };
    to.put_index(&index).await?;
    drop(snapshot);
    Ok(Created {
        index,
        manifest: written.manifest,
    })
}
