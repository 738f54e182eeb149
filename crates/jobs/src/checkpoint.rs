//! Checkpointing SQLite's write-ahead log off the write path: the writer connection leaves
//! it to this job (see `Db::checkpoint`), so no submission waits for a checkpoint in the
//! commit of the one before it. Nothing to do on PostgreSQL.

use std::future::Future;
use std::time::Duration;

use leadvault_store::{Db, Engine};

/// Often enough that the WAL stays a few thousand pages long under full load (about 16,000
/// pages a second at 1,500 submissions a second).
const EVERY: Duration = Duration::from_millis(250);

/// Checkpoints every quarter second until `shutdown` completes.
pub async fn checkpoint_until(db: Db, shutdown: impl Future<Output = ()>) {
    if db.engine() != Engine::Sqlite {
        return;
    }
    tokio::pin!(shutdown);
    loop {
        if let Err(e) = db.checkpoint().await {
            tracing::warn!(error = %e, "the SQLite write-ahead log could not be checkpointed");
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
