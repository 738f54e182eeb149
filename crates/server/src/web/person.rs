//! Anyone fully signed in, staff or client: for the pages every person has (their own
//! account) and for the client portal.

use std::fmt;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use leadvault_accounts::{
    Capability, OrgId, Role, SessionToken, UserId, find_customer, find_member,
};
use leadvault_audit::{Acting, Actor, By};
use leadvault_store::Timestamp;

use crate::state::AppState;
use crate::web::auth::{SigningIn, full_session};
use crate::web::denial;
use crate::web::error::AppError;
use crate::web::observe;

/// How a signed-in person relates to the session's organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Member(Role),
    /// A client (legal-support customer), who uses the client portal only.
    Customer,
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Member(role) => role.fmt(f),
            Self::Customer => f.write_str("client"),
        }
    }
}

#[derive(Debug)]
pub struct Person {
    pub user_id: UserId,
    /// The organization the session is in.
    pub org_id: OrgId,
    /// Shown to the person themself; never logged.
    pub email: String,
    pub org_name: String,
    pub relation: Relation,
    pub token: SessionToken,
    /// This request's context for domain calls: the organization, this person (a member or
    /// a client, in this request), and the request's time, taken once.
    pub acting: Acting,
}

impl Person {
    /// This person, acting in this request: a member, or a client.
    pub fn by(&self) -> By {
        self.acting.by
    }

    pub fn csrf_token(&self) -> String {
        self.token.csrf_token().to_string()
    }

    /// Whether this person's role grants `capability` (a client's never does).
    pub fn may(&self, capability: Capability) -> bool {
        matches!(self.relation, Relation::Member(role) if role.grants(capability))
    }

    /// Refuses (403) anyone but a client: the check of every client-portal page. A refusal
    /// is audited.
    pub async fn require_customer(&self, state: &AppState) -> Result<(), AppError> {
        if self.relation == Relation::Customer {
            Ok(())
        } else {
            Err(
                denial::forbidden(state, self.org_id, self.by(), denial::Needed::ClientPortal)
                    .await,
            )
        }
    }
}

impl FromRequestParts<AppState> for Person {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SigningIn { session, token } = full_session(parts, state).await?;
        let (user, org) = (session.user_id, session.org_id);
        let (email, org_name, relation) = match find_member(state.db(), user, org).await? {
            Some(member) => (member.email, member.org_name, Relation::Member(member.role)),
            None => {
                let customer = find_customer(state.db(), user, org)
                    .await?
                    .ok_or(AppError::SignInRequired)?;
                (customer.email, customer.org_name, Relation::Customer)
            }
        };
        let actor = match relation {
            Relation::Member(_) => Actor::Member(user.as_uuid()),
            Relation::Customer => Actor::Client(user.as_uuid()),
        };
        Ok(Self {
            user_id: user,
            org_id: org,
            email,
            org_name,
            relation,
            token,
            acting: Acting::new(org, observe::by(actor), Timestamp::now()),
        })
    }
}

/// Optional sign-in, for pages that look different to signed-in people (the home page).
impl OptionalFromRequestParts<AppState> for Person {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(person) => Ok(Some(person)),
            Err(
                AppError::SignInRequired
                | AppError::SecondFactorPending
                | AppError::EnrolmentRequired,
            ) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
