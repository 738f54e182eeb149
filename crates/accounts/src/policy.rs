//! The capability policy: the one place that says what each role may do, and where.
//!
//! Every handler asks [`Member::may`] or [`Member::may_on_site`] before acting; the pages
//! only hide what a member may not do as a courtesy. `docs/SECURITY.md` prints this table.

use std::collections::BTreeSet;

use crate::ids::SiteId;
use crate::member::Member;
use crate::role::Role;

/// Something a member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Invite, change roles and scopes, remove members.
    ManageMembers,
    /// Add and remove sites.
    ManageSites,
    /// See the organization's sites (to pick one for a form, a report, an experiment).
    ViewSites,
    /// Read every lead of the sites in scope, triage and assign them.
    WorkAllLeads,
    /// Read the leads assigned to oneself, contact and assessment fields only.
    WorkAssignedLeads,
    /// Analytics reports and experiments for the sites in scope.
    Analytics,
    /// Invoices and payment status of work orders.
    Billing,
    /// Read the organization's audit log: who did what to which records.
    ReviewAudit,
    /// Build and publish intake forms.
    ManageForms,
    /// Set up how leads are worked: pipeline states and assignment rules.
    SetUpIntake,
    /// Read the work orders of the sites in scope (every answer, the documents) and move
    /// them through their lifecycle.
    WorkOrders,
    /// Download leads as a spreadsheet (each lead's export audited).
    ExportLeads,
    /// The installation's backups: see their runs and start one.
    Operations,
}

impl Capability {
    pub const ALL: [Capability; 13] = [
        Self::ManageMembers,
        Self::ManageSites,
        Self::ViewSites,
        Self::WorkAllLeads,
        Self::WorkAssignedLeads,
        Self::Analytics,
        Self::Billing,
        Self::ReviewAudit,
        Self::ManageForms,
        Self::SetUpIntake,
        Self::WorkOrders,
        Self::ExportLeads,
        Self::Operations,
    ];

    /// A stable name, for the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Self::ManageMembers => "manage_members",
            Self::ManageSites => "manage_sites",
            Self::ViewSites => "view_sites",
            Self::WorkAllLeads => "work_all_leads",
            Self::WorkAssignedLeads => "work_assigned_leads",
            Self::Analytics => "analytics",
            Self::Billing => "billing",
            Self::ReviewAudit => "review_audit",
            Self::ManageForms => "manage_forms",
            Self::SetUpIntake => "set_up_intake",
            Self::WorkOrders => "work_orders",
            Self::ExportLeads => "export_leads",
            Self::Operations => "operations",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::ManageMembers => "invite, change and remove members",
            Self::ManageSites => "add and remove sites",
            Self::ViewSites => "see the organization's sites",
            Self::WorkAllLeads => "read, triage and assign all leads of its sites",
            Self::WorkAssignedLeads => "read leads assigned to them (contact and assessment)",
            Self::Analytics => "analytics and experiments of its sites",
            Self::Billing => "invoices and payment status",
            Self::ReviewAudit => "review the audit log",
            Self::ManageForms => "build and publish intake forms",
            Self::SetUpIntake => "set up pipeline states and assignment rules",
            Self::WorkOrders => {
                "read and move on the work orders of its sites, with their documents"
            }
            Self::ExportLeads => "download leads as a spreadsheet (each one audited)",
            Self::Operations => "see the installation's backups and start one",
        }
    }
}

impl Role {
    /// Whether the role grants `capability` at all (scope aside).
    pub fn grants(self, capability: Capability) -> bool {
        use Capability as C;
        match self {
            Role::Owner => !matches!(capability, C::WorkAssignedLeads),
            // The installation's backups are the owners' (and the operator's) alone.
            Role::Admin => !matches!(capability, C::WorkAssignedLeads | C::Operations),
            Role::Intake => matches!(capability, C::ViewSites | C::WorkAllLeads | C::WorkOrders),
            Role::Attorney => matches!(capability, C::WorkAssignedLeads),
            Role::Analyst => matches!(capability, C::ViewSites | C::Analytics),
            Role::Billing => matches!(capability, C::Billing),
        }
    }

    /// Owners and admins manage the organization itself, so they cannot be narrowed to sites.
    pub fn may_be_scoped_to_sites(self) -> bool {
        !matches!(self, Role::Owner | Role::Admin)
    }
}

/// Whether a member in role `actor` may give someone role `to`, or change or remove someone
/// who holds `from`. Only owners make or unmake owners; anyone else who manages members
/// handles every other role. Without this, an admin could make themself an owner.
pub fn may_assign(actor: Role, from: Option<Role>, to: Option<Role>) -> bool {
    actor.grants(Capability::ManageMembers)
        && (actor == Role::Owner || (from != Some(Role::Owner) && to != Some(Role::Owner)))
}

/// Where a membership reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Organization,
    /// Only these sites; an empty set reaches none.
    Sites(BTreeSet<SiteId>),
}

impl Scope {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Sites(_) => "sites",
        }
    }

    pub fn covers(&self, site: SiteId) -> bool {
        match self {
            Self::Organization => true,
            Self::Sites(sites) => sites.contains(&site),
        }
    }
}

impl Member {
    /// Whether this member may do `capability` somewhere in the organization.
    pub fn may(&self, capability: Capability) -> bool {
        self.role.grants(capability)
    }

    /// Whether this member may do `capability` on `site` (a site of their organization).
    pub fn may_on_site(&self, capability: Capability, site: SiteId) -> bool {
        self.may(capability) && self.scope.covers(site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analyst_never_reaches_lead_content() {
        assert!(!Role::Analyst.grants(Capability::WorkAllLeads));
        assert!(!Role::Analyst.grants(Capability::WorkAssignedLeads));
        assert!(Role::Analyst.grants(Capability::Analytics));
    }

    #[test]
    fn only_owners_and_admins_manage_members_and_sites() {
        for role in Role::ALL {
            let manages = matches!(role, Role::Owner | Role::Admin);
            assert_eq!(role.grants(Capability::ManageMembers), manages, "{role}");
            assert_eq!(role.grants(Capability::ManageSites), manages, "{role}");
            assert_eq!(role.may_be_scoped_to_sites(), !manages, "{role}");
        }
    }

    #[test]
    fn attorneys_see_only_assigned_leads_and_nothing_else() {
        let granted: Vec<Capability> = Capability::ALL
            .into_iter()
            .filter(|c| Role::Attorney.grants(*c))
            .collect();
        assert_eq!(granted, vec![Capability::WorkAssignedLeads]);
    }

    #[test]
    fn only_owners_make_or_unmake_owners() {
        use Role::*;
        assert!(may_assign(Owner, Some(Analyst), Some(Owner)));
        assert!(may_assign(Owner, Some(Owner), None));
        assert!(may_assign(Admin, Some(Analyst), Some(Intake)));
        assert!(may_assign(Admin, None, Some(Admin)));
        assert!(!may_assign(Admin, Some(Analyst), Some(Owner)));
        assert!(!may_assign(Admin, Some(Owner), Some(Admin)));
        assert!(!may_assign(Admin, Some(Owner), None));
        assert!(!may_assign(Intake, None, Some(Analyst)));
    }

    #[test]
    fn a_site_scope_covers_its_sites_only() {
        let (a, b) = (SiteId::random(), SiteId::random());
        let scope = Scope::Sites([a].into_iter().collect());
        assert!(scope.covers(a) && !scope.covers(b));
        assert!(!Scope::Sites(BTreeSet::new()).covers(a));
        assert!(Scope::Organization.covers(b));
    }
}
