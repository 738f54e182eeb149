//! What a site's pages receive with the script: the experiments the script applies, in the
//! compact form it reads (`crates/server/static/lvx.js`).
//!
//! Running experiments assign visitors; a shipped one shows its variation to everyone;
//! drafts and paused ones are sent for the preview link (`?lv_preview=EXPERIMENT:VARIATION`)
//! alone, so a marketer can look at a variation before anyone sees it. Stopped experiments
//! are not sent. A site with nothing to send gets `None`: its pages load the plain script.
//!
//! Each change is an array whose first element says its kind: `["text", selector, text]`,
//! `["attr", selector, name, value]`, `["add", selector, class]`, `["remove", selector,
//! class]`, `["style", selector, property, value]`, `["show", selector]`,
//! `["move", selector, target, position]`, `["go", url]`; hiding is a style,
//! `["style", selector, "display", "none", "important"]`.

use leadvault_store::SiteId;
use serde_json::{Value, json};

use crate::change::{Change, Position};
use crate::experiments::{Experiment, ExperimentState};

/// The configuration for `site`'s pages as a JavaScript expression (JSON, with `<` and the
/// two line separators escaped so that it is inert wherever it is pasted), or `None` when
/// there is nothing to send.
pub fn script_config(site: SiteId, experiments: &[Experiment]) -> Option<String> {
    let sent: Vec<Value> = experiments.iter().filter_map(experiment).collect();
    if sent.is_empty() {
        return None;
    }
    let config = json!({ "site": site.to_string(), "x": sent }).to_string();
    Some(
        config
            .replace('<', "\\u003c")
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029"),
    )
}

fn experiment(experiment: &Experiment) -> Option<Value> {
    // `run`: assign visitors; `ship`: the variation everyone sees, or -1; neither: for
    // the preview link only.
    let (run, ship) = match experiment.state {
        ExperimentState::Running => (true, -1),
        ExperimentState::Shipped(index) => (false, i64::try_from(index).ok()?),
        ExperimentState::Draft | ExperimentState::Paused => (false, -1),
        ExperimentState::Stopped => return None,
    };
    let definition = &experiment.definition;
    let patterns = |list: &[crate::goals::PathPattern]| -> Vec<String> {
        list.iter().map(|p| p.as_str().to_owned()).collect()
    };
    Some(json!({
        "id": experiment.id.to_string(),
        "seed": experiment.seed,
        "run": run,
        "ship": ship,
        "traffic": definition.traffic,
        "weights": definition.variations.iter().map(|v| v.weight).collect::<Vec<_>>(),
        "on": patterns(&definition.include),
        "off": patterns(&definition.exclude),
        "hide": definition.anti_flicker.unwrap_or(0),
        "v": definition.variations.iter()
            .map(|v| v.changes.iter().map(change).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
    }))
}

fn change(change: &Change) -> Value {
    match change {
        Change::SetText { selector, text } => json!(["text", selector.as_str(), text]),
        Change::SetAttribute {
            selector,
            name,
            value,
        } => json!(["attr", selector.as_str(), name, value]),
        Change::AddClass { selector, class } => json!(["add", selector.as_str(), class]),
        Change::RemoveClass { selector, class } => json!(["remove", selector.as_str(), class]),
        Change::SetStyle {
            selector,
            property,
            value,
        } => json!(["style", selector.as_str(), property, value]),
        Change::Hide { selector } => {
            json!(["style", selector.as_str(), "display", "none", "important"])
        }
        Change::Show { selector } => json!(["show", selector.as_str()]),
        Change::Move {
            selector,
            target,
            position,
        } => {
            let position = match position {
                Position::Before => "before",
                Position::After => "after",
                Position::Prepend => "prepend",
                Position::Append => "append",
            };
            json!(["move", selector.as_str(), target.as_str(), position])
        }
        Change::Redirect { url } => json!(["go", url.as_str()]),
    }
}

#[cfg(test)]
mod tests {
    use leadvault_store::Uuid;

    use super::*;
    use crate::experiment::ExperimentDefinition;

    fn stored(state: ExperimentState, text: &str) -> Experiment {
        let json = format!(
            r#"{{"name": "Hero", "include": ["/"], "traffic": 50, "anti_flicker": true,
                "variations": [{{"name": "Control", "weight": 50}},
                {{"name": "B", "weight": 50, "changes": [
                  {{"set_text": {{"selector": "h1", "text": "{text}"}}}},
                  {{"move": {{"selector": "p", "target": "h1", "position": "before"}}}}]}}]}}"#
        );
        Experiment {
            id: Uuid::nil(),
            seed: "seed".into(),
            definition: ExperimentDefinition::from_json(&json, "lima.law").unwrap(),
            state,
            created: leadvault_store::Timestamp::from_unix_micros(0),
        }
    }

    #[test]
    fn a_site_without_experiments_to_send_gets_the_plain_script() {
        let site = SiteId::from_uuid(Uuid::nil());
        assert_eq!(script_config(site, &[]), None);
        assert_eq!(
            script_config(site, &[stored(ExperimentState::Stopped, "x")]),
            None
        );
    }

    #[test]
    fn the_config_holds_what_the_script_needs_and_is_inert_in_a_page() {
        let site = SiteId::from_uuid(Uuid::nil());
        let config = script_config(
            site,
            &[
                stored(
                    ExperimentState::Running,
                    "</script><script>alert(1)</script>",
                ),
                stored(ExperimentState::Shipped(1), "Shipped"),
                stored(ExperimentState::Draft, "Draft\u{2028}line"),
            ],
        )
        .unwrap();
        assert!(!config.contains('<') && !config.contains('\u{2028}'));
        let parsed: Value = serde_json::from_str(&config).unwrap();
        assert_eq!(parsed["site"], site.to_string());
        let x = &parsed["x"];
        assert_eq!(
            [&x[0]["run"], &x[1]["run"], &x[2]["run"]],
            [true, false, false]
        );
        assert_eq!([&x[0]["ship"], &x[1]["ship"], &x[2]["ship"]], [-1, 1, -1]);
        assert_eq!((&x[0]["traffic"], &x[0]["hide"]), (&json!(50), &json!(400)));
        assert_eq!(x[0]["weights"], json!([50, 50]));
        assert_eq!(x[0]["on"], json!(["/"]));
        assert_eq!(
            x[0]["v"],
            json!([
                [],
                [
                    ["text", "h1", "</script><script>alert(1)</script>"],
                    ["move", "p", "h1", "before"]
                ]
            ])
        );
    }
}
