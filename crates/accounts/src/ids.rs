use leadvault_store::uuid_id;

uuid_id!(
    /// A person who can sign in.
    UserId
);

uuid_id!(
    /// A site (a domain an organization runs).
    SiteId
);

uuid_id!(
    /// An invitation, as listed to the people who manage members (not its secret token).
    InvitationId
);
