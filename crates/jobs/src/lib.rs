//! The periodic work `serve` does besides answering requests. Each job has a round, which
//! does the work once and is what the tests drive, and a loop that runs rounds until
//! shutdown. A failed round is logged and tried again at the next tick; nothing is lost,
//! because every round starts from what the database says is still to do.

mod access_review;
mod analytics;
mod audit;
mod backups;
mod checkpoint;
mod documents;
mod error;
mod lead_reminders;
mod spent_pages;

pub use access_review::{ACCESS_REVIEW_ACTOR, access_reviews_until, remind_access_reviews};
pub use analytics::purge_analytics_until;
pub use audit::{AuditJobs, AuditRound, audit_round, audit_until};
pub use backups::{
    BACKUP_ACTOR, BackupJob, backup_round, backups_until, next_daily, warn_if_overdue,
};
pub use checkpoint::checkpoint_until;
pub use documents::sweep_documents_until;
pub use error::JobError;
pub use lead_reminders::{LEAD_REMINDER_ACTOR, lead_reminders_until, remind_leads};
pub use spent_pages::forget_spent_pages_until;
