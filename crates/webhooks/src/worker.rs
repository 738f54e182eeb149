//! The sender that `serve` runs: delivers what is due, then waits to be woken or for the next
//! retry to come due.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use leadvault_keys::Keyring;
use leadvault_store::{Db, Timestamp};
use tokio::sync::Notify;

use crate::client::WebhookClient;
use crate::queue::deliver_due;

const BATCH: i64 = 50;
const POLL: Duration = Duration::from_secs(5);

/// Delivers webhooks until `shutdown` completes.
pub async fn deliver_webhooks_until(
    db: Db,
    keyring: Arc<Keyring>,
    client: WebhookClient,
    wake: Arc<Notify>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        loop {
            match deliver_due(&db, &keyring, &client, Timestamp::now(), BATCH).await {
                Ok(round)
                    if round.delivered + round.retried + round.given_up >= BATCH.unsigned_abs() => {
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery round failed");
                    break;
                }
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}
