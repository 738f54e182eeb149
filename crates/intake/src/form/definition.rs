//! A form as its author writes it (in the builder or through the JSON API), checked once
//! into a [`FormDefinition`] that every later step can trust.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::field::{Condition, DataClass, Field, FieldKey, FieldType, FileKind};

/// Who fills the form in, which decides its data policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// Public, on the firm's site: the prohibited-data guard runs, no sensitive fields.
    Consultation,
    /// For client-portal accounts: may carry sensitive fields and uploads.
    WorkOrder,
}

impl FormKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Consultation => "consultation",
            Self::WorkOrder => "work_order",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "consultation" => Some(Self::Consultation),
            "work_order" => Some(Self::WorkOrder),
            _ => None,
        }
    }
}

/// What the guard does about health and biometric details.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthPolicy {
    /// Ask the person to leave them out, but let them send anyway on a second try.
    #[default]
    Warn,
    /// Refuse them, like every other prohibited kind.
    Block,
}

/// One field as written: everything but key, label and type optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldInput {
    key: String,
    label: String,
    #[serde(rename = "type")]
    field_type: FieldType,
    class: Option<DataClass>,
    #[serde(default)]
    required: bool,
    help: Option<String>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    #[serde(default)]
    choices: Vec<String>,
    min: Option<f64>,
    max: Option<f64>,
    text: Option<String>,
    #[serde(default)]
    accept: Vec<FileKind>,
    show_when: Option<Condition>,
}

/// A form as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormInput {
    kind: FormKind,
    #[serde(default)]
    health: HealthPolicy,
    #[serde(default)]
    proof_of_work: bool,
    fields: Vec<FieldInput>,
}

/// A checked form: what a version of a form asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub kind: FormKind,
    pub health: HealthPolicy,
    /// Browsers must solve a small proof of work before sending (a spam brake that needs no
    /// third party; it needs JavaScript).
    #[serde(default)]
    pub proof_of_work: bool,
    pub fields: Vec<Field>,
}

/// The longest any text answer may be, whatever a form says.
pub const MAX_TEXT: usize = 10_000;
const MAX_FIELDS: usize = 60;
const MAX_CHOICES: usize = 100;
const MAX_LABEL: usize = 300;

/// What is wrong with a form as written: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {reason}")]
pub struct DefinitionError {
    /// `form`, or the field's key (or position, when the key itself is bad).
    pub place: String,
    pub reason: String,
}

fn refuse(place: impl Into<String>, reason: impl Into<String>) -> DefinitionError {
    DefinitionError {
        place: place.into(),
        reason: reason.into(),
    }
}

impl FormDefinition {
    /// Reads and checks a form written as JSON.
    pub fn from_json(text: &str) -> Result<Self, DefinitionError> {
        let input: FormInput =
            serde_json::from_str(text).map_err(|e| refuse("form", e.to_string()))?;
        Self::check(input)
    }

    /// The definition as stored with a form version.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The definition as its author would write it: what [`FormDefinition::from_json`]
    /// reads back to the same definition (the JSON API's and the builder's format).
    pub fn to_authored_json(&self) -> serde_json::Value {
        let fields: Vec<serde_json::Value> = self
            .fields
            .iter()
            .map(|f| {
                let mut field = serde_json::json!({
                    "key": f.key.as_str(),
                    "label": f.label,
                    "type": f.field_type.name(),
                    "class": f.class.name(),
                    "required": f.required,
                    "max_length": f.max_length,
                });
                let optional = [
                    ("help", f.help.as_ref().map(|h| serde_json::json!(h))),
                    ("min_length", f.min_length.map(|n| serde_json::json!(n))),
                    ("pattern", f.pattern.as_ref().map(|p| serde_json::json!(p))),
                    (
                        "choices",
                        (!f.choices.is_empty()).then(|| serde_json::json!(f.choices)),
                    ),
                    ("min", f.min.map(|n| serde_json::json!(n))),
                    ("max", f.max.map(|n| serde_json::json!(n))),
                    (
                        "text",
                        f.consent_text.as_ref().map(|t| serde_json::json!(t)),
                    ),
                    (
                        "accept",
                        (!f.accept.is_empty()).then(|| serde_json::json!(f.accept)),
                    ),
                    (
                        "show_when",
                        f.show_when.as_ref().map(|c| serde_json::json!(c)),
                    ),
                ];
                for (name, value) in optional {
                    if let (Some(value), Some(object)) = (value, field.as_object_mut()) {
                        object.insert(name.to_owned(), value);
                    }
                }
                field
            })
            .collect();
        serde_json::json!({
            "kind": self.kind,
            "health": self.health,
            "proof_of_work": self.proof_of_work,
            "fields": fields,
        })
    }

