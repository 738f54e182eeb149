//! The experiments page's form, read into the JSON definition the analytics crate checks
//! (so the form and the API share one set of rules and one set of refusals).
//!
//! Fields: `name`, `include` and `exclude` (a path pattern a line), `traffic`, `primary`
//! and `secondary` (goals, as `event:NAME` or `page:PATTERN`), `anti_flicker`,
//! `control_name` and `control_weight`, and for variations 1 and 2 `vN_name`, `vN_weight`
//! and rows of `vN_kind`, `vN_selector`, `vN_field` (an attribute, a style property or a
//! move's target) and `vN_value`. Keys repeat, so the body is read as ordered pairs.

use serde_json::{Value, json};

use crate::web::form_body::Fields;

/// The variations besides the control the form offers.
pub const FORM_VARIATIONS: usize = 2;
/// Change rows per variation.
pub const CHANGE_ROWS: usize = 4;

/// Reading the form.
pub struct ExperimentForm;

impl ExperimentForm {
    /// A goal as the form names it (`leadvault_analytics::GoalKind::key`).
    fn goal(key: &str) -> Result<Value, String> {
        match key.split_once(':') {
            Some(("event", name)) => Ok(json!({ "event": name })),
            Some(("page", pattern)) => Ok(json!({ "page": pattern })),
            _ => Err("choose the experiment's goal".to_owned()),
        }
    }

    fn number(text: &str, what: &str) -> Result<u32, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("{what} is a whole number"))
    }

    fn change(kind: &str, selector: &str, field: &str, value: &str) -> Result<Value, String> {
        Ok(match kind {
            "set_text" => json!({ kind: { "selector": selector, "text": value } }),
            "set_attribute" => {
                json!({ kind: { "selector": selector, "name": field, "value": value } })
            }
            "add_class" | "remove_class" => {
                json!({ kind: { "selector": selector, "class": value } })
            }
            "set_style" => {
                json!({ kind: { "selector": selector, "property": field, "value": value } })
            }
            "hide" | "show" => json!({ kind: { "selector": selector } }),
            "move" => {
                let position = if value.trim().is_empty() {
                    "after"
                } else {
                    value.trim()
                };
                json!({ kind: { "selector": selector, "target": field, "position": position } })
            }
            "redirect" => json!({ kind: { "url": value } }),
            _ => return Err(format!("there is no change called {kind:?}")),
        })
    }

    /// The definition the form describes, as JSON; a message when it cannot be read at all
    /// (the analytics crate checks the rest).
    pub fn read(form: &Fields) -> Result<Value, String> {
        let lines = |key: &str| -> Vec<String> {
            form.one(key)
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut goals = vec![Self::goal(form.one("primary"))?];
        for key in form
            .all("secondary")
            .filter(|key| *key != form.one("primary"))
        {
            goals.push(Self::goal(key)?);
        }
        let mut variations = vec![json!({
            "name": form.one("control_name"),
            "weight": Self::number(form.one("control_weight"), "the original's weight")?,
        })];
        for n in 1..=FORM_VARIATIONS {
            let key = |field: &str| format!("v{n}_{field}");
            let mut changes = Vec::new();
            for row in 0..CHANGE_ROWS {
                let kind = form.nth(&key("kind"), row);
                if kind.is_empty() {
                    continue;
                }
                changes.push(Self::change(
                    kind,
                    form.nth(&key("selector"), row),
                    form.nth(&key("field"), row),
                    form.nth(&key("value"), row),
                )?);
            }
            let name = form.one(&key("name"));
            if name.trim().is_empty() && changes.is_empty() {
                continue;
            }
            variations.push(json!({
                "name": name,
                "weight": Self::number(form.one(&key("weight")), "a variation's weight")?,
                "changes": changes,
            }));
        }
        let mut definition = json!({
            "name": form.one("name"),
            "include": lines("include"),
            "exclude": lines("exclude"),
            "traffic": Self::number(form.one("traffic"), "traffic")?,
            "variations": variations,
            "goals": goals,
        });
        if form.has("anti_flicker", "on") {
            definition["anti_flicker"] = json!(true);
        }
        Ok(definition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_into_the_documented_definition() {
        let form = Fields::parse_str(
            "name=Hero&include=%2F%0D%0A%2Ffees*&exclude=&traffic=80&primary=event%3ASignup\
             &secondary=page%3A%2Fthanks&secondary=event%3ASignup&anti_flicker=on\
             &control_name=Original&control_weight=50&v1_name=Direct&v1_weight=50\
             &v1_kind=set_text&v1_selector=h1&v1_field=&v1_value=Call+us\
             &v1_kind=&v1_selector=&v1_field=&v1_value=\
             &v1_kind=move&v1_selector=%23quote&v1_field=h1&v1_value=\
             &v2_name=&v2_weight=&v2_kind=&v2_selector=&v2_field=&v2_value=",
        );
        let definition = ExperimentForm::read(&form).unwrap();
        assert_eq!(
            definition,
            json!({
                "name": "Hero", "include": ["/", "/fees*"], "exclude": [], "traffic": 80,
                "goals": [{"event": "Signup"}, {"page": "/thanks"}], "anti_flicker": true,
                "variations": [
                    {"name": "Original", "weight": 50},
                    {"name": "Direct", "weight": 50, "changes": [
                        {"set_text": {"selector": "h1", "text": "Call us"}},
                        {"move": {"selector": "#quote", "target": "h1", "position": "after"}}]}]
            })
        );
        let unknown = Fields::parse_str(
            "primary=event%3AX&control_weight=50&v1_name=B&v1_weight=50&v1_kind=inner_html&traffic=1",
        );
        assert!(
            ExperimentForm::read(&unknown)
                .unwrap_err()
                .contains("no change called")
        );
        assert!(ExperimentForm::read(&Fields::parse_str("primary=")).is_err());
    }
}
