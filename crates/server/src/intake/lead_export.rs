//! `GET /leads/export`: the inbox's view (its filters, from the URL) as a CSV file, for
//! members who may export. The field-visibility policy decides which answers are in it;
//! every cell is made safe from spreadsheet formulas; each lead is audited as exported.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use leadvault_accounts::{Capability, list_members, list_sites};
use leadvault_analytics::Channel;
use leadvault_audit::csv_line;
use leadvault_intake::{ExportedLead, IntakeError, export_leads, pipeline};

use crate::intake::inbox::InboxParams;
use crate::intake::leads::{access, inbox_page};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;

/// The columns every export starts with, before the answers.
const COLUMNS: [&str; 8] = [
    "lead",
    "received",
    "form",
    "status",
    "assigned to",
    "channel",
    "site",
    "first contact",
];

pub async fn download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ExportLeads).await?;
    let access = access(&state, &signed_in).await?;
    let (params, refused) = InboxParams::from_address(params);
    if refused.is_some() {
        return inbox_page(&state, &signed_in, &access, params, refused).await;
    }
    let me = signed_in.member.user_id.as_uuid();
    let Ok(query) = params.query(me, signed_in.acting.now) else {
        // The inbox says what is wrong with its filters (422).
        return inbox_page(&state, &signed_in, &access, params, None).await;
    };
    let exported = export_leads(
        state.vault(),
        &signed_in.acting,
        &access,
        &query.filter,
        query.sort,
    )
    .await;
    let leads = match exported {
        Ok(leads) => leads,
        Err(IntakeError::Invalid(problem)) => {
            return inbox_page(&state, &signed_in, &access, params, Some(problem)).await;
        }
        Err(other) => return Err(other.into()),
    };
    let csv = spreadsheet(&state, &signed_in, &leads).await?;
    let c = signed_in.acting.now.civil();
    let disposition = format!(
        "attachment; filename=\"leads-{:04}-{:02}-{:02}.csv\"",
        c.year, c.month, c.day
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response())
}

/// The CSV: a header line, then a line per lead; answers in columns by field key, in the
/// order they first appear.
async fn spreadsheet(
    state: &AppState,
    signed_in: &SignedIn,
    leads: &[ExportedLead],
) -> Result<String, AppError> {
    let (db, org) = (state.db(), signed_in.org());
    let stages = pipeline(db, org).await?;
    let members = list_members(db, org).await?;
    let sites = list_sites(db, org).await?;
    let mut keys: Vec<&str> = Vec::new();
    for lead in leads {
        for key in lead.answers.keys() {
            if !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
    }
    let mut out = csv_line(COLUMNS.iter().copied().chain(keys.iter().copied()));
    for lead in leads {
        let s = &lead.summary;
        let assignee = s.assigned_to.and_then(|user| {
            members
                .iter()
                .find(|m| m.user_id.as_uuid() == user)
                .map(|m| m.email.clone())
        });
        let site = s.site_id.and_then(|id| {
            sites
                .iter()
                .find(|site| site.id == id)
                .map(|site| site.domain.to_string())
        });
        let channel = lead
            .channel
            .as_deref()
            .map(|name| Channel::parse(name).map_or(name, |c| c.label()));
        let fixed = [
            s.id.to_string(),
            s.created_at.rfc3339(),
            s.form_name.clone(),
            stages.label_of(&s.status),
            assignee.unwrap_or_default(),
            channel.unwrap_or_default().to_owned(),
            site.unwrap_or_default(),
            lead.first_contact_at
                .map(|at| at.rfc3339())
                .unwrap_or_default(),
        ];
        let answers = keys
            .iter()
            .map(|key| lead.answers.get(*key).map_or("", String::as_str));
        out.push_str(&csv_line(fixed.iter().map(String::as_str).chain(answers)));
    }
    Ok(out)
}
