//! Experiments that change the same element on the same pages: both would apply, each
//! muddying the other's results. Not refused (a marketer may mean it, on pages they keep
//! apart by hand) but warned of, when saved and on the experiments page.

use crate::change::Change;
use crate::experiment::ExperimentDefinition;
use crate::experiments::{Experiment, ExperimentState};
use crate::goals::PathPattern;

/// An element `experiment` changes that another live experiment changes too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The other experiment's name.
    pub other: String,
    pub selector: String,
}

impl std::fmt::Display for Overlap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} also changes {} on some of the same pages: a visitor in both sees both, and each muddies the other's results",
            self.other, self.selector
        )
    }
}

/// The selectors a definition's changes touch.
fn selectors(definition: &ExperimentDefinition) -> Vec<&str> {
    let mut touched: Vec<&str> = Vec::new();
    for change in definition.variations.iter().flat_map(|v| &v.changes) {
        let selector = match change {
            Change::SetText { selector, .. }
            | Change::SetAttribute { selector, .. }
            | Change::AddClass { selector, .. }
            | Change::RemoveClass { selector, .. }
            | Change::SetStyle { selector, .. }
            | Change::Hide { selector }
            | Change::Show { selector }
            | Change::Move { selector, .. } => selector.as_str(),
            Change::Redirect { .. } => continue,
        };
        if !touched.contains(&selector) {
            touched.push(selector);
        }
    }
    touched
}

/// Whether some page may be in both lists of include patterns (none: every page). Read
/// generously: a pattern meets another when either matches the other's text up to its
/// first `*`.
fn pages_meet(a: &[PathPattern], b: &[PathPattern]) -> bool {
    let literal = |p: &PathPattern| p.as_str().split('*').next().unwrap_or("").to_owned();
    a.is_empty()
        || b.is_empty()
        || a.iter().any(|x| {
            b.iter()
                .any(|y| x.matches(&literal(y)) || y.matches(&literal(x)) || x == y)
        })
}

/// Where `experiment` overlaps the site's other experiments that may still show (drafts,
/// running, paused, shipped).
pub fn overlaps(
    experiment: &ExperimentDefinition,
    id: leadvault_store::Uuid,
    all: &[Experiment],
) -> Vec<Overlap> {
    let mine = selectors(experiment);
    let mut found = Vec::new();
    for other in all {
        if other.id == id || other.state == ExperimentState::Stopped {
            continue;
        }
        if !pages_meet(&experiment.include, &other.definition.include) {
            continue;
        }
        for selector in selectors(&other.definition) {
            if mine.contains(&selector) {
                found.push(Overlap {
                    other: other.definition.name.clone(),
                    selector: selector.to_owned(),
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use leadvault_store::{Timestamp, Uuid};

    use super::*;

    fn experiment(name: &str, include: &str, selector: &str, state: ExperimentState) -> Experiment {
        let json = format!(
            r#"{{"name": "{name}", "include": [{include}], "traffic": 100, "variations": [
                {{"name": "A", "weight": 50}},
                {{"name": "B", "weight": 50, "changes": [{{"hide": {{"selector": "{selector}"}}}}]}}]}}"#
        );
        Experiment {
            id: Uuid::new_v4(),
            seed: "s".into(),
            definition: ExperimentDefinition::from_json(&json, "lima.law").unwrap(),
            state,
            created: Timestamp::from_unix_micros(0),
        }
    }

    #[test]
    fn the_same_element_on_the_same_pages_is_an_overlap() {
        let new = experiment("New", r#""/fees*""#, "h1", ExperimentState::Draft);
        let all = [
            experiment("Hero", r#""/fees/family""#, "h1", ExperimentState::Running),
            experiment("Everywhere", "", "h1", ExperimentState::Paused),
            experiment("Blog", r#""/blog*""#, "h1", ExperimentState::Running),
            experiment("Footer", r#""/fees*""#, "footer", ExperimentState::Running),
            experiment("Old", r#""/fees*""#, "h1", ExperimentState::Stopped),
            new.clone(),
        ];
        let found: Vec<String> = overlaps(&new.definition, new.id, &all)
            .iter()
            .map(|o| o.other.clone())
            .collect();
        assert_eq!(found, ["Hero", "Everywhere"]);
        assert!(
            overlaps(&new.definition, new.id, &all)[0]
                .to_string()
                .contains("also changes h1")
        );
    }
}
