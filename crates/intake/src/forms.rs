//! Forms as stored: created and revised by owners and admins, each revision a new immutable
//! version; found by the public page by id.

use leadvault_audit::{By, Chain, append};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp, Tx};

use crate::error::IntakeError;
use crate::form::{FormDefinition, FormKind};
use crate::ids::FormId;

/// A form's name: what staff see, and the public page's heading.
fn check_name(name: &str) -> Result<String, IntakeError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(IntakeError::Invalid(
            "a form's name has 1 to 120 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// A form of an organization, at its current version.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub id: FormId,
    pub org_id: OrgId,
    pub name: String,
    pub kind: FormKind,
    pub version: i64,
    pub published: bool,
    pub definition: FormDefinition,
}

async fn insert_version(
    tx: &mut Tx,
    org: OrgId,
    form: FormId,
    version: i64,
    definition: &FormDefinition,
    now: Timestamp,
) -> Result<(), IntakeError> {
    sqlx::query(
        "INSERT INTO form_versions (form_id, org_id, version, definition, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(form.to_string())
    .bind(org.to_string())
    .bind(version)
    .bind(definition.to_json())
    .bind(now.as_unix_micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Creates a published form at version 1.
pub async fn create_form(
    db: &Db,
    org: OrgId,
    name: &str,
    definition: &FormDefinition,
    by: &By,
    now: Timestamp,
) -> Result<FormId, IntakeError> {
    let name = check_name(name)?;
    let id = FormId::random();
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    sqlx::query(
        "INSERT INTO forms (id, org_id, name, kind, current_version, published, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, 1, $5, $5)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(&name)
    .bind(definition.kind.name())
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    insert_version(&mut tx, org, id, 1, definition, now).await?;
    let event = by
        .event("form.created")
        .on("form", id)
        .touching(&["name", "definition"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Writes a new version of a form; submissions from now on answer it. The kind cannot
/// change (its data policy is what earlier answers were collected under).
pub async fn revise_form(
    db: &Db,
    org: OrgId,
    form: FormId,
    definition: &FormDefinition,
    by: &By,
    now: Timestamp,
) -> Result<i64, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "UPDATE forms SET current_version = current_version + 1, updated_at = $1 \
         WHERE id = $2 AND org_id = $3 RETURNING current_version, kind",
    )
    .bind(now.as_unix_micros())
    .bind(form.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(IntakeError::UnknownForm)?;
    let version: i64 = row.try_get(0)?;
    if row.try_get::<String, _>(1)? != definition.kind.name() {
        return Err(IntakeError::Invalid(
            "a form's kind cannot change; make a new form".into(),
        ));
    }
    insert_version(&mut tx, org, form, version, definition, now).await?;
    let event = by
        .event("form.revised")
        .on("form", form)
        .touching(&["definition"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(version)
}

fn form_from(row: &leadvault_store::sqlx::any::AnyRow) -> Result<Form, IntakeError> {
    let corrupt = || IntakeError::Corrupt("a form");
    let kind = FormKind::parse(&row.try_get::<String, _>(3)?).ok_or_else(corrupt)?;
    let definition =
        FormDefinition::from_stored(&row.try_get::<String, _>(6)?).ok_or_else(corrupt)?;
    Ok(Form {
        id: FormId::parse(&row.try_get::<String, _>(0)?).ok_or_else(corrupt)?,
        org_id: OrgId::parse(&row.try_get::<String, _>(1)?).ok_or_else(corrupt)?,
        name: row.try_get(2)?,
        kind,
        version: row.try_get(4)?,
        published: row.try_get::<i64, _>(5)? == 1,
        definition,
    })
}

const FORM_COLUMNS: &str = "f.id, f.org_id, f.name, f.kind, f.current_version, f.published, v.definition \
     FROM forms f JOIN form_versions v ON v.form_id = f.id AND v.version = f.current_version";

/// A form of `org` by id, at its current version.
pub async fn find_form(db: &Db, org: OrgId, form: FormId) -> Result<Option<Form>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FORM_COLUMNS} WHERE f.id = $1 AND f.org_id = $2"
    )))
    .bind(form.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.as_ref().map(form_from).transpose()
}

/// A published form by id alone, for its public page: the one lookup of a form across
/// organizations (the id in the address is what names the organization).
pub async fn find_public_form(db: &Db, form: FormId) -> Result<Option<Form>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FORM_COLUMNS} WHERE f.id = $1 AND f.published = 1"
    )))
    .bind(form.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.as_ref().map(form_from).transpose()
}

/// The organization's forms, by name.
pub async fn list_forms(db: &Db, org: OrgId) -> Result<Vec<Form>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FORM_COLUMNS} WHERE f.org_id = $1 ORDER BY f.name"
    )))
    .bind(org.to_string())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter().map(form_from).collect()
}

/// The definition of `form` at `version`, for reading an older lead.
pub async fn form_version(
    tx: &mut Tx,
    form: FormId,
    version: i64,
) -> Result<FormDefinition, IntakeError> {
    let row =
        sqlx::query("SELECT definition FROM form_versions WHERE form_id = $1 AND version = $2")
            .bind(form.to_string())
            .bind(version)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(IntakeError::UnknownForm)?;
    FormDefinition::from_stored(&row.try_get::<String, _>(0)?)
        .ok_or(IntakeError::Corrupt("a form version"))
}

/// The definition `org`'s `form` had at `version`: the labels of an older lead's answers.
pub async fn definition_at(
    db: &Db,
    org: OrgId,
    form: FormId,
    version: i64,
) -> Result<FormDefinition, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let definition = form_version(&mut tx, form, version).await?;
    tx.commit().await?;
    Ok(definition)
}
