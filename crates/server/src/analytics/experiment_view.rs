//! An experiment's results as the API answers them and the results page shows them: one
//! model, with numbers for programs and the words a page prints.

use askama::Template;
use leadvault_analytics::{
    Experiment, ExperimentReport, ExperimentState, Results, VariationResult, overlaps,
};
use serde::Serialize;

use crate::analytics::experiment_form::{CHANGE_ROWS, FORM_VARIATIONS};
use crate::web::form_body::Fields;
use crate::web::shell::Shell;

/// The sample-ratio p-value below which the split is not to be trusted.
const SRM_ALARM: f64 = 0.001;

#[derive(Debug, Serialize)]
pub struct ResultsView {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub first: String,
    pub last: String,
    pub goals: Vec<GoalResultsView>,
    /// The relative minimum detectable effect, in percent.
    pub effect_percent: f64,
    /// Visitors each variation needs to show it on the primary goal.
    pub sample_size: Option<u64>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct GoalResultsView {
    pub goal: String,
    pub primary: bool,
    pub sample_ratio_p: Option<f64>,
    /// Visitors are not split as the weights say.
    pub sample_ratio_mismatch: bool,
    pub variations: Vec<VariationView>,
}

#[derive(Debug, Serialize)]
pub struct VariationView {
    pub name: String,
    pub visitors: u64,
    pub conversions: u64,
    pub rate: f64,
    pub lift: Option<f64>,
    pub lift_low: Option<f64>,
    pub lift_high: Option<f64>,
    pub p_value: Option<f64>,
    pub chance_to_beat: Option<f64>,
    pub verdict: Option<String>,
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

fn signed_percent(value: f64) -> String {
    format!("{:+.1}%", value * 100.0)
}

impl VariationView {
    fn of(variation: &VariationResult) -> Self {
        let comparison = variation.comparison.as_ref();
        Self {
            name: variation.name.clone(),
            visitors: variation.arm.visitors,
            conversions: variation.arm.conversions,
            rate: variation.arm.rate(),
            lift: comparison.and_then(|c| c.lift),
            lift_low: comparison.and_then(|c| c.lift_interval).map(|(low, _)| low),
            lift_high: comparison
                .and_then(|c| c.lift_interval)
                .map(|(_, high)| high),
            p_value: comparison.and_then(|c| c.p_value),
            chance_to_beat: comparison.map(|c| c.chance_to_beat),
            verdict: variation.verdict.clone(),
        }
    }

    pub fn rate_text(&self) -> String {
        percent(self.rate)
    }

    pub fn lift_text(&self) -> String {
        match (self.lift, self.lift_low, self.lift_high) {
            (Some(lift), Some(low), Some(high)) => format!(
                "{} ({} to {})",
                signed_percent(lift),
                signed_percent(low),
                signed_percent(high)
            ),
            (Some(lift), _, _) => signed_percent(lift),
            _ => "–".to_owned(),
        }
    }

    pub fn p_text(&self) -> String {
        self.p_value.map_or("–".to_owned(), |p| format!("{p:.3}"))
    }

