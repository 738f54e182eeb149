//! Deleting analytics' raw events and visits once past their retention, daily.

use std::future::Future;
use std::time::Duration;

use leadvault_analytics::{AnalyticsDb, purge};
use leadvault_store::Timestamp;

const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Purges what is older than `retention` now and every day until `shutdown` completes.
pub async fn purge_analytics_until(
    db: AnalyticsDb,
    retention: Duration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match purge(&db, retention, Timestamp::now()).await {
            Ok(purged) if purged.events + purged.visits > 0 => tracing::info!(
                events = purged.events,
                visits = purged.visits,
                "analytics past its retention deleted"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "analytics past its retention could not be deleted")
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
