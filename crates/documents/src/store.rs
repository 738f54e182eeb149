//! Where documents live: a directory of encrypted files under random names, and the
//! `documents` table that says whose each one is. Receiving is in [`crate::incoming`];
//! reading back streams the plaintext out chunk by chunk, each authenticated before it is
//! passed on.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use leadvault_crypto::{
    FieldContext, STREAM_HEADER_LEN, StreamError, decrypt_field, decrypt_stream, encrypt_field,
    field_key_ref, random_bytes, stream_key_ref, to_hex,
};
use leadvault_keys::{DataKey, KeyPurpose, Keyring};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, Statement, TenantScope, Timestamp, Tx};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use crate::error::DocumentError;
use crate::ids::DocumentId;
use crate::incoming::{Incoming, Received};
use crate::kind::FileKind;

/// 50 MB: what a document may be unless the operator says otherwise.
pub const DEFAULT_LIMIT: u64 = 50 * 1000 * 1000;
/// The column holding uploaded file names (field ciphertexts), for re-encryption after a
/// key rotation.
pub const NAME_COLUMN: leadvault_keys::EncryptedColumn = leadvault_keys::EncryptedColumn {
    table: "documents",
    id_column: "id",
    column: "name",
};

/// The longest uploaded file name kept (longer ones are cut).
const MAX_NAME: usize = 200;

/// The directory documents are kept in, and how large one may be.
#[derive(Debug, Clone)]
pub struct DocumentStore {
    dir: PathBuf,
    limit: u64,
}

/// What a document belongs to (for example `work_order` and the order's id).
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub kind: &'a str,
    pub id: &'a str,
}

/// A stored document, as listed with what it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: DocumentId,
    /// The form field it was uploaded through.
    pub field: String,
    pub kind: FileKind,
    pub size: u64,
    /// The name it was uploaded with (decrypted; shown only to those who may download it).
    pub name: String,
    pub created_at: Timestamp,
    pub(crate) stored_name: String,
    pub(crate) owner_kind: String,
    pub(crate) owner_id: String,
}

impl Document {
    /// Whether this document belongs to `owner`.
    pub fn belongs_to(&self, owner: Owner<'_>) -> bool {
        self.owner_kind == owner.kind && self.owner_id == owner.id
    }

    /// The name a download gets: the uploaded name without anything that could be read as
    /// a path or break a header, with the extension of the type the content really is.
    pub fn download_name(&self) -> String {
        let stem: String = self
            .name
            .rsplit_once('.')
            .map_or(self.name.as_str(), |(stem, _)| stem)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .take(100)
            .collect();
        let stem = stem.trim();
        let stem = if stem.is_empty() { "document" } else { stem };
        format!("{stem}.{}", self.kind.extension())
    }
}

/// The encryption context binding a file to its organization and document.
pub(crate) fn file_context<'a>(org: &'a str, id: &'a str) -> [&'a [u8]; 4] {
    [b"org", org.as_bytes(), b"document", id.as_bytes()]
}

fn name_context<'a>(org: &'a str, id: &'a str) -> FieldContext<'a> {
    FieldContext {
        org_id: org,
        table: "documents",
        record_id: id,
        field: "name",
    }
}

/// An uploaded file name as kept: the last path component, no control characters, cut.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "document".to_owned()
    } else {
        cleaned.to_owned()
    }
}

impl DocumentStore {
    /// The store in `dir`. The directory is made (readable by this user only) when the
    /// first document arrives, so an installation that takes none needs no local disk.
    pub fn open(dir: &Path, limit: u64) -> Self {
        Self {
            dir: dir.to_path_buf(),
            limit,
        }
    }

