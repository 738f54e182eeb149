//! The e-mails Leadvault sends. Each says what happened and carries a link; nothing
//! personal beyond the recipient's own address, which is where it goes.

use askama::Template;
use leadvault_mail::{Mail, Recipient};
use zeroize::Zeroizing;

use crate::web::error::AppError;

#[derive(Template)]
#[template(path = "mail/invitation.txt")]
struct InvitationText<'a> {
    org_name: &'a str,
    role: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/password_reset.txt")]
struct PasswordResetText<'a> {
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/email_change.txt")]
struct EmailChangeText<'a> {
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/email_changed.txt")]
struct EmailChangedText;

#[derive(Template)]
#[template(path = "mail/new_lead.txt")]
struct NewLeadText<'a> {
    form_name: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/new_order.txt")]
struct NewOrderText<'a> {
    form_name: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/order_status.txt")]
struct OrderStatusText<'a> {
    org_name: &'a str,
    status: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/tracking_code.txt")]
struct TrackingCodeText<'a> {
    org_name: &'a str,
    form_name: &'a str,
    code: &'a str,
    link: &'a str,
}

fn mail(to: &str, subject: String, body: &impl Template) -> Result<Mail, AppError> {
    Ok(Mail {
        to: Recipient::parse(to).map_err(|e| AppError::Internal(e.to_string()))?,
        subject,
        body: Zeroizing::new(
            body.render()
                .map_err(|e| AppError::Internal(e.to_string()))?,
        ),
    })
}

pub fn invitation(to: &str, org_name: &str, role: &str, link: &str) -> Result<Mail, AppError> {
    mail(
        to,
        format!("Invitation to join {org_name} on Leadvault"),
        &InvitationText {
            org_name,
            role,
            link,
        },
    )
}

pub fn password_reset(to: &str, link: &str) -> Result<Mail, AppError> {
    mail(
        to,
        "Reset your Leadvault password".to_owned(),
        &PasswordResetText { link },
    )
}

pub fn email_change(to: &str, link: &str) -> Result<Mail, AppError> {
    mail(
        to,
        "Confirm your new Leadvault address".to_owned(),
        &EmailChangeText { link },
    )
}

pub fn email_changed(to: &str) -> Result<Mail, AppError> {
    mail(
        to,
        "Your Leadvault address was changed".to_owned(),
        &EmailChangedText,
    )
}

/// To staff: a lead is waiting. Never a word of what it says.
pub fn new_lead(to: &str, form_name: &str, link: &str) -> Result<Mail, AppError> {
    mail(
        to,
        "A new consultation request is waiting".to_owned(),
        &NewLeadText { form_name, link },
    )
}

/// To staff: a work order is waiting. Never a word of what it says.
pub fn new_order(to: &str, form_name: &str, link: &str) -> Result<Mail, AppError> {
    mail(
        to,
        "A new work order is waiting".to_owned(),
        &NewOrderText { form_name, link },
    )
}

/// To the client: their order moved on. The new status and a link, nothing of the order.
pub fn order_status(to: &str, org_name: &str, status: &str, link: &str) -> Result<Mail, AppError> {
    mail(
        to,
        format!("Your work order with {org_name}: {status}"),
        &OrderStatusText {
            org_name,
            status,
            link,
        },
    )
}

/// The tracking code, to the address the person gave on the form and asked to have it sent
/// to: the code and where to use it, nothing of what they wrote.
pub fn tracking_code(
    to: &str,
    org_name: &str,
    form_name: &str,
    code: &str,
    link: &str,
) -> Result<Mail, AppError> {
    mail(
        to,
        format!("Your request to {org_name}: tracking code"),
        &TrackingCodeText {
            org_name,
            form_name,
            code,
            link,
        },
    )
}
