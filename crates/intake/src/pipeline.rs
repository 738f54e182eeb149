//! The states a lead moves through, per organization. Every pipeline starts with `new`
//! (where every lead arrives); the organization chooses the rest, or keeps the defaults.
//! A state is named by a slug made from its label once, so renaming a label later never
//! orphans a lead.

use leadvault_audit::{Acting, Chain, append};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Tx};

use crate::actions::IntakeAction;
use crate::error::IntakeError;

/// The first state of every pipeline: where a lead arrives.
pub const NEW: &str = "new";

/// The pipeline of an organization that has not chosen its own, after `new`.
pub const DEFAULT_STATES: [&str; 5] = [
    "Contacted",
    "Consultation scheduled",
    "Retained",
    "Declined",
    "Closed",
];

const MAX_STATES: usize = 20;
const MAX_LABEL: usize = 60;

/// One state: its stable name (what leads store) and its label (what people read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    pub label: String,
}

/// An organization's states, in order, `new` first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline(Vec<Stage>);

impl Pipeline {
    /// The states after `new`, from their labels (one per line as typed): 1 to 20 of them,
    /// each 1 to 60 characters, no two with the same name, none named `new`.
    pub fn from_labels<'a>(labels: impl IntoIterator<Item = &'a str>) -> Result<Self, IntakeError> {
        let mut stages = vec![Stage {
            name: NEW.to_owned(),
            label: "New".to_owned(),
        }];
        for label in labels {
            let label = label.trim();
            if label.is_empty() {
                continue;
            }
            if label.chars().count() > MAX_LABEL || label.chars().any(char::is_control) {
                return Err(IntakeError::Invalid(format!(
                    "a state's name has 1 to {MAX_LABEL} characters"
                )));
            }
            let name = slug(label).ok_or_else(|| {
                IntakeError::Invalid(format!("“{label}” needs a letter or a digit"))
            })?;
            if stages.iter().any(|s| s.name == name) {
                return Err(IntakeError::Invalid(format!(
                    "“{label}” is there twice (or is “New”, which every pipeline starts with)"
                )));
            }
            stages.push(Stage {
                name,
                label: label.to_owned(),
            });
        }
        if stages.len() < 2 || stages.len() > MAX_STATES + 1 {
            return Err(IntakeError::Invalid(format!(
                "give 1 to {MAX_STATES} states after “New”"
            )));
        }
        Ok(Self(stages))
    }

    fn defaults() -> Self {
        // The defaults are valid by construction; the fallback is never reached.
        Self::from_labels(DEFAULT_STATES).unwrap_or_else(|_| Self(Vec::new()))
    }

    /// The label of a state of the default pipeline (for an organization without its own).
    pub(crate) fn default_label(name: &str) -> String {
        Self::defaults().label_of(name)
    }

    pub fn stages(&self) -> &[Stage] {
        &self.0
    }

    pub fn find(&self, name: &str) -> Option<&Stage> {
        self.0.iter().find(|s| s.name == name)
    }

    /// The label of a state, or the name itself for a state no longer in the pipeline.
    pub fn label_of(&self, name: &str) -> String {
        self.find(name)
            .map_or_else(|| name.replace('_', " "), |s| s.label.clone())
    }
}

/// `Consultation scheduled` → `consultation_scheduled`.
fn slug(label: &str) -> Option<String> {
    let mut slug = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_').to_owned();
    (!slug.is_empty()).then_some(slug)
}

/// `org`'s pipeline, inside the caller's transaction.
pub(crate) async fn pipeline_in(tx: &mut Tx, org: OrgId) -> Result<Pipeline, IntakeError> {
    let rows =
        sqlx::query("SELECT name, label FROM pipeline_states WHERE org_id = $1 ORDER BY position")
            .bind(org.to_string())
            .fetch_all(&mut **tx)
            .await?;
    if rows.is_empty() {
        return Ok(Pipeline::defaults());
    }
    let stages = rows
        .iter()
        .map(|row| {
            Ok(Stage {
                name: row.try_get(0)?,
                label: row.try_get(1)?,
            })
        })
        .collect::<Result<Vec<_>, IntakeError>>()?;
    Ok(Pipeline(stages))
}

/// `org`'s pipeline.
pub async fn pipeline(db: &Db, org: OrgId) -> Result<Pipeline, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let pipeline = pipeline_in(&mut tx, org).await?;
    tx.commit().await?;
    Ok(pipeline)
}

/// Replaces `org`'s pipeline. A state that leads are in cannot go: they would be in a state
/// nobody can choose any more.
pub async fn set_pipeline(
    db: &Db,
    acting: &Acting,
    pipeline: &Pipeline,
) -> Result<(), IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query("SELECT DISTINCT status FROM leads WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_all(&mut *tx)
        .await?;
    let current = pipeline_in(&mut tx, org).await?;
    for row in &rows {
        let status: String = row.try_get(0)?;
        if pipeline.find(&status).is_none() {
            return Err(IntakeError::Invalid(format!(
                "some leads are “{}”; move them to another state before removing it",
                current.label_of(&status)
            )));
        }
    }
    sqlx::query("DELETE FROM pipeline_states WHERE org_id = $1")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
    for (position, stage) in pipeline.stages().iter().enumerate() {
        sqlx::query(
            "INSERT INTO pipeline_states (org_id, position, name, label) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.to_string())
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(&stage.name)
        .bind(&stage.label)
        .execute(&mut *tx)
        .await?;
    }
    let event = by
        .event(IntakeAction::PipelineChanged)
        .touching(&["states"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_stable_names_after_new() {
        let pipeline =
            Pipeline::from_labels(["Contacted ", "", "Consultation  scheduled", "Won (paid)"])
                .unwrap();
        let names: Vec<&str> = pipeline.stages().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["new", "contacted", "consultation_scheduled", "won_paid"]
        );
        assert_eq!(pipeline.label_of("won_paid"), "Won (paid)");
        assert_eq!(pipeline.label_of("gone_state"), "gone state");
    }

    #[test]
    fn the_defaults_are_the_documented_pipeline() {
        let names: Vec<String> = Pipeline::defaults()
            .stages()
            .iter()
            .map(|s| s.name.clone())
            .collect();
        assert_eq!(
            names,
            [
                "new",
                "contacted",
                "consultation_scheduled",
                "retained",
                "declined",
                "closed"
            ]
        );
    }

    #[test]
    fn bad_pipelines_are_refused_with_a_reason() {
        let long = "x".repeat(61);
        for (labels, reason) in [
            (vec!["New"], "is there twice"),
            (vec!["Call", "call!"], "is there twice"),
            (vec![""], "give 1 to 20 states"),
            (vec!["---"], "needs a letter or a digit"),
            (vec![long.as_str()], "1 to 60 characters"),
        ] {
            let refused = Pipeline::from_labels(labels.iter().copied());
            assert!(
                matches!(&refused, Err(IntakeError::Invalid(m)) if m.contains(reason)),
                "{refused:?}"
            );
        }
        let too_many: Vec<String> = (0..21).map(|i| format!("State {i}")).collect();
        assert!(Pipeline::from_labels(too_many.iter().map(String::as_str)).is_err());
    }
}
