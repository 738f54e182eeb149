use leadvault_crypto::ProviderError;
use leadvault_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The audit record of a key operation could not be written, so the operation did not
    /// happen.
    #[error(transparent)]
    Audit(#[from] leadvault_audit::AuditError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no key {0} for this organization: it was shredded, or the data belongs elsewhere")]
    UnknownKey(String),
    #[error(
        "tenant key {version} is wrapped by root key {root_key_id}, which is not the configured one"
    )]
    ForeignRoot { version: i64, root_key_id: String },
    #[error("the system random number generator failed")]
    Random,
    #[error("a key operation was interrupted")]
    Interrupted,
}

impl From<leadvault_store::sqlx::Error> for KeyError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