    pub fn chance_text(&self) -> String {
        self.chance_to_beat.map_or("–".to_owned(), percent)
    }
}

impl GoalResultsView {
    fn of(goal: String, primary: bool, results: &Results) -> Self {
        Self {
            goal,
            primary,
            sample_ratio_p: results.sample_ratio,
            sample_ratio_mismatch: results.sample_ratio.is_some_and(|p| p < SRM_ALARM),
            variations: results.variations.iter().map(VariationView::of).collect(),
        }
    }
}

impl ResultsView {
    pub fn new(
        experiment: &Experiment,
        report: &ExperimentReport,
        (first, last): (String, String),
        warnings: Vec<String>,
    ) -> Self {
        Self {
            id: experiment.id.to_string(),
            name: experiment.definition.name.clone(),
            state: experiment.state.name(),
            first,
            last,
            goals: report
                .goals
                .iter()
                .enumerate()
                .map(|(i, (goal, results))| GoalResultsView::of(goal.to_string(), i == 0, results))
                .collect(),
            effect_percent: report.effect * 100.0,
            sample_size: report.sample_size,
            warnings,
        }
    }
}

/// The experiments page: the site's experiments and the form for a new one.
#[derive(Template)]
#[template(path = "analytics/experiments.html")]
pub struct ExperimentsPage {
    /// The workspace around the page (none for a client or a public view).
    pub shell: Option<Shell>,
    pub site_id: String,
    pub domain: String,
    pub experiments: Vec<ExperimentRow>,
    /// (form key, name) of the site's goals.
    pub goals: Vec<(String, String)>,
    pub csrf: String,
    pub error: Option<String>,
    /// What was sent, when the form was refused.
    pub form: Fields,
}

impl ExperimentsPage {
    fn rows(&self) -> std::ops::Range<usize> {
        0..CHANGE_ROWS
    }

    fn variations(&self) -> std::ops::RangeInclusive<usize> {
        1..=FORM_VARIATIONS
    }

    /// A field's value as sent, or `default` on a fresh form.
    fn sent(&self, key: &str, default: &str) -> String {
        if self.error.is_some() {
            self.form.one(key).to_owned()
        } else {
            default.to_owned()
        }
    }

    fn sent_nth(&self, variation: usize, field: &str, row: usize) -> String {
        self.form
            .nth(&format!("v{variation}_{field}"), row)
            .to_owned()
    }
}

/// The kinds of change the form offers: (value, label).
pub const CHANGE_KINDS: [(&str, &str); 9] = [
    ("set_text", "Set text"),
    ("set_attribute", "Set attribute (name in the second box)"),
    ("add_class", "Add class"),
    ("remove_class", "Remove class"),
    ("set_style", "Set style (property in the second box)"),
    ("hide", "Hide"),
    ("show", "Show"),
    (
        "move",
        "Move (target selector in the second box; before, after, prepend or append)",
    ),
    ("redirect", "Redirect to (address as the value)"),
];

/// One experiment in the list.
pub struct ExperimentRow {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub traffic: u32,
    /// (index, name, weight, preview link).
    pub variations: Vec<(usize, String, u32, String)>,
    pub shipped: Option<String>,
    pub may_start: bool,
    pub may_pause: bool,
    pub may_resume: bool,
    pub may_stop: bool,
    pub may_ship: bool,
    pub warnings: Vec<String>,
}

impl ExperimentRow {
    pub fn new(experiment: &Experiment, domain: &str, all: &[Experiment]) -> Self {
        use ExperimentState::*;
        let definition = &experiment.definition;
        // A page the experiment runs on, for the preview link: its first include pattern
        // up to any wildcard (or the home page).
        let path = definition
            .include
            .first()
            .and_then(|p| p.as_str().split(['*', '?', '#']).next())
            .unwrap_or("/");
        let state = experiment.state;
        Self {
            id: experiment.id.to_string(),
            name: definition.name.clone(),
            state: state.name(),
            traffic: definition.traffic,
            variations: definition
                .variations
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let preview =
                        format!("https://{domain}{path}?lv_preview={}:{i}", experiment.id);
                    (i, v.name.clone(), v.weight, preview)
                })
                .collect(),
            shipped: match state {
                Shipped(i) => definition.variations.get(i).map(|v| v.name.clone()),
                _ => None,
            },
            may_start: state == Draft,
            may_pause: state == Running,
            may_resume: state == Paused,
            may_stop: matches!(state, Running | Paused),
            may_ship: matches!(state, Running | Paused | Stopped),
            warnings: overlaps(definition, experiment.id, all)
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }
}

/// An experiment's results page.
#[derive(Template)]
#[template(path = "analytics/experiment_results.html")]
pub struct ResultsPage {
    /// The workspace around the page (none for a client or a public view).
    pub shell: Option<Shell>,
    pub site_id: String,
    pub domain: String,
    pub results: ResultsView,
}
