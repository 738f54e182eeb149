//! The tamper-evident audit log. Every operation on personal data or security state appends
//! a record in its own transaction; records form a hash chain per organization (and one for
//! the installation), so that altering, removing, inserting or reordering records shows in
//! [`verify`]. Records hold ids and field names, never values.
//!
//! Why one chain per organization: each tenant's log verifies and exports on its own, and
//! appends of different organizations never wait for each other.

mod chain;
mod error;
mod migrations;
mod record;

pub use chain::{Appended, Broken, Verified, append, chains, verify};
pub use error::AuditError;
pub use migrations::MIGRATIONS;
pub use record::{Actor, By, Chain, Event, Outcome};
