//! The tamper-evident audit log. Every operation on personal data or security state appends
//! a record in its own transaction; records form a hash chain per organization (and one for
//! the installation), so that altering, removing, inserting or reordering records shows in
//! [`verify`]. Records hold ids and field names, never values.
//!
//! Why one chain per organization: each tenant's log verifies and exports on its own, and
//! appends of different organizations never wait for each other.

mod acting;
mod chain;
mod checkpoint;
mod error;
mod export;
mod migrations;
mod read;
mod record;
mod report;
mod sink;

pub use acting::Acting;
pub use chain::{
    Appended, Broken, Claim, Claiming, Verified, append, append_alone, chains, verify,
};
pub use checkpoint::{
    Checkpoint, CheckpointProblem, SigningKey, TrustedKey, check_checkpoints, sign_heads,
    stored_checkpoints,
};
pub use error::AuditError;
pub use export::{export_new, send_checkpoints};
pub use migrations::MIGRATIONS;
pub use read::{Filter, Record, records};
pub use record::{Action, Actor, By, Chain, Event, Outcome};
pub use report::{ReportQuery, ReportRow, csv_cell, csv_line, report, report_csv, report_json};
pub use sink::Sink;
