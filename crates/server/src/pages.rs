//! Page templates. Askama escapes every interpolated value for HTML; nothing is marked safe.

use askama::Template;
use axum::response::Html;

pub fn render(page: &impl Template) -> Html<String> {
    // A template that fails to render is a programming error found by the page tests;
    // the fallback keeps a client from ever seeing a 500 with details.
    Html(page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed to render");
        String::from("<!doctype html><title>Error</title><p>Something went wrong.</p>")
    }))
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub explanation: &'a str,
    pub request_id: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub needs_setup: bool,
    pub member: Option<MemberSummary>,
}

/// The first-run form. Values typed by the person are shown back after an error, except
/// the password, which is never echoed.
#[derive(Template, Default)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub csrf: String,
    pub token: String,
    pub org_name: String,
    pub email: String,
    pub errors: SetupErrors,
}

#[derive(Debug, Default)]
pub struct SetupErrors {
    pub org_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub form: Option<String>,
}

#[derive(Template)]
#[template(path = "setup_done.html")]
pub struct SetupDonePage {
    pub org_name: String,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub csrf: String,
    /// The address typed, shown back after a failure; the password never is.
    pub email: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub csrf: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    pub csrf: String,
    /// The secret in groups of four, for typing.
    pub secret: String,
    /// Whether the person's role requires this before anything else.
    pub required: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub csrf: String,
    pub email: String,
    pub role: String,
    pub org_name: String,
    pub two_factor: bool,
    /// A role of this person requires the second factor: it cannot be turned off.
    pub two_factor_required: bool,
    pub recovery_codes_left: i64,
    pub sessions: Vec<SessionRow>,
    /// Why a form on the page was refused.
    pub error: Option<String>,
    /// What a form on the page did.
    pub notice: Option<String>,
    /// Whether e-mail is set up (changing the address needs it).
    pub mail: bool,
}

#[derive(Template)]
#[template(path = "email_confirm.html")]
pub struct EmailConfirmPage {
    pub csrf: String,
    pub token: String,
}

#[derive(Template)]
#[template(path = "email_changed.html")]
pub struct EmailChangedPage {
    pub email: String,
}

#[derive(Debug)]
pub struct SessionRow {
    pub id: String,
    pub device: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
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

#[derive(Template)]
#[template(path = "portal.html")]
pub struct PortalPage {
    pub org_name: String,
    pub email: String,
    pub orders: Vec<OrderRow>,
    /// The work-order forms a client may place orders through: (id, name).
    pub forms: Vec<(String, String)>,
}

/// A work order in a list: no answers, only what says which one it is.
#[derive(Debug)]
pub struct OrderRow {
    pub id: String,
    pub form: String,
    pub status: &'static str,
    pub placed: String,
    pub updated: String,
    /// The form's plain details (job type, due date, rush): (label, value).
    pub details: Vec<(String, String)>,
}

/// The client portal's order form.
#[derive(Template)]
#[template(path = "order_form.html")]
pub struct OrderFormPage {
    pub form_id: String,
    pub name: String,
    pub csrf: String,
    pub fields: Vec<FieldView>,
    pub notice: Option<String>,
    pub error_count: usize,
    pub upload_limit_mb: u64,
}

/// One work order, for its client or for staff.
#[derive(Template)]
#[template(path = "order.html")]
pub struct OrderPage {
    pub id: String,
    pub csrf: String,
    /// Staff see every answer and move the order on; its client sees their order.
    pub staff: bool,
    pub error: Option<String>,
    pub form: String,
    pub status: &'static str,
    pub placed: String,
    pub answers: Vec<AnswerRow>,
    /// Labels of answers not shown again (a client's own sensitive answers).
    pub withheld: Vec<String>,
    pub documents: Vec<DocumentRow>,
    pub history: Vec<HistoryRow>,
    /// The statuses staff may move it to: (value, label).
    pub moves: Vec<(&'static str, &'static str)>,
    /// Its client may still withdraw it.
    pub may_cancel: bool,
}

/// A document of a work order, as listed.
#[derive(Debug)]
pub struct DocumentRow {
    pub href: String,
    pub name: String,
    pub field: String,
    pub kind: String,
    pub size: String,
}

/// Work orders for staff.
#[derive(Template)]
#[template(path = "orders.html")]
pub struct OrdersPage {
    pub orders: Vec<OrderRow>,
}

/// A timestamp as people read it: `2026-11-23 14:05 UTC`.
pub fn utc(at: leadvault_store::Timestamp) -> String {
    let c = at.civil();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_utc_dates() {
        let at = |s: i64| leadvault_store::Timestamp::from_unix_micros(s * 1_000_000);
        assert_eq!(utc(at(0)), "1970-01-01 00:00 UTC");
        assert_eq!(utc(at(951_782_400)), "2000-02-29 00:00 UTC");
        assert_eq!(utc(at(1_795_446_300)), "2026-11-23 15:05 UTC");
    }
}

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
#[template(path = "members.html")]
pub struct MembersPage {
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

#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationPage {
    pub csrf: String,
    pub token: String,
    pub org_name: String,
    pub email: String,
    pub role: String,
    pub account_exists: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "invitation_done.html")]
