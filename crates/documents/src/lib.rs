//! Uploaded documents (work-order attachments): checked by their first bytes against the
//! types a field accepts, encrypted under the organization's file key as they stream in,
//! stored under random names, and read back only through a stream that authenticates every
//! chunk. Knows nothing of HTTP or of who may see what: the caller decides and audits.

mod error;
mod ids;
mod incoming;
mod kind;
mod migrations;
mod store;

pub use error::DocumentError;
pub use ids::DocumentId;
pub use incoming::{Incoming, Received};
pub use kind::{FileKind, SNIFF_WINDOW, Sniffed, sniff};
pub use migrations::MIGRATIONS;
pub use store::{DEFAULT_LIMIT, Document, DocumentStore, NAME_COLUMN, Owner, Swept};
