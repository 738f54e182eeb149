//! How long steps report how far they are: the command line draws bars (`indicatif`), the
//! daily job in `serve` stays quiet and logs the outcome.

/// Receives the progress of a backup, a verification or a restore.
pub trait Progress: Send + Sync {
    /// A new step begins; `total` bytes, when known.
    fn step(&self, what: &str, total: Option<u64>);
    /// `bytes` more of the current step are done.
    fn advance(&self, bytes: u64);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn step(&self, what: &str, _total: Option<u64>) {
        tracing::debug!(step = what, "backup step");
    }

    fn advance(&self, _bytes: u64) {}
}