pub struct InvitationDonePage {
    pub org_name: String,
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
#[template(path = "sites.html")]
pub struct SitesPage {
    pub csrf: String,
    /// Where the analytics script is loaded from (empty: relative).
    pub origin: String,
    pub sites: Vec<SiteRow>,
    pub may_manage: bool,
    pub domain: String,
    pub error: Option<String>,
}

/// One choice of a choice field on a public form.
#[derive(Debug)]
pub struct ChoiceView {
    pub value: String,
    pub checked: bool,
}

/// One field of a form (public or in the client portal), as shown.
#[derive(Debug)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub help: Option<String>,
    /// `text`, `textarea`, `email`, `tel`, `number`, `date`, `select`, `checkboxes`,
    /// `checkbox`, `consent` or `file`.
    pub kind: &'static str,
    /// For a file field, the extensions and media types it accepts (a hint to the
    /// browser's file picker; the server checks the content).
    pub accept: String,
    pub required: bool,
    pub value: String,
    pub checked: bool,
    pub choices: Vec<ChoiceView>,
    pub max_length: usize,
    pub consent_text: Option<String>,
    /// When the field only applies, said in words (the page works without JavaScript).
    pub condition: Option<String>,
    /// The same condition for the page's script: (the other field's key, the value).
    pub show_when: Option<(String, String)>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "public_form.html")]
pub struct PublicFormPage {
    pub form_id: String,
    pub name: String,
    pub token: String,
    pub fields: Vec<FieldView>,
    pub notice: Option<String>,
    pub error_count: usize,
    pub health_warning: bool,
    pub utm: Vec<(String, String)>,
    /// Whether to offer to e-mail the tracking code (e-mail is set up and the form asks for
    /// an e-mail address).
    pub offers_code_mail: bool,
    /// Leading zero bits of the proof of work the browser must find; 0 for none.
    pub pow_bits: u32,
    /// The owner asked for documents: the page has file inputs and is sent as multipart.
    pub takes_documents: bool,
}

#[derive(Template)]
#[template(path = "form_received.html")]
pub struct FormReceivedPage {
    pub name: String,
    /// The form's id: the page tells a framing page (the analytics script) that this form
    /// was sent, and nothing else about it.
    pub form_id: String,
    /// The tracking code, shown this once.
    pub code: String,
    /// Whether it was also e-mailed, as the person asked.
    pub emailed: bool,
}

#[derive(Template)]
#[template(path = "track.html")]
pub struct TrackPage {
    pub error: Option<String>,
    pub status: Option<TrackedView>,
}

/// What `/track` shows of a request: where it stands, never what it said.
#[derive(Debug)]
pub struct TrackedView {
    pub org_name: String,
    pub status: String,
    pub next_steps: &'static str,
    pub submitted: String,
    pub updated: String,
}

/// A form in the forms list.
#[derive(Debug)]
pub struct FormRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub version: i64,
    pub fields: usize,
    /// The site it belongs to, or "all sites".
    pub site: String,
    /// Where people fill it in.
    pub address: String,
    /// The tag that embeds it on the firm's site.
    pub embed: String,
}

#[derive(Template)]
#[template(path = "forms.html")]
pub struct FormsPage {
    pub forms: Vec<FormRow>,
}

/// An assignment rule, as listed.
#[derive(Debug)]
pub struct RuleRow {
    pub id: String,
    pub site: String,
    /// "“area” is “Family”", or none for any answer.
    pub answer: Option<String>,
    pub attorneys: Vec<String>,
}

