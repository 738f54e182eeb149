//! Answers at rest: one ciphertext per data class (a JSON object of that class's answers),
//! under the organization's field key, bound to the table, the record and the class. Leads
//! and work orders are stored the same way, through these two functions.

use std::collections::BTreeMap;

use leadvault_crypto::{FieldContext, decrypt_field, encrypt_field, field_key_ref};
use leadvault_keys::{DataKey, Keyring};
use leadvault_store::{OrgId, Timestamp};
use serde_json::json;

use crate::error::IntakeError;
use crate::form::{Answers, DataClass};

/// The encrypted classes, each with the column that holds it (named after the class, as
/// the encryption context is).
pub(crate) const CLASS_COLUMNS: [(DataClass, &str); 3] = [
    (DataClass::Contact, "contact"),
    (DataClass::Assessment, "assessment"),
    (DataClass::Sensitive, "sensitive"),
];

/// One record's ciphertexts.
#[derive(Debug, Default)]
pub(crate) struct Sealed(BTreeMap<DataClass, Vec<u8>>);

impl Sealed {
    /// The ciphertext of `class`, if the record has answers of it.
    pub fn take(&mut self, class: DataClass) -> Option<Vec<u8>> {
        self.0.remove(&class)
    }
}

fn context<'a>(
    org: &'a str,
    table: &'a str,
    record: &'a str,
    class: DataClass,
) -> FieldContext<'a> {
    FieldContext {
        org_id: org,
        table,
        record_id: record,
        field: class.name(),
    }
}

/// Encrypts the answers of every encrypted class of the record `record` of `table`.
pub(crate) fn seal_answers(
    key: &DataKey,
    org: OrgId,
    table: &str,
    record: &str,
    answers: &Answers,
) -> Result<Sealed, IntakeError> {
    let org = org.to_string();
    let mut sealed = Sealed::default();
    for (class, _) in CLASS_COLUMNS {
        let object: BTreeMap<&str, &str> = answers
            .of_class(class)
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect();
        if object.is_empty() {
            continue;
        }
        let plain = json!(object).to_string();
        let ciphertext = encrypt_field(
            &key.key,
            key.key_ref,
            context(&org, table, record, class),
            plain.as_bytes(),
        )
        .map_err(|_| IntakeError::Corrupt("answers could not be encrypted"))?;
        sealed.0.insert(class, ciphertext);
    }
    Ok(sealed)
}

/// Decrypts one class's ciphertext of a record back into its answers by field key.
pub(crate) async fn open_answers(
    keyring: &Keyring,
    org: OrgId,
    table: &str,
    record: &str,
    class: DataClass,
    sealed: &[u8],
    now: Timestamp,
) -> Result<BTreeMap<String, String>, IntakeError> {
    let corrupt = || IntakeError::Corrupt("stored answers");
    let key_ref = field_key_ref(sealed).map_err(|_| corrupt())?;
    let key = keyring.by_ref(org, key_ref, now).await?;
    let org = org.to_string();
    let plain =
        decrypt_field(&key, context(&org, table, record, class), sealed).map_err(|_| corrupt())?;
    serde_json::from_slice(&plain).map_err(|_| corrupt())
}
