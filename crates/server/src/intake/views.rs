//! View models of the intake pages: public forms and tracking, the portal, work orders, leads,
//! the forms list and builder, intake settings.

use askama::Template;

use crate::intake::order_board::Paging;
use crate::web::shell::Shell;

#[derive(Template)]
#[template(path = "intake/portal.html")]
pub struct PortalPage {
    pub org_name: String,
    pub email: String,
    pub orders: Vec<OrderRow>,
    pub paging: Paging,
    /// Whether a status was chosen.
    pub filtered: bool,
    pub error: Option<String>,
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
    /// Its due date (`YYYY-MM-DD`), or empty.
    pub due: String,
    pub rush: bool,
    /// "Overdue" or "Due soon", for an open order.
    pub mark: Option<&'static str>,
    /// The client's e-mail (on the staff board).
    pub customer: String,
}

/// The client portal's order form.
#[derive(Template)]
#[template(path = "intake/order_form.html")]
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
#[template(path = "intake/order.html")]
pub struct OrderPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
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
    /// Its payments, and paying for it.
    pub payment: crate::payments::views::PaymentPanel,
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
#[template(path = "intake/orders.html")]
pub struct OrdersPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
    pub orders: Vec<OrderRow>,
    pub paging: Paging,
    pub statuses: Vec<Choice>,
    pub customers: Vec<Choice>,
    pub rush: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub overdue: bool,
    pub due_from: String,
    pub due_until: String,
    pub filtered: bool,
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
#[template(path = "intake/public_form.html")]
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
#[template(path = "intake/form_received.html")]
pub struct FormReceivedPage {
    pub name: String,
    /// The form's id: the page tells a framing page (the analytics script) that this form
    /// was sent, and nothing else about it.
    pub form_id: String,
    /// The tracking code, shown this once.
    pub code: String,
    /// Whether it was also e-mailed, as the person asked.
    pub emailed: bool,
    /// The form's fee ("USD 50.00") and the token that lets this lead's be paid.
    pub fee: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "intake/track.html")]
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
#[template(path = "intake/forms.html")]
pub struct FormsPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
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
#[template(path = "intake/intake_settings.html")]
pub struct IntakeSettingsPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
    pub csrf: String,
    pub error: Option<String>,
    /// The states after "New", one per line.
    pub states: String,
    pub target: TargetForm,
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

/// The speed-to-lead target's form, filled in.
#[derive(Debug)]
pub struct TargetForm {
    /// Whether the organization has set one (otherwise the fields hold a suggestion).
    pub set: bool,
    pub minutes: String,
    /// (number, name, ticked), Monday first.
    pub days: Vec<(usize, &'static str, bool)>,
    pub opens: String,
    pub closes: String,
    pub utc_offset: String,
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
#[template(path = "intake/form_builder.html")]
pub struct BuilderPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
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

/// An option of a filter's list.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A status with its number of leads under the other filters, and the link that shows them.
#[derive(Debug)]
pub struct StatusCount {
    pub label: String,
    /// As shown: `1000+` past the count's cap.
    pub count: String,
    pub href: String,
    pub current: bool,
}

/// The lead inbox: filters (kept in the URL), counts per status, a page of rows.
#[derive(Template)]
#[template(path = "intake/leads.html")]
pub struct LeadsPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
    pub rows: Vec<LeadRow>,
    pub counts: Vec<StatusCount>,
    /// The same view with every status.
    pub all_statuses: String,
    pub statuses: Vec<Choice>,
    /// Empty for a reader who sees only their own leads.
    pub assignees: Vec<Choice>,
    pub forms: Vec<Choice>,
    pub sites: Vec<Choice>,
    pub channels: Vec<Choice>,
    /// This view as a spreadsheet, for those who may export.
    pub export: Option<String>,
    /// The view's filters, for the search form to keep: (name, value).
    pub hidden: Vec<(String, String)>,
    /// A search found more leads than a page shows.
    pub more_found: bool,
    /// What leads wait for: first contact, a follow-up.
    pub waiting: Vec<Choice>,
    pub from: String,
    pub until: String,
    pub q: String,
    pub oldest_first: bool,
    /// The next page, if there is one.
    pub next: Option<String>,
    /// The first page, when this is a later one.
    pub first: Option<String>,
    /// Whether any filter applies (to say so when nothing matches).
    pub filtered: bool,
    pub error: Option<String>,
    /// For the bulk form, which changes the selected leads.
    pub csrf: String,
    /// This very view, to come back to after a bulk change.
    pub back: String,
    /// Attorneys leads may be given to; empty for a reader who cannot assign.
    pub attorneys: Vec<Choice>,
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
#[template(path = "intake/lead.html")]
pub struct LeadPage {
    /// The workspace around the page (none for a client's view).
    pub shell: Option<Shell>,
    pub error: Option<String>,
    pub id: String,
    pub csrf: String,
    pub status: String,
    /// Every status (value, label), and whether it is the lead's.
    pub statuses: Vec<(String, String, bool)>,
    pub received: String,
    pub first_contact: FirstContact,
    /// When it is to be followed up (shown), and as the form field holds it.
    pub follow_up: Option<String>,
    pub follow_up_value: String,
    /// The channel it came through, if known.
    pub channel: Option<String>,
    pub answers: Vec<AnswerRow>,
    pub history: Vec<HistoryRow>,
    pub attorneys: Vec<AttorneyOption>,
    pub may_assign: bool,
    /// Other leads with the same e-mail or phone (ids), for intake staff.
    pub duplicates: Vec<String>,
    pub notes: Vec<NoteRow>,
    /// Documents sent with the lead.
    pub documents: Vec<DocumentRow>,
    /// Its consultation fee's payments.
    pub payment: crate::payments::views::PaymentPanel,
}

/// Speed to lead, as a lead's page shows it.
#[derive(Debug)]
pub enum FirstContact {
    /// First contacted at, so long after it arrived.
    Made { at: String, after: String },
    /// Nobody has contacted the person yet; it has waited this long.
    Waiting { for_: String },
}

/// A staff note on a lead, as shown.
#[derive(Debug)]
pub struct NoteRow {
    pub at: String,
    pub by: String,
    pub lines: Vec<String>,
}
