use leadvault_keys::KeyError;
use leadvault_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("not an e-mail address")]
    BadAddress,
    #[error("a stored message is damaged")]
    Corrupt,
    #[error("the SMTP URL is not valid: {0}")]
    BadUrl(String),
    /// The SMTP server refused or could not be reached; the message stays queued.
    #[error("delivery failed: {0}")]
    Delivery(String),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<leadvault_store::sqlx::Error> for MailError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
