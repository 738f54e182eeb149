//! What a public form's submission does once its body is read: sort the fields, screen out
//! bots (honeypot, page token with its minimum fill time, proof of work), check the answers
//! and documents, and store the lead with its notifications and tracking code. No HTTP
//! here: the handler (`public_form::submit`) reads the body and renders what [`receive`]
//! decides.

use std::collections::BTreeMap;

use leadvault_accounts::{Capability, MemberSummary, Site, members_and_sites, organization_name};
use leadvault_analytics::Arrival;
use leadvault_intake::form::{Answers, Submitted, check_answers};
use leadvault_intake::{
    Form, IntakeError, LeadAccess, Origin, Receipt, Submission, TrackingCode, Upload,
    proof_of_work_ok, submit_lead,
};
use leadvault_mail::{SealedMail, seal};
use leadvault_store::Timestamp;

use crate::intake::form_token::{self, TokenProblem};
use crate::intake::public_form::{
    ACKNOWLEDGED, EMAIL_CODE, HONEYPOT, PROOF_OF_WORK, Shown, TOKEN, UTM, email_field,
};
use crate::intake::reach::attorney_access;
use crate::mails;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::multipart;
use crate::web::observe;

/// A submission as read from the request: its fields, the documents received, and those
/// refused on the way in (field, reason).
#[derive(Debug)]
pub(super) struct Sent {
    pub fields: Fields,
    pub uploads: Vec<Upload>,
    pub refused_documents: Vec<(String, String)>,
}

/// What became of a submission.
pub(super) enum Received {
    /// Stored: its receipt, whether the tracking code was e-mailed, and the organization's
    /// sites (who may frame the page that says so).
    Stored {
        receipt: Receipt,
        emailed: bool,
        sites: Vec<Site>,
    },
    /// Not stored: the form is shown again, as typed, with what to change.
    Refused(Shown<'static>),
}

/// Receives one submission of `form`.
pub(super) async fn receive(
    state: &AppState,
    form: &Form,
    sent: Sent,
    now: Timestamp,
) -> Result<Received, AppError> {
    let Sent {
        fields,
        mut uploads,
        refused_documents,
    } = sent;
    let (mut typed, utm) = sort(form, &fields);
    if let Some(notice) = screen(state, form, &fields, now).await? {
        return Ok(Received::Refused(Shown::notice(typed, notice, utm)));
    }
    let acknowledged = fields.one(ACKNOWLEDGED) == "yes";
    let checked = check_answers(&form.definition, &typed, acknowledged);
    // Documents of questions the answers leave hidden are not kept; on any refusal below,
    // the documents received go with `uploads`: nothing is kept.
    let checked = multipart::with_documents(form, checked, &mut uploads, &refused_documents);
    let answers = match checked {
        Ok(answers) => answers,
        Err(errors) => {
            if !errors.findings.is_empty() {
                // The kinds found, never the values: for the operator's statistics.
                let kinds: Vec<&str> = errors.findings.iter().map(|f| f.name()).collect();
                tracing::info!(target: "security", form_id = %form.id, ?kinds, "prohibited data refused");
            }
            for key in &errors.cleared {
                typed.remove(key.as_str());
            }
            return Ok(Received::Refused(Shown {
                typed,
                errors,
                notice: None,
                utm,
            }));
        }
    };
    let lead = Lead {
        answers: &answers,
        fields: &fields,
        uploads: &uploads,
        utm: &utm,
    };
    match store(state, form, &lead, now).await? {
        Ok((receipt, emailed, sites)) => {
            tracing::info!(form_id = %form.id, lead_id = %receipt.lead_id, "consultation received");
            Ok(Received::Stored {
                receipt,
                emailed,
                sites,
            })
        }
        Err(notice) => Ok(Received::Refused(Shown::notice(typed, notice, utm))),
    }
}

/// The answers to the form's questions, and the campaign (UTM) parameters; the page's own
/// fields (`_…`) and names the form does not have are neither.
fn sort(form: &Form, fields: &Fields) -> (Submitted, BTreeMap<String, String>) {
    let mut typed = Submitted::new();
    let mut utm = BTreeMap::new();
    for (name, value) in fields.pairs() {
        if UTM.contains(&name) && value.len() <= 200 {
            utm.insert(name.to_owned(), value.to_owned());
        } else if !name.starts_with('_') && form.definition.field(name).is_some() {
            typed
                .entry(name.to_owned())
                .or_default()
                .push(value.to_owned());
        }
    }
    (typed, utm)
}

/// Keeps bots out: a filled honeypot, a page sent faster than a person types or left open
/// too long, a missing proof of work each get a notice for the person (who sends again); a
/// forged or foreign page token is refused outright.
async fn screen(
    state: &AppState,
    form: &Form,
    fields: &Fields,
    now: Timestamp,
) -> Result<Option<&'static str>, AppError> {
    if !fields.one(HONEYPOT).is_empty() {
        return Ok(Some("This form could not be accepted. Please try again."));
    }
    let min_fill = state.options().form_min_fill;
    match form_token::check(state.keyring(), form.id, fields.one(TOKEN), now, min_fill).await? {
        Ok(()) => {}
        Err(TokenProblem::Invalid) => return Err(AppError::CsrfRejected),
        Err(TokenProblem::TooFast) => {
            return Ok(Some(
                "That was quicker than a person can fill in a form. Please check your answers and send again.",
            ));
        }
        Err(TokenProblem::Expired) => {
            return Ok(Some(
                "This page was open for a long time. Please check your answers and send again.",
            ));
        }
    }
    if form.definition.proof_of_work
        && !proof_of_work_ok(fields.one(TOKEN), fields.one(PROOF_OF_WORK))
    {
        return Ok(Some(
            "Your browser could not confirm that a person is sending this form. Please make sure JavaScript is on, and send again.",
        ));
    }
    Ok(None)
}

