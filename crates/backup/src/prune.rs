//! `backup prune`: removes the backups retention does not keep. Called only after a backup
//! was uploaded and verified, so that a failing backup never costs an old good one.

use leadvault_config::Keep;

use crate::destination::Destination;
use crate::error::BackupError;
use crate::retention::kept;

/// What pruning did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub kept: Vec<String>,
    pub removed: Vec<String>,
}

pub async fn prune(at: &Destination, keep: Keep) -> Result<Pruned, BackupError> {
    let all = at.list().await?;
    let dated: Vec<(String, leadvault_store::Timestamp)> = all
        .iter()
        .map(|i| (i.name.clone(), i.created_at()))
        .collect();
    let keeping = kept(&dated, keep);
    let mut pruned = Pruned::default();
    for (name, _) in dated {
        if keeping.contains(&name) {
            pruned.kept.push(name);
        } else {
            at.delete(&name).await?;
            pruned.removed.push(name);
        }
    }
    Ok(pruned)
}
