//! Goals: what a site counts as a conversion. An event goal is a custom event's name; a
//! page goal is a path pattern (`/thank-you`, `/guides/*`). Every site has one goal without
//! asking: a Leadvault form sent ("Form submitted"), so a firm sees what brings consultations.

use std::fmt;

use leadvault_audit::{Acting, AuditError, Chain, append};
use leadvault_store::sqlx::{self, AnyConnection, Row as _};
use leadvault_store::{Db, SiteId, StoreError, TenantScope, Uuid};

use crate::actions::AnalyticsAction;
use crate::event::MAX_NAME;

/// The event the script sends when a Leadvault form embedded on the page was sent.
pub const FORM_SUBMITTED: &str = "Form submitted";

/// Goals a site may define, at most.
pub const MAX_GOALS: usize = 50;

/// A path pattern: a path, where `*` stands for any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern(String);

impl PathPattern {
    pub fn parse(text: &str) -> Result<Self, GoalRefused> {
        let text = text.trim();
        if !text.starts_with('/')
            || text.len() > 500
            || text.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(GoalRefused::Pattern);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `path` is one of the pattern's pages.
    pub fn matches(&self, path: &str) -> bool {
        let mut parts = self.0.split('*');
        let Some(first) = parts.next() else {
            return false;
        };
        let Some(mut rest) = path.strip_prefix(first) else {
            return false;
        };
        let parts: Vec<&str> = parts.collect();
        let Some((last, middle)) = parts.split_last() else {
            return rest.is_empty();
        };
        for part in middle {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.ends_with(last) && rest.len() >= last.len()
    }
}

/// What a goal counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoalKind {
    /// Visitors who sent this event.
    Event(String),
    /// Visitors who viewed a page matching this pattern.
    Page(PathPattern),
}

impl fmt::Display for GoalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Event(name) => write!(f, "Event: {name}"),
            Self::Page(pattern) => write!(f, "Visit {}", pattern.as_str()),
        }
    }
}

/// A goal of a site. The built-in one has no id: it cannot be removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    pub id: Option<Uuid>,
    pub kind: GoalKind,
}

/// Why a goal was not saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoalRefused {
    #[error("a page goal is a path starting with /, where * stands for anything (like /guides/*)")]
    Pattern,
    #[error("an event goal is the event's name, 1 to {MAX_NAME} characters")]
    Name,
    #[error("the site has that goal already")]
    Exists,
    #[error("a site has at most {MAX_GOALS} goals")]
    TooMany,
    #[error("choose an event goal or a page goal")]
    Kind,
}

impl GoalKind {
    /// A goal as the dashboard's form sends it: `kind` `event` or `page`, and its target.
    pub fn parse(kind: &str, target: &str) -> Result<Self, GoalRefused> {
        match kind {
            "event" => {
                let name = target.trim();
                if name.is_empty()
                    || name.chars().count() > MAX_NAME
                    || name.chars().any(char::is_control)
                {
                    return Err(GoalRefused::Name);
                }
                Ok(Self::Event(name.to_owned()))
            }
            "page" => Ok(Self::Page(PathPattern::parse(target)?)),
            _ => Err(GoalRefused::Kind),
        }
    }

    /// The goal as one string (`event:NAME`, `page:PATTERN`): the key its stored tallies
    /// are kept under, and how the experiments form names it.
    pub fn key(&self) -> String {
        let (kind, target) = self.stored();
        format!("{kind}:{target}")
    }

    fn stored(&self) -> (&'static str, &str) {
        match self {
            Self::Event(name) => ("event", name),
            Self::Page(pattern) => ("page", pattern.as_str()),
        }
    }
}

