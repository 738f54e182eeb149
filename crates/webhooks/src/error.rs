use leadvault_keys::KeyError;
use leadvault_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Input a person can fix; the message is fit to show.
    #[error("{0}")]
    Invalid(String),
    #[error("no such endpoint in this organization")]
    UnknownEndpoint,
    /// Stored data that this code could not have written: named, never shown.
    #[error("stored data is not valid: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Random(#[from] leadvault_crypto::RandomError),
    #[error(transparent)]
    Audit(#[from] leadvault_audit::AuditError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<leadvault_store::sqlx::Error> for WebhookError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