#[derive(Template)]
#[template(path = "intake_settings.html")]
pub struct IntakeSettingsPage {
    pub csrf: String,
    pub error: Option<String>,
    /// The states after "New", one per line.
    pub states: String,
    pub rules: Vec<RuleRow>,
    /// (site id, domain).
    pub sites: Vec<(String, String)>,
    /// (user id, e-mail) of the organization's attorneys.
    pub attorneys: Vec<(String, String)>,
    /// (id, URL, added).
    pub endpoints: Vec<(String, String, String)>,
    pub deliveries: Vec<DeliveryRow>,
    /// A just-added endpoint's signing secret, shown this once.
    pub new_secret: Option<String>,
}

/// A webhook delivery, as listed (no body).
#[derive(Debug)]
pub struct DeliveryRow {
    pub at: String,
    pub event: String,
    pub state: &'static str,
    pub attempts: i64,
    pub result: String,
}

/// One question in the form builder, as typed.
#[derive(Debug)]
pub struct BuilderQuestion {
    pub index: usize,
    pub key: String,
    pub label: String,
    pub field_type: String,
    pub class: String,
    pub required: bool,
    pub help: String,
    pub max_length: String,
    pub pattern: String,
    pub choices: String,
    pub text: String,
    pub show_field: String,
    pub show_equals: String,
    pub min: String,
    pub max: String,
}

#[derive(Template)]
#[template(path = "form_builder.html")]
pub struct BuilderPage {
    /// Where the page posts: `/forms/new` or `/forms/{id}/edit`.
    pub action: String,
    pub is_new: bool,
    pub csrf: String,
    pub error: Option<String>,
    pub name: String,
    pub kind: String,
    pub published: bool,
    pub health_blocks: bool,
    pub proof_of_work: bool,
    /// A public form with a document question: its owner is told what the guard does not
    /// read.
    pub unguarded_documents: bool,
    /// (site id, domain, selected).
    pub sites: Vec<(String, String, bool)>,
    /// (type name, as shown).
    pub types: Vec<(&'static str, String)>,
    pub classes: Vec<&'static str>,
    pub questions: Vec<BuilderQuestion>,
}

/// A lead in the list: no personal data.
#[derive(Debug)]
pub struct LeadRow {
    pub id: String,
    pub form: String,
    pub status: String,
    pub assigned: String,
    pub received: String,
}

#[derive(Template)]
#[template(path = "leads.html")]
pub struct LeadsPage {
    pub leads: Vec<LeadRow>,
}

/// One answer of a lead, under its question.
#[derive(Debug)]
pub struct AnswerRow {
    pub label: String,
    pub lines: Vec<String>,
}

#[derive(Debug)]
pub struct HistoryRow {
    pub at: String,
    pub what: String,
    pub by: String,
}

#[derive(Debug)]
pub struct AttorneyOption {
    pub id: String,
    pub email: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "lead.html")]
pub struct LeadPage {
    pub error: Option<String>,
    pub id: String,
    pub csrf: String,
    pub status: String,
    /// Every status (value, label), and whether it is the lead's.
    pub statuses: Vec<(String, String, bool)>,
    pub received: String,
    pub answers: Vec<AnswerRow>,
    pub history: Vec<HistoryRow>,
    pub attorneys: Vec<AttorneyOption>,
    pub may_assign: bool,
    /// Other leads with the same e-mail or phone (ids), for intake staff.
    pub duplicates: Vec<String>,
    pub notes: Vec<NoteRow>,
    /// Documents sent with the lead.
    pub documents: Vec<DocumentRow>,
}

/// A staff note on a lead, as shown.
#[derive(Debug)]
pub struct NoteRow {
    pub at: String,
    pub by: String,
    pub lines: Vec<String>,
}

/// One line of the audit report, as shown.
#[derive(Debug)]
pub struct AuditRow {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub denied: bool,
    pub count: i64,
    pub first: String,
    pub last: String,
}

/// A member to filter the audit report by.
#[derive(Debug)]
pub struct MemberOption {
    pub id: String,
    pub email: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub members: Vec<MemberOption>,
    pub action: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<AuditRow>,
    pub page: i64,
    /// Query strings of the neighbouring pages and of the CSV download.
    pub previous: Option<String>,
    pub next: Option<String>,
    pub csv: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub csrf: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "password_reset_request.html")]
pub struct PasswordResetRequestPage {
    pub csrf: String,
    /// Whether e-mail is configured at all.
    pub available: bool,
    /// After a request: the address typed, which may or may not have an account.
    pub sent_to: Option<String>,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
pub struct PasswordResetPage {
    pub csrf: String,
    pub token: String,
    pub needs_code: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "password_reset_done.html")]
pub struct PasswordResetDonePage;
