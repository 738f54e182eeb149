//! An experiment's results: for each variation, the visitors exposed to it and how many of
//! them then reached the goal, compared with the control (see `stats`).
//!
//! The script sends an exposure event (`Experiment exposure`, with the properties
//! `experiment`, the experiment's id, and `variation`, its index) once per visit and
//! experiment. A visitor counts in the variation of their first exposure of a day (visitor
//! ids live one day), and converts when they reach the goal later that day: a conversion
//! before exposure is not the variation's doing.

use std::collections::HashMap;

use leadvault_store::sqlx::Row as _;
use leadvault_store::{SiteId, StoreError};
use serde::Deserialize;

use crate::conversions::each_named_event;
use crate::day::{Day, MICROS_PER_DAY};
use crate::event::PAGEVIEW;
use crate::experiment_days::{store_day, stored_days, unsettled_from};
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

/// What an experiment's report covers: the days, the smallest relative effect worth
/// detecting (0.1 for 10 %), and today (the days before yesterday are settled).
#[derive(Debug, Clone, Copy)]
pub struct ReportScope {
    pub period: Period,
    pub effect: f64,
    pub today: Day,
}

/// The results of `experiment` for every goal of it over the scope's period, with the
/// sample size its effect needs. Settled days are read from their stored tallies (counted
/// and stored the first time; see `experiment_days`); the last two from the events.
pub async fn experiment_report(
    db: &AnalyticsDb,
    site: SiteId,
    experiment: &Experiment,
    scope: ReportScope,
) -> Result<ExperimentReport, StoreError> {
    let ReportScope {
        period,
        effect,
        today,
    } = scope;
    let arms = experiment.definition.variations.len();
    let goals = &experiment.definition.goals;
    let zero = Arm {
        visitors: 0,
        conversions: 0,
    };
    let mut totals = vec![vec![zero; arms]; goals.len()];
    let add = |into: &mut Vec<Arm>, from: &[Arm]| {
        for (total, arm) in into.iter_mut().zip(from) {
            total.visitors += arm.visitors;
            total.conversions += arm.conversions;
        }
    };
    let settled_end = unsettled_from(today).min(period.end);
    if period.first < settled_end {
        let stored = stored_days(db, experiment.id, arms, (period.first, settled_end)).await?;
        for n in 0..period.first.until(settled_end) {
            let day = period.first.plus(n);
            let known: Option<Vec<&Vec<Arm>>> = goals
                .iter()
                .map(|goal| stored.get(&(goal.key(), day.number())))
                .collect();
            let tallies = match known {
                Some(known) => known.into_iter().cloned().collect(),
                None => {
                    let counted = count_period(db, site, experiment, one_day(day)).await?;
                    let named: Vec<(&GoalKind, Vec<Arm>)> =
                        goals.iter().zip(counted.iter().cloned()).collect();
                    store_day(db, experiment.id, day, &named).await?;
                    counted
                }
            };
            for (total, tally) in totals.iter_mut().zip(&tallies) {
                add(total, tally);
            }
        }
    }
    let live = Period {
        first: settled_end.max(period.first),
        end: period.end,
    };
    if live.first < live.end {
        let counted = count_period(db, site, experiment, live).await?;
        for (total, tally) in totals.iter_mut().zip(&counted) {
            add(total, tally);
        }
    }
    let goals: Vec<(GoalKind, Results)> = goals
        .iter()
        .zip(totals)
        .map(|(goal, counted)| (goal.clone(), compared(experiment, counted)))
        .collect();
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

/// The results of `experiment` on `site` for `goal` over `period`, counted from the events
/// (no stored tallies).
pub async fn experiment_results(
    db: &AnalyticsDb,
    site: SiteId,
    experiment: &Experiment,
    goal: &GoalKind,
    period: Period,
) -> Result<Results, StoreError> {
    let exposures = exposures(db, site, experiment, period).await?;
    let reached = reached(db, site, goal, period).await?;
    let arms = experiment.definition.variations.len();
    Ok(compared(experiment, count(arms, &exposures, &reached)))
}

/// The one-day period of `day`.
fn one_day(day: Day) -> Period {
    Period {
        first: day,
        end: day.plus(1),
    }
}

/// Each goal's tally of `experiment` over `period`, from the events (exposures read once).
async fn count_period(
    db: &AnalyticsDb,
    site: SiteId,
    experiment: &Experiment,
    period: Period,
) -> Result<Vec<Vec<Arm>>, StoreError> {
    let arms = experiment.definition.variations.len();
    let exposures = exposures(db, site, experiment, period).await?;
    let mut tallies = Vec::new();
    for goal in &experiment.definition.goals {
        let reached = reached(db, site, goal, period).await?;
        tallies.push(count(arms, &exposures, &reached));
    }
    Ok(tallies)
}

/// (day, visitor) → (first exposure's time, variation).
type Exposures = HashMap<(i64, i64), (i64, usize)>;

/// An exposure event's properties (ids and indexes: nothing to unescape).
#[derive(Deserialize)]
struct Exposed<'a> {
    experiment: &'a str,
    variation: &'a str,
}

