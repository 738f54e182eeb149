//! Who acts, for which organization, and when: the context of one request (or one round of a
//! job), built once and handed to every domain call it makes, instead of the same three
//! values passed one by one.

use leadvault_store::{OrgId, Timestamp};

use crate::record::By;

/// The organization acted in, who acts (and in which request), and the moment it happens.
#[derive(Debug, Clone, Copy)]
pub struct Acting {
    pub org: OrgId,
    pub by: By,
    pub now: Timestamp,
}

impl Acting {
    pub fn new(org: OrgId, by: By, now: Timestamp) -> Self {
        Self { org, by, now }
    }

    /// A person acting on their own account (signing in, a password, a second factor),
    /// which belongs to no one organization: the installation acts as the organization, and
    /// the record goes to each of the person's organizations.
    pub fn personal(by: By, now: Timestamp) -> Self {
        Self {
            org: OrgId::INSTANCE,
            by,
            now,
        }
    }
}
