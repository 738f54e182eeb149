//! The frame of every signed-in staff page: the organization's name, the sections the
//! member's role reaches (and only those), the current one marked, counts where they help
//! (new leads, orders to accept), the account and signing out. The sections come from the
//! same capability policy that guards the routes, so the navigation never offers a page the
//! member would be refused.

use leadvault_accounts::{Capability, Member, find_member};
use leadvault_intake::{Tally, new_leads, orders_to_accept};

use crate::intake::reach::{lead_access, order_access};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::person::{Person, Relation};

/// The part of the workspace a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Leads,
    Orders,
    Forms,
    Sites,
    Members,
    IntakeSettings,
    Payments,
    Audit,
    Operations,
    /// The person's own account (reached from the frame's name, not a section).
    Account,
}

/// One link of the navigation.
#[derive(Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// What waits there, where a number helps (`1000+` past the count's cap); `None` where
    /// it does not.
    pub count: Option<Tally>,
}

/// The frame around a staff page.
#[derive(Debug)]
pub struct Shell {
    pub org_name: String,
    pub email: String,
    pub nav: Vec<NavItem>,
    /// For the sign-out form.
    pub csrf: String,
    /// Where the operator sells plans and the organization's is not in good standing: what
    /// it may do, and until when.
    pub plan_notice: Option<String>,
    /// The member may open the plan page.
    pub plan_link: bool,
}

impl Shell {
    /// The frame of a page of `current` for `signed_in`.
    pub async fn of(
        state: &AppState,
        signed_in: &SignedIn,
        current: Section,
    ) -> Result<Self, AppError> {
        Self::build(state, &signed_in.member, signed_in.csrf_token(), current).await
    }

    /// The frame of a page staff and clients share (the account pages, the home page): a
    /// member's; none for a client, whose pages are the portal's.
    pub async fn of_person(
        state: &AppState,
        person: &Person,
        current: Section,
    ) -> Result<Option<Self>, AppError> {
        if person.relation == Relation::Customer {
            return Ok(None);
        }
        match find_member(state.db(), person.user_id, person.org_id).await? {
            Some(member) => Ok(Some(
                Self::build(state, &member, person.csrf_token(), current).await?,
            )),
            None => Ok(None),
        }
    }

    /// The frame of a page of `current` for `member`, already found (the home page also
    /// needs the member), with `csrf` for the sign-out form.
    pub async fn of_member(
        state: &AppState,
        member: &Member,
        csrf: String,
        current: Section,
    ) -> Result<Self, AppError> {
        Self::build(state, member, csrf, current).await
    }

    async fn build(
        state: &AppState,
        member: &Member,
        csrf: String,
        current: Section,
    ) -> Result<Self, AppError> {
        let (db, org) = (state.db(), member.org_id);
        let grants = |capability| member.role.grants(capability);
        let mut nav = vec![item("/", "Home", Section::Home, current, None)];
        if let Some(access) = lead_access(member.role, &member.scope, member.user_id) {
            let waiting = new_leads(db, org, &access).await?;
            nav.push(item(
                "/leads",
                "Leads",
                Section::Leads,
                current,
                Some(waiting),
            ));
        }
        if let Some(access) = order_access(member.role, &member.scope) {
            let waiting = orders_to_accept(db, org, &access).await?;
            nav.push(item(
                "/orders",
                "Work orders",
                Section::Orders,
                current,
                Some(waiting),
            ));
        }
        let plain: [(Capability, &'static str, &'static str, Section); 7] = [
            (Capability::ManageForms, "/forms", "Forms", Section::Forms),
            (
                Capability::ViewSites,
                "/sites",
                "Sites and analytics",
                Section::Sites,
            ),
            (
                Capability::ManageMembers,
                "/members",
                "Members",
                Section::Members,
            ),
            (
                Capability::SetUpIntake,
                "/settings/intake",
                "Intake settings",
                Section::IntakeSettings,
            ),
            (
                Capability::Billing,
                "/payments",
                "Payments",
                Section::Payments,
            ),
            (
                Capability::ReviewAudit,
                "/audit",
                "Audit log",
                Section::Audit,
            ),
            (
                Capability::Operations,
                "/operations/backups",
                "Backups",
                Section::Operations,
            ),
        ];
        for (capability, href, label, section) in plain {
            if grants(capability) {
                nav.push(item(href, label, section, current, None));
            }
        }
        let plan_notice = match state.billing() {
            Some(billing) => {
                let plan = leadvault_payments::org_plan(
                    db,
                    billing,
                    org,
                    leadvault_store::Timestamp::now(),
                )
                .await?;
                match plan.standing {
                    leadvault_payments::Standing::Good => None,
                    standing => Some(crate::payments::plan::standing_text(standing)),
                }
            }
            None => None,
        };
        Ok(Self {
            org_name: member.org_name.clone(),
            email: member.email.clone(),
            nav,
            csrf,
            plan_link: plan_notice.is_some() && grants(Capability::Billing),
            plan_notice,
        })
    }
}

fn item(
    href: &'static str,
    label: &'static str,
    section: Section,
    current: Section,
    count: Option<Tally>,
) -> NavItem {
    NavItem {
        href,
        label,
        current: section == current,
        count,
    }
}
