//! One question of a form: its type, its data class, and its limits.

use std::fmt;

/// File types an upload field may accept; checked by magic bytes, not by name.
pub use leadvault_documents::FileKind;
use serde::{Deserialize, Serialize};

/// Declares [`FieldType`] and [`FieldType::ALL`] from one list, so that a type is in `ALL`
/// (and so offered by the form builder) the moment it is declared; every other question about
/// a type is an exhaustive `match`, which the compiler makes a new type answer.
macro_rules! field_types {
    ($($(#[$doc:meta])* $variant:ident,)+) => {
        /// What kind of answer a field takes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum FieldType {
            $($(#[$doc])* $variant,)+
        }

        impl FieldType {
            /// Every type, in the order the form builder offers them.
            pub const ALL: &'static [FieldType] = &[$(Self::$variant),+];
        }
    };
}

field_types! {
    Text,
    LongText,
    Email,
    Phone,
    Number,
    Date,
    SingleChoice,
    MultipleChoice,
    Checkbox,
    /// Agreement to a text that is stored, versioned, with the answer.
    Consent,
    /// How urgent the matter is: one of [`URGENCY_LEVELS`].
    Urgency,
    /// What happened so far, in the person's words.
    CaseHistory,
    /// How the person means to pay: one of [`PAYMENT_INTENTS`].
    PaymentIntent,
    File,
}

pub const URGENCY_LEVELS: &[&str] = &["low", "normal", "high", "emergency"];
pub const PAYMENT_INTENTS: &[&str] = &[
    "can pay a retainer",
    "need a payment plan",
    "looking for contingency",
    "not sure yet",
];

impl FieldType {
    /// The name forms are written with (`"type"` in the JSON).
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::LongText => "long_text",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Number => "number",
            Self::Date => "date",
            Self::SingleChoice => "single_choice",
            Self::MultipleChoice => "multiple_choice",
            Self::Checkbox => "checkbox",
            Self::Consent => "consent",
            Self::Urgency => "urgency",
            Self::CaseHistory => "case_history",
            Self::PaymentIntent => "payment_intent",
            Self::File => "file",
        }
    }

    /// The data class a field of this type has unless the form says otherwise.
    pub fn default_class(self) -> Option<DataClass> {
        match self {
            Self::Email | Self::Phone => Some(DataClass::Contact),
            Self::Urgency | Self::CaseHistory | Self::PaymentIntent => Some(DataClass::Assessment),
            Self::Consent => Some(DataClass::Meta),
            Self::Text
            | Self::LongText
            | Self::Number
            | Self::Date
            | Self::SingleChoice
            | Self::MultipleChoice
            | Self::Checkbox
            | Self::File => None,
        }
    }

    /// Whether the answer is free text that the prohibited-data guard reads. Exhaustive: a
    /// new type must say whether the guard reads it.
    pub fn is_free_text(self) -> bool {
        match self {
            Self::Text
            | Self::LongText
            | Self::CaseHistory
            | Self::Email
            | Self::Phone
            | Self::Number => true,
            Self::Date
            | Self::SingleChoice
            | Self::MultipleChoice
            | Self::Checkbox
            | Self::Consent
            | Self::Urgency
            | Self::PaymentIntent
            | Self::File => false,
        }
    }

    /// The longest answer a field of this type accepts when the form sets no limit.
    pub fn default_max_length(self) -> usize {
        match self {
            Self::LongText | Self::CaseHistory => 5_000,
            Self::Email => 254,
            Self::Phone => 32,
            Self::Number | Self::Date => 32,
            _ => 200,
        }
    }

    /// The fixed choices of the types that have them.
    pub fn fixed_choices(self) -> Option<&'static [&'static str]> {
        match self {
            Self::Urgency => Some(URGENCY_LEVELS),
            Self::PaymentIntent => Some(PAYMENT_INTENTS),
            _ => None,
        }
    }
}

/// Who may see a value, and how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataClass {
    /// Name, e-mail, phone: encrypted; intake staff and the assigned attorney.
    Contact,
    /// Practice area, urgency, case history, payment intent: encrypted; the same people.
    Assessment,
    /// Only on work orders (an SSN for skip tracing): encrypted; never an attorney's view.
    Sensitive,
    /// Source site, UTM, consent, submitted-at: plain.
    Meta,
}

impl DataClass {
    pub const ALL: [DataClass; 4] = [Self::Contact, Self::Assessment, Self::Sensitive, Self::Meta];
    pub const ENCRYPTED: [DataClass; 3] = [Self::Contact, Self::Assessment, Self::Sensitive];

    pub fn name(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Assessment => "assessment",
            Self::Sensitive => "sensitive",
            Self::Meta => "meta",
        }
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field's key: lower-case letters, digits and underscores, starting with a letter, at
/// most 40 characters. Stable across versions; answers are stored under it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldKey(String);

impl FieldKey {
    pub fn parse(text: &str) -> Option<Self> {
        let ok = (1..=40).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FieldKey {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or_else(|| {
            format!("`{text}` is not a field key (lower-case letters, digits and _, starting with a letter)")
        })
    }
}

impl From<FieldKey> for String {
    fn from(key: FieldKey) -> Self {
        key.0
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Show this field only when another (earlier) field has a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: FieldKey,
    pub equals: String,
}

/// One question, as checked ([`crate::form::FormDefinition::parse`] builds them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub key: FieldKey,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub class: DataClass,
    pub required: bool,
    pub help: Option<String>,
    pub min_length: Option<usize>,
    pub max_length: usize,
    /// A regular expression the whole answer must match (linear-time engine: no pattern can
    /// make matching slow).
    pub pattern: Option<String>,
    pub choices: Vec<String>,
    /// Number bounds.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The text agreed to, for consent fields.
    pub consent_text: Option<String>,
    pub accept: Vec<FileKind>,
    pub show_when: Option<Condition>,
}

impl Field {
    /// The choices an answer must be among: the form's, or the type's fixed ones.
    pub fn allowed_choices(&self) -> Vec<&str> {
        match self.field_type.fixed_choices() {
            Some(fixed) => fixed.to_vec(),
            None => self.choices.iter().map(String::as_str).collect(),
        }
    }
}
