//! An experiment's results: for each variation, the visitors exposed to it and how many of
//! them then reached the goal, compared with the control (see `stats`).
//!
//! The script sends an exposure event (`Experiment exposure`, with the properties
//! `experiment`, the experiment's id, and `variation`, its index) once per visit and
//! experiment. A visitor counts in the variation of their first exposure of a day (visitor
//! ids live one day), and converts when they reach the goal later that day: a conversion
//! before exposure is not the variation's doing.

use std::collections::BTreeMap;

use leadvault_store::sqlx::Row as _;
use leadvault_store::{SiteId, StoreError};

use crate::conversions::named_events;
use crate::day::MICROS_PER_DAY;
use crate::event::PAGEVIEW;
use crate::experiments::Experiment;
use crate::goals::GoalKind;
use crate::report::Period;
use crate::stats::{Arm, Comparison, compare, sample_ratio_p, sample_size, verdict};
use crate::storage::AnalyticsDb;

/// The event the script sends when it shows a visitor a variation.
pub const EXPOSURE: &str = "Experiment exposure";

/// One variation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct VariationResult {
    pub name: String,
    pub arm: Arm,
    /// Against the control; `None` for the control itself.
    pub comparison: Option<Comparison>,
    pub verdict: Option<String>,
}

/// An experiment's results for one goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub variations: Vec<VariationResult>,
    /// The sample-ratio-mismatch check's p-value (below 0.001: do not trust the results).
    pub sample_ratio: Option<f64>,
}

/// An experiment's results for each of its goals, the primary first, and how many
/// visitors each variation needs to show a chosen effect on the primary goal.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentReport {
    pub goals: Vec<(GoalKind, Results)>,
    /// The relative minimum detectable effect asked about (0.1: a 10% lift).
    pub effect: f64,
    /// Visitors per variation for `effect` at the control's rate on the primary goal
    /// (two-sided α 0.05, power 0.8); `None` until the control has a rate to start from.
    pub sample_size: Option<u64>,
}

/// The results of `experiment` for every goal of it, over `period`, with the sample size a
/// relative `effect` needs.
pub async fn experiment_report(
    db: &AnalyticsDb,
    site: SiteId,
    experiment: &Experiment,
    period: Period,
    effect: f64,
) -> Result<ExperimentReport, StoreError> {
    let mut goals = Vec::new();
    for goal in &experiment.definition.goals {
        let results = experiment_results(db, site, experiment, goal, period).await?;
        goals.push((goal.clone(), results));
    }
    let baseline = goals
        .first()
        .and_then(|(_, results)| results.variations.first())
        .map(|control| control.arm.rate());
    Ok(ExperimentReport {
        sample_size: baseline.and_then(|rate| sample_size(rate, effect)),
        goals,
        effect,
    })
}

/// (day, visitor) → (first exposure's time, variation).
type Exposures = BTreeMap<(i64, i64), (i64, usize)>;

/// The results of `experiment` on `site` for `goal` over `period`.
pub async fn experiment_results(
    db: &AnalyticsDb,
    site: SiteId,
    experiment: &Experiment,
    goal: &GoalKind,
    period: Period,
) -> Result<Results, StoreError> {
    let id = experiment.id.to_string();
    let arms = experiment.definition.variations.len();
    let mut exposures: Exposures = BTreeMap::new();
    let rows = named_events(
        db,
        "visitor, at, props",
        "AND props IS NOT NULL",
        site,
        EXPOSURE,
        period,
    )
    .await?;
    for row in rows {
        let (visitor, at): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        let props: String = row.try_get(2)?;
        let Ok(props) = serde_json::from_str::<BTreeMap<String, String>>(&props) else {
            continue;
        };
        let variation = props.get("variation").and_then(|v| v.parse::<usize>().ok());
        if props.get("experiment") != Some(&id) {
            continue;
        }
        let Some(variation) = variation.filter(|v| *v < arms) else {
            continue;
        };
        let key = (at.div_euclid(MICROS_PER_DAY), visitor);
        let first = exposures.entry(key).or_insert((at, variation));
        if at < first.0 {
            *first = (at, variation);
        }
    }
    // The goal's events: (visitor, time).
    let mut reached: Vec<(i64, i64)> = Vec::new();
    let collect = |rows: Vec<leadvault_store::sqlx::any::AnyRow>, into: &mut Vec<(i64, i64)>| {
        for row in rows {
            if let (Ok(visitor), Ok(at)) = (row.try_get::<i64, _>(0), row.try_get::<i64, _>(1)) {
                into.push((visitor, at));
            }
        }
    };
    match goal {
        GoalKind::Event(name) => {
            collect(
                named_events(db, "visitor, at", "", site, name, period).await?,
                &mut reached,
            );
        }
        GoalKind::Page(pattern) => {
            // Every page view of the period is read to match the pattern: fine for the
            // periods experiments run, and the place to narrow if a site's grow large.
            let rows = named_events(db, "visitor, at, path", "", site, PAGEVIEW, period).await?;
            let matching: Vec<_> = rows
                .into_iter()
                .filter(|row| {
                    row.try_get::<String, _>(2)
                        .is_ok_and(|path| pattern.matches(&path))
                })
                .collect();
            collect(matching, &mut reached);
        }
    }
    let mut converted: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    for (visitor, at) in reached {
        let key = (at.div_euclid(MICROS_PER_DAY), visitor);
        if let Some((exposed_at, variation)) = exposures.get(&key)
            && at > *exposed_at
        {
            converted.insert(key, *variation);
        }
    }
    let mut counted = vec![
        Arm {
            visitors: 0,
            conversions: 0
        };
        arms
    ];
    for (_, variation) in exposures.values() {
        counted[*variation].visitors += 1;
    }
    for variation in converted.values() {
        counted[*variation].conversions += 1;
    }
    let weights: Vec<u32> = experiment
        .definition
        .variations
        .iter()
        .map(|v| v.weight)
        .collect();
    let visitors: Vec<u64> = counted.iter().map(|arm| arm.visitors).collect();
    let sample_ratio = sample_ratio_p(&visitors, &weights);
    let control = counted.first().copied().unwrap_or(Arm {
        visitors: 0,
        conversions: 0,
    });
    let variations = experiment
        .definition
        .variations
        .iter()
        .zip(&counted)
        .enumerate()
        .map(|(i, (variation, arm))| VariationResult {
            name: variation.name.clone(),
            arm: *arm,
            comparison: (i > 0).then(|| compare(control, *arm)),
            verdict: (i > 0).then(|| verdict(control, *arm, &variation.name, sample_ratio)),
        })
        .collect();
    Ok(Results {
        variations,
        sample_ratio,
    })
}
