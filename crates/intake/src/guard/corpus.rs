//! The guard measured against its labelled corpus (`data/guard_corpus.jsonl`, see
//! `data/README.md`): precision and recall per detector, printed, and a failure below 0.99
//! recall or 0.98 precision for any of them.

use std::collections::BTreeMap;

use super::{Finding, inspect};

#[derive(serde::Deserialize)]
struct Entry {
    id: String,
    text: String,
    expect: Vec<String>,
}

#[derive(Default)]
struct Tally {
    true_positive: u32,
    false_positive: u32,
    false_negative: u32,
}

/// Precision and recall of every detector on `corpus`, printed; returns the detectors below
/// 0.98 precision or 0.99 recall.
fn measure(title: &str, corpus: &str) -> Vec<&'static str> {
    let entries: Vec<Entry> = corpus
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let positives = entries.iter().filter(|e| !e.expect.is_empty()).count();

    let mut tallies: BTreeMap<Finding, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for entry in &entries {
        let expected: Vec<Finding> = entry
            .expect
            .iter()
            .map(|name| {
                Finding::parse(name).unwrap_or_else(|| panic!("{}: label {name}", entry.id))
            })
            .collect();
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
    println!(
        "{title}: {} answers, {positives} with prohibited data",
        entries.len()
    );
    println!(
        "{:<16} {:>9} {:>9} {:>5} {:>5} {:>5}",
        "detector", "precision", "recall", "tp", "fp", "fn"
    );
    let mut below = Vec::new();
    for (finding, t) in &tallies {
        let precision =
            f64::from(t.true_positive) / f64::from((t.true_positive + t.false_positive).max(1));
        let recall =
            f64::from(t.true_positive) / f64::from((t.true_positive + t.false_negative).max(1));
        println!(
            "{:<16} {precision:>9.3} {recall:>9.3} {:>5} {:>5} {:>5}",
            finding.name(),
            t.true_positive,
            t.false_positive,
            t.false_negative
        );
        if precision < 0.98 || recall < 0.99 {
            below.push(finding.name());
        }
    }
    for miss in &misses {
        println!("{miss}");
    }
    below
}

#[test]
fn every_detector_meets_its_precision_and_recall_on_the_corpus() {
    let corpus = include_str!("../../data/guard_corpus.jsonl");
    let negatives = corpus
        .lines()
        .filter(|l| l.contains("\"expect\": []"))
        .count();
    let positives = corpus.lines().count() - negatives;
    assert!(
        positives >= 300 && negatives >= 300,
        "the corpus is too small"
    );
    let below = measure("development corpus", corpus);
    assert!(
        below.is_empty(),
        "below 0.98 precision or 0.99 recall: {below:?}"
    );
}

/// The second set was written apart from the detectors as a held-out set; its first
/// measurement is recorded in `data/README.md`, and the misses it showed were fixed, so it is
/// now a second development set that keeps those fixes from regressing.
#[test]
fn every_detector_meets_its_precision_and_recall_on_the_held_out_set() {
    let below = measure(
        "held-out set",
        include_str!("../../data/guard_holdout.jsonl"),
    );
    assert!(
        below.is_empty(),
        "below 0.98 precision or 0.99 recall: {below:?}"
    );
}

/// The third set, written apart from the detectors on 2026-12-06 by someone who read neither
/// them nor the other sets. Its first figures are in `data/README.md`; the misses it showed
/// were fixed in general ways, so it now keeps those fixes from regressing, like the others.
#[test]
fn every_detector_meets_its_precision_and_recall_on_the_second_held_out_set() {
    let below = measure(
        "second held-out set",
        include_str!("../../data/guard_holdout2.jsonl"),
    );
    assert!(
        below.is_empty(),
        "below 0.98 precision or 0.99 recall: {below:?}"
    );
}
