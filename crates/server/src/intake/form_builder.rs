//! The form builder, for owners and admins: `/forms/new` and `/forms/{id}/edit`. One page
//! that works without JavaScript: every question is a group of inputs, and the buttons (add
//! a question, remove one, move one up, save) send the whole page back, which is shown again
//! as it was sent with the change made. Saving checks the form exactly as the JSON API and
//! the command line do (`FormDefinition::from_json`), so the three cannot disagree; a problem
//! is shown above the questions and nothing is saved.

use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{Capability, list_sites};
use leadvault_intake::form::{DataClass, FieldType, FormDefinition, FormKind};
use leadvault_intake::{FormDraft, FormId, create_form, find_form, revise_form};
use leadvault_store::SiteId;
use serde_json::{Map, Value, json};

use crate::intake::views::{BuilderPage, BuilderQuestion};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

/// The most questions a form has (the definition's own limit refuses more on saving; this
/// only bounds what a page can make the server read).
const MAX_QUESTIONS: usize = 61;

/// One question as the builder's inputs hold it: text, as typed.
#[derive(Debug, Clone, Default)]
struct Question {
    key: String,
    label: String,
    field_type: String,
    class: String,
    required: bool,
    help: String,
    max_length: String,
    pattern: String,
    /// One per line.
    choices: String,
    /// A consent field's text.
    text: String,
    show_field: String,
    show_equals: String,
    min: String,
    max: String,
}

/// The whole page as typed.
#[derive(Debug, Clone)]
struct Draft {
    name: String,
    kind: String,
    site: String,
    published: bool,
    health: String,
    proof_of_work: bool,
    questions: Vec<Question>,
}

impl Draft {
    /// What a new form starts with: the questions nearly every consultation asks.
    fn starter() -> Self {
        let question = |key: &str, label: &str, field_type: &str, class: &str, required| Question {
            key: key.to_owned(),
            label: label.to_owned(),
            field_type: field_type.to_owned(),
            class: class.to_owned(),
            required,
            ..Question::default()
        };
        let mut consent = question("consent", "I agree to be contacted", "consent", "", true);
        consent.text =
            "The firm may contact me about my request. Sending it does not make me a client."
                .to_owned();
        Self {
            name: "Free consultation".to_owned(),
            kind: "consultation".to_owned(),
            site: String::new(),
            published: true,
            health: "warn".to_owned(),
            proof_of_work: false,
            questions: vec![
                question("name", "Your name", "text", "contact", true),
                question("email", "E-mail", "email", "", true),
                question("phone", "Phone", "phone", "", false),
                question("story", "What happened", "case_history", "", false),
                consent,
            ],
        }
    }

