use leadvault_accounts::AccountsError;
use leadvault_config::{ConfigError, UnsafeExposure};
use leadvault_crypto::KeyFileError;
use leadvault_store::{MigrationError, StoreError};

/// Everything a command can fail with. Each message is one line that names the problem and,
/// where there is one, the fix.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    UnsafeExposure(#[from] UnsafeExposure),
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Migration(#[from] MigrationError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Backup(#[from] leadvault_backup::BackupError),
    #[error("{0}")]
    Invalid(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}
