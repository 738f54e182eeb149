//! Experiments' tallies per settled day, kept so that a results page does not read every
//! exposure of the period again: a day before yesterday no longer gets events, so its
//! tally (each variation's exposed visitors and conversions, per goal) is counted once, the
//! first time results ask for it, and read from `analytics_experiment_days` after. The last
//! two days are always counted from the events. A period's figures are the sum of its days'
//! (visitor ids live one day, as in the reports).

use std::collections::HashMap;

use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{StoreError, Uuid};

use crate::day::Day;
use crate::goals::GoalKind;
use crate::stats::Arm;
use crate::storage::AnalyticsDb;

/// Per goal key, per day: each variation's tally.
pub(crate) type StoredDays = HashMap<(String, i64), Vec<Arm>>;

/// The first day that is not settled on `today`.
pub(crate) fn unsettled_from(today: Day) -> Day {
    today.plus(-1)
}

/// The stored tallies of `experiment` for the days `first` ≤ day < `end`.
pub(crate) async fn stored_days(
    db: &AnalyticsDb,
    experiment: Uuid,
    arms: usize,
    (first, end): (Day, Day),
) -> Result<StoredDays, StoreError> {
    let rows = sqlx::query(
        "SELECT goal, day, variation, visitors, conversions FROM analytics_experiment_days \
         WHERE experiment = $1 AND day >= $2 AND day < $3",
    )
    .bind(experiment.to_string())
    .bind(first.number())
    .bind(end.number())
    .fetch_all(db.db().pool())
    .await?;
    let mut days = StoredDays::new();
    for row in rows {
        let (goal, day): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        let variation = usize::try_from(row.try_get::<i64, _>(2)?).unwrap_or(usize::MAX);
        let counts = (row.try_get::<i64, _>(3)?, row.try_get::<i64, _>(4)?);
        let arms_of_day = days.entry((goal, day)).or_insert_with(|| {
            vec![
                Arm {
                    visitors: 0,
                    conversions: 0
                };
                arms
            ]
        });
        if let Some(arm) = arms_of_day.get_mut(variation) {
            arm.visitors = u64::try_from(counts.0).unwrap_or(0);
            arm.conversions = u64::try_from(counts.1).unwrap_or(0);
        }
    }
    Ok(days)
}

/// Stores `day`'s tallies of `experiment`, one per goal, replacing any.
pub(crate) async fn store_day(
    db: &AnalyticsDb,
    experiment: Uuid,
    day: Day,
    tallies: &[(&GoalKind, Vec<Arm>)],
) -> Result<(), StoreError> {
    let mut tx = db.db().begin_write().await?;
    sqlx::query("DELETE FROM analytics_experiment_days WHERE experiment = $1 AND day = $2")
        .bind(experiment.to_string())
        .bind(day.number())
        .execute(&mut *tx)
        .await?;
    for (goal, arms) in tallies {
        for (variation, arm) in arms.iter().enumerate() {
            sqlx::query(
                "INSERT INTO analytics_experiment_days \
                 (experiment, goal, day, variation, visitors, conversions) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(experiment.to_string())
            .bind(goal.key())
            .bind(day.number())
            .bind(i64::try_from(variation).unwrap_or(i64::MAX))
            .bind(i64::try_from(arm.visitors).unwrap_or(i64::MAX))
            .bind(i64::try_from(arm.conversions).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
