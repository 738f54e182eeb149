//! Staff notes on a lead: what a call found out, what was agreed. Personal data by nature,
//! so each note is encrypted under the organization's field key, added and read only within
//! the writer's [`LeadAccess`], and every read is part of the lead's audited read.

use leadvault_audit::{Acting, Chain, append};
use leadvault_crypto::{FieldContext, decrypt_field, encrypt_field, field_key_ref};
use leadvault_keys::{EncryptedColumn, KeyPurpose, Keyring};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, OrgId, TenantScope, Timestamp, Tx};

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::error::IntakeError;
use crate::first_contact::note_first_contact;
use crate::history::{HistoryKind, Trail, record_event};
use crate::ids::{LeadId, NoteId};
use crate::vault::Vault;

const NOTES_TABLE: &str = "lead_notes";

/// The column of note bodies, for re-encryption after a key rotation.
pub const NOTE_COLUMN: EncryptedColumn = EncryptedColumn {
    table: NOTES_TABLE,
    id_column: "id",
    column: "body",
};

/// A note's text, as staff typed it: 1 to 5,000 characters, no control characters but
/// line breaks and tabs.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteText(String);

impl NoteText {
    pub const MAX: usize = 5_000;

    pub fn parse(text: &str) -> Result<Self, IntakeError> {
        let text = text.trim();
        let length = text.chars().count();
        if length == 0 || length > Self::MAX {
            return Err(IntakeError::Invalid(format!(
                "a note has 1 to {} characters",
                Self::MAX
            )));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(IntakeError::Invalid(
                "a note cannot hold control characters".into(),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never printed: a note is personal data.
impl std::fmt::Debug for NoteText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteText({} characters)", self.0.chars().count())
    }
}

/// A note as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: NoteId,
    /// `member` and the user id, or `system`.
    pub author_kind: String,
    pub author_id: String,
    pub at: Timestamp,
    pub text: NoteText,
}

fn with_note_context<T>(org: OrgId, note: NoteId, f: impl FnOnce(FieldContext<'_>) -> T) -> T {
    let (org, note) = (org.to_string(), note.to_string());
    f(FieldContext {
        org_id: &org,
        table: NOTES_TABLE,
        record_id: &note,
        field: NOTE_COLUMN.column,
    })
}

// Every argument is a different thing the operation needs; bundling them would only hide that.
#[allow(clippy::too_many_arguments)]
/// Adds a note to a lead within `access`, with a line in its history (naming the note, not
/// its text) and an audit record.
pub async fn add_note(
    vault: Vault<'_>,
    acting: &Acting,
    lead: LeadId,
    access: &LeadAccess,
    text: &NoteText,
) -> Result<NoteId, IntakeError> {
    let Vault { db, keyring, .. } = vault;
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let note = NoteId::random();
    let key = keyring.current(org, KeyPurpose::Field, now).await?;
    let sealed = with_note_context(org, note, |ctx| {
        encrypt_field(&key.key, key.key_ref, ctx, text.as_str().as_bytes())
    })
    .map_err(|_| IntakeError::Corrupt("a note could not be encrypted"))?;
    // Reads, then writes: a write transaction from the start (SQLite).
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    if !within_reach(&mut tx, org, lead, access).await? {
        return Err(IntakeError::UnknownLead);
    }
    let (author_kind, author_id) = by.actor.parts();
    sqlx::query(
        "INSERT INTO lead_notes (id, lead_id, org_id, author_kind, author_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(note.to_string())
    .bind(lead.to_string())
    .bind(org.to_string())
    .bind(author_kind)
    .bind(author_id)
    .bind(sealed)
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    let mut writes = Batch::new();
    record_event(
        &mut writes,
        org,
        Trail::Lead(lead),
        by.actor,
        HistoryKind::Note,
        &note.to_string(),
        now,
    );
    note_first_contact(&mut writes, org, lead, now);
    let event = by
        .event(IntakeAction::LeadNoteAdded)
        .on("lead", lead)
        .touching(&["note"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(note)
}

/// Whether the lead exists and is within `access`. (A note does not change the lead's
/// `updated_at`: the person who sent it sees that date at `/track`, and notes are internal.)
pub(crate) async fn within_reach(
    tx: &mut Tx,
    org: OrgId,
    lead: LeadId,
    access: &LeadAccess,
) -> Result<bool, IntakeError> {
    let reach = access.condition("leads", 3);
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT 1 FROM leads WHERE id = $1 AND org_id = $2{}",
        reach.sql
    )))
    .bind(lead.to_string())
    .bind(org.to_string());
    Ok(reach
        .bind_to(query)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// The notes of a lead the caller has already found within reach, oldest first, decrypted
/// inside the caller's (audited) transaction.
pub(crate) async fn notes_of(
    tx: &mut Tx,
    keyring: &Keyring,
    org: OrgId,
    lead: LeadId,
    now: Timestamp,
) -> Result<Vec<Note>, IntakeError> {
    let rows = sqlx::query(
        "SELECT id, author_kind, author_id, body, created_at FROM lead_notes \
         WHERE lead_id = $1 AND org_id = $2 ORDER BY created_at, id",
    )
    .bind(lead.to_string())
    .bind(org.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let corrupt = || IntakeError::Corrupt("a note");
    let mut notes = Vec::with_capacity(rows.len());
    for row in &rows {
        let id = NoteId::parse(&row.try_get::<String, _>(0)?).ok_or_else(corrupt)?;
        let sealed: Vec<u8> = row.try_get(3)?;
        let key_ref = field_key_ref(&sealed).map_err(|_| corrupt())?;
        let key = keyring.by_ref(org, key_ref, now).await?;
        let plain = with_note_context(org, id, |ctx| decrypt_field(&key, ctx, &sealed))
            .map_err(|_| corrupt())?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| corrupt())?;
        notes.push(Note {
            id,
            author_kind: row.try_get(1)?,
            author_id: row.try_get(2)?,
            at: Timestamp::from_unix_micros(row.try_get(4)?),
            text: NoteText(text),
        });
    }
    Ok(notes)
}
