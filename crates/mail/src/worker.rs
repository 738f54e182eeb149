//! The delivery loop `serve` runs: at once when woken (a request queued mail), else every
//! few seconds, until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use leadvault_keys::Keyring;
use leadvault_store::{Db, Timestamp};
use tokio::sync::Notify;

use crate::outbox::deliver_due;
use crate::smtp::SmtpSender;

const POLL: Duration = Duration::from_secs(10);
const BATCH: u32 = 50;

/// Delivers queued mail until `shutdown` completes.
pub async fn deliver_until(
    db: Db,
    keyring: Arc<Keyring>,
    sender: SmtpSender,
    wake: Arc<Notify>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        loop {
            match deliver_due(&db, &keyring, &sender, Timestamp::now(), BATCH).await {
                // A full batch may mean more is waiting.
                Ok(done) if done.sent + done.failed >= u64::from(BATCH) => {}
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "mail delivery round failed");
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
