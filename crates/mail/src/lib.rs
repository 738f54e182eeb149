//! Outgoing e-mail: a durable, encrypted outbox in the database, delivered over SMTP by a
//! background worker. Knows nothing of HTTP or of what the messages are about.

mod error;
mod message;
mod migrations;
mod outbox;
mod smtp;
mod worker;

pub use error::MailError;
pub use message::{Mail, Recipient};
pub use migrations::MIGRATIONS;
pub use outbox::{
    Delivery, OUTBOX_COLUMN, SealedMail, deliver_due, enqueue, enqueue_sealed, queued, seal,
};
pub use smtp::{SmtpSender, SmtpUrl};
pub use worker::deliver_until;
