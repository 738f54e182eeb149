use std::fmt;

use uuid::Uuid;

/// An organization (tenant). Every row of tenant data carries one, and every query on such
/// data is scoped by it. Defined here, below every domain crate, so that all of them name
/// tenants with the same type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(Uuid);

impl OrgId {
    /// The installation itself, as owner of keys for secrets that belong to no single
    /// organization (a person's TOTP secret: people may belong to several). No organization
    /// row has this id; random ids are version 4 and never nil.
    pub const INSTANCE: OrgId = OrgId(Uuid::nil());

    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// Parses an id read back from the database or a URL.
    pub fn parse(text: &str) -> Option<Self> {
        Uuid::try_parse(text).ok().map(Self)
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}
