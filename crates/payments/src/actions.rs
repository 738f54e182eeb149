//! What payments record in the audit log.

use leadvault_audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentAction {
    StripeConnected,
    StripeDisconnected,
    PricesChanged,
    CheckoutStarted,
    /// A Stripe event changed a payment's state (by `system:stripe`).
    PaymentUpdated,
    RefundIssued,
    /// An owner went to Checkout for one of the operator's plans.
    PlanCheckoutStarted,
    /// The operator's Stripe changed the organization's plan or its state.
    PlanUpdated,
}

impl Action for PaymentAction {
    fn name(self) -> &'static str {
        match self {
            Self::StripeConnected => "payments.stripe_connected",
            Self::StripeDisconnected => "payments.stripe_disconnected",
            Self::PricesChanged => "payments.prices_changed",
            Self::CheckoutStarted => "payments.checkout_started",
            Self::PaymentUpdated => "payments.payment_updated",
            Self::RefundIssued => "payments.refund_issued",
            Self::PlanCheckoutStarted => "billing.plan_checkout_started",
            Self::PlanUpdated => "billing.plan_updated",
        }
    }
}
