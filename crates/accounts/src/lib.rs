//! Organizations, people and their memberships; passwords; first-run setup.
//!
//! Knows nothing of HTTP. Every function that depends on the time takes it as a parameter.

mod email;
mod error;
mod ids;
mod migrations;
mod org_name;
mod owner;
mod password;
mod setup;
mod totp;

pub use email::{Email, EmailError};
pub use error::AccountsError;
pub use ids::UserId;
pub use leadvault_store::OrgId;
pub use migrations::MIGRATIONS;
pub use org_name::{OrgName, OrgNameError};
pub use owner::{NewOwner, Owner, Role, create_owner, owner_exists};
pub use password::{Password, PasswordError, PasswordHasher};
pub use setup::{
    SETUP_TOKEN_LIFETIME, complete_setup, issue_setup_token, setup_is_open, setup_token_is_valid,
};
pub use totp::{TotpError, TotpSecret};
