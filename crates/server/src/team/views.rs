//! View models of the team pages: members, invitations, roles and sites.

use askama::Template;

use crate::web::shell::Shell;

/// A role as offered in a form.
#[derive(Debug)]
pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// A site as offered in a form (checkbox).
#[derive(Debug)]
pub struct SiteOption {
    pub id: String,
    pub domain: String,
    pub checked: bool,
}

#[derive(Debug)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub role: String,
    /// "Whole organization", or the domains it is limited to.
    pub reach: String,
    pub since: String,
    pub is_me: bool,
    /// The organization's sites, ticked where this member's reach is limited to them.
    pub sites: Vec<SiteOption>,
}

#[derive(Debug)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "team/members.html")]
pub struct MembersPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
    pub csrf: String,
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
    pub roles: Vec<RoleOption>,
    /// Offered in the invitation form only: clients are invited, never made by a role change.
    pub client_option: RoleOption,
    pub sites: Vec<SiteOption>,
    /// The address typed into the invitation form, shown back after an error.
    pub invite_email: String,
    pub error: Option<String>,
    /// After an invitation was made: whom it is for.
    pub invited: Option<String>,
    /// The link to pass on, when no e-mail could carry it (e-mail is not configured).
    pub invited_link: Option<String>,
}

#[derive(Debug)]
pub struct SiteRow {
    pub id: String,
    pub domain: String,
    pub added: String,
    /// The viewer may open this site's analytics.
    pub analytics: bool,
    /// Analytics skips visitors who ask not to be tracked (Do Not Track, GPC).
    pub honours_do_not_track: bool,
}

#[derive(Template)]
#[template(path = "team/sites.html")]
pub struct SitesPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
    pub csrf: String,
    /// Where the analytics script is loaded from (empty: relative).
    pub origin: String,
    pub sites: Vec<SiteRow>,
    pub may_manage: bool,
    pub domain: String,
    pub error: Option<String>,
}
