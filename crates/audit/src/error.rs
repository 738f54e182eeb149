use leadvault_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A chain name no version of Leadvault writes: someone wrote it by hand.
    #[error("an audit chain has a name Leadvault does not write: {0:?}")]
    UnknownChain(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<leadvault_store::sqlx::Error> for AuditError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
