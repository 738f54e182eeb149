//! What intake records in the audit log: forms, the pipeline, assignment rules, leads, their
//! notes and documents, and work orders.

use leadvault_audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeAction {
    LeadsExported,
    LeadReminderSent,
    LeadFollowUpSet,
    LeadContacted,
    ContactTargetChanged,
    AssignmentRuleAdded,
    AssignmentRuleMoved,
    AssignmentRuleRemoved,
    DocumentDownloaded,
    FormCreated,
    FormRevised,
    LeadAssigned,
    LeadCreated,
    LeadNoteAdded,
    LeadRead,
    LeadsSearched,
    LeadStatusChanged,
    PipelineChanged,
    WorkOrderCreated,
    WorkOrderRead,
    WorkOrderStatusChanged,
}

impl Action for IntakeAction {
    fn name(self) -> &'static str {
        match self {
            Self::LeadsExported => "lead.exported",
            Self::LeadReminderSent => "lead.reminder_sent",
            Self::LeadFollowUpSet => "lead.follow_up_set",
            Self::LeadContacted => "lead.contacted",
            Self::ContactTargetChanged => "contact_target.changed",
            Self::AssignmentRuleAdded => "assignment_rule.added",
            Self::AssignmentRuleMoved => "assignment_rule.moved",
            Self::AssignmentRuleRemoved => "assignment_rule.removed",
            Self::DocumentDownloaded => "document.downloaded",
            Self::FormCreated => "form.created",
            Self::FormRevised => "form.revised",
            Self::LeadAssigned => "lead.assigned",
            Self::LeadCreated => "lead.created",
            Self::LeadNoteAdded => "lead.note_added",
            Self::LeadRead => "lead.read",
            Self::LeadsSearched => "leads.searched",
            Self::LeadStatusChanged => "lead.status_changed",
            Self::PipelineChanged => "pipeline.changed",
            Self::WorkOrderCreated => "work_order.created",
            Self::WorkOrderRead => "work_order.read",
            Self::WorkOrderStatusChanged => "work_order.status_changed",
        }
    }
}
