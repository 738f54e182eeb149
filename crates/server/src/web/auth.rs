//! Who is signed in: the session cookie, and the extractors that every non-public handler
//! takes as an argument, so that a handler without one cannot see anyone's data.
//!
//! - [`SignedIn`]: fully signed in (password and, where required, second factor), and still
//!   a member of the session's organization.
//! - [`SigningIn`]: a session at any stage, for the sign-in and enrolment pages themselves.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{
    Capability, Member, Session, SessionStage, SessionToken, find_customer, find_member,
    find_session,
};
use leadvault_audit::{Acting, Actor, By};
use leadvault_store::{OrgId, Timestamp};

use crate::state::{AppState, WebOptions};
use crate::web::csrf;
use crate::web::denial::{self, Needed};
use crate::web::error::AppError;
use crate::web::observe;

fn cookie_name(options: &WebOptions) -> &'static str {
    // See csrf::cookie_name: `__Host-` needs HTTPS.
    if options.https {
        "__Host-lv_session"
    } else {
        "lv_session"
    }
}

/// The `Set-Cookie` value that hands the browser a session. No expiry: the browser forgets it
/// when it closes, and the server ends it after the idle and absolute timeouts regardless.
pub fn session_cookie(options: &WebOptions, token: &SessionToken) -> Result<HeaderValue, AppError> {
    let secure = if options.https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        cookie_name(options),
        token.expose()
    ))
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn cleared_cookie(options: &WebOptions) -> HeaderValue {
    let value = if options.https {
        "__Host-lv_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"
    } else {
        "lv_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    };
    HeaderValue::from_static(value)
}

/// A redirect that hands the browser a (new) session.
pub fn redirect_with_session(
    options: &WebOptions,
    token: &SessionToken,
    to: &str,
) -> Result<Response, AppError> {
    Ok((
        [(header::SET_COOKIE, session_cookie(options, token)?)],
        Redirect::to(to),
    )
        .into_response())
}

/// A redirect to the sign-in page that also removes the (ended) session cookie.
pub fn signed_out(options: &WebOptions) -> Response {
    (
        [(header::SET_COOKIE, cleared_cookie(options))],
        Redirect::to("/login"),
    )
        .into_response()
}

/// The session token the browser sent, if it has the shape of one.
pub fn presented_token(headers: &HeaderMap, options: &WebOptions) -> Option<SessionToken> {
    csrf::cookie_value(headers, cookie_name(options)).and_then(SessionToken::parse)
}

/// A session at any stage of sign-in.
#[derive(Debug)]
pub struct SigningIn {
    pub session: Session,
    pub token: SessionToken,
}

impl SigningIn {
    /// This person, acting in this request.
    pub fn by(&self) -> By {
        observe::by(Actor::Member(self.session.user_id.as_uuid()))
    }

    /// The token to embed in this page's forms.
    pub fn csrf_token(&self) -> String {
        self.token.csrf_token().to_string()
    }
}

impl FromRequestParts<AppState> for SigningIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token =
            presented_token(&parts.headers, state.options()).ok_or(AppError::SignInRequired)?;
        let session = find_session(state.db(), &token, Timestamp::now())
            .await?
            .ok_or(AppError::SignInRequired)?;
        Ok(Self { session, token })
    }
}

/// A session that has completed sign-in (password and, where required, second factor).
pub(crate) async fn full_session(
    parts: &mut Parts,
    state: &AppState,
) -> Result<SigningIn, AppError> {
    let signing_in = SigningIn::from_request_parts(parts, state).await?;
    match signing_in.session.stage {
        SessionStage::Full => Ok(signing_in),
        SessionStage::SecondFactor => Err(AppError::SecondFactorPending),
        SessionStage::Enrol => Err(AppError::EnrolmentRequired),
    }
}

/// A fully signed-in member of an organization (staff).
#[derive(Debug)]
pub struct SignedIn {
    pub member: Member,
    pub token: SessionToken,
    /// This request's context for domain calls: the member's organization, the member (in
    /// this request), and the request's time, taken once.
    pub acting: Acting,
}

impl SignedIn {
    /// This member, acting in this request.
    pub fn by(&self) -> By {
        self.acting.by
    }

    /// The organization the member is signed in to: every read and change of theirs is
    /// within it.
    pub fn org(&self) -> OrgId {
        self.acting.org
    }

    /// The token to embed in this page's forms.
    pub fn csrf_token(&self) -> String {
        self.token.csrf_token().to_string()
    }

    /// Refuses (403) unless the member's role grants `capability`: the check every
    /// handler of a protected page makes first. A refusal is audited.
    pub async fn require(&self, state: &AppState, capability: Capability) -> Result<(), AppError> {
        if self.member.may(capability) {
            Ok(())
        } else {
            Err(self.refuse(state, Needed::Capability(capability)).await)
        }
    }

    /// The audited refusal of something that needs `needed`.
    pub async fn refuse(&self, state: &AppState, needed: Needed) -> AppError {
        denial::forbidden(state, self.org(), self.by(), needed).await
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SigningIn { session, token } = full_session(parts, state).await?;
        match find_member(state.db(), session.user_id, session.org_id).await? {
            Some(member) => {
                let by = observe::by(Actor::Member(member.user_id.as_uuid()));
                let acting = Acting::new(member.org_id, by, Timestamp::now());
                Ok(Self {
                    member,
                    token,
                    acting,
                })
            }
            // A client, on a staff page.
            None if find_customer(state.db(), session.user_id, session.org_id)
                .await?
                .is_some() =>
            {
                let by = observe::by(Actor::Client(session.user_id.as_uuid()));
                Err(denial::forbidden(state, session.org_id, by, Needed::StaffPages).await)
            }
            // Removed from the organization since signing in: the session is worthless.
            None => Err(AppError::SignInRequired),
        }
    }
}
