//! How far a member reaches into leads and work orders, from their role and scope: the one
//! mapping from the capability policy (accounts) to intake's [`LeadAccess`] and
//! [`OrderAccess`], for the member acting, for the attorneys a lead may be given to, and
//! for the attorneys assignment rules choose among.

use leadvault_accounts::{Capability, Role, Scope, UserId};
use leadvault_intake::{LeadAccess, OrderAccess};

/// The leads a member in `role` over `scope` may work, or `None` for a role that works no
/// leads.
pub fn lead_access(role: Role, scope: &Scope, user: UserId) -> Option<LeadAccess> {
    let access = if role.grants(Capability::WorkAllLeads) {
        LeadAccess::all()
    } else if role.grants(Capability::WorkAssignedLeads) {
        LeadAccess::assigned_to(user.as_uuid())
    } else {
        return None;
    };
    Some(match scope {
        Scope::Organization => access,
        Scope::Sites(sites) => access.on_sites(sites.iter().copied()),
    })
}

/// An attorney's access, the only kind of member a lead is given to; `None` for others.
pub fn attorney_access(role: Role, scope: &Scope, user: UserId) -> Option<LeadAccess> {
    lead_access(role, scope, user).filter(|access| !access.triages())
}

/// The work orders a member in `role` over `scope` may handle, or `None` for a role that
/// handles none.
pub fn order_access(role: Role, scope: &Scope) -> Option<OrderAccess> {
    if !role.grants(Capability::WorkOrders) {
        return None;
    }
    Some(match scope {
        Scope::Organization => OrderAccess::staff(),
        Scope::Sites(sites) => OrderAccess::staff_on_sites(sites.iter().copied()),
    })
}
