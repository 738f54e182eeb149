//! Roles a member can hold in an organization. What each role may do is decided by the
//! capability policy; this module only names them and says which must use two factors.

use std::fmt;
use std::str::FromStr;

/// A member's role. The stored text ([`Role::as_str`]) is the contract with the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Everything, including keys, retention and the other owners.
    Owner,
    /// Members, sites, forms and settings; all leads.
    Admin,
    /// Triage, assignment and conflict checks for the leads of its sites.
    Intake,
    /// Only leads assigned to them, and only contact and assessment fields.
    Attorney,
    /// Analytics and experiments; never lead content.
    Analyst,
    /// Invoices and payment status of work orders.
    Billing,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role; choose one of owner, admin, intake, attorney, analyst, billing")]
pub struct UnknownRole;

impl Role {
    pub const ALL: [Role; 6] = [
        Self::Owner,
        Self::Admin,
        Self::Intake,
        Self::Attorney,
        Self::Analyst,
        Self::Billing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Intake => "intake",
            Self::Attorney => "attorney",
            Self::Analyst => "analyst",
            Self::Billing => "billing",
        }
    }

    /// Roles that can read personal data (leads, work orders, customers) may only be used
    /// after a second factor. An analyst sees aggregates only, so a password suffices.
    pub fn requires_second_factor(self) -> bool {
        !matches!(self, Self::Analyst)
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or(UnknownRole)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_stored_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("Owner".parse::<Role>(), Err(UnknownRole));
        assert_eq!("superuser".parse::<Role>(), Err(UnknownRole));
    }

    #[test]
    fn only_the_analyst_may_work_without_a_second_factor() {
        let without: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| !r.requires_second_factor())
            .collect();
        assert_eq!(without, vec![Role::Analyst]);
    }
}
