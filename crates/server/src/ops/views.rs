//! The home page's view model.

use askama::Template;

use crate::intake::desk::DeskView;
use crate::web::shell::Shell;

#[derive(Template)]
#[template(path = "ops/home.html")]
pub struct HomePage {
    /// The workspace around the page (none for a client or a public view).
    pub shell: Option<Shell>,
    pub needs_setup: bool,
    pub member: Option<MemberSummary>,
    /// What the member's role does here (none for clients and signed-out visitors).
    pub desk: Option<DeskView>,
}

/// What the home page knows about a signed-in member.
#[derive(Debug)]
pub struct MemberSummary {
    pub org_name: String,
    pub email: String,
    pub role: String,
    pub manages_members: bool,
    pub reviews_audit: bool,
    pub manages_forms: bool,
    pub sets_up_intake: bool,
    pub works_leads: bool,
    pub sees_sites: bool,
    /// A client: the portal is their page.
    pub is_client: bool,
}