/// An error of a goal change: the change was refused, or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum GoalError {
    #[error(transparent)]
    Refused(#[from] GoalRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The site's goals: the built-in one first, then the site's own in the order added.
pub async fn list_goals(db: &Db, site: SiteId) -> Result<Vec<Goal>, StoreError> {
    let mut conn = db.pool().acquire().await?;
    goals_in(&mut conn, site).await
}

pub(crate) async fn goals_in(
    conn: &mut AnyConnection,
    site: SiteId,
) -> Result<Vec<Goal>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, target FROM analytics_goals WHERE site_id = $1 ORDER BY created_at, id",
    )
    .bind(site.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut goals = vec![Goal {
        id: None,
        kind: GoalKind::Event(FORM_SUBMITTED.to_owned()),
    }];
    for row in rows {
        let id: String = row.try_get(0)?;
        let kind: String = row.try_get(1)?;
        let target: String = row.try_get(2)?;
        // A stored goal was checked when added; one that no longer reads is skipped.
        if let (Ok(id), Ok(kind)) = (Uuid::parse_str(&id), GoalKind::parse(&kind, &target)) {
            goals.push(Goal { id: Some(id), kind });
        }
    }
    Ok(goals)
}

/// Adds a goal to `site`, audited in the same transaction; its id.
pub async fn add_goal(
    db: &Db,
    acting: &Acting,
    site: SiteId,
    kind: &GoalKind,
) -> Result<Uuid, GoalError> {
    let mut tx = db.begin_write_in(TenantScope::Org(acting.org)).await?;
    let goals = goals_in(&mut tx, site).await?;
    if goals.iter().any(|goal| goal.kind == *kind) {
        return Err(GoalRefused::Exists.into());
    }
    if goals.len() > MAX_GOALS {
        return Err(GoalRefused::TooMany.into());
    }
    let id = Uuid::new_v4();
    let (stored_kind, target) = kind.stored();
    sqlx::query(
        "INSERT INTO analytics_goals (id, site_id, kind, target, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(site.to_string())
    .bind(stored_kind)
    .bind(target)
    .bind(acting.now.as_unix_micros())
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    let event = acting
        .by
        .event(AnalyticsAction::GoalAdded)
        .on("analytics_goal", id);
    append(&mut tx, Chain::of(acting.org), &event, acting.now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(id)
}

/// Removes `site`'s goal `id`, audited in the same transaction; `false` if the site has no
/// such goal.
pub async fn remove_goal(
    db: &Db,
    acting: &Acting,
    site: SiteId,
    id: Uuid,
) -> Result<bool, AuditError> {
    let mut tx = db.begin_write_in(TenantScope::Org(acting.org)).await?;
    let removed = sqlx::query("DELETE FROM analytics_goals WHERE site_id = $1 AND id = $2")
        .bind(site.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed != 1 {
        return Ok(false);
    }
    let event = acting
        .by
        .event(AnalyticsAction::GoalRemoved)
        .on("analytics_goal", id);
    append(&mut tx, Chain::of(acting.org), &event, acting.now).await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_paths_with_stars_for_anything() {
        let pattern = |p: &str| PathPattern::parse(p).unwrap();
        assert!(pattern("/thank-you").matches("/thank-you"));
        assert!(!pattern("/thank-you").matches("/thank-you/again"));
        assert!(pattern("/guides/*").matches("/guides/divorce"));
        assert!(pattern("/guides/*").matches("/guides/"));
        assert!(!pattern("/guides/*").matches("/guide"));
        assert!(pattern("/*/contact").matches("/es/contact"));
        assert!(!pattern("/*/contact").matches("/es/contact-us"));
        assert!(pattern("/a*b*c").matches("/aXbYc"));
        assert!(!pattern("/a*b*c").matches("/aXcYb"));
        assert!(pattern("/*").matches("/anything"));
        assert!(PathPattern::parse("*").is_err(), "a pattern is a path");
    }

    #[test]
    fn goals_are_checked() {
        assert_eq!(
            GoalKind::parse("page", "thank-you"),
            Err(GoalRefused::Pattern)
        );
        assert_eq!(GoalKind::parse("page", "/a b"), Err(GoalRefused::Pattern));
        assert_eq!(GoalKind::parse("event", "  "), Err(GoalRefused::Name));
        assert_eq!(GoalKind::parse("click", "x"), Err(GoalRefused::Kind));
        assert_eq!(
            GoalKind::parse("event", " Signup "),
            Ok(GoalKind::Event("Signup".into()))
        );
    }
}
