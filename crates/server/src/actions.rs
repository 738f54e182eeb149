//! What the web layer itself records in the audit log: refusals (for want of a right or of
//! the anti-CSRF token) and reviews of the audit log.

use leadvault_audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebAction {
    AccessDenied,
    AuditReviewed,
    AuditDownloaded,
}

impl Action for WebAction {
    fn name(self) -> &'static str {
        match self {
            Self::AccessDenied => "access.denied",
            Self::AuditReviewed => "audit.reviewed",
            Self::AuditDownloaded => "audit.downloaded",
        }
    }
}