    fn ensure_dir(&self) -> Result<(), DocumentError> {
        if self.dir.is_dir() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The largest document accepted, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub(crate) fn random_name(&self) -> Result<String, DocumentError> {
        let bytes = random_bytes::<16>().map_err(leadvault_crypto::FieldError::from)?;
        Ok(to_hex(&bytes))
    }

    /// Starts receiving a document of `org` that must be one of `accept`.
    pub async fn receive(
        &self,
        keyring: &Keyring,
        org: OrgId,
        accept: &[FileKind],
        now: Timestamp,
    ) -> Result<Incoming, DocumentError> {
        self.ensure_dir()?;
        let key = keyring.current(org, KeyPurpose::File, now).await?;
        Incoming::new(self, key, org, accept)
    }

    /// Adds to `batch` the recording of a received document as `owner`'s, for the caller's
    /// transaction (scoped to `org`). The uploaded `name` is kept encrypted under
    /// `field_key` (the organization's current field key, fetched before the transaction
    /// began: fetching may write).
    #[allow(clippy::too_many_arguments)] // one row's columns; a struct would only rename them
    pub fn record(
        &self,
        batch: &mut Batch,
        field_key: &DataKey,
        org: OrgId,
        owner: Owner<'_>,
        field: &str,
        name: &str,
        document: &Received,
        now: Timestamp,
    ) -> Result<(), DocumentError> {
        let (org_text, id) = (org.to_string(), document.id.to_string());
        let sealed_name = encrypt_field(
            &field_key.key,
            field_key.key_ref,
            name_context(&org_text, &id),
            clean_name(name).as_bytes(),
        )?;
        batch.push(
            Statement::new(
                "INSERT INTO documents (id, org_id, owner_kind, owner_id, field, kind, size, \
                 stored_name, name, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(org_text)
            .bind(owner.kind)
            .bind(owner.id)
            .bind(field)
            .bind(document.kind.name())
            .bind(
                i64::try_from(document.size)
                    .map_err(|_| DocumentError::TooLarge { limit: self.limit })?,
            )
            .bind(document.stored_name.clone())
            .bind(sealed_name)
            .bind(now.as_unix_micros()),
        );
        Ok(())
    }

    /// The documents of `owner`, oldest first, in the caller's transaction.
    pub async fn documents_of(
        &self,
        tx: &mut Tx,
        keyring: &Keyring,
        org: OrgId,
        owner: Owner<'_>,
        now: Timestamp,
    ) -> Result<Vec<Document>, DocumentError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents \
             WHERE org_id = $1 AND owner_kind = $2 AND owner_id = $3 ORDER BY created_at, id"
        )))
        .bind(org.to_string())
        .bind(owner.kind)
        .bind(owner.id)
        .fetch_all(&mut **tx)
        .await?;
        let mut documents = Vec::with_capacity(rows.len());
        for row in &rows {
            documents.push(document_from(row, keyring, org, now).await?);
        }
        Ok(documents)
    }

    /// One document of `org`, whatever it belongs to: the caller checks that.
    pub async fn find(
        &self,
        tx: &mut Tx,
        keyring: &Keyring,
        org: OrgId,
        id: DocumentId,
        now: Timestamp,
    ) -> Result<Document, DocumentError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE org_id = $1 AND id = $2"
        )))
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(DocumentError::Unknown)?;
        document_from(&row, keyring, org, now).await
    }

    /// The plaintext of `document`, as a stream of chunks. Each chunk is authenticated before
    /// it is sent; a file altered or cut short ends the stream with an error, so a reader
    /// never takes a damaged file for a whole one.
    pub async fn read(
        &self,
        keyring: &Keyring,
        org: OrgId,
        document: &Document,
        now: Timestamp,
    ) -> Result<mpsc::Receiver<Result<Vec<u8>, DocumentError>>, DocumentError> {
        let path = self.dir.join(&document.stored_name);
        let mut file = tokio::fs::File::open(&path).await?;
        let mut header = [0u8; STREAM_HEADER_LEN];
        file.read_exact(&mut header).await?;
        let key = keyring.by_ref(org, stream_key_ref(&header)?, now).await?;
        let file = file.into_std().await;
        let (sender, receiver) = mpsc::channel(4);
        let (org, id) = (org.to_string(), document.id.to_string());
        tokio::task::spawn_blocking(move || {
            let mut input = io::Read::chain(&header[..], io::BufReader::new(file));
            let mut out = ChannelWriter {
                chunks: sender.clone(),
            };
            match decrypt_stream(&key, &file_context(&org, &id), &mut input, &mut out) {
                Ok(_) => {}
                // The reader went away (a cancelled download): nothing is wrong with the file.
                Err(StreamError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                    tracing::debug!(document_id = %id, "a download ended early");
                }
                Err(e) => {
                    tracing::error!(document_id = %id, error = %e, "a stored document failed to decrypt");
                    let _ = sender.blocking_send(Err(e.into()));
                }
            }
        });
        Ok(receiver)
    }
}

/// What a sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Complete files no record names (the process stopped between placing a file and
    /// committing its record, which is the order the two are done in).
    pub orphans: u64,
    /// Temporary files of uploads that never finished (the process stopped mid-upload).
    pub partials: u64,
}

