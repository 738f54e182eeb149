//! Checking what someone submitted against the form: types, limits, choices, conditions
//! (a field hidden by its condition is neither required nor kept, whatever was sent), and,
//! on public forms, the prohibited-data guard. Either every answer is good, or the person
//! gets an error on each field that is not, and nothing is kept.

use std::collections::HashMap;

use leadvault_store::Timestamp;

use super::definition::{FormDefinition, FormKind, HealthPolicy};
use super::field::{DataClass, Field, FieldKey, FieldType};
use crate::guard::{Finding, inspect};

/// One accepted answer, as text (choices of a multiple choice joined by newlines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub key: FieldKey,
    pub class: DataClass,
    pub value: String,
}

/// Every accepted answer of a submission, in the form's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers(pub Vec<Answer>);

impl Answers {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|a| a.key.as_str() == key)
            .map(|a| a.value.as_str())
    }

    /// The answers of one data class.
    pub fn of_class(&self, class: DataClass) -> impl Iterator<Item = &Answer> {
        self.0.iter().filter(move |a| a.class == class)
    }
}

/// What is wrong, field by field. The messages say what to fix; they never repeat what was
/// typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors {
    pub errors: Vec<(FieldKey, String)>,
    /// The prohibited kinds found (for the audit log: kinds, never values).
    pub findings: Vec<Finding>,
    /// Only health details were found, and the form merely warns: sending again with
    /// `acknowledged` set goes through.
    pub health_warning_only: bool,
    /// Fields whose answer held prohibited data: a page shown again leaves them empty, so
    /// the value is not sent back and forth again.
    pub cleared: Vec<FieldKey>,
}

impl FieldErrors {
    pub fn for_field(&self, key: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, m)| m.as_str())
    }
}

/// Values as submitted, by field key. Keys the form does not have are ignored.
pub type Submitted = HashMap<String, Vec<String>>;

