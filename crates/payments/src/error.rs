use leadvault_keys::KeyError;
use leadvault_store::StoreError;

use crate::money::AmountError;
use crate::secrets::SecretError;
use crate::signature::SignatureError;
use crate::stripe::StripeError;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// Input a person can fix; the message is fit to show.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The organization has not connected Stripe (or not this organization at all).
    #[error("this organization takes no payments through Stripe")]
    NotConnected,
    /// A webhook whose signature does not hold: answered 400, nothing changed.
    #[error("the webhook's signature was refused: {0}")]
    Signature(#[from] SignatureError),
    /// A webhook's body that is not a Stripe event.
    #[error("the webhook's body is not a Stripe event")]
    NotAnEvent,
    #[error("no such payment in this organization")]
    UnknownPayment,
    #[error("this is paid already")]
    AlreadyPaid,
    #[error(transparent)]
    Stripe(#[from] StripeError),
    /// Stored data that this code could not have written: named, never shown.
    #[error("stored data is not valid: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Audit(#[from] leadvault_audit::AuditError),
    #[error(transparent)]
    Mail(#[from] leadvault_mail::MailError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<leadvault_store::sqlx::Error> for PaymentError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