/// How old a file without a record must be before a sweep removes it: far longer than any
/// request that places one and then records it lasts (a slow upload of several large
/// documents included).
const ORPHAN_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// How old an unfinished upload must be before a sweep removes it.
const PARTIAL_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Removes a file, when it is still there (another server sharing the directory may have
/// swept it first).
async fn remove_if_there(path: &Path) -> Result<bool, DocumentError> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl DocumentStore {
    /// Removes what a stopped process can leave behind: files no record names, and
    /// unfinished uploads, each only once older than its age above (`now` is the wall clock,
    /// as file times are).
    pub async fn sweep(&self, db: &Db, now: SystemTime) -> Result<Swept, DocumentError> {
        let mut swept = Swept::default();
        let mut entries = match tokio::fs::read_dir(&self.dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(swept),
            Err(e) => return Err(e.into()),
        };
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let modified = match entry.metadata().await {
                Ok(metadata) => metadata.modified()?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let age = now.duration_since(modified).unwrap_or_default();
            if name.ends_with(".partial") {
                if age > PARTIAL_AGE && remove_if_there(&entry.path()).await? {
                    swept.partials += 1;
                }
                continue;
            }
            if age <= ORPHAN_AGE || !is_stored_name(&name) {
                continue;
            }
            let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
            let recorded = sqlx::query("SELECT 1 FROM documents WHERE stored_name = $1")
                .bind(&name)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            tx.commit().await?;
            if !recorded && remove_if_there(&entry.path()).await? {
                swept.orphans += 1;
            }
        }
        Ok(swept)
    }
}

/// Whether `name` is one this store gives files (32 lower-case hexadecimal characters):
/// anything else in the directory is not the store's to remove.
fn is_stored_name(name: &str) -> bool {
    name.len() == 32
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The columns [`document_from`] reads, in its order.
const DOCUMENT_COLUMNS: &str =
    "id, field, kind, size, stored_name, name, created_at, owner_kind, owner_id";

async fn document_from(
    row: &leadvault_store::sqlx::any::AnyRow,
    keyring: &Keyring,
    org: OrgId,
    now: Timestamp,
) -> Result<Document, DocumentError> {
    let corrupt = || DocumentError::Corrupt("a document row");
    let id: String = row.try_get(0)?;
    let sealed: Vec<u8> = row.try_get(5)?;
    let key = keyring.by_ref(org, field_key_ref(&sealed)?, now).await?;
    let org_text = org.to_string();
    let name = decrypt_field(&key, name_context(&org_text, &id), &sealed)?;
    Ok(Document {
        id: DocumentId::parse(&id).ok_or_else(corrupt)?,
        field: row.try_get(1)?,
        kind: FileKind::parse(&row.try_get::<String, _>(2)?).ok_or_else(corrupt)?,
        size: u64::try_from(row.try_get::<i64, _>(3)?).map_err(|_| corrupt())?,
        stored_name: row.try_get(4)?,
        name: String::from_utf8(name.to_vec()).map_err(|_| corrupt())?,
        created_at: Timestamp::from_unix_micros(row.try_get(6)?),
        owner_kind: row.try_get(7)?,
        owner_id: row.try_get(8)?,
    })
}

/// Passes each authenticated chunk the decryption writes on to the reader.
struct ChannelWriter {
    chunks: mpsc::Sender<Result<Vec<u8>, DocumentError>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.chunks
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the reader went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_the_store_gives_are_swept() {
        assert!(is_stored_name("0123456789abcdef0123456789abcdef"));
        assert!(!is_stored_name("0123456789ABCDEF0123456789ABCDEF"));
        assert!(!is_stored_name("README"));
        assert!(!is_stored_name("0123456789abcdef0123456789abcdef.partial"));
    }

    #[test]
    fn uploaded_names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\me\\summons.pdf"), "summons.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\r\nb.pdf"), "ab.pdf");
        assert_eq!(clean_name("  "), "document");
        assert_eq!(clean_name(&"x".repeat(500)).len(), MAX_NAME);
    }

    #[test]
    fn a_download_is_named_for_what_the_content_is() {
        let document = Document {
            id: DocumentId::random(),
            field: "documents".into(),
            kind: FileKind::Pdf,
            size: 1,
            name: "invoice\"; filename=evil.exe".into(),
            created_at: Timestamp::from_unix_micros(0),
            stored_name: String::new(),
            owner_kind: String::new(),
            owner_id: String::new(),
        };
        assert_eq!(document.download_name(), "invoice filenameevil.pdf");
    }
}