/// A checked submission, ready to store.
struct Lead<'a> {
    answers: &'a Answers,
    fields: &'a Fields,
    uploads: &'a [Upload],
    utm: &'a BTreeMap<String, String>,
}

/// Stores the lead with its notifications, its tracking code (e-mailed if asked) and who of
/// the attorneys may read it, in one transaction; then wakes the workers that send them.
/// `Ok(Err(notice))`: the page had already been used to send a request.
async fn store(
    state: &AppState,
    form: &Form,
    lead: &Lead<'_>,
    now: Timestamp,
) -> Result<Result<(Receipt, bool, Vec<Site>), &'static str>, AppError> {
    let (members, sites) = members_and_sites(state.db(), form.org_id, form.site.is_none()).await?;
    let mut notify = notifications(state, form, &members, now).await?;
    let tracking_code = TrackingCode::generate().map_err(|e| AppError::Internal(e.to_string()))?;
    let wanted = lead.fields.one(EMAIL_CODE) == "yes";
    let address = email_field(form).and_then(|key| lead.answers.get(key));
    let code = code_mail(state, form, address.filter(|_| wanted), &tracking_code, now).await?;
    let emailed = code.is_some();
    notify.extend(code);
    let attorneys: Vec<LeadAccess> = members
        .iter()
        .filter_map(|m| attorney_access(m.role, &m.scope, m.user_id))
        .collect();
    let submission = Submission {
        origin: Origin {
            channel: Some(channel_of(state, form, lead.utm).to_owned()),
            utm: lead.utm.clone(),
        },
        request_id: observe::anonymous().request_id,
        notify: &notify,
        attorneys: &attorneys,
        tracking_code: Some(tracking_code),
        page_token: Some(lead.fields.one(TOKEN)),
        uploads: lead.uploads,
        documents: Some(state.documents()),
    };
    let stored = submit_lead(state.vault(), form, lead.answers, &submission, now).await;
    let receipt = match stored {
        Ok(receipt) => receipt,
        Err(IntakeError::PageUsed) => {
            return Ok(Err(
                "This page was already used to send a request, which we received. To send another, fill in the form again.",
            ));
        }
        Err(other) => return Err(other.into()),
    };
    if !notify.is_empty() {
        state.wake_mail();
    }
    state.wake_webhooks();
    Ok(Ok((receipt, emailed, sites)))
}

/// "A new request is waiting" for everyone who works the organization's leads, sealed for
/// the outbox, when e-mail is configured. Nothing from the submission is in it.
async fn notifications(
    state: &AppState,
    form: &Form,
    members: &[MemberSummary],
    now: Timestamp,
) -> Result<Vec<SealedMail>, AppError> {
    let Some(public) = state.mail_links().cloned() else {
        return Ok(Vec::new());
    };
    let link = format!("{public}/leads");
    let mut sealed = Vec::new();
    for member in members {
        if member.role.grants(Capability::WorkAllLeads) {
            let mail = mails::new_lead(&member.email, &form.name, &link)?;
            sealed.push(
                seal(state.keyring(), &mail, now)
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            );
        }
    }
    Ok(sealed)
}

/// The tracking code e-mailed to the address the person gave, when they asked and e-mail is
/// set up; sealed for the outbox, so it is queued with the lead or not at all.
async fn code_mail(
    state: &AppState,
    form: &Form,
    address: Option<&str>,
    code: &TrackingCode,
    now: Timestamp,
) -> Result<Option<SealedMail>, AppError> {
    let (Some(public), Some(address)) = (state.mail_links(), address) else {
        return Ok(None);
    };
    let org_name = organization_name(state.db(), form.org_id)
        .await?
        .unwrap_or_default();
    let link = format!("{public}/track");
    // An address the form accepted but mail cannot take is not e-mailed; the page says so.
    let Ok(mail) = mails::tracking_code(address, &org_name, &form.name, &code.display(), &link)
    else {
        return Ok(None);
    };
    let sealed = seal(state.keyring(), &mail, now)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Some(sealed))
}

/// The channel a lead came through, from its form page's campaign tags (the page's own
/// referrer is the form itself, so tags are all there is).
fn channel_of(state: &AppState, form: &Form, utm: &BTreeMap<String, String>) -> &'static str {
    let tag = |name: &str| utm.get(name).map(String::as_str);
    let arrival = Arrival {
        referrer_host: None,
        site_host: form.site.as_ref().map_or("", |site| site.domain.as_str()),
        utm_source: tag("utm_source"),
        utm_medium: tag("utm_medium"),
        ad_click: false,
    };
    state.analytics().enricher().channel(&arrival).as_str()
}
