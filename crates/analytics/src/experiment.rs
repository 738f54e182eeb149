//! An experiment's definition, checked once when it is saved ("parse, don't validate"):
//! which pages it runs on, what share of visitors enter it, and its variations, each a list
//! of safe DOM changes. No arbitrary HTML and no script: a marketer's mistake must not become
//! stored XSS on a law firm's site, so every change is one of a few kinds, every attribute
//! from an allow-list, every address http(s) and on the site.
//!
//! The JSON a definition is written in:
//!
//! ```json
//! {"name": "Hero headline", "include": ["/", "/fees*"], "exclude": [], "traffic": 100,
//!  "variations": [
//!    {"name": "Control", "weight": 50, "changes": []},
//!    {"name": "Direct", "weight": 50, "changes": [
//!      {"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}},
//!      {"set_attribute": {"selector": "a.cta", "name": "href", "value": "https://lima.law/contact"}},
//!      {"add_class": {"selector": "a.cta", "class": "big"}},
//!      {"set_style": {"selector": "a.cta", "property": "background-color", "value": "#0a7"}},
//!      {"hide": {"selector": "#chat"}},
//!      {"move": {"selector": "#quote", "target": "h1", "position": "after"}}]}],
//!  "goals": [{"event": "Form submitted"}, {"page": "/thank-you*"}],
//!  "anti_flicker": true, "anti_flicker_ms": 400}
//! ```
//!
//! `goals` are the site's analytics goals, the first the primary one (without `goals`, the
//! built-in "Form submitted"). `anti_flicker` hides the page until the changes are applied,
//! for at most `anti_flicker_ms` (default 400, at most 1,000).

use serde::Deserialize;

use crate::change::{Change, WireChange, check};
use crate::goals::{FORM_SUBMITTED, GoalKind, PathPattern};

const MAX_CHANGES: usize = 50;
const MAX_VARIATIONS: usize = 10;
const MAX_GOALS: usize = 5;
/// How long anti-flicker hiding lasts by default, and at most: a page must never stay blank.
pub const ANTI_FLICKER_MS: u32 = 400;
const MAX_ANTI_FLICKER_MS: u32 = 1_000;

/// A variation: its name, its share of the experiment's visitors (weights add up to 100),
/// and its changes (none for the control, the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variation {
    pub name: String,
    pub weight: u32,
    pub changes: Vec<Change>,
}

/// A checked experiment definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentDefinition {
    pub name: String,
    pub include: Vec<PathPattern>,
    pub exclude: Vec<PathPattern>,
    /// Percent of the site's visitors who enter it (0 to 100).
    pub traffic: u32,
    pub variations: Vec<Variation>,
    /// The goals it is judged by, the primary first.
    pub goals: Vec<GoalKind>,
    /// Milliseconds the page may stay hidden while changes apply; `None`: not hidden.
    pub anti_flicker: Option<u32>,
}

