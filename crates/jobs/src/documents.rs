//! Sweeping the documents directory of what a stopped process can leave behind: a file
//! placed whose record never committed, an upload cut off mid-way. Neither was ever
//! acknowledged, so removing them loses nothing.

use std::future::Future;
use std::time::{Duration, SystemTime};

use leadvault_documents::DocumentStore;
use leadvault_store::Db;

const EVERY: Duration = Duration::from_secs(60 * 60);

/// Sweeps the documents directory every hour until `shutdown` completes.
pub async fn sweep_documents_until(
    db: Db,
    documents: DocumentStore,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match documents.sweep(&db, SystemTime::now()).await {
            Ok(swept) if swept.orphans + swept.partials == 0 => {}
            Ok(swept) => tracing::info!(
                orphans = swept.orphans,
                partials = swept.partials,
                "left-over document files removed"
            ),
            Err(e) => tracing::warn!(error = %e, "the documents directory could not be swept"),
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
