//! Form definitions the tests share, each named for what it asks. A test that needs a form
//! with one particular feature defines it here too, so that no definition is copied from
//! file to file.

/// A consultation as most firms ask for it: name (at most 80 characters), e-mail (with help
/// text), a practice area, what happened, and consent to be contacted.
pub const CONSULTATION: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true, "max_length": 80},
    {"key": "email", "label": "E-mail", "type": "email", "required": true, "help": "We reply by e-mail."},
    {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment", "choices": ["Family", "Injury"]},
    {"key": "story", "label": "What happened", "type": "case_history"},
    {"key": "agree", "label": "I agree to be contacted", "type": "consent", "text": "Lima Law may contact me about my request.", "required": true}
]}"#;

/// A consultation asking for every kind of contact detail (name, e-mail, phone), a practice
/// area of three, what happened and consent: what contact indexes and duplicates are made from.
pub const CONSULTATION_WITH_PHONE: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "email", "label": "E-mail", "type": "email", "required": true},
    {"key": "phone", "label": "Phone", "type": "phone"},
    {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment",
     "choices": ["Family", "Injury", "Immigration"]},
    {"key": "story", "label": "What happened", "type": "case_history"},
    {"key": "agree", "label": "Privacy", "type": "consent", "text": "I agree to be contacted.", "required": true}
]}"#;

/// A consultation whose practice areas are a multiple choice.
pub const MULTIPLE_CHOICE_CONSULTATION: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "email", "label": "E-mail", "type": "email"},
    {"key": "area", "label": "Practice area", "type": "multiple_choice", "class": "assessment", "choices": ["Family", "Injury"]},
    {"key": "agree", "label": "I agree", "type": "consent", "text": "You may contact me.", "required": true}
]}"#;

/// A consultation with a practice area (Family or Injury) to route on.
pub const CHOICE_CONSULTATION: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment", "choices": ["Family", "Injury"]},
    {"key": "agree", "label": "I agree", "type": "consent", "text": "You may contact me.", "required": true}
]}"#;

/// The shortest consultation with consent: a name and the agreement to be contacted.
pub const NAME_AND_CONSENT: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "agree", "label": "I agree", "type": "consent", "text": "You may contact me.", "required": true}
]}"#;

/// A consultation with a required name and e-mail address only.
pub const NAME_AND_EMAIL: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "email", "label": "E-mail", "type": "email", "required": true}
]}"#;

/// A consultation with proof of work, a question shown only for one practice area, and consent:
/// what the embedded form must handle.
pub const CONDITIONAL_CONSULTATION: &str = r#"{"kind": "consultation", "proof_of_work": true, "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "email", "label": "E-mail", "type": "email", "required": true},
    {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment", "choices": ["Family", "Injury"]},
    {"key": "injured_on", "label": "When were you injured?", "type": "date", "class": "assessment",
     "show_when": {"field": "area", "equals": "Injury"}},
    {"key": "agree", "label": "I agree to be contacted", "type": "consent", "text": "Lima Law may contact me.", "required": true}
]}"#;

/// A consultation asking only for a name, required.
pub const REQUIRED_NAME: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true}
]}"#;

/// A work order as a legal-support service takes it: the job, the party to serve, an SSN for
/// skip tracing (sensitive: clients only, never the public), instructions, and the summons as a
/// PDF or PNG.
pub const WORK_ORDER: &str = r#"{"kind": "work_order", "fields": [
    {"key": "job", "label": "Job", "type": "single_choice", "class": "meta", "required": true,
     "choices": ["Service of process", "Court filing", "Records retrieval", "Other"]},
    {"key": "party", "label": "Party to serve", "type": "text", "class": "contact", "required": true},
    {"key": "ssn", "label": "SSN (skip tracing only)", "type": "text", "class": "sensitive"},
    {"key": "instructions", "label": "Instructions", "type": "long_text", "class": "assessment"},
    {"key": "summons", "label": "Summons", "type": "file", "class": "sensitive", "required": true,
     "accept": ["pdf", "png"]}
]}"#;

/// A public consultation that asks for photos (PNG or JPEG).
pub const PHOTOS_OF_DAMAGE: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "photos", "label": "Photos of the damage", "type": "file", "class": "assessment",
     "accept": ["png", "jpeg"]}
]}"#;

/// A work order with a party and the papers (a sensitive PDF).
pub const ORDER_WITH_PAPERS: &str = r#"{"kind": "work_order", "fields": [
    {"key": "party", "label": "Party", "type": "text", "class": "contact"},
    {"key": "papers", "label": "Papers", "type": "file", "class": "sensitive", "accept": ["pdf"]}
]}"#;

/// A consultation with one question, a name.
pub const NAME_ONLY: &str = r#"{"kind": "consultation", "fields": [{"key": "name", "label": "Name", "type": "text", "class": "contact"}]}"#;

/// A consultation with a name and a photo (PNG).
pub const NAME_AND_PHOTO: &str = r#"{"kind": "consultation", "fields": [{"key": "name", "label": "Name", "type": "text", "class": "contact"},
    {"key": "photo", "label": "Photo", "type": "file", "class": "assessment", "accept": ["png"]}]}"#;

/// A work order with a job type, a due date and a rush box (the board's plain filters), and
/// the party to serve.
pub const WORK_ORDER_WITH_DUE_DATE: &str = r#"{"kind": "work_order", "fields": [
    {"key": "job", "label": "Job", "type": "single_choice", "class": "meta", "required": true,
     "choices": ["Service of process", "Court filing"]},
    {"key": "due", "label": "Due date", "type": "date", "class": "meta"},
    {"key": "rush", "label": "Rush", "type": "checkbox", "class": "meta"},
    {"key": "party", "label": "Party to serve", "type": "text", "class": "contact", "required": true}
]}"#;
