//! Re-encrypting stored values under an organization's current data key, after a tenant key
//! rotation, and counting which key version protects how many values.
//!
//! Domain crates declare the columns that hold field ciphertexts ([`EncryptedColumn`]); every
//! such table carries `org_id`. Rows are visited in batches by id. A value already under the
//! current key is left alone, so an interrupted run can simply be started again: nothing is
//! lost and nothing is encrypted twice. Each value is replaced only if it is still the one
//! that was read (compare and swap), so a concurrent write always wins.

use std::collections::HashMap;
use std::ops::ControlFlow;

use leadvault_crypto::{FieldContext, KeyRef, decrypt_field, encrypt_field, field_key_ref};
use leadvault_store::sqlx::{self, AssertSqlSafe, Row};
use leadvault_store::{OrgId, Timestamp};

use crate::error::KeyError;
use crate::keyring::{KeyPurpose, Keyring};

/// A column of field ciphertexts. Its values are encrypted with the context (organization,
/// `table`, the row's id, `column`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptedColumn {
    pub table: &'static str,
    pub id_column: &'static str,
    pub column: &'static str,
}

/// How far a re-encryption has come, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub examined: u64,
    pub total: u64,
    pub reencrypted: u64,
}

/// Names are written into SQL, so only plain lower-case identifiers are accepted; they come
/// from the code's own declarations, never from input.
fn identifier(name: &'static str) -> Result<&'static str, KeyError> {
    let plain = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        Ok(name)
    } else {
        Err(KeyError::UnknownKey(format!("not an identifier: {name}")))
    }
}

impl EncryptedColumn {
    /// The context a value of this column is sealed in: `org`, the table, `record` (the
    /// row's id) and the column. Every crate seals and opens its columns through this, so a
    /// ciphertext is bound to its place the same way everywhere (re-encryption included).
    pub fn in_context<T>(
        &self,
        org: OrgId,
        record: &str,
        f: impl FnOnce(FieldContext<'_>) -> T,
    ) -> T {
        let org = org.to_string();
        f(FieldContext {
            org_id: &org,
            table: self.table,
            record_id: record,
            field: self.column,
        })
    }

    fn names(&self) -> Result<(&'static str, &'static str, &'static str), KeyError> {
        Ok((
            identifier(self.table)?,
            identifier(self.id_column)?,
            identifier(self.column)?,
        ))
    }
}

impl Keyring {
    /// Re-encrypts the organization's values in `columns` that are not under its current
    /// field key. `progress` is called after every batch and may stop the run.
    pub async fn reencrypt(
        &self,
        org: OrgId,
        columns: &[EncryptedColumn],
        batch_size: u32,
        now: Timestamp,
        mut progress: impl FnMut(Progress) -> ControlFlow<()>,
    ) -> Result<Progress, KeyError> {
        let current = self.current(org, KeyPurpose::Field, now).await?;
        let org_text = org.to_string();
        let mut state = Progress {
            examined: 0,
            total: 0,
            reencrypted: 0,
        };
        for column in columns {
            let (table, _, col) = column.names()?;
            let sql =
                format!("SELECT count(*) FROM {table} WHERE org_id = $1 AND {col} IS NOT NULL");
            state.total += u64::try_from(
                sqlx::query(AssertSqlSafe(sql))
                    .bind(&org_text)
                    .fetch_one(self.db().pool())
                    .await?
                    .try_get::<i64, _>(0)?,
            )
            .unwrap_or(0);
        }
        for column in columns {
            let (table, id_col, col) = column.names()?;
            let select = format!(
                "SELECT {id_col}, {col} FROM {table} WHERE org_id = $1 AND {id_col} > $2 AND {col} IS NOT NULL \
                 ORDER BY {id_col} LIMIT $3"
            );
            let update = format!(
                "UPDATE {table} SET {col} = $1 WHERE org_id = $2 AND {id_col} = $3 AND {col} = $4"
            );
            let mut after = String::new();
            loop {
                let rows = sqlx::query(AssertSqlSafe(select.clone()))
                    .bind(&org_text)
                    .bind(&after)
                    .bind(i64::from(batch_size.max(1)))
                    .fetch_all(self.db().pool())
                    .await?;
                let Some(last) = rows.last() else { break };
                after = last.try_get(0)?;
                for row in &rows {
                    let id: String = row.try_get(0)?;
                    let sealed: Vec<u8> = row.try_get(1)?;
                    state.examined += 1;
                    let key_ref = field_key_ref(&sealed).map_err(|_| {
                        KeyError::UnknownKey(format!("{table}.{col} of {id} is not a ciphertext"))
                    })?;
                    if key_ref == current.key_ref {
                        continue;
                    }
                    let context = FieldContext {
                        org_id: &org_text,
                        table,
                        record_id: &id,
                        field: col,
                    };
                    let old_key = self.by_ref(org, key_ref, now).await?;
                    let plain = decrypt_field(&old_key, context, &sealed).map_err(|_| {
                        // Altered or moved: an operator must look. The record is named, its
                        // bytes are not.
                        tracing::warn!(target: "security", org_id = %org, table, column = col, record = %id, "a stored value failed to decrypt");
                        KeyError::UnknownKey(format!("{table}.{col} of {id} does not decrypt"))
                    })?;
                    let fresh = encrypt_field(&current.key, current.key_ref, context, &plain)
                        .map_err(|_| KeyError::Random)?;
                    let swapped = sqlx::query(AssertSqlSafe(update.clone()))
                        .bind(fresh)
                        .bind(&org_text)
                        .bind(&id)
                        .bind(sealed)
                        .execute(self.db().pool())
                        .await?
                        .rows_affected();
                    state.reencrypted += swapped;
                }
                if progress(state).is_break() {
                    return Ok(state);
                }
            }
        }
        Ok(state)
    }

    /// How many stored values each data key (id, version) protects, across `columns`.
    pub async fn protected_values(
        &self,
        columns: &[EncryptedColumn],
    ) -> Result<HashMap<KeyRef, u64>, KeyError> {
        let mut counts = HashMap::new();
        for column in columns {
            let (table, _, col) = column.names()?;
            let sql = format!("SELECT {col} FROM {table} WHERE {col} IS NOT NULL");
            for row in sqlx::query(AssertSqlSafe(sql))
                .fetch_all(self.db().pool())
                .await?
            {
                let sealed: Vec<u8> = row.try_get(0)?;
                if let Ok(key_ref) = field_key_ref(&sealed) {
                    *counts.entry(key_ref).or_insert(0) += 1;
                }
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_reach_sql() {
        assert!(identifier("case_notes").is_ok());
        assert!(identifier("leads2").is_ok());
        for bad in [
            "",
            "Leads",
            "2leads",
            "leads; DROP TABLE x",
            "a-b",
            "a b",
            "\"x\"",
        ] {
            assert!(identifier(bad).is_err(), "{bad}");
        }
    }
}
