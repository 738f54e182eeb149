//! A site's experiments, stored, and their lives: a draft starts running, may pause and run
//! again, stops, and may ship a variation (which then shows to every visitor). A stopped or
//! shipped experiment does not run again: its seed and results stay as they were.

use leadvault_audit::{Acting, AuditError, Chain, append};
use leadvault_store::sqlx::{self, AnyConnection, Row as _};
use leadvault_store::{Db, SiteId, StoreError, TenantScope, Timestamp, Uuid};

use crate::actions::AnalyticsAction;
use crate::experiment::{ExperimentDefinition, ExperimentRefused};
use crate::goals::goals_in;

/// Where an experiment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExperimentState {
    Draft,
    Running,
    Paused,
    Stopped,
    /// This variation (by index) shows to everyone.
    Shipped(usize),
}

impl ExperimentState {
    /// Its name, as stored and as the API says it.
    pub fn name(self) -> &'static str {
        self.stored().0
    }

    fn stored(self) -> (&'static str, Option<i64>) {
        match self {
            Self::Draft => ("draft", None),
            Self::Running => ("running", None),
            Self::Paused => ("paused", None),
            Self::Stopped => ("stopped", None),
            Self::Shipped(index) => ("shipped", i64::try_from(index).ok()),
        }
    }

    fn read(state: &str, shipped: Option<i64>) -> Option<Self> {
        Some(match (state, shipped) {
            ("draft", _) => Self::Draft,
            ("running", _) => Self::Running,
            ("paused", _) => Self::Paused,
            ("stopped", _) => Self::Stopped,
            ("shipped", Some(index)) => Self::Shipped(usize::try_from(index).ok()?),
            _ => return None,
        })
    }

    /// Whether going to `next` is a step of an experiment's life.
    fn may_become(self, next: Self) -> bool {
        use ExperimentState::*;
        matches!(
            (self, next),
            (Draft, Running)
                | (Running, Paused)
                | (Paused, Running)
                | (Running | Paused, Stopped)
                | (Running | Paused | Stopped, Shipped(_))
        )
    }
}

/// A stored experiment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Experiment {
    pub id: Uuid,
    pub seed: String,
    pub definition: ExperimentDefinition,
    pub state: ExperimentState,
    /// When it was saved: its results are counted from that day.
    pub created: Timestamp,
}

/// What can go wrong with an experiment.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error(transparent)]
    Refused(#[from] ExperimentRefused),
    #[error("the site has no such experiment")]
    Unknown,
    #[error("an experiment cannot go from {from} to {to}")]
    Transition {
        from: &'static str,
        to: &'static str,
    },
    #[error("the site has no goal {0}: add it under Goals first")]
    UnknownGoal(String),
    #[error("there is no variation {0} to ship")]
    NoSuchVariation(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The site an experiment belongs to, and that site's domain (which its selectors and
/// pages are checked against).
#[derive(Debug, Clone, Copy)]
pub struct OnSite<'a> {
    pub site: SiteId,
    pub domain: &'a str,
}

/// Saves a new experiment, a draft, for `on`'s site, audited in the same transaction; its
/// goals must be the site's.
pub async fn create_experiment(
    db: &Db,
    acting: &Acting,
    on: OnSite<'_>,
    json: &str,
) -> Result<Uuid, ExperimentError> {
    let definition = ExperimentDefinition::from_json(json, on.domain)?;
    let mut tx = db.begin_write_in(TenantScope::Org(acting.org)).await?;
    let goals = goals_in(&mut tx, on.site).await?;
    if let Some(unknown) = definition
        .goals
        .iter()
        .find(|wanted| !goals.iter().any(|goal| goal.kind == **wanted))
    {
        return Err(ExperimentError::UnknownGoal(unknown.to_string()));
    }
    let (id, seed) = (Uuid::new_v4(), Uuid::new_v4().simple().to_string());
    let (state, shipped) = ExperimentState::Draft.stored();
    sqlx::query(
        "INSERT INTO analytics_experiments (id, site_id, seed, definition, state, shipped, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(on.site.to_string())
    .bind(seed)
    .bind(json.to_owned())
    .bind(state)
    .bind(shipped)
    .bind(acting.now.as_unix_micros())
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    let event = acting
        .by
        .event(AnalyticsAction::ExperimentCreated)
        .on("experiment", id);
    append(&mut tx, Chain::of(acting.org), &event, acting.now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// The site's experiments, oldest first. One whose stored definition no longer reads (a
/// rule tightened since) is skipped rather than shown half-checked.
pub async fn list_experiments(db: &Db, on: OnSite<'_>) -> Result<Vec<Experiment>, StoreError> {
    let mut conn = db.pool().acquire().await?;
    experiments_in(&mut conn, on).await
}

async fn experiments_in(
    conn: &mut AnyConnection,
    on: OnSite<'_>,
) -> Result<Vec<Experiment>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, seed, definition, state, shipped, created_at FROM analytics_experiments \
         WHERE site_id = $1 ORDER BY created_at, id",
    )
    .bind(on.site.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut experiments = Vec::new();
    for row in rows {
        let id: String = row.try_get(0)?;
        let json: String = row.try_get(2)?;
        let state: String = row.try_get(3)?;
        let shipped: Option<i64> = row.try_get(4)?;
        if let (Ok(id), Ok(definition), Some(state)) = (
            Uuid::parse_str(&id),
            ExperimentDefinition::from_json(&json, on.domain),
            ExperimentState::read(&state, shipped),
        ) {
            experiments.push(Experiment {
                id,
                seed: row.try_get(1)?,
                definition,
                state,
                created: Timestamp::from_unix_micros(row.try_get(5)?),
            });
        }
    }
    Ok(experiments)
}

/// Moves `on`'s experiment `id` to `next`, if that is a step of its life; audited in the
/// same transaction.
pub async fn set_state(
    db: &Db,
    acting: &Acting,
    on: OnSite<'_>,
    id: Uuid,
    next: ExperimentState,
) -> Result<(), ExperimentError> {
    let mut tx = db.begin_write_in(TenantScope::Org(acting.org)).await?;
    let experiment = experiments_in(&mut tx, on)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(ExperimentError::Unknown)?;
    if let ExperimentState::Shipped(index) = next
        && index >= experiment.definition.variations.len()
    {
        return Err(ExperimentError::NoSuchVariation(index));
    }
    if !experiment.state.may_become(next) {
        return Err(ExperimentError::Transition {
            from: experiment.state.stored().0,
            to: next.stored().0,
        });
    }
    let (state, shipped) = next.stored();
    let (before, _) = experiment.state.stored();
    // Only from the state read: two changes at once cannot both apply.
    let changed = sqlx::query(
        "UPDATE analytics_experiments SET state = $1, shipped = $2, updated_at = $3 \
         WHERE site_id = $4 AND id = $5 AND state = $6",
    )
    .bind(state)
    .bind(shipped)
    .bind(acting.now.as_unix_micros())
    .bind(on.site.to_string())
    .bind(id.to_string())
    .bind(before)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?
    .rows_affected();
    if changed != 1 {
        return Err(ExperimentError::Transition {
            from: before,
            to: state,
        });
    }
    let event = acting
        .by
        .event(AnalyticsAction::ExperimentStateChanged)
        .on("experiment", id);
    append(&mut tx, Chain::of(acting.org), &event, acting.now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}