    /// A stored form, as its builder page shows it.
    fn of(name: &str, site: Option<SiteId>, published: bool, definition: &FormDefinition) -> Self {
        let authored = definition.to_authored_json();
        let text = |field: &Value, name: &str| match &field[name] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let questions = authored["fields"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|f| Question {
                key: text(f, "key"),
                label: text(f, "label"),
                field_type: text(f, "type"),
                class: text(f, "class"),
                required: f["required"] == Value::Bool(true),
                help: text(f, "help"),
                max_length: text(f, "max_length"),
                pattern: text(f, "pattern"),
                choices: f["choices"]
                    .as_array()
                    .map(|c| {
                        c.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
                text: text(f, "text"),
                show_field: text(&f["show_when"], "field"),
                show_equals: text(&f["show_when"], "equals"),
                min: text(f, "min"),
                max: text(f, "max"),
            })
            .collect();
        Self {
            name: name.to_owned(),
            kind: definition.kind.name().to_owned(),
            site: site.map(|s| s.to_string()).unwrap_or_default(),
            published,
            health: text(&authored, "health"),
            proof_of_work: authored["proof_of_work"] == Value::Bool(true),
            questions,
        }
    }

    /// The page as sent back.
    fn read(fields: &Fields) -> Self {
        let questions = (0..MAX_QUESTIONS)
            .map_while(|i| {
                let get = |name: &str| fields.one(&format!("q{i}_{name}")).to_owned();
                fields.all(&format!("q{i}_key")).next()?;
                Some(Question {
                    key: get("key"),
                    label: get("label"),
                    field_type: get("type"),
                    class: get("class"),
                    required: get("required") == "yes",
                    help: get("help"),
                    max_length: get("max_length"),
                    pattern: get("pattern"),
                    choices: get("choices"),
                    text: get("text"),
                    show_field: get("show_field"),
                    show_equals: get("show_equals"),
                    min: get("min"),
                    max: get("max"),
                })
            })
            .collect();
        Self {
            name: fields.one("name").to_owned(),
            kind: fields.one("kind").to_owned(),
            site: fields.one("site").to_owned(),
            published: fields.one("published") == "yes",
            health: fields.one("health").to_owned(),
            proof_of_work: fields.one("proof_of_work") == "yes",
            questions,
        }
    }

    /// The definition as JSON, in the authored format; a number that is not one is named.
    /// Applies the builder's button `action` ("add", "remove:N", "up:N"); `false` for any
    /// other, which saves.
    fn edit(&mut self, action: &str) -> bool {
        let position = |prefix: &str| {
            action
                .strip_prefix(prefix)
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i < self.questions.len())
        };
        if action == "add" {
            self.questions.push(Question {
                field_type: "text".to_owned(),
                ..Question::default()
            });
        } else if let Some(i) = position("remove:") {
            self.questions.remove(i);
        } else if let Some(i) = position("up:") {
            self.questions.swap(i, i.saturating_sub(1));
        } else {
            return false;
        }
        true
    }

    /// The form to save, or why it cannot be (shown on the builder); a site id that is no
    /// site's is not found.
    fn to_saved(&self) -> Result<Result<FormDraft, String>, AppError> {
        let definition = match self.to_json().and_then(|json| {
            FormDefinition::from_json(&json.to_string()).map_err(|e| e.to_string())
        }) {
            Ok(definition) => definition,
            Err(problem) => return Ok(Err(problem)),
        };
        let site = match self.site.as_str() {
            "" => None,
            chosen => Some(SiteId::parse(chosen).ok_or(AppError::NotFound)?),
        };
        Ok(Ok(FormDraft {
            name: self.name.clone(),
            site,
            published: self.published,
            definition,
        }))
    }

    fn to_json(&self) -> Result<Value, String> {
        let mut fields = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            let place = format!("question {}", i + 1);
            let mut field = Map::new();
            field.insert("key".into(), json!(q.key.trim()));
            field.insert("label".into(), json!(q.label));
            field.insert("type".into(), json!(q.field_type));
            field.insert("required".into(), json!(q.required));
            let texts = [
                ("class", &q.class),
                ("help", &q.help),
                ("pattern", &q.pattern),
                ("text", &q.text),
            ];
            for (name, value) in texts {
                if !value.trim().is_empty() {
                    field.insert(name.into(), json!(value.trim()));
                }
            }
            if !q.max_length.trim().is_empty() {
                let n: usize = q.max_length.trim().parse().map_err(|_| {
                    format!("{place}: the longest answer is a whole number of characters")
                })?;
                field.insert("max_length".into(), json!(n));
            }
            for (name, value) in [("min", &q.min), ("max", &q.max)] {
                if !value.trim().is_empty() {
                    let n: f64 = value
                        .trim()
                        .parse()
                        .map_err(|_| format!("{place}: {name} is a number"))?;
                    field.insert(name.into(), json!(n));
                }
            }
            let choices: Vec<&str> = q
                .choices
                .lines()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            if !choices.is_empty() {
                field.insert("choices".into(), json!(choices));
            }
            if !q.show_field.trim().is_empty() {
                field.insert(
                    "show_when".into(),
                    json!({"field": q.show_field.trim(), "equals": q.show_equals.trim()}),
                );
            }
            fields.push(Value::Object(field));
        }
        Ok(json!({
            "kind": self.kind,
            "health": self.health,
            "proof_of_work": self.proof_of_work,
            "fields": fields,
        }))
    }
}

