//! Forgetting public form pages that were used for a submission once their tokens have
//! expired anyway (a page is good for one lead; after 24 hours its token is refused on its
//! own, so the record of it is no longer needed).

use std::future::Future;
use std::time::Duration;

use leadvault_intake::forget_spent_pages;
use leadvault_store::{Db, Timestamp};

const EVERY: Duration = Duration::from_secs(60 * 60);

/// Forgets expired spent pages every hour until `shutdown` completes.
pub async fn forget_spent_pages_until(db: Db, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        match forget_spent_pages(&db, Timestamp::now()).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::debug!(forgotten, "expired form pages forgotten"),
            Err(e) => tracing::warn!(error = %e, "expired form pages could not be forgotten"),
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
