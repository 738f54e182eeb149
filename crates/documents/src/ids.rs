use leadvault_store::uuid_id;

uuid_id!(
    /// An uploaded document.
    DocumentId
);
