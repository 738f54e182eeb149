//! View models of the account pages: setup, sign-in, second factor, sessions, e-mail and
//! password changes, invitations.

use askama::Template;

use crate::web::shell::Shell;

/// The first-run form. Values typed by the person are shown back after an error, except
/// the password, which is never echoed.
#[derive(Template, Default)]
#[template(path = "account/setup.html")]
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
#[template(path = "account/setup_done.html")]
pub struct SetupDonePage {
    pub org_name: String,
}

#[derive(Template)]
#[template(path = "account/sign_in.html")]
pub struct SignInPage {
    pub csrf: String,
    /// The address typed, shown back after a failure; the password never is.
    pub email: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "account/second_factor.html")]
pub struct SecondFactorPage {
    pub csrf: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/enrol.html")]
pub struct EnrolPage {
    pub csrf: String,
    /// The secret in groups of four, for typing.
    pub secret: String,
    /// Whether the person's role requires this before anything else.
    pub required: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "account/account.html")]
pub struct AccountPage {
    /// The workspace around the page (none for a client or a public view).
    pub shell: Option<Shell>,
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
#[template(path = "account/email_confirm.html")]
pub struct EmailConfirmPage {
    pub csrf: String,
    pub token: String,
}

#[derive(Template)]
#[template(path = "account/email_changed.html")]
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

#[derive(Template)]
#[template(path = "account/invitation.html")]
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
#[template(path = "account/invitation_done.html")]
pub struct InvitationDonePage {
    pub org_name: String,
}

#[derive(Template)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    /// The workspace around the page (none for a client or a public view).
    pub shell: Option<Shell>,
    pub csrf: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/password_reset_request.html")]
pub struct PasswordResetRequestPage {
    pub csrf: String,
    /// Whether e-mail is configured at all.
    pub available: bool,
    /// After a request: the address typed, which may or may not have an account.
    pub sent_to: Option<String>,
}

#[derive(Template)]
#[template(path = "account/password_reset.html")]
pub struct PasswordResetPage {
    pub csrf: String,
    pub token: String,
    pub needs_code: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/password_reset_done.html")]
pub struct PasswordResetDonePage;