/// Each visitor's first exposure to `experiment` of each day, and its variation.
async fn exposures(
    db: &AnalyticsDb,
    site: SiteId,
    experiment: &Experiment,
    period: Period,
) -> Result<Exposures, StoreError> {
    let id = experiment.id.to_string();
    let arms = experiment.definition.variations.len();
    let mut exposures = Exposures::new();
    each_named_event(db, "visitor, at, props", site, EXPOSURE, period, |row| {
        let (visitor, at): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        let props: Option<&str> = row.try_get(2)?;
        let Some(exposed) = props.and_then(|p| serde_json::from_str::<Exposed<'_>>(p).ok()) else {
            return Ok(());
        };
        let Some(variation) = exposed
            .variation
            .parse::<usize>()
            .ok()
            .filter(|v| *v < arms)
        else {
            return Ok(());
        };
        if exposed.experiment != id {
            return Ok(());
        }
        let first = exposures
            .entry((at.div_euclid(MICROS_PER_DAY), visitor))
            .or_insert((at, variation));
        if at < first.0 {
            *first = (at, variation);
        }
        Ok(())
    })
    .await?;
    Ok(exposures)
}

/// Who reached `goal` when: (visitor, time).
async fn reached(
    db: &AnalyticsDb,
    site: SiteId,
    goal: &GoalKind,
    period: Period,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut reached = Vec::new();
    match goal {
        GoalKind::Event(name) => {
            each_named_event(db, "visitor, at", site, name, period, |row| {
                reached.push((row.try_get(0)?, row.try_get(1)?));
                Ok(())
            })
            .await?;
        }
        GoalKind::Page(pattern) => {
            // Every page view of the period is read to match the pattern: fine for the
            // periods experiments run, and the place to narrow if a site's grow large.
            each_named_event(db, "visitor, at, path", site, PAGEVIEW, period, |row| {
                let path: &str = row.try_get(2)?;
                if pattern.matches(path) {
                    reached.push((row.try_get(0)?, row.try_get(1)?));
                }
                Ok(())
            })
            .await?;
        }
    }
    Ok(reached)
}

/// Counts each variation's exposed visitors and those who reached the goal after their
/// first exposure that day.
fn count(arms: usize, exposures: &Exposures, reached: &[(i64, i64)]) -> Vec<Arm> {
    let mut converted: HashMap<(i64, i64), usize> = HashMap::new();
    for (visitor, at) in reached {
        let key = (at.div_euclid(MICROS_PER_DAY), *visitor);
        if let Some((exposed_at, variation)) = exposures.get(&key)
            && at > exposed_at
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
    counted
}

/// Each variation's figures compared with the control's.
fn compared(experiment: &Experiment, counted: Vec<Arm>) -> Results {
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
    Results {
        variations,
        sample_ratio,
    }
}
