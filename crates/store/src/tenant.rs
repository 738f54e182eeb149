use std::fmt;

use uuid::Uuid;

use crate::db::Tx;
use crate::error::StoreError;

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

crate::uuid_id!(
    /// A site (a domain an organization runs): the part of a tenant a membership, a form and
    /// its leads can be narrowed to. Defined here beside [`OrgId`] so that accounts (which
    /// manage sites) and intake (whose forms and leads belong to one) name it with one type.
    SiteId
);

/// Which organizations' rows a transaction may see and write.
///
/// On PostgreSQL this sets `leadvault.org_id` for the transaction; the row-level security
/// policy of every tenant table compares it with the row's organization, so a query run
/// without a scope sees no tenant rows at all: a second wall behind the `org_id = $1` that
/// every query already has. SQLite (one process, no row security) ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantScope {
    Org(OrgId),
    /// Deliberately across organizations, for the few lookups that must find the
    /// organization first: an invitation by its secret token, a person's memberships at
    /// sign-in, whether any owner exists. Each use is a place a reviewer should look.
    AllOrganizations,
}

impl TenantScope {
    fn setting(self) -> String {
        match self {
            Self::Org(org) => org.to_string(),
            Self::AllOrganizations => "*".to_owned(),
        }
    }
}

/// Sets the scope of the transaction `tx` (until it ends; it may be narrowed again).
pub async fn set_tenant_scope(tx: &mut Tx, scope: TenantScope) -> Result<(), StoreError> {
    if tx.backend_name() != <sqlx::Postgres as sqlx::Database>::NAME {
        return Ok(());
    }
    sqlx::query("SELECT set_config('leadvault.org_id', $1, true)")
        .bind(scope.setting())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