    /// Reads a definition this code stored (already checked when it was written).
    pub fn from_stored(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key.as_str() == key)
    }

    fn check(input: FormInput) -> Result<Self, DefinitionError> {
        if input.fields.is_empty() || input.fields.len() > MAX_FIELDS {
            return Err(refuse(
                "form",
                format!("a form has 1 to {MAX_FIELDS} fields"),
            ));
        }
        let mut fields: Vec<Field> = Vec::with_capacity(input.fields.len());
        let mut keys = HashSet::new();
        for (position, raw) in input.fields.into_iter().enumerate() {
            let place = format!("field {}", position + 1);
            let key = FieldKey::parse(&raw.key).ok_or_else(|| {
                refuse(
                    &place,
                    "the key must be lower-case letters, digits and _, starting with a letter",
                )
            })?;
            let place = key.to_string();
            if !keys.insert(key.clone()) {
                return Err(refuse(place, "another field has this key"));
            }
            let field = check_field(&place, key, raw, input.kind, &fields)?;
            fields.push(field);
        }
        Ok(Self {
            kind: input.kind,
            health: input.health,
            proof_of_work: input.proof_of_work,
            fields,
        })
    }
}

fn check_field(
    place: &str,
    key: FieldKey,
    raw: FieldInput,
    kind: FormKind,
    earlier: &[Field],
) -> Result<Field, DefinitionError> {
    let t = raw.field_type;
    let label = raw.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(refuse(
            place,
            format!("a label has 1 to {MAX_LABEL} characters"),
        ));
    }
    let class = raw.class.or_else(|| t.default_class()).ok_or_else(|| {
        refuse(
            place,
            "say which data class: contact, assessment, sensitive or meta",
        )
    })?;
    if kind == FormKind::Consultation && class == DataClass::Sensitive {
        return Err(refuse(
            place,
            "a public consultation form may not ask for sensitive data",
        ));
    }
    if t == FieldType::Consent && class != DataClass::Meta {
        return Err(refuse(place, "consent is recorded as meta data"));
    }
    let max_length = raw.max_length.unwrap_or_else(|| t.default_max_length());
    if max_length == 0 || max_length > MAX_TEXT {
        return Err(refuse(place, format!("max_length is 1 to {MAX_TEXT}")));
    }
    if raw.min_length.is_some_and(|min| min > max_length) {
        return Err(refuse(place, "min_length is more than max_length"));
    }
    if let Some(pattern) = &raw.pattern {
        if !matches!(
            t,
            FieldType::Text | FieldType::LongText | FieldType::Phone | FieldType::Email
        ) {
            return Err(refuse(place, "only text fields take a pattern"));
        }
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|_| refuse(place, "the pattern is not a valid regular expression"))?;
    }
    let choices: Vec<String> = raw.choices.iter().map(|c| c.trim().to_owned()).collect();
    match t {
        FieldType::SingleChoice | FieldType::MultipleChoice => {
            let unique: HashSet<&String> = choices.iter().collect();
            if choices.is_empty()
                || choices.len() > MAX_CHOICES
                || unique.len() != choices.len()
                || choices
                    .iter()
                    .any(|c| c.is_empty() || c.chars().count() > 200)
            {
                return Err(refuse(
                    place,
                    format!("give 1 to {MAX_CHOICES} different choices of 1 to 200 characters"),
                ));
            }
        }
        _ if !choices.is_empty() => return Err(refuse(place, "only choice fields take choices")),
        _ => {}
    }
    if (raw.min.is_some() || raw.max.is_some()) && t != FieldType::Number {
        return Err(refuse(place, "only number fields take min and max"));
    }
    if let (Some(min), Some(max)) = (raw.min, raw.max)
        && min > max
    {
        return Err(refuse(place, "min is more than max"));
    }
    let consent_text = raw.text.map(|s| s.trim().to_owned());
    match (t, &consent_text) {
        (FieldType::Consent, Some(text)) if !text.is_empty() && text.len() <= MAX_TEXT => {}
        (FieldType::Consent, _) => return Err(refuse(place, "a consent field needs its text")),
        (_, Some(_)) => return Err(refuse(place, "only consent fields take a text")),
        _ => {}
    }
    match (t, raw.accept.is_empty()) {
        (FieldType::File, true) => {
            return Err(refuse(place, "say which file types the field accepts"));
        }
        (FieldType::File, false) => {}
        (_, false) => return Err(refuse(place, "only file fields accept files")),
        _ => {}
    }
    if let Some(condition) = &raw.show_when {
        let Some(source) = earlier.iter().find(|f| f.key == condition.field) else {
            return Err(refuse(place, "show_when must name an earlier field"));
        };
        let possible = match source.field_type {
            FieldType::Checkbox => vec!["yes"],
            _ => source.allowed_choices(),
        };
        if possible.is_empty() || !possible.contains(&condition.equals.as_str()) {
            return Err(refuse(
                place,
                "show_when must name a choice (or `yes` for a checkbox) of that field",
            ));
        }
    }
    Ok(Field {
        key,
        label,
        field_type: t,
        class,
        required: raw.required,
        help: raw
            .help
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty()),
        min_length: raw.min_length,
        max_length,
        pattern: raw.pattern,
        choices,
        min: raw.min,
        max: raw.max,
        consent_text,
        accept: raw.accept,
        show_when: raw.show_when,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "kind": "consultation",
        "fields": [
            {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
            {"key": "email", "label": "E-mail", "type": "email", "required": true},
            {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment",
             "choices": ["Family", "Injury"]},
            {"key": "injury_date", "label": "When", "type": "date", "class": "assessment",
             "show_when": {"field": "area", "equals": "Injury"}},
            {"key": "urgency", "label": "How urgent", "type": "urgency"},
            {"key": "agree", "label": "Privacy", "type": "consent", "text": "I agree.", "required": true}
        ]
    }"#;

    #[test]
    fn a_good_form_is_checked_once_and_round_trips() {
        let form = FormDefinition::from_json(GOOD).unwrap();
        assert_eq!(form.fields.len(), 6);
        assert_eq!(form.field("email").unwrap().class, DataClass::Contact);
        assert_eq!(form.field("urgency").unwrap().allowed_choices().len(), 4);
        assert_eq!(
            FormDefinition::from_stored(&form.to_json()),
            Some(form.clone())
        );
        let authored = form.to_authored_json().to_string();
        assert_eq!(FormDefinition::from_json(&authored), Ok(form), "{authored}");
    }

    #[test]
    fn every_mistake_is_named_with_its_place() {
        let cases = [
            (GOOD.replace("\"consultation\"", "\"survey\""), "form"),
            (
                GOOD.replace(
                    "\"class\": \"contact\", \"required\"",
                    "\"class\": \"sensitive\", \"required\"",
                ),
                "name",
            ),
            (
                GOOD.replace("\"key\": \"email\"", "\"key\": \"name\""),
                "name",
            ),
            (
                GOOD.replace("\"key\": \"email\"", "\"key\": \"E-mail\""),
                "field 2",
            ),
            (
                GOOD.replace("\"equals\": \"Injury\"", "\"equals\": \"Tax\""),
                "injury_date",
            ),
            (
                GOOD.replace("\"field\": \"area\"", "\"field\": \"agree\""),
                "injury_date",
            ),
            (
                GOOD.replace("\"choices\": [\"Family\", \"Injury\"]", "\"choices\": []"),
                "area",
            ),
            (GOOD.replace("\"text\": \"I agree.\", ", ""), "agree"),
            (
                GOOD.replace(
                    "\"type\": \"text\", \"class\": \"contact\"",
                    "\"type\": \"text\"",
                ),
                "name",
            ),
            (
                GOOD.replace(
                    "\"required\": true}",
                    "\"required\": true, \"pattern\": \"(\"}",
                ),
                "name",
            ),
            (
                GOOD.replace("\"label\": \"E-mail\"", "\"label\": \" \""),
                "email",
            ),
        ];
        for (text, place) in cases {
            let err = FormDefinition::from_json(&text).unwrap_err();
            assert_eq!(err.place, place, "{err}");
        }
    }

    #[test]
    fn work_orders_may_ask_for_sensitive_data_and_files() {
        let form = FormDefinition::from_json(r#"{"kind": "work_order", "fields": [
            {"key": "ssn", "label": "SSN of the person to find", "type": "text", "class": "sensitive"},
            {"key": "documents", "label": "Documents", "type": "file", "class": "sensitive", "accept": ["pdf", "docx"]}
        ]}"#).unwrap();
        assert_eq!(form.kind, FormKind::WorkOrder);
    }
}
