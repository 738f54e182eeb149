use leadvault_audit::AuditError;
use leadvault_crypto::RandomError;
use leadvault_keys::KeyError;
use leadvault_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Input a person can fix; the message is fit to show.
    #[error("{0}")]
    Invalid(String),
    #[error("no such form in this organization")]
    UnknownForm,
    #[error("no such lead in this organization")]
    UnknownLead,
    #[error("no such assignment rule in this organization")]
    UnknownRule,
    #[error("no such work order in this organization")]
    UnknownOrder,
    #[error("no such document in this organization")]
    UnknownDocument,
    /// A status change the lifecycle does not allow (or this person may not make).
    #[error("a work order that is {from} cannot become {to}")]
    NotAllowed {
        from: &'static str,
        to: &'static str,
    },
    /// The page this submission came from was already used for one.
    #[error("this page was already sent")]
    PageUsed,
    /// Stored data that this code could not have written: named, never shown.
    #[error("stored data is not valid: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Random(#[from] RandomError),
    /// A notification could not be queued, so the lead was not stored either.
    #[error(transparent)]
    Mail(#[from] leadvault_mail::MailError),
    /// A webhook could not be queued, so the operation did not happen either.
    #[error(transparent)]
    Webhook(#[from] leadvault_webhooks::WebhookError),
    /// The audit record could not be written, so the operation did not happen.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A document could not be stored or read.
    #[error(transparent)]
    Document(#[from] leadvault_documents::DocumentError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<leadvault_store::sqlx::Error> for IntakeError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
