//! What outgoing webhooks record in the audit log: endpoints added and removed.

use leadvault_audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookAction {
    WebhookEndpointAdded,
    WebhookEndpointRemoved,
}

impl Action for WebhookAction {
    fn name(self) -> &'static str {
        match self {
            Self::WebhookEndpointAdded => "webhook.endpoint_added",
            Self::WebhookEndpointRemoved => "webhook.endpoint_removed",
        }
    }
}