/// What the page offers for the site: none (every site of the organization), or one.
async fn site_options(
    state: &AppState,
    signed_in: &SignedIn,
    chosen: &str,
) -> Result<Vec<(String, String, bool)>, AppError> {
    Ok(list_sites(state.db(), signed_in.org())
        .await?
        .into_iter()
        .map(|site| {
            let id = site.id.to_string();
            let selected = id == chosen;
            (id, site.domain.to_string(), selected)
        })
        .collect())
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    form: Option<FormId>,
    draft: &Draft,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = BuilderPage {
        shell: Some(Shell::of(state, signed_in, Section::Forms).await?),
        action: form.map_or_else(|| "/forms/new".to_owned(), |id| format!("/forms/{id}/edit")),
        is_new: form.is_none(),
        csrf: signed_in.csrf_token(),
        error,
        name: draft.name.clone(),
        kind: draft.kind.clone(),
        published: draft.published,
        health_blocks: draft.health == "block",
        proof_of_work: draft.proof_of_work,
        unguarded_documents: draft.kind == FormKind::Consultation.name()
            && draft
                .questions
                .iter()
                .any(|q| q.field_type == FieldType::File.name()),
        sites: site_options(state, signed_in, &draft.site).await?,
        types: FieldType::ALL
            .iter()
            .map(|t| (t.name(), t.name().replace('_', " ")))
            .collect(),
        classes: DataClass::ALL.iter().map(|c| c.name()).collect(),
        questions: draft
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| BuilderQuestion {
                index: i,
                key: q.key.clone(),
                label: q.label.clone(),
                field_type: q.field_type.clone(),
                class: q.class.clone(),
                required: q.required,
                help: q.help.clone(),
                max_length: q.max_length.clone(),
                pattern: q.pattern.clone(),
                choices: q.choices.clone(),
                text: q.text.clone(),
                show_field: q.show_field.clone(),
                show_equals: q.show_equals.clone(),
                min: q.min.clone(),
                max: q.max.clone(),
            })
            .collect(),
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_new(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ManageForms).await?;
    page(&state, &signed_in, None, &Draft::starter(), None).await
}

pub async fn show_edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ManageForms).await?;
    let id = FormId::parse(&id).ok_or(AppError::NotFound)?;
    let form = find_form(state.db(), signed_in.org(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let site = form.site.as_ref().map(|site| site.id);
    let draft = Draft::of(&form.name, site, form.published, &form.definition);
    page(&state, &signed_in, Some(id), &draft, None).await
}

pub async fn submit_new(
    state: State<AppState>,
    signed_in: SignedIn,
    body: RawForm,
) -> Result<Response, AppError> {
    submit(state, signed_in, None, body).await
}

pub async fn submit_edit(
    state: State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: RawForm,
) -> Result<Response, AppError> {
    let id = FormId::parse(&id).ok_or(AppError::NotFound)?;
    submit(state, signed_in, Some(id), body).await
}

async fn submit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    form: Option<FormId>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = Fields::parse(&body);
    signed_in.require(&state, Capability::ManageForms).await?;
    if let Some(id) = form {
        // Another organization's form, or none: not found before anything is shown.
        find_form(state.db(), signed_in.org(), id)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let mut draft = Draft::read(&fields);
    // Adding, removing or moving a question shows the builder again; saving checks it.
    if draft.edit(fields.one("action")) {
        return page(&state, &signed_in, form, &draft, None).await;
    }
    let saved = match draft.to_saved()? {
        Ok(saved) => saved,
        Err(problem) => return page(&state, &signed_in, form, &draft, Some(problem)).await,
    };
    let outcome = match form {
        None => create_form(state.db(), &signed_in.acting, &saved)
            .await
            .map(|_| ()),
        Some(id) => revise_form(state.db(), &signed_in.acting, id, &saved)
            .await
            .map(|_| ()),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/forms").into_response()),
        Err(leadvault_intake::IntakeError::Invalid(problem)) => {
            page(&state, &signed_in, form, &draft, Some(problem)).await
        }
        Err(other) => Err(other.into()),
    }
}
