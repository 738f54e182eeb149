//! What a lead's or a work order's page shows, read in one call: the record itself (an
//! audited decryption, as far as the reader's access reaches) with the form it was sent
//! through as it was then, and for a lead the pipeline, its history and possible duplicates.

use leadvault_audit::Acting;

use crate::access::LeadAccess;
use crate::error::IntakeError;
use crate::form::FormDefinition;
use crate::forms::definition_at;
use crate::history::{HistoryEvent, lead_history};
use crate::ids::{LeadId, OrderId};
use crate::leads::{LeadView, possible_duplicates, read_lead};
use crate::order_access::OrderAccess;
use crate::orders::{OrderView, read_order};
use crate::pipeline::{Pipeline, pipeline};
use crate::vault::Vault;

/// A lead as its page shows it.
#[derive(Debug)]
pub struct LeadFile {
    pub lead: LeadView,
    /// The form as it was when the lead was sent: its questions' labels and order.
    pub form: FormDefinition,
    /// The organization's statuses, to name the lead's and offer the others.
    pub pipeline: Pipeline,
    pub history: Vec<HistoryEvent>,
    /// Other leads with the same e-mail address or phone number, for those who triage;
    /// empty for everyone else.
    pub duplicates: Vec<LeadId>,
}

/// Reads `lead` for its page, within `access` (an audited read).
pub async fn open_lead(
    vault: Vault<'_>,
    acting: &Acting,
    lead: LeadId,
    access: &LeadAccess,
) -> Result<LeadFile, IntakeError> {
    let view = read_lead(vault, acting, lead, access).await?;
    let (db, org) = (vault.db, acting.org);
    let form = definition_at(db, org, view.form_id, view.form_version).await?;
    let duplicates = if access.triages() {
        possible_duplicates(db, org, lead, access).await?
    } else {
        Vec::new()
    };
    Ok(LeadFile {
        form,
        pipeline: pipeline(db, org).await?,
        history: lead_history(db, org, lead).await?,
        duplicates,
        lead: view,
    })
}

/// A work order as its page shows it, to staff or to the client who placed it.
#[derive(Debug)]
pub struct OrderFile {
    pub order: OrderView,
    /// The order form as it was when the order was placed.
    pub form: FormDefinition,
}

/// Reads `order` for its page, within `access` (an audited read).
pub async fn open_order(
    vault: Vault<'_>,
    acting: &Acting,
    order: OrderId,
    access: &OrderAccess,
) -> Result<OrderFile, IntakeError> {
    let view = read_order(vault, acting, order, access).await?;
    let form = definition_at(vault.db, acting.org, view.form_id, view.form_version).await?;
    Ok(OrderFile { order: view, form })
}
