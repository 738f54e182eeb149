//! Forms: what a form asks ([`FormDefinition`], checked once when written) and checking what
//! someone answered ([`check_answers`]).

mod answers;
mod definition;
mod field;

pub use answers::{
    Answer, Answers, FieldErrors, Submitted, check_answers, is_shown, missing_uploads,
};
pub use definition::{DefinitionError, FormDefinition, FormKind, HealthPolicy, MAX_TEXT};
pub use field::{
    Condition, DataClass, Field, FieldKey, FieldType, FileKind, PAYMENT_INTENTS, URGENCY_LEVELS,
};
