//! Forms as stored: created and revised by owners and admins, each revision a new immutable
//! version; found by the public page by id.

use leadvault_audit::{Acting, Chain, append};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, SiteId, TenantScope, Timestamp, Tx};

use crate::actions::IntakeAction;
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

/// The site a form belongs to: its leads are that site's, and only it may frame the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSite {
    pub id: SiteId,
    pub domain: String,
}

/// A form of an organization, at its current version.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub id: FormId,
    pub org_id: OrgId,
    pub name: String,
    pub kind: FormKind,
    /// `None`: a form of the whole organization, framed by any of its sites; its leads
    /// belong to no site, so only members who reach the whole organization see them.
    pub site: Option<FormSite>,
    pub version: i64,
    pub published: bool,
    pub definition: FormDefinition,
}

/// What an admin writes when making or revising a form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormDraft {
    pub name: String,
    pub site: Option<SiteId>,
    /// Whether the public page answers; an unpublished form's address is "not found".
    pub published: bool,
    pub definition: FormDefinition,
}

impl FormDraft {
    /// A published form of the whole organization.
    pub fn new(name: &str, definition: FormDefinition) -> Self {
        Self {
            name: name.to_owned(),
            site: None,
            published: true,
            definition,
        }
    }

    pub fn on_site(self, site: Option<SiteId>) -> Self {
        Self { site, ..self }
    }
}

/// Refuses a site that is not one of `org`'s (a form's, an assignment rule's).
pub(crate) async fn check_site(
    tx: &mut Tx,
    org: OrgId,
    site: Option<SiteId>,
) -> Result<(), IntakeError> {
    let Some(site) = site else {
        return Ok(());
    };
    let found = sqlx::query("SELECT 1 FROM sites WHERE id = $1 AND org_id = $2")
        .bind(site.to_string())
        .bind(org.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(IntakeError::Invalid(
            "choose one of your organization's sites".into(),
        )),
    }
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

/// Creates a form at version 1.
pub async fn create_form(
    db: &Db,
    acting: &Acting,
    draft: &FormDraft,
) -> Result<FormId, IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let name = check_name(&draft.name)?;
    let id = FormId::random();
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    check_site(&mut tx, org, draft.site).await?;
    sqlx::query(
        "INSERT INTO forms (id, org_id, site_id, name, kind, current_version, published, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(draft.site.map(|s| s.to_string()))
    .bind(&name)
    .bind(draft.definition.kind.name())
    .bind(i64::from(draft.published))
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    insert_version(&mut tx, org, id, 1, &draft.definition, now).await?;
    let event = by
        .event(IntakeAction::FormCreated)
        .on("form", id)
        .touching(&["name", "site", "published", "definition"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Writes a new version of a form (name, site, publication and definition); submissions
/// from now on answer it, and earlier leads keep theirs. The kind cannot change (its data
/// policy is what earlier answers were collected under).
pub async fn revise_form(
    db: &Db,
    acting: &Acting,
    form: FormId,
    draft: &FormDraft,
) -> Result<i64, IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let name = check_name(&draft.name)?;
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "UPDATE forms SET current_version = current_version + 1, updated_at = $1, name = $2, \
         site_id = $3, published = $4 WHERE id = $5 AND org_id = $6 RETURNING current_version, kind",
    )
    .bind(now.as_unix_micros())
    .bind(&name)
    .bind(draft.site.map(|s| s.to_string()))
    .bind(i64::from(draft.published))
    .bind(form.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(IntakeError::UnknownForm)?;
    let version: i64 = row.try_get(0)?;
    if row.try_get::<String, _>(1)? != draft.definition.kind.name() {
        return Err(IntakeError::Invalid(
            "a form's kind cannot change; make a new form".into(),
        ));
    }
    // After the form is known to be the organization's: an unknown form is not found,
    // whatever site was asked for.
    check_site(&mut tx, org, draft.site).await?;
    insert_version(&mut tx, org, form, version, &draft.definition, now).await?;
    let event = by
        .event(IntakeAction::FormRevised)
        .on("form", form)
        .touching(&["name", "site", "published", "definition"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(version)
}

fn form_from(row: &leadvault_store::sqlx::any::AnyRow) -> Result<Form, IntakeError> {
    let corrupt = || IntakeError::Corrupt("a form");
    let kind = FormKind::parse(&row.try_get::<String, _>(3)?).ok_or_else(corrupt)?;
    let definition =
        FormDefinition::from_stored(&row.try_get::<String, _>(6)?).ok_or_else(corrupt)?;
    let site = match (
        row.try_get::<Option<String>, _>(7)?,
        row.try_get::<Option<String>, _>(8)?,
    ) {
        (Some(id), Some(domain)) => Some(FormSite {
            id: SiteId::parse(&id).ok_or_else(corrupt)?,
            domain,
        }),
        _ => None,
    };
    Ok(Form {
        id: FormId::parse(&row.try_get::<String, _>(0)?).ok_or_else(corrupt)?,
        org_id: OrgId::parse(&row.try_get::<String, _>(1)?).ok_or_else(corrupt)?,
        name: row.try_get(2)?,
        kind,
        site,
        version: row.try_get(4)?,
        published: row.try_get::<i64, _>(5)? == 1,
        definition,
    })
}

const FORM_COLUMNS: &str = "f.id, f.org_id, f.name, f.kind, f.current_version, f.published, \
     v.definition, s.id, s.domain \
     FROM forms f JOIN form_versions v ON v.form_id = f.id AND v.version = f.current_version \
     LEFT JOIN sites s ON s.id = f.site_id";

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
    // On every public page and submission: a read without a transaction on SQLite.
    let mut read = db.read_in(TenantScope::AllOrganizations).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FORM_COLUMNS} WHERE f.id = $1 AND f.published = 1 AND f.kind = 'consultation'"
    )))
    .bind(form.to_string())
    .fetch_optional(read.conn())
    .await?;
    read.finish().await?;
    row.as_ref().map(form_from).transpose()
}

/// A published work-order form of `org`, for its clients to place orders through (never
/// shown on the public pages).
pub async fn find_order_form(
    db: &Db,
    org: OrgId,
    form: FormId,
) -> Result<Option<Form>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FORM_COLUMNS} WHERE f.id = $1 AND f.org_id = $2 AND f.published = 1 \
         AND f.kind = 'work_order'"
    )))
    .bind(form.to_string())
    .bind(org.to_string())
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
