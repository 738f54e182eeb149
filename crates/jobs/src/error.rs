use leadvault_accounts::AccountsError;
use leadvault_audit::AuditError;
use leadvault_intake::IntakeError;
use leadvault_keys::KeyError;
use leadvault_mail::MailError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Backup(#[from] leadvault_backup::BackupError),
    #[error("an e-mail could not be written: {0}")]
    Template(#[from] askama::Error),
}
