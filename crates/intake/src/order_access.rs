//! How far a person reaches into work orders, and the SQL condition that enforces it: a
//! client reaches only the orders they placed; staff who handle orders reach those of the
//! sites in their scope. An order out of reach looks exactly like one that does not exist.

use leadvault_store::SiteId;
use uuid::Uuid;

use crate::access::Condition;
use crate::form::DataClass;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderAccess {
    /// A client (client-portal account): their own orders only.
    Client(Uuid),
    /// Staff who handle work orders; `sites: None` reaches every order of the organization.
    Staff { sites: Option<Vec<SiteId>> },
}

impl OrderAccess {
    /// Every order of the organization.
    pub fn staff() -> Self {
        Self::Staff { sites: None }
    }

    /// Staff whose membership is scoped to `sites`.
    pub fn staff_on_sites(sites: impl IntoIterator<Item = SiteId>) -> Self {
        Self::Staff {
            sites: Some(sites.into_iter().collect()),
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Self::Staff { .. })
    }

    /// The classes of answers this access decrypts. Staff need everything to do the job
    /// (a skip trace needs the SSN); a client sees what they sent except `sensitive`
    /// answers, which are never shown again once sent.
    pub fn classes(&self) -> &'static [DataClass] {
        match self {
            Self::Staff { .. } => &[
                DataClass::Contact,
                DataClass::Assessment,
                DataClass::Sensitive,
            ],
            Self::Client(_) => &[DataClass::Contact, DataClass::Assessment],
        }
    }

    /// The condition on the `work_orders` row aliased `alias`.
    pub(crate) fn condition(&self, alias: &str, first: usize) -> Condition {
        let mut condition = Condition {
            sql: String::new(),
            binds: Vec::new(),
        };
        match self {
            Self::Client(user) => {
                condition.sql = format!(" AND {alias}.customer_id = ${first}");
                condition.binds.push(user.to_string());
            }
            Self::Staff { sites: None } => {}
            Self::Staff { sites: Some(sites) } => condition.only_sites(alias, sites, first),
        }
        condition
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_reaches_only_their_own_orders() {
        let me = Uuid::new_v4();
        let condition = OrderAccess::Client(me).condition("o", 3);
        assert_eq!(condition.sql, " AND o.customer_id = $3");
        assert_eq!(condition.binds, vec![me.to_string()]);
        assert!(
            !OrderAccess::Client(me)
                .classes()
                .contains(&DataClass::Sensitive)
        );
    }

    #[test]
    fn staff_reach_their_sites_or_everything() {
        assert_eq!(OrderAccess::staff().condition("o", 1).sql, "");
        let site = SiteId::random();
        let scoped = OrderAccess::staff_on_sites([site]).condition("o", 2);
        assert_eq!(scoped.sql, " AND o.site_id IN ($2)");
        assert_eq!(scoped.binds, vec![site.to_string()]);
        assert_eq!(
            OrderAccess::staff_on_sites([]).condition("o", 1).sql,
            " AND 1 = 0"
        );
        assert!(
            OrderAccess::staff()
                .classes()
                .contains(&DataClass::Sensitive)
        );
    }
}
