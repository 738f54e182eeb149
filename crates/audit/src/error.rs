use leadvault_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A chain name no version of Leadvault writes: someone wrote it by hand.
    #[error("an audit chain has a name Leadvault does not write: {0:?}")]
    UnknownChain(String),
    /// The checkpoint key could not be made, read or used.
    #[error("the audit signing key could not be used")]
    Signing,
    /// A file or syslog target could not be written (or was mistyped).
    #[error("audit export target {0}")]
    Sink(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<leadvault_store::sqlx::Error> for AuditError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
