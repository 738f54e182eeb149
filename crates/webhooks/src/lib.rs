//! Outgoing webhooks for organizations' own systems (a CRM, a case-management tool): events
//! such as "lead created" and "lead status changed", carrying ids and statuses only, signed
//! per Standard Webhooks, queued in the transaction of what they report and sent with
//! retries by the worker `serve` runs. Knows nothing of the web pages that manage it.

mod actions;
mod client;
mod endpoint;
mod error;
mod migrations;
mod queue;
mod signature;
mod worker;

pub use actions::WebhookAction;
pub use client::{Answer, Outgoing, SendError, WebhookClient, is_public};
pub use endpoint::{Endpoint, SECRET_COLUMN, add_endpoint, list_endpoints, remove_endpoint};
pub use error::WebhookError;
pub use migrations::MIGRATIONS;
pub use queue::{DeliveryView, MAX_ATTEMPTS, Round, deliver_due, enqueue, recent_deliveries};
pub use signature::SigningSecret;
pub use worker::deliver_webhooks_until;
