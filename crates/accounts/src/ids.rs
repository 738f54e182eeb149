use leadvault_store::uuid_id;

uuid_id!(
    /// A person who can sign in.
    UserId
);

/// Sites are named by the store's type, shared with intake.
pub use leadvault_store::SiteId;

uuid_id!(
    /// An invitation, as listed to the people who manage members (not its secret token).
    InvitationId
);
