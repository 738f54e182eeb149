//! Backups of a Leadvault installation (issue 23): a consistent snapshot of the databases
//! and the documents they refer to, archived and encrypted with age as it streams to a local
//! directory or object storage (Azure Blob Storage, S3), verified by restoring it, pruned by
//! retention, restored into an empty installation. Knows nothing of HTTP; `serve` runs the
//! daily job (`jobs`), the command line the rest (`leadvault backup …`).

mod archive;
mod checks;
mod create;
mod destination;
mod error;
mod keys;
mod manifest;
mod migrations;
mod pipe;
mod plan;
mod postgres;
mod progress;
mod prune;
mod restore;
mod retention;
mod runs;
mod snapshot;
mod tables;
mod verify;

pub use checks::{Checked, KnownSchema};
pub use create::{Created, create};
pub use destination::Destination;
pub use error::BackupError;
pub use keys::{Identities, Recipients, generate_identity};
pub use manifest::{
    FORMAT, FileEntry, Index, MANIFEST_PATH, Manifest, Schema, archive_key, index_key,
};
pub use migrations::MIGRATIONS;
pub use plan::{BackedUp, Plan, back_up};
pub use progress::{Progress, Quiet};
pub use prune::{Pruned, prune};
pub use restore::{Restored, Target, restore};
pub use retention::kept;
pub use runs::{
    BackupAction, OVERDUE, Run, RunKind, human_size, last_success, overdue_since, recent, record,
};
pub use snapshot::Source;
pub use verify::{ScratchServer, Verified, verify};
