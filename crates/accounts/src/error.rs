use leadvault_audit::AuditError;
use leadvault_crypto::RandomError;
use leadvault_keys::KeyError;
use leadvault_store::StoreError;

use crate::totp::TotpError;

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("a user with this e-mail address already exists")]
    EmailTaken,
    #[error("this setup link is not valid: it was already used, has expired, or was mistyped")]
    SetupTokenInvalid,
    #[error("setup is already complete: an owner exists")]
    SetupAlreadyDone,
    #[error("this organization already has a site with that domain")]
    SiteExists,
    #[error("no such site in this organization")]
    UnknownSite,
    #[error("no such member in this organization")]
    UnknownMember,
    #[error("an organization must keep at least one owner")]
    LastOwner,
    #[error("that person already belongs to this organization")]
    AlreadyMember,
    #[error(
        "this invitation is not valid: it was already used, withdrawn, has expired, or was mistyped"
    )]
    InvitationInvalid,
    #[error("that password is not right")]
    WrongPassword,
    #[error("this reset link is not valid: it was already used, has expired, or was mistyped")]
    ResetInvalid,
    #[error(
        "this confirmation link is not valid: it was already used, has expired, or was mistyped"
    )]
    EmailChangeInvalid,
    #[error("enter a code from your authenticator app, or a recovery code")]
    SecondFactorRequired,
    #[error("a role of yours requires two-factor authentication, so it cannot be turned off")]
    SecondFactorMandatory,
    #[error("two-factor authentication is already set up")]
    AlreadyEnrolled,
    #[error("two-factor authentication is not set up")]
    NotEnrolled,
    /// A code that was wrong, malformed or replayed; its message is fit to show.
    #[error(transparent)]
    Totp(#[from] TotpError),
    #[error("password hashing failed")]
    Hashing,
    /// Stored data that this code could not have written: named, never shown.
    #[error("stored data is not valid: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The audit record could not be written, so the operation did not happen.
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<leadvault_store::sqlx::Error> for AccountsError {
    fn from(err: leadvault_store::sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}
