//! A payment: one Checkout Session for a work order or a lead's consultation fee, and where
//! it stands. States only move forward ([`PaymentState::may_become`]), so Stripe's events
//! may arrive late, twice or out of order and the payment still ends where Stripe says.

use leadvault_intake::{LeadId, OrderId, Trail};
use leadvault_store::Timestamp;

use crate::money::Money;

/// What a payment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Order(OrderId),
    Lead(LeadId),
}

impl Subject {
    /// The stored kind (also the prefix of the outgoing webhook's event type).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Order(_) => "work_order",
            Self::Lead(_) => "lead",
        }
    }

    pub fn id(self) -> String {
        match self {
            Self::Order(id) => id.to_string(),
            Self::Lead(id) => id.to_string(),
        }
    }

    /// Whose history a change of its payment goes into.
    pub(crate) fn trail(self) -> Trail {
        match self {
            Self::Order(id) => Trail::Order(id),
            Self::Lead(id) => Trail::Lead(id),
        }
    }

    pub fn parse(kind: &str, id: &str) -> Option<Self> {
        match kind {
            "work_order" => OrderId::parse(id).map(Self::Order),
            "lead" => LeadId::parse(id).map(Self::Lead),
            _ => None,
        }
    }
}

/// Where a payment stands. The stored text ([`PaymentState::name`]) is the contract with
/// the database and the outgoing webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentState {
    /// Sent to Checkout; not paid yet.
    Open,
    /// Checkout completed with a payment method that settles later (a bank debit).
    Processing,
    Paid,
    Failed,
    /// The Checkout Session expired unpaid (Stripe's default is after 24 hours).
    Expired,
    PartiallyRefunded,
    Refunded,
}

impl PaymentState {
    pub const ALL: [PaymentState; 7] = [
        Self::Open,
        Self::Processing,
        Self::Paid,
        Self::Failed,
        Self::Expired,
        Self::PartiallyRefunded,
        Self::Refunded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "awaiting_payment",
            Self::Processing => "processing",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Awaiting payment",
            Self::Processing => "Payment processing",
            Self::Paid => "Paid",
            Self::Failed => "Payment failed",
            Self::Expired => "Checkout expired",
            Self::PartiallyRefunded => "Partly refunded",
            Self::Refunded => "Refunded",
        }
    }

    /// Whether a payment here may move to `next`. Forward only: an event older than what
    /// was already applied (an expiry after the payment, a completion after a refund) is
    /// acknowledged and changes nothing.
    pub fn may_become(self, next: PaymentState) -> bool {
        use PaymentState as S;
        match self {
            S::Open => matches!(next, S::Processing | S::Paid | S::Failed | S::Expired),
            S::Processing => matches!(next, S::Paid | S::Failed),
            S::Paid => matches!(next, S::PartiallyRefunded | S::Refunded),
            S::PartiallyRefunded => matches!(next, S::PartiallyRefunded | S::Refunded),
            S::Failed | S::Expired | S::Refunded => false,
        }
    }

    /// Money was taken and not (wholly) given back.
    pub fn is_paid(self) -> bool {
        matches!(self, Self::Paid | Self::PartiallyRefunded)
    }

    /// Paid, being paid or refunded: the record is not to be charged again.
    pub fn settles(self) -> bool {
        !matches!(self, Self::Open | Self::Failed | Self::Expired)
    }

    /// Nothing was paid, and nothing is under way: another attempt may start.
    pub fn may_retry(self) -> bool {
        matches!(self, Self::Failed | Self::Expired)
    }
}

/// A payment as shown (never anything of the card: Stripe keeps that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: String,
    pub subject: Subject,
    pub attempt: i64,
    pub amount: Money,
    /// How much of it was given back (minor units).
    pub refunded: i64,
    pub state: PaymentState,
    pub checkout_url: String,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Payment {
    /// What may still be refunded (minor units).
    pub fn refundable(&self) -> i64 {
        if self.state.is_paid() {
            self.amount.minor() - self.refunded
        } else {
            0
        }
    }

    /// The customer may be sent to this payment's page now.
    pub fn is_payable(&self, now: Timestamp) -> bool {
        self.state == PaymentState::Open && self.expires_at.is_none_or(|at| at > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in PaymentState::ALL {
            assert_eq!(PaymentState::parse(state.name()), Some(state));
        }
        assert_eq!(PaymentState::parse("open"), None);
    }

    #[test]
    fn a_payment_only_moves_forward() {
        use PaymentState as S;
        assert!(S::Open.may_become(S::Paid));
        assert!(S::Processing.may_become(S::Failed));
        assert!(S::Paid.may_become(S::Refunded));
        assert!(S::PartiallyRefunded.may_become(S::PartiallyRefunded));
        for (from, to) in [
            (S::Paid, S::Expired),
            (S::Paid, S::Open),
            (S::Refunded, S::Paid),
            (S::Expired, S::Paid),
            (S::Failed, S::Paid),
            (S::Open, S::Refunded),
        ] {
            assert!(!from.may_become(to), "{from:?} -> {to:?}");
        }
        let terminal: Vec<S> = S::ALL
            .into_iter()
            .filter(|s| S::ALL.iter().all(|t| !s.may_become(*t)))
            .collect();
        assert_eq!(terminal, vec![S::Failed, S::Expired, S::Refunded]);
    }
}
