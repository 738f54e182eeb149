//! What analytics records in the organization's audit log: changes to what a site counts
//! and shows (goals, share links, experiments), each written in the change's transaction.

use leadvault_audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyticsAction {
    GoalAdded,
    GoalRemoved,
    Shared,
    Unshared,
    ExperimentCreated,
    ExperimentStateChanged,
}

impl Action for AnalyticsAction {
    fn name(self) -> &'static str {
        match self {
            Self::GoalAdded => "analytics.goal_added",
            Self::GoalRemoved => "analytics.goal_removed",
            Self::Shared => "analytics.shared",
            Self::Unshared => "analytics.unshared",
            Self::ExperimentCreated => "experiment.created",
            Self::ExperimentStateChanged => "experiment.state_changed",
        }
    }
}
