//! Organizations, people and their memberships; passwords, sign-in, sessions and the second
//! factor; first-run setup.
//!
//! Knows nothing of HTTP. Every function that depends on the time takes it as a parameter.

mod access_review;
mod actions;
mod backoff;
mod common_passwords;
mod credentials;
mod customer;
mod directory;
mod email;
mod email_change;
mod error;
mod ids;
mod invitation;
mod login;
mod member;
mod migrations;
mod org_name;
mod owner;
mod password;
mod password_change;
mod password_reset;
mod policy;
mod reauth;
mod role;
mod second_factor;
mod session;
mod setup;
mod site;
mod totp;
mod trail;

pub use access_review::{
    AccessReview, REVIEW_EVERY, UNUSED_AFTER, UnusedAccess, due_access_reviews, mark_reminded,
    unused_access,
};
pub use actions::AccountAction;
pub use backoff::{Backoff, BackoffPolicy};
pub use credentials::Credentials;
pub use customer::{Customer, find_customer, list_customers};
pub use directory::members_and_sites;
pub use email::{Email, EmailError};
pub use email_change::{
    EMAIL_CHANGE_LIFETIME, EmailChanged, confirm_email_change, request_email_change,
};
pub use error::AccountsError;
pub use ids::{InvitationId, SiteId, UserId};
pub use invitation::{
    INVITATION_LIFETIME, Invitation, InvitationView, InvitedAs, Joining, accept_invitation, invite,
    pending_invitations, revoke_invitation, view_invitation,
};
pub use leadvault_store::OrgId;
pub use login::{PasswordAccepted, check_password, sign_in_key, user_email};
pub use member::{
    Grant, GrantError, Member, MemberSummary, change_grant, find_member, list_members,
    remove_member,
};
pub use migrations::MIGRATIONS;
pub use org_name::{OrgName, OrgNameError, organization_name};
pub use owner::{NewOwner, Owner, create_owner, owner_exists};
pub use password::{Password, PasswordError, PasswordHasher};
pub use password_change::{PasswordChange, change_password};
pub use password_reset::{
    RESET_LIFETIME, ResetView, complete_password_reset, request_password_reset, view_password_reset,
};
pub use policy::{Capability, Scope, may_assign};
pub use reauth::{Proof, reauthenticate, second_factor_required};
pub use role::{Role, UnknownRole};
pub use second_factor::{
    RECOVERY_CODES, RecoveryCodes, TOTP_SECRET_COLUMN, confirm_enrolment, has_second_factor,
    pending_enrolment, recovery_codes_left, regenerate_recovery_codes, remove_second_factor,
    verify_second_factor,
};
pub use session::{
    ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, NewSession, Session, SessionStage, SessionSummary,
    SessionToken, advance_session, end_other_sessions, end_session, end_session_by_id,
    find_session, list_sessions, purge_expired_sessions, start_session,
};
pub use setup::{
    SETUP_TOKEN_LIFETIME, complete_setup, issue_setup_token, setup_is_open, setup_token_is_valid,
};
pub use site::{
    PublicSite, Site, SiteDomain, SiteDomainError, add_site, list_sites, public_site, remove_site,
    set_do_not_track, site_with_domain,
};
pub use totp::{TotpError, TotpSecret};
