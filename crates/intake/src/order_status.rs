//! A work order's lifecycle: received → accepted → in progress → completed, or cancelled
//! on the way. Only these moves exist; a client may only withdraw an order nobody has
//! accepted yet.

/// Where a work order stands. The stored text ([`OrderStatus::name`]) is the contract with
/// the database and the webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Received,
    Accepted,
    InProgress,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        Self::Received,
        Self::Accepted,
        Self::InProgress,
        Self::Completed,
        Self::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Accepted => "accepted",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.name() == text)
    }

    /// As people read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Received => "Received",
            Self::Accepted => "Accepted",
            Self::InProgress => "In progress",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
        }
    }

    /// The statuses staff may move an order in this status to.
    pub fn next(self) -> &'static [OrderStatus] {
        match self {
            Self::Received => &[Self::Accepted, Self::Cancelled],
            Self::Accepted => &[Self::InProgress, Self::Cancelled],
            Self::InProgress => &[Self::Completed, Self::Cancelled],
            Self::Completed | Self::Cancelled => &[],
        }
    }

    /// Still under way: neither completed nor cancelled.
    pub fn is_open(self) -> bool {
        !self.next().is_empty()
    }

    /// Whether the client who placed it may still cancel it themself.
    pub fn client_may_cancel(self) -> bool {
        self == Self::Received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.name()), Some(status));
        }
        assert_eq!(OrderStatus::parse("done"), None);
    }

    #[test]
    fn an_order_only_moves_forward_and_ends_completed_or_cancelled() {
        use OrderStatus as S;
        assert_eq!(S::Received.next(), &[S::Accepted, S::Cancelled]);
        assert!(!S::Received.next().contains(&S::Completed));
        assert!(!S::InProgress.next().contains(&S::Received));
        assert!(S::Completed.next().is_empty());
        assert!(S::Cancelled.next().is_empty());
        let cancellable: Vec<S> = S::ALL
            .into_iter()
            .filter(|s| s.client_may_cancel())
            .collect();
        assert_eq!(cancellable, vec![S::Received]);
    }
}
