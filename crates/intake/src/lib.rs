//! Intake: what people send a firm (consultation answers, work orders) and what the firm does
//! with it. Knows nothing of HTTP.
//!
//! Form definitions and answer checking ([`form`]), the prohibited-data guard ([`guard`]),
//! tracking codes ([`TrackingCode`]), forms as stored and versioned, the submission
//! pipeline, the status behind a tracking code, leads under the field-visibility policy,
//! and work orders with their documents ([`place_order`], [`OrderAccess`]).

mod access;
mod actions;
mod attachments;
mod bulk;
mod case_file;
mod contact_target;
mod contacts;
mod error;
mod export;
mod figures;
mod first_contact;
pub mod form;
mod forms;
pub mod guard;
mod history;
mod ids;
mod inbox;
mod keyset;
mod leads;
mod migrations;
mod notes;
mod order_access;
mod order_board;
mod order_status;
mod orders;
mod pipeline;
mod reminders;
mod routing;
mod sealed;
mod spam;
mod status;
mod submission;
mod tally;
mod tracking;
mod vault;
mod waiting;

pub use access::LeadAccess;
pub use actions::IntakeAction;
pub use attachments::{Holder, Upload, open_document};
pub use bulk::{BulkChange, BulkOutcome, change_leads};
pub use case_file::{LeadFile, OrderFile, open_lead, open_order};
pub use contact_target::{ContactTarget, WEEKDAYS, contact_target, set_contact_target};
pub use contacts::reindex_contacts;
pub use error::IntakeError;
pub use export::{ExportedLead, MAX_EXPORT, export_leads};
pub use figures::{LeadFigures, RETAINED, Speed, lead_figures, week_of};
pub use first_contact::{mark_contacted, set_follow_up};
pub use forms::{
    Form, FormDraft, FormSite, create_form, definition_at, find_form, find_order_form,
    find_public_form, form_version, list_forms, revise_form,
};
pub use history::{HistoryEvent, HistoryKind, Trail, lead_history, record_event};
pub use ids::{FormId, LeadId, NoteId, OrderId, RuleId};
pub use inbox::{
    Assigned, Contact, InboxFilter, InboxPage, InboxQuery, MAX_PAGE, Sort, Waiting, inbox,
};
pub use keyset::{Cursor, RecordId};
pub use leads::{
    LeadSummary, LeadView, assign_lead, lead_summary, possible_duplicates, read_lead, set_status,
};
pub use migrations::MIGRATIONS;
pub use notes::{NOTE_COLUMN, Note, NoteText, add_note};
pub use order_access::OrderAccess;
pub use order_board::{OPEN, OrderFilter, OrderPage, OrderQuery, OrderSort, order_board};
pub use order_status::OrderStatus;
pub use orders::{
    NewOrder, ORDER_COLUMNS, ORDERS_TABLE, OrderSummary, OrderView, Schedule, StatusChange,
    order_client, order_summary, place_order, read_order, set_order_status,
};
pub use pipeline::{DEFAULT_STATES, NEW, Pipeline, Stage, pipeline, set_pipeline};
pub use reminders::{DueReminder, RemindWhom, ReminderKind, due_reminders, mark_reminded};
pub use routing::{
    AnswerIs, AssignmentRule, Move, NewRule, RULES_ACTOR, add_rule, list_rules, move_rule,
    remove_rule,
};
pub use spam::{POW_BITS, forget_spent_pages, proof_of_work_ok};
pub use status::{TrackedStatus, track};
pub use submission::{
    LEAD_COLUMNS, LEADS_TABLE, Origin, Receipt, SUBMISSIONS_AUDITED, Submission, submit_lead,
};
pub use tally::{CAP as TALLY_CAP, Tally};
pub use tracking::{NotATrackingCode, TrackingCode};
pub use vault::Vault;
pub use waiting::{Desk, desk, follow_ups_due, leads_by_status, new_leads, orders_to_accept};
