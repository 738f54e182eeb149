use leadvault_crypto::RandomError;
use leadvault_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("a user with this e-mail address already exists")]
    EmailTaken,
    #[error("this setup link is not valid: it was already used, has expired, or was mistyped")]
    SetupTokenInvalid,
    #[error("setup is already complete: an owner exists")]
    SetupAlreadyDone,
    #[error("password hashing failed")]
    Hashing,
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
