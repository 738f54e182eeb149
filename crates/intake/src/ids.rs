use leadvault_store::uuid_id;

uuid_id!(
    /// A form (all its versions).
    FormId
);

uuid_id!(
    /// A lead: one submission of a consultation form.
    LeadId
);

uuid_id!(
    /// A staff note on a lead.
    NoteId
);

uuid_id!(
    /// An assignment rule.
    RuleId
);

uuid_id!(
    /// A work order: one order a client placed through a work-order form.
    OrderId
);
