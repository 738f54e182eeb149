//! The guard measured against labelled answers (`data/`, see `data/README.md`): precision and
//! recall per detector, printed.
//!
//! - The **tuning corpus** is every set the detectors have been developed on. It gates: every
//!   hard detector at recall >= 0.995 and precision >= 0.99, health (a warning) at
//!   [`HEALTH_PRECISION`] and [`HEALTH_RECALL`], and health's false warnings on ordinary
//!   injury and employment stories at most [`HEALTH_FALSE_WARNINGS`].
//! - The **holdout** (`guard_holdout3.jsonl`) was written apart from the detectors and is never
//!   tuned on: its figures are printed (and recorded in docs/SECURITY.md), not gated, so that
//!   they stay an honest measure of answers the guard has never seen.
//!
//! `cargo test -p leadvault-intake --lib guard::corpus -- --nocapture` prints them all.

use std::collections::{BTreeMap, BTreeSet};

use super::{Finding, inspect};

/// The sets the detectors are developed on, by name.
const TUNING: &[(&str, &str)] = &[
    (
        "guard_corpus.jsonl",
        include_str!("../../data/guard_corpus.jsonl"),
    ),
    (
        "guard_holdout.jsonl",
        include_str!("../../data/guard_holdout.jsonl"),
    ),
    (
        "guard_holdout2.jsonl",
        include_str!("../../data/guard_holdout2.jsonl"),
    ),
    (
        "guard_corpus_numbers.jsonl",
        include_str!("../../data/guard_corpus_numbers.jsonl"),
    ),
    (
        "guard_corpus_health.jsonl",
        include_str!("../../data/guard_corpus_health.jsonl"),
    ),
];

const HOLDOUT: &str = include_str!("../../data/guard_holdout3.jsonl");

const HARD_PRECISION: f64 = 0.99;
const HARD_RECALL: f64 = 0.995;
const HEALTH_PRECISION: f64 = 0.97;
const HEALTH_RECALL: f64 = 0.97;
/// The share of ordinary stories (the negatives of `guard_corpus_health.jsonl`) that may get
/// a health warning.
const HEALTH_FALSE_WARNINGS: f64 = 0.02;

#[derive(serde::Deserialize)]
struct Entry {
    id: String,
    text: String,
    expect: Vec<String>,
}

fn entries(corpus: &str) -> Vec<Entry> {
    corpus
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn labels(entry: &Entry) -> Vec<Finding> {
    entry
        .expect
        .iter()
        .map(|name| Finding::parse(name).unwrap_or_else(|| panic!("{}: label {name}", entry.id)))
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Tally {
    true_positive: u32,
    false_positive: u32,
    false_negative: u32,
}

impl Tally {
    fn precision(self) -> f64 {
        f64::from(self.true_positive) / f64::from((self.true_positive + self.false_positive).max(1))
    }

    fn recall(self) -> f64 {
        f64::from(self.true_positive) / f64::from((self.true_positive + self.false_negative).max(1))
    }
}

/// Every detector's tally on `entries`, and the lines that went wrong.
fn measure(entries: &[Entry]) -> (BTreeMap<Finding, Tally>, Vec<String>) {
    let mut tallies: BTreeMap<Finding, Tally> = Finding::ALL
        .iter()
        .map(|f| (*f, Tally::default()))
        .collect();
    let mut misses = Vec::new();
    for entry in entries {
        let expected = labels(entry);
        let found = inspect(&entry.text);
        for finding in Finding::ALL {
            let tally = tallies.entry(finding).or_default();
            match (expected.contains(&finding), found.contains(&finding)) {
                (true, true) => tally.true_positive += 1,
                (false, true) => {
                    tally.false_positive += 1;
                    misses.push(format!("{} false {finding}: {}", entry.id, entry.text));
                }
                (true, false) => {
                    tally.false_negative += 1;
                    misses.push(format!("{} missed {finding}: {}", entry.id, entry.text));
                }
                (false, false) => {}
            }
        }
    }
    (tallies, misses)
}

fn print(title: &str, entries: &[Entry], tallies: &BTreeMap<Finding, Tally>) {
    let positives = entries.iter().filter(|e| !e.expect.is_empty()).count();
    println!(
        "{title}: {} answers, {positives} with prohibited data",
        entries.len()
    );
    println!(
        "{:<16} {:>9} {:>9} {:>5} {:>5} {:>5}",
        "detector", "precision", "recall", "tp", "fp", "fn"
    );
    for (finding, t) in tallies {
        println!(
            "{:<16} {:>9.3} {:>9.3} {:>5} {:>5} {:>5}",
            finding.name(),
            t.precision(),
            t.recall(),
            t.true_positive,
            t.false_positive,
            t.false_negative
        );
    }
}

/// Checks a set is well formed: unique ids, known labels, both kinds of answer.
fn well_formed(name: &str, entries: &[Entry]) {
    let ids: BTreeSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), entries.len(), "{name}: ids are not unique");
    for entry in entries {
        labels(entry);
    }
    let positives = entries.iter().filter(|e| !e.expect.is_empty()).count();
    assert!(
        positives > 0 && positives < entries.len(),
        "{name}: positives and negatives both"
    );
}

#[test]
fn every_detector_meets_its_precision_and_recall_on_the_tuning_corpus() {
    let mut all = Vec::new();
    for (name, corpus) in TUNING {
        let set = entries(corpus);
        well_formed(name, &set);
        let (tallies, _) = measure(&set);
        print(name, &set, &tallies);
        all.extend(set);
    }
    assert!(all.len() >= 2000, "the tuning corpus is too small");
    let (tallies, misses) = measure(&all);
    print("tuning corpus, all sets", &all, &tallies);
    for miss in &misses {
        println!("{miss}");
    }
    let below: Vec<String> = tallies
        .iter()
        .filter(|(finding, t)| match finding {
            Finding::Health => t.precision() < HEALTH_PRECISION || t.recall() < HEALTH_RECALL,
            _ => t.precision() < HARD_PRECISION || t.recall() < HARD_RECALL,
        })
        .map(|(finding, t)| format!("{finding} {:.3}/{:.3}", t.precision(), t.recall()))
        .collect();
    assert!(below.is_empty(), "below the gate: {below:?}");
}

/// Ordinary injury and employment stories (what happened, with no medical detail) rarely get
/// a health warning.
#[test]
fn ordinary_stories_rarely_get_a_health_warning() {
    let stories: Vec<Entry> = entries(include_str!("../../data/guard_corpus_health.jsonl"))
        .into_iter()
        .filter(|e| e.expect.is_empty())
        .collect();
    assert!(stories.len() >= 100, "too few ordinary stories");
    let warned: Vec<&Entry> = stories
        .iter()
        .filter(|e| inspect(&e.text).contains(&Finding::Health))
        .collect();
    let share = warned.len() as f64 / stories.len() as f64;
    println!(
        "health warnings on {} ordinary stories: {} ({:.1}%)",
        stories.len(),
        warned.len(),
        share * 100.0
    );
    for entry in &warned {
        println!("{}: {}", entry.id, entry.text);
    }
    assert!(share <= HEALTH_FALSE_WARNINGS, "too many false warnings");
}

/// The holdout, measured and printed; never a gate, never tuned on.
#[test]
fn the_holdout_is_measured() {
    let set = entries(HOLDOUT);
    well_formed("guard_holdout3.jsonl", &set);
    assert!(set.len() >= 600, "the holdout is too small");
    let (tallies, _) = measure(&set);
    print(
        "holdout (guard_holdout3.jsonl, never tuned on)",
        &set,
        &tallies,
    );
}