/// Why a definition was refused; each names the rule and where it was broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExperimentRefused {
    #[error("the definition is not JSON of the documented shape: {0}")]
    Malformed(String),
    #[error("an experiment needs a name of 1 to 120 characters")]
    Name,
    #[error("page patterns are paths starting with /, * for anything")]
    Pattern,
    #[error("traffic is a percentage from 0 to 100")]
    Traffic,
    #[error("an experiment has a control and 1 to {} more variations", MAX_VARIATIONS - 1)]
    Variations,
    #[error("the variations' weights add up to {0}, not 100")]
    Weights(u32),
    #[error("the first variation is the control, the page as it is: it has no changes")]
    ControlChanged,
    #[error("an experiment has 1 to {MAX_GOALS} goals, the site's goals, none twice")]
    Goals,
    #[error("anti-flicker hiding lasts 1 to {MAX_ANTI_FLICKER_MS} ms")]
    AntiFlicker,
    #[error("variation {variation}, change {change}: {reason}")]
    Change {
        variation: String,
        change: usize,
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireDefinition {
    name: String,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    traffic: u32,
    variations: Vec<WireVariation>,
    goals: Option<Vec<WireGoal>>,
    #[serde(default)]
    anti_flicker: bool,
    anti_flicker_ms: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum WireGoal {
    Event(String),
    Page(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireVariation {
    name: String,
    weight: u32,
    #[serde(default)]
    changes: Vec<WireChange>,
}

impl ExperimentDefinition {
    /// Checks a definition for the site at `site_domain`.
    pub fn from_json(json: &str, site_domain: &str) -> Result<Self, ExperimentRefused> {
        let wire: WireDefinition =
            serde_json::from_str(json).map_err(|e| ExperimentRefused::Malformed(e.to_string()))?;
        let name = wire.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
            return Err(ExperimentRefused::Name);
        }
        let patterns = |list: Vec<String>| {
            list.iter()
                .map(|p| PathPattern::parse(p).map_err(|_| ExperimentRefused::Pattern))
                .collect::<Result<Vec<_>, _>>()
        };
        let (include, exclude) = (patterns(wire.include)?, patterns(wire.exclude)?);
        if wire.traffic > 100 {
            return Err(ExperimentRefused::Traffic);
        }
        if !(2..=MAX_VARIATIONS).contains(&wire.variations.len()) {
            return Err(ExperimentRefused::Variations);
        }
        let total: u32 = wire.variations.iter().map(|v| v.weight).sum();
        if total != 100 {
            return Err(ExperimentRefused::Weights(total));
        }
        if wire
            .variations
            .first()
            .is_some_and(|control| !control.changes.is_empty())
        {
            return Err(ExperimentRefused::ControlChanged);
        }
        let mut variations = Vec::new();
        for variation in wire.variations {
            let vname = variation.name.trim().to_owned();
            if vname.is_empty() || vname.chars().count() > 60 {
                return Err(ExperimentRefused::Name);
            }
            if variation.changes.len() > MAX_CHANGES {
                return Err(ExperimentRefused::Change {
                    variation: vname,
                    change: MAX_CHANGES + 1,
                    reason: format!("a variation has at most {MAX_CHANGES} changes"),
                });
            }
            let mut changes = Vec::new();
            for (i, change) in variation.changes.into_iter().enumerate() {
                changes.push(check(change, site_domain).map_err(|reason| {
                    ExperimentRefused::Change {
                        variation: vname.clone(),
                        change: i + 1,
                        reason,
                    }
                })?);
            }
            variations.push(Variation {
                name: vname,
                weight: variation.weight,
                changes,
            });
        }
        let goals = match wire.goals {
            None => vec![GoalKind::Event(FORM_SUBMITTED.to_owned())],
            Some(goals) => goals
                .into_iter()
                .map(|goal| match goal {
                    WireGoal::Event(name) => GoalKind::parse("event", &name),
                    WireGoal::Page(pattern) => GoalKind::parse("page", &pattern),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ExperimentRefused::Goals)?,
        };
        let distinct = goals
            .iter()
            .enumerate()
            .all(|(i, goal)| !goals[..i].contains(goal));
        if goals.is_empty() || goals.len() > MAX_GOALS || !distinct {
            return Err(ExperimentRefused::Goals);
        }
        // A redirect to a page the experiment runs on would send visitors round in a loop.
        for variation in &variations {
            for (i, change) in variation.changes.iter().enumerate() {
                if let Change::Redirect { url } = change
                    && (include.is_empty() || include.iter().any(|p| p.matches(url.path())))
                    && !exclude.iter().any(|p| p.matches(url.path()))
                {
                    return Err(ExperimentRefused::Change {
                        variation: variation.name.clone(),
                        change: i + 1,
                        reason: "the redirect goes to a page the experiment runs on: exclude it"
                            .to_owned(),
                    });
                }
            }
        }
        let anti_flicker = match (wire.anti_flicker, wire.anti_flicker_ms) {
            (false, None) => None,
            (false, Some(_)) => return Err(ExperimentRefused::AntiFlicker),
            (true, ms) => {
                let ms = ms.unwrap_or(ANTI_FLICKER_MS);
                if !(1..=MAX_ANTI_FLICKER_MS).contains(&ms) {
                    return Err(ExperimentRefused::AntiFlicker);
                }
                Some(ms)
            }
        };
        Ok(Self {
            name,
            include,
            exclude,
            traffic: wire.traffic,
            variations,
            goals,
            anti_flicker,
        })
    }

    /// Whether the experiment runs on `path`: some include pattern matches (or there are
    /// none) and no exclude pattern does.
    pub fn runs_on(&self, path: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| p.matches(path)))
            && !self.exclude.iter().any(|p| p.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::Selector;

    fn with_changes(changes: &str) -> Result<ExperimentDefinition, ExperimentRefused> {
        ExperimentDefinition::from_json(
            &format!(
                r#"{{"name": "Hero", "include": ["/", "/fees*"], "traffic": 80, "variations": [
                    {{"name": "Control", "weight": 50}},
                    {{"name": "B", "weight": 50, "changes": [{changes}]}}]}}"#
            ),
            "lima.law",
        )
    }

    #[test]
    fn a_definition_of_safe_changes_is_taken() {
        let experiment = with_changes(
            r##"{"set_text": {"selector": "h1", "text": "Talk to a lawyer <today>"}},
                {"set_attribute": {"selector": "a.cta", "name": "HREF", "value": "https://www.lima.law/contact"}},
                {"add_class": {"selector": "a.cta", "class": "big"}},
                {"set_style": {"selector": "a.cta", "property": "background-color", "value": "#0a7"}},
                {"hide": {"selector": "#chat"}},
                {"move": {"selector": "#quote", "target": "h1", "position": "after"}},
                {"redirect": {"url": "https://lima.law/contact-b"}}"##,
        )
        .unwrap();
        assert_eq!(experiment.variations[1].changes.len(), 7);
        assert!(
            experiment.runs_on("/")
                && experiment.runs_on("/fees/family")
                && !experiment.runs_on("/blog")
        );
        assert_eq!(
            experiment.variations[1].changes[0],
            Change::SetText {
                selector: Selector::parse("h1").unwrap(),
                text: "Talk to a lawyer <today>".into()
            },
            "text is kept as text: the script sets textContent"
        );
    }

    #[test]
    fn unsafe_changes_are_refused_with_a_clear_message() {
        for (change, says) in [
            (
                r#"{"set_attribute": {"selector": "a", "name": "onclick", "value": "alert(1)"}}"#,
                "may not be set",
            ),
            (
                r#"{"set_attribute": {"selector": "a", "name": "href", "value": "javascript:alert(1)"}}"#,
                "http(s) on lima.law",
            ),
            (
                r#"{"set_attribute": {"selector": "a", "name": "href", "value": "https://evil.example/"}}"#,
                "http(s) on lima.law",
            ),
            (
                r#"{"set_attribute": {"selector": "img", "name": "src", "value": "data:image/svg+xml,<svg onload=alert(1)>"}}"#,
                "http(s) on lima.law",
            ),
            (
                r#"{"set_attribute": {"selector": "a", "name": "style", "value": "x"}}"#,
                "may not be set",
            ),
            (
                r#"{"set_style": {"selector": "a", "property": "background", "value": "url(https://evil.example/x)"}}"#,
                "may not be set",
            ),
            (
                r#"{"set_style": {"selector": "a", "property": "color", "value": "red; background: url(x)"}}"#,
                "a style value",
            ),
            (
                r#"{"set_style": {"selector": "a", "property": "width", "value": "expression(alert(1))"}}"#,
                "a style value",
            ),
            (
                r#"{"add_class": {"selector": "a", "class": "x\" onmouseover=\"alert(1)"}}"#,
                "a class name",
            ),
            (
                r#"{"set_text": {"selector": "h1 <script>", "text": "x"}}"#,
                "is not a selector we take",
            ),
            (
                r#"{"redirect": {"url": "https://evil.example/"}}"#,
                "http(s) on lima.law",
            ),
            (
                r#"{"redirect": {"url": "https://lima.law/fees-b"}}"#,
                "a page the experiment runs on",
            ),
            (
                r#"{"redirect": {"url": "https://lima.law/b?x=1"}}"#,
                "without ? or #",
            ),
        ] {
            match with_changes(change) {
                Err(ExperimentRefused::Change {
                    variation,
                    change: 1,
                    reason,
                }) => {
                    assert_eq!(variation, "B");
                    assert!(reason.contains(says), "{reason}");
                }
                other => panic!("{change} gave {other:?}"),
            }
        }
        for (json, refused) in [
            (
                r#"{"inner_html": {"selector": "h1", "html": "<b>x</b>"}}"#,
                "Malformed",
            ),
            (
                r#"{"set_text": {"selector": "h1", "text": "x", "script": "y"}}"#,
                "Malformed",
            ),
        ] {
            let error = with_changes(json).unwrap_err();
            assert!(format!("{error:?}").starts_with(refused), "{error:?}");
        }
    }

    #[test]
    fn weights_traffic_and_the_control_are_checked() {
        let definition = |variations: &str, traffic: u32| {
            ExperimentDefinition::from_json(
                &format!(r#"{{"name": "X", "traffic": {traffic}, "variations": [{variations}]}}"#),
                "lima.law",
            )
        };
        let ab = r#"{"name": "A", "weight": 50}, {"name": "B", "weight": 50}"#;
        assert!(definition(ab, 100).is_ok());
        assert_eq!(definition(ab, 101), Err(ExperimentRefused::Traffic));
        assert_eq!(
            definition(
                r#"{"name": "A", "weight": 50}, {"name": "B", "weight": 40}"#,
                100
            ),
            Err(ExperimentRefused::Weights(90))
        );
        assert_eq!(
            definition(r#"{"name": "A", "weight": 100}"#, 100),
            Err(ExperimentRefused::Variations)
        );
        assert_eq!(
            definition(
                r#"{"name": "A", "weight": 50, "changes": [{"hide": {"selector": "h1"}}]}, {"name": "B", "weight": 50}"#,
                100
            ),
            Err(ExperimentRefused::ControlChanged)
        );
        let with = |extra: &str| {
            ExperimentDefinition::from_json(
                &format!(r#"{{"name": "X", "traffic": 100, "variations": [{ab}]{extra}}}"#),
                "lima.law",
            )
        };
        let plain = with("").unwrap();
        assert_eq!(
            (plain.goals, plain.anti_flicker),
            (vec![GoalKind::Event(FORM_SUBMITTED.into())], None),
            "forms sent by default, and no hiding"
        );
        let chosen =
            with(r#", "goals": [{"page": "/thanks*"}, {"event": "Call"}], "anti_flicker": true"#)
                .unwrap();
        assert_eq!(chosen.goals[1], GoalKind::Event("Call".into()));
        assert_eq!(chosen.anti_flicker, Some(ANTI_FLICKER_MS));
        for bad in [
            r#", "goals": []"#,
            r#", "goals": [{"page": "thanks"}]"#,
            r#", "goals": [{"event": "Call"}, {"event": "Call"}]"#,
        ] {
            assert_eq!(with(bad), Err(ExperimentRefused::Goals), "{bad}");
        }
        for bad in [
            r#", "anti_flicker": true, "anti_flicker_ms": 5000"#,
            r#", "anti_flicker": true, "anti_flicker_ms": 0"#,
            r#", "anti_flicker_ms": 300"#,
        ] {
            assert_eq!(with(bad), Err(ExperimentRefused::AntiFlicker), "{bad}");
        }
        assert!(matches!(
            ExperimentDefinition::from_json(
                r#"{"name": "X", "traffic": 5, "include": ["fees"], "variations": []}"#,
                "lima.law"
            ),
            Err(ExperimentRefused::Pattern)
        ));
    }
}
