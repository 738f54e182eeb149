//! `POST /leads/bulk`: the inbox's selected leads assigned or moved to a status at once,
//! each under the same policy and with its own audit record (`intake::change_leads`).

use axum::extract::{RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::list_members;
use leadvault_intake::{BulkChange, LeadId, change_leads};

use crate::intake::lead_page::may_be_given;
use crate::intake::leads::access;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::denial::Needed;
use crate::web::error::AppError;
use crate::web::form_body::Fields;

/// Where to go back to: the inbox view the change was made from (its filters), and never
/// anywhere else.
fn back_to(fields: &Fields) -> String {
    let back = fields.one("back");
    let inbox = back == "/leads" || back.starts_with("/leads?");
    if inbox { back } else { "/leads" }.to_owned()
}

pub async fn apply(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = Fields::parse(&body);
    let access = access(&state, &signed_in).await?;
    let leads = fields
        .all("lead")
        .map(|id| LeadId::parse(id).ok_or(AppError::NotFound))
        .collect::<Result<Vec<_>, _>>()?;
    let outcome = match fields.one("action") {
        "status" => {
            let change = BulkChange::Status(fields.one("status").to_owned());
            change_leads(
                state.db(),
                &signed_in.acting,
                &access,
                &leads,
                &change,
                |_| true,
            )
            .await
        }
        "assign" => {
            if !access.triages() {
                return Err(signed_in.refuse(&state, Needed::AssignLeads).await);
            }
            // Only an attorney of this organization, and for each lead only one who could
            // read it (its site), can be given leads.
            let attorney = list_members(state.db(), signed_in.org())
                .await?
                .into_iter()
                .find(|m| m.user_id.to_string() == fields.one("attorney").trim())
                .ok_or_else(|| AppError::Invalid("choose an attorney from the list".into()))?;
            let change = BulkChange::AssignTo(attorney.user_id.as_uuid());
            change_leads(
                state.db(),
                &signed_in.acting,
                &access,
                &leads,
                &change,
                |site| may_be_given(&attorney, site),
            )
            .await
        }
        _ => {
            return Err(AppError::Invalid(
                "assign the leads or set their status".into(),
            ));
        }
    }?;
    if !outcome.changed.is_empty() {
        state.wake_webhooks();
    }
    match outcome.skipped.first() {
        None => Ok(Redirect::to(&back_to(&fields)).into_response()),
        Some((_, why)) => Err(AppError::Invalid(format!(
            "{} of {} leads changed; {} not ({why})",
            outcome.changed.len(),
            leads.len(),
            outcome.skipped.len()
        ))),
    }
}