/// Checks `submitted` against `form`. `health_acknowledged` is the person's "send anyway"
/// after a health warning.
pub fn check_answers(
    form: &FormDefinition,
    submitted: &Submitted,
    health_acknowledged: bool,
) -> Result<Answers, FieldErrors> {
    let mut answers = Vec::new();
    let mut problems = FieldErrors::default();
    let mut only_health = true;
    for field in &form.fields {
        if field.field_type == FieldType::File {
            continue; // uploads arrive apart, streamed
        }
        if !visible(field, &answers) {
            continue;
        }
        let values: Vec<&str> = submitted
            .get(field.key.as_str())
            .map(|v| {
                v.iter()
                    .map(String::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        match check_one(field, &values) {
            Ok(None) => {}
            Ok(Some(value)) => {
                if form.kind == FormKind::Consultation && field.field_type.is_free_text() {
                    let findings = inspect(&value);
                    let health_blocks = form.health == HealthPolicy::Block;
                    if let Some(finding) = findings
                        .iter()
                        .copied()
                        .find(|f| f.blocks(health_blocks) || !health_acknowledged)
                    {
                        if finding.blocks(health_blocks) {
                            only_health = false;
                            problems.cleared.push(field.key.clone());
                        }
                        problems.findings.extend(findings.iter().copied());
                        problems
                            .errors
                            .push((field.key.clone(), finding.message(&field.label)));
                        continue;
                    }
                }
                answers.push(Answer {
                    key: field.key.clone(),
                    class: field.class,
                    value,
                });
            }
            Err(message) => {
                only_health = false;
                problems.errors.push((field.key.clone(), message));
            }
        }
    }
    if problems.errors.is_empty() {
        Ok(Answers(answers))
    } else {
        problems.findings.sort();
        problems.findings.dedup();
        problems.health_warning_only = only_health;
        Err(problems)
    }
}

/// Whether `field` is shown, given the answers so far (conditions name earlier fields).
/// The required file fields (shown, given the answers) that got no file: uploads arrive
/// apart from the answers, so they are checked apart. `uploaded` names the fields that got
/// one.
pub fn missing_uploads(
    form: &FormDefinition,
    answers: &Answers,
    uploaded: &[&str],
) -> Vec<FieldKey> {
    form.fields
        .iter()
        .filter(|f| f.field_type == FieldType::File && f.required)
        .filter(|f| visible(f, &answers.0))
        .filter(|f| !uploaded.contains(&f.key.as_str()))
        .map(|f| f.key.clone())
        .collect()
}

/// Whether `field` is shown, given the answers (its condition, if any, is met): a field
/// left hidden takes no answer and no document.
pub fn is_shown(field: &Field, answers: &Answers) -> bool {
    visible(field, &answers.0)
}

fn visible(field: &Field, answers: &[Answer]) -> bool {
    match &field.show_when {
        None => true,
        Some(condition) => answers
            .iter()
            .find(|a| a.key == condition.field)
            .is_some_and(|a| a.value.split('\n').any(|v| v == condition.equals)),
    }
}

/// The answer of one field as stored, `None` when left empty (and allowed to be).
fn check_one(field: &Field, values: &[&str]) -> Result<Option<String>, String> {
    if values.is_empty() {
        return if field.required {
            Err(match field.field_type {
                FieldType::Consent => "Please agree to continue.".to_owned(),
                FieldType::Checkbox => "Please tick this box to continue.".to_owned(),
                _ => "Please answer this question.".to_owned(),
            })
        } else {
            Ok(None)
        };
    }
    if values.len() > 1 && field.field_type != FieldType::MultipleChoice {
        return Err("Please give one answer.".to_owned());
    }
    let first = values.first().copied().unwrap_or_default();
    let text = normalize(first)?;
    let length = text.chars().count();
    match field.field_type {
        FieldType::MultipleChoice => {
            let allowed = field.allowed_choices();
            let mut chosen = Vec::new();
            for value in values {
                let value = value.trim();
                if !allowed.contains(&value) {
                    return Err("Please choose from the list.".to_owned());
                }
                if !chosen.contains(&value) {
                    chosen.push(value);
                }
            }
            return Ok(Some(chosen.join("\n")));
        }
        FieldType::SingleChoice | FieldType::Urgency | FieldType::PaymentIntent => {
            return if field.allowed_choices().contains(&text.as_str()) {
                Ok(Some(text))
            } else {
                Err("Please choose from the list.".to_owned())
            };
        }
        FieldType::Checkbox | FieldType::Consent => {
            return if matches!(text.as_str(), "yes" | "on" | "true") {
                Ok(Some("yes".to_owned()))
            } else {
                Err("Please tick the box, or leave it empty.".to_owned())
            };
        }
        _ => {}
    }
    if length > field.max_length {
        return Err(format!(
            "Please keep this to {} characters.",
            field.max_length
        ));
    }
    if field.min_length.is_some_and(|min| length < min) {
        return Err(format!(
            "Please write at least {} characters.",
            field.min_length.unwrap_or_default()
        ));
    }
    match field.field_type {
        FieldType::Email if !looks_like_email(&text) => {
            return Err("Please enter an e-mail address like name@example.com.".to_owned());
        }
        FieldType::Phone if !looks_like_phone(&text) => {
            return Err("Please enter a phone number (digits, spaces, + ( ) - only).".to_owned());
        }
        FieldType::Number => {
            let number: f64 = text
                .replace(',', "")
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or("Please enter a number.")?;
            if field.min.is_some_and(|min| number < min)
                || field.max.is_some_and(|max| number > max)
            {
                return Err(match (field.min, field.max) {
                    (Some(min), Some(max)) => format!("Please enter a number from {min} to {max}."),
                    (Some(min), None) => format!("Please enter {min} or more."),
                    (_, Some(max)) => format!("Please enter {max} or less."),
                    (None, None) => "Please enter a number.".to_owned(),
                });
            }
        }
        FieldType::Date if Timestamp::parse_date(&text).is_none() => {
            return Err("Please enter a date as YYYY-MM-DD.".to_owned());
        }
        _ => {}
    }
    if let Some(pattern) = &field.pattern {
        let matches = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map(|re| re.is_match(&text))
            .unwrap_or(false);
        if !matches {
            return Err("Please check the format of this answer.".to_owned());
        }
    }
    Ok(Some(text))
}

/// Trims, turns CRLF into LF, and refuses control characters (but newline and tab).
fn normalize(value: &str) -> Result<String, String> {
    let text = value.trim().replace("\r\n", "\n").replace('\r', "\n");
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("Please remove the invisible control characters from this answer.".to_owned());
    }
    Ok(text)
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
        && !domain.contains('@')
}

fn looks_like_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(extra: &str) -> FormDefinition {
        FormDefinition::from_json(&format!(
            r#"{{"kind": "consultation"{extra}, "fields": [
                {{"key": "name", "label": "Name", "type": "text", "class": "contact", "required": true, "max_length": 40}},
                {{"key": "email", "label": "E-mail", "type": "email", "required": true}},
                {{"key": "phone", "label": "Phone", "type": "phone"}},
                {{"key": "area", "label": "Area", "type": "single_choice", "class": "assessment", "choices": ["Family", "Injury"]}},
                {{"key": "when", "label": "When", "type": "date", "class": "assessment", "required": true,
                  "show_when": {{"field": "area", "equals": "Injury"}}}},
                {{"key": "story", "label": "What happened", "type": "case_history"}},
                {{"key": "agree", "label": "Privacy", "type": "consent", "text": "I agree.", "required": true}}
            ]}}"#
        ))
        .unwrap()
    }

    fn submit(pairs: &[(&str, &str)]) -> Submitted {
        let mut submitted = Submitted::new();
        for (k, v) in pairs {
            submitted
                .entry((*k).to_owned())
                .or_default()
                .push((*v).to_owned());
        }
        submitted
    }

    const GOOD: &[(&str, &str)] = &[
        ("name", " Ana Lima "),
        ("email", "ana@example.com"),
        ("phone", "(415) 555-0132"),
        ("area", "Family"),
        (
            "story",
            "My landlord kept the deposit; case no. 2:23-cv-01234.",
        ),
        ("agree", "yes"),
    ];

    #[test]
    fn good_answers_are_kept_trimmed_with_their_classes() {
        let answers = check_answers(&form(""), &submit(GOOD), false).unwrap();
        assert_eq!(answers.get("name"), Some("Ana Lima"));
        assert_eq!(answers.of_class(DataClass::Contact).count(), 3);
        assert_eq!(answers.get("agree"), Some("yes"));
    }

    #[test]
    fn a_hidden_field_is_neither_required_nor_kept() {
        let mut sent = submit(GOOD);
        sent.insert("when".into(), vec!["2020-01-01".into()]);
        let answers = check_answers(&form(""), &sent, false).unwrap();
        assert_eq!(
            answers.get("when"),
            None,
            "area is not Injury: the date was not asked"
        );
        sent.insert("area".into(), vec!["Injury".into()]);
        sent.remove("when");
        let errors = check_answers(&form(""), &sent, false).unwrap_err();
        assert_eq!(
            errors.for_field("when"),
            Some("Please answer this question.")
        );
    }

    #[test]
    fn each_bad_answer_gets_its_own_message() {
        let sent = submit(&[
            ("name", &"x".repeat(41)),
            ("email", "not an address"),
            ("phone", "call me"),
            ("area", "Tax"),
            ("story", "nul\u{0}byte"),
        ]);
        let errors = check_answers(&form(""), &sent, false).unwrap_err();
        for key in ["name", "email", "phone", "area", "story", "agree"] {
            assert!(errors.for_field(key).is_some(), "{key}: {errors:?}");
        }
        assert!(!errors.health_warning_only);
        let twice = submit(&[("name", "a"), ("name", "b")]);
        assert_eq!(
            check_answers(&form(""), &twice, false)
                .unwrap_err()
                .for_field("name"),
            Some("Please give one answer.")
        );
    }

    #[test]
    fn prohibited_data_is_refused_on_its_field_and_never_repeated() {
        let mut sent = submit(GOOD);
        sent.insert("story".into(), vec!["My SSN is 512-43-8876".into()]);
        let errors = check_answers(&form(""), &sent, false).unwrap_err();
        let message = errors.for_field("story").unwrap();
        assert!(message.contains("Social Security number") && !message.contains("512"));
        assert!(
            message.contains("\u{201c}What happened\u{201d}"),
            "{message}"
        );
        assert_eq!(errors.findings, vec![Finding::Ssn]);

        // Each kind names itself and the field, never the value, on whichever free-text field
        // it was typed into.
        let cases = [
            ("4532 0151 / 1283 0366 exp 04/29", "card number", "4532"),
            (
                "routing 021 000 021 acct 4455667788",
                "bank account",
                "4455667788",
            ),
            ("passport no X12345678", "passport number", "X12345678"),
        ];
        for (value, kind, planted) in cases {
            let mut sent = submit(GOOD);
            sent.insert("name".into(), vec![value.into()]);
            let errors = check_answers(&form(""), &sent, false).unwrap_err();
            let message = errors.for_field("name").unwrap();
            assert!(message.contains(kind), "{message}");
            assert!(message.contains("\u{201c}Name\u{201d}"), "{message}");
            assert!(!message.contains(planted), "{message}");
        }
        assert!(
            check_answers(&form(""), &sent, true).is_err(),
            "no acknowledging an SSN away"
        );
    }

    #[test]
    fn health_details_warn_once_unless_the_form_blocks_them() {
        let mut sent = submit(GOOD);
        sent.insert("story".into(), vec!["I was diagnosed with diabetes".into()]);
        let warned = check_answers(&form(""), &sent, false).unwrap_err();
        assert!(warned.health_warning_only);
        assert!(check_answers(&form(""), &sent, true).is_ok(), "sent anyway");
        let blocking = form(r#", "health": "block""#);
        let refused = check_answers(&blocking, &sent, true).unwrap_err();
        assert!(!refused.health_warning_only);
    }
}
