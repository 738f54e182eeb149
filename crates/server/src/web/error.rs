//! The one place where failures become HTTP responses.
//!
//! A client never sees an internal error's detail (it may hold data); it sees a status, a
//! plain sentence and the request id to quote to the operator, whose log has the rest.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadvault_accounts::AccountsError;
use leadvault_audit::AuditError;
use leadvault_intake::IntakeError;
use leadvault_store::StoreError;

use crate::web::render::{ErrorPage, render};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("the form's security token was missing or wrong")]
    CsrfRejected,
    /// Signed in, but the role does not grant this.
    #[error("forbidden")]
    Forbidden,
    /// No live session: the browser is sent to the sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// The password was accepted; the second factor has not been given yet.
    #[error("second factor required")]
    SecondFactorPending,
    /// This person must set up a second factor before doing anything else.
    #[error("second factor enrolment required")]
    EnrolmentRequired,
    #[error("the database is unavailable")]
    Unavailable,
    /// A body over the limit of what its route accepts.
    #[error("the request body is too large")]
    TooLarge,
    #[error("too many requests; retry after {0:?}")]
    RateLimited(std::time::Duration),
    /// What the client sent cannot be accepted, for the reason given (safe to show: it names
    /// a rule, never a submitted value).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The organization's plan with the operator has lapsed: reading and exporting still
    /// work, changes wait for a plan in good standing.
    #[error("the organization's plan has lapsed")]
    PlanLapsed,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<leadvault_backup::BackupError> for AppError {
    fn from(err: leadvault_backup::BackupError) -> Self {
        match err {
            leadvault_backup::BackupError::Store(store) => store.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        if err.is_unavailable() {
            Self::Unavailable
        } else {
            Self::Internal(err.to_string())
        }
    }
}

impl From<AuditError> for AppError {
    fn from(err: AuditError) -> Self {
        match err {
            AuditError::Store(store) => store.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<IntakeError> for AppError {
    fn from(err: IntakeError) -> Self {
        match err {
            // Another organization's (or no) form or lead: indistinguishable from nothing.
            IntakeError::UnknownForm
            | IntakeError::UnknownLead
            | IntakeError::UnknownRule
            | IntakeError::UnknownOrder
            | IntakeError::UnknownDocument => Self::NotFound,
            IntakeError::Invalid(reason) => Self::Invalid(reason),
            not_allowed @ IntakeError::NotAllowed { .. } => Self::Invalid(not_allowed.to_string()),
            IntakeError::Document(document) => document.into(),
            IntakeError::Store(store) => store.into(),
            IntakeError::Audit(audit) => audit.into(),
            IntakeError::Key(leadvault_keys::KeyError::Store(store)) => store.into(),
            IntakeError::Webhook(webhook) => webhook.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<leadvault_documents::DocumentError> for AppError {
    fn from(err: leadvault_documents::DocumentError) -> Self {
        use leadvault_documents::DocumentError;
        match err {
            DocumentError::Unknown => Self::NotFound,
            refusal if refusal.is_refusal() => Self::Invalid(refusal.to_string()),
            DocumentError::Store(store) => store.into(),
            DocumentError::Key(leadvault_keys::KeyError::Store(store)) => store.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<leadvault_webhooks::WebhookError> for AppError {
    fn from(err: leadvault_webhooks::WebhookError) -> Self {
        use leadvault_webhooks::WebhookError;
        match err {
            WebhookError::UnknownEndpoint => Self::NotFound,
            WebhookError::Invalid(reason) => Self::Invalid(reason),
            WebhookError::Store(store) => store.into(),
            WebhookError::Audit(audit) => audit.into(),
            WebhookError::Key(leadvault_keys::KeyError::Store(store)) => store.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<leadvault_payments::PaymentError> for AppError {
    fn from(err: leadvault_payments::PaymentError) -> Self {
        use leadvault_payments::PaymentError as E;
        match err {
            E::Invalid(_) | E::Amount(_) | E::Secret(_) | E::AlreadyPaid | E::Stripe(_) => {
                Self::Invalid(err.to_string())
            }
            E::NotConnected => Self::Invalid(err.to_string()),
            E::UnknownPayment => Self::NotFound,
            E::Signature(_) | E::NotAnEvent => Self::Invalid(err.to_string()),
            E::Store(store) => store.into(),
            E::Audit(audit) => audit.into(),
            E::Key(_) | E::Mail(_) | E::Corrupt(_) => Self::Internal(err.to_string()),
        }
    }
}

impl From<AccountsError> for AppError {
    fn from(err: AccountsError) -> Self {
        match err {
            AccountsError::Store(store) => store.into(),
            // Another organization's (or no) object: indistinguishable from nothing.
            AccountsError::UnknownMember
            | AccountsError::UnknownSite
            | AccountsError::InvitationInvalid
            | AccountsError::ResetInvalid => Self::NotFound,
            AccountsError::Key(leadvault_keys::KeyError::Store(store)) => store.into(),
            AccountsError::Audit(audit) => audit.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::CsrfRejected | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::SignInRequired | Self::SecondFactorPending | Self::EnrolmentRequired => {
                StatusCode::SEE_OTHER
            }
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::PlanLapsed => StatusCode::PAYMENT_REQUIRED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn explanation(&self) -> &str {
        match self {
            Self::Invalid(reason) => reason,
            Self::NotFound => "There is nothing at this address.",
            Self::CsrfRejected => {
                "This form could not be accepted because its security token was missing or out of date. Go back, reload the page and try again."
            }
            Self::SignInRequired | Self::SecondFactorPending | Self::EnrolmentRequired => {
                "Please sign in to continue."
            }
            Self::Forbidden => {
                "Your role in this organization does not allow this. Nothing was changed; an owner or admin can change your role."
            }
            Self::Unavailable => {
                "Leadvault cannot reach its database right now. Nothing was changed; please try again in a moment."
            }
            Self::RateLimited(_) => {
                "Too many attempts from your address. Nothing was changed; please wait a little and try again."
            }
            Self::TooLarge => {
                "What was sent is larger than this page accepts. Nothing was changed; please shorten it and try again."
            }
            Self::PlanLapsed => {
                "This organization's plan has lapsed. Nothing was changed, and nothing is lost: everything can still be read and exported. An owner can choose a plan under Settings, Plan (/settings/plan) to make changes again."
            }
            Self::Internal(_) => {
                "Something went wrong on our side. Nothing was changed; please try again, and tell the operator the request id below if it happens again."
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            Self::Unavailable => tracing::warn!("database unavailable"),
            Self::CsrfRejected => tracing::warn!("CSRF check failed"),
            Self::Forbidden => {
                tracing::info!(target: "security", "refused by the capability policy")
            }
            Self::RateLimited(_) => tracing::info!("rate limited"),
            Self::Invalid(_) => tracing::info!("refused as invalid"),
            Self::TooLarge => tracing::info!("refused as too large"),
            Self::PlanLapsed => tracing::info!("refused: the organization's plan has lapsed"),
            Self::NotFound
            | Self::SignInRequired
            | Self::SecondFactorPending
            | Self::EnrolmentRequired => {}
        }
        let redirect = match self {
            Self::SignInRequired => Some("/login"),
            Self::SecondFactorPending => Some("/login/two-factor"),
            Self::EnrolmentRequired => Some("/account/two-factor"),
            _ => None,
        };
        if let Some(location) = redirect {
            return (
                StatusCode::SEE_OTHER,
                [(axum::http::header::LOCATION, location)],
            )
                .into_response();
        }
        let status = self.status();
        let page = ErrorPage {
            title: status.canonical_reason().unwrap_or("Error"),
            explanation: self.explanation(),
            request_id: crate::web::observe::current_request_id().map(|id| id.0.to_string()),
        };
        let mut response = (status, render(&page)).into_response();
        if let Self::RateLimited(wait) = self {
            // Whole seconds, rounded up, and never 0: "retry now" would defeat the limit.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(value) = axum::http::HeaderValue::from_str(&secs.max(1).to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// An [`AppError`] answered to a program (the JSON API): the same statuses, except that a
/// missing sign-in is 401 rather than a redirect to the sign-in page, and the explanation
/// as `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E> From<E> for ApiError
where
    AppError: From<E>,
{
    fn from(err: E) -> Self {
        Self(AppError::from(err))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status = match error {
            AppError::SignInRequired
            | AppError::SecondFactorPending
            | AppError::EnrolmentRequired => StatusCode::UNAUTHORIZED,
            ref other => other.status(),
        };
        let body = serde_json::json!({ "error": error.explanation() });
        // Logged as the HTML answer would be; the body is replaced.
        let logged = error.into_response();
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(retry) = logged.headers().get(axum::http::header::RETRY_AFTER) {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry.clone());
        }
        response
    }
}
