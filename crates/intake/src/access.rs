//! How far a member's access to leads reaches, and the one SQL condition that enforces it.
//!
//! Two independent narrowings: to the leads assigned to one member (attorneys), and to the
//! leads of some sites (a membership scoped to sites). Every query on single leads and on
//! lists appends [`LeadAccess::condition`], so a lead out of reach is never read, changed or
//! listed, and looks exactly like one that does not exist.

use leadvault_store::{SiteId, sqlx};
use uuid::Uuid;

use crate::form::DataClass;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadAccess {
    /// Only leads assigned to this member; `None`: whoever they are assigned to.
    assignee: Option<Uuid>,
    /// Only leads of these sites (a lead of no site is in none); `None`: every lead.
    sites: Option<Vec<SiteId>>,
}

/// A condition on the `leads` table (`AND …`, placeholders numbered from the caller's
/// `first`) and the values to bind to it, in order.
#[derive(Debug)]
pub(crate) struct Condition {
    pub sql: String,
    pub binds: Vec<String>,
}

/// A query on the `Any` driver, as built by `sqlx::query`.
pub(crate) type AnyQuery<'q> =
    sqlx::query::Query<'q, sqlx::Any, <sqlx::Any as sqlx::Database>::Arguments>;

impl Condition {
    /// Binds this condition's values, after the ones the query already has.
    pub fn bind_to(self, query: AnyQuery<'_>) -> AnyQuery<'_> {
        self.binds
            .into_iter()
            .fold(query, |query, value| query.bind(value))
    }
}

impl LeadAccess {
    /// Every lead of the organization (intake staff, owners, admins).
    pub fn all() -> Self {
        Self {
            assignee: None,
            sites: None,
        }
    }

    /// Only the leads assigned to `member` (attorneys).
    pub fn assigned_to(member: Uuid) -> Self {
        Self {
            assignee: Some(member),
            sites: None,
        }
    }

    /// Narrowed further to the leads of `sites` (a membership scoped to sites; an empty list
    /// reaches nothing).
    pub fn on_sites(self, sites: impl IntoIterator<Item = SiteId>) -> Self {
        Self {
            sites: Some(sites.into_iter().collect()),
            ..self
        }
    }

    /// The one member whose assigned leads this access is limited to, if any.
    pub fn assignee(&self) -> Option<Uuid> {
        self.assignee
    }

    /// Whether this access sees every lead within its sites, not only assigned ones: such a
    /// member triages, assigns and sees the duplicate hints.
    pub fn triages(&self) -> bool {
        self.assignee.is_none()
    }

    /// Whether a lead of `site` is within the sites this access reaches (assignment aside):
    /// an attorney may be given a lead only where they would be able to read it.
    pub fn covers_site(&self, site: Option<SiteId>) -> bool {
        match (&self.sites, site) {
            (None, _) => true,
            (Some(sites), Some(site)) => sites.contains(&site),
            (Some(_), None) => false,
        }
    }

    /// The classes of answers this access may decrypt. Nobody reads `sensitive` answers
    /// through a lead (consultation forms have none).
    pub fn classes(&self) -> &'static [DataClass] {
        &[DataClass::Contact, DataClass::Assessment]
    }

    /// The condition on the `leads` row aliased `alias` that keeps out what this access
    /// does not reach.
    pub(crate) fn condition(&self, alias: &str, first: usize) -> Condition {
        let mut sql = String::new();
        let mut binds = Vec::new();
        if let Some(member) = self.assignee {
            binds.push(member.to_string());
            sql.push_str(&format!(" AND {alias}.assigned_to = ${}", first));
        }
        let mut condition = Condition { sql, binds };
        if let Some(sites) = &self.sites {
            condition.only_sites(alias, sites, first);
        }
        condition
    }
}

impl Condition {
    /// Adds `AND alias.site_id IN (…)`: records of these sites only (a record of no site
    /// is in none). Placeholders continue from `first` plus what is bound already.
    pub(crate) fn only_sites(&mut self, alias: &str, sites: &[SiteId], first: usize) {
        if sites.is_empty() {
            // `IN ()` is not SQL; no site at all reaches nothing.
            self.sql.push_str(" AND 1 = 0");
            return;
        }
        let placeholders: Vec<String> = sites
            .iter()
            .map(|site| {
                self.binds.push(site.to_string());
                format!("${}", first + self.binds.len() - 1)
            })
            .collect();
        self.sql.push_str(&format!(
            " AND {alias}.site_id IN ({})",
            placeholders.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_adds_no_condition() {
        let condition = LeadAccess::all().condition("l", 3);
        assert_eq!(condition.sql, "");
        assert!(condition.binds.is_empty());
    }

    #[test]
    fn an_attorney_on_two_sites_is_held_to_both_narrowings() {
        let (me, a, b) = (Uuid::new_v4(), SiteId::random(), SiteId::random());
        let condition = LeadAccess::assigned_to(me)
            .on_sites([a, b])
            .condition("l", 4);
        assert_eq!(
            condition.sql,
            " AND l.assigned_to = $4 AND l.site_id IN ($5, $6)"
        );
        assert_eq!(
            condition.binds,
            vec![me.to_string(), a.to_string(), b.to_string()]
        );
    }

    #[test]
    fn no_sites_reach_no_lead() {
        let access = LeadAccess::all().on_sites([]);
        assert_eq!(access.condition("leads", 1).sql, " AND 1 = 0");
        assert!(!access.covers_site(Some(SiteId::random())));
        assert!(!access.covers_site(None));
    }

    #[test]
    fn a_site_scope_covers_its_own_sites_only() {
        let (a, b) = (SiteId::random(), SiteId::random());
        let access = LeadAccess::all().on_sites([a]);
        assert!(access.covers_site(Some(a)));
        assert!(!access.covers_site(Some(b)));
        assert!(!access.covers_site(None));
        assert!(LeadAccess::all().covers_site(None));
        assert!(access.triages());
        assert!(!LeadAccess::assigned_to(Uuid::new_v4()).triages());
    }
}
