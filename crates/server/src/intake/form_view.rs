//! A form's fields as a page shows them, with what was typed and the errors: one mapping
//! for the public form and the client portal's order form.

use leadvault_intake::Form;
use leadvault_intake::form::{FieldErrors, FieldType, FileKind, Submitted};

use crate::intake::views::{ChoiceView, FieldView};

/// Whether the page asks for the form's file fields (the portal's order form does; the
/// public page leaves them out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploads {
    Asked,
    Left,
}

/// What a file picker is told to offer: the extensions and media types of `kinds`.
fn accept_hint(kinds: &[FileKind]) -> String {
    kinds
        .iter()
        .flat_map(|kind| {
            [
                format!(".{}", kind.extension()),
                kind.media_type().to_owned(),
            ]
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The page's fields, with what was typed and the errors, if any.
pub fn field_views(
    form: &Form,
    typed: &Submitted,
    errors: &FieldErrors,
    uploads: Uploads,
) -> Vec<FieldView> {
    form.definition
        .fields
        .iter()
        .filter(|f| uploads == Uploads::Asked || f.field_type != FieldType::File)
        .map(|field| {
            let values = typed.get(field.key.as_str()).cloned().unwrap_or_default();
            let first = values.first().cloned().unwrap_or_default();
            let choices = field
                .allowed_choices()
                .into_iter()
                .map(|choice| ChoiceView {
                    value: choice.to_owned(),
                    checked: values.iter().any(|v| v == choice),
                })
                .collect();
            FieldView {
                key: field.key.to_string(),
                label: field.label.clone(),
                help: field.help.clone(),
                kind: match field.field_type {
                    FieldType::LongText | FieldType::CaseHistory => "textarea",
                    FieldType::Email => "email",
                    FieldType::Phone => "tel",
                    FieldType::Number => "number",
                    FieldType::Date => "date",
                    FieldType::SingleChoice | FieldType::Urgency | FieldType::PaymentIntent => {
                        "select"
                    }
                    FieldType::MultipleChoice => "checkboxes",
                    FieldType::Checkbox => "checkbox",
                    FieldType::Consent => "consent",
                    FieldType::File => "file",
                    FieldType::Text => "text",
                },
                accept: accept_hint(&field.accept),
                required: field.required,
                value: first,
                checked: values.iter().any(|v| v == "yes"),
                choices,
                max_length: field.max_length,
                consent_text: field.consent_text.clone(),
                condition: field.show_when.as_ref().and_then(|c| {
                    form.definition
                        .field(c.field.as_str())
                        .map(|source| format!("Only if “{}” is “{}”.", source.label, c.equals))
                }),
                show_when: field
                    .show_when
                    .as_ref()
                    .map(|c| (c.field.as_str().to_owned(), c.equals.clone())),
                error: errors.for_field(field.key.as_str()).map(str::to_owned),
            }
        })
        .collect()
}
