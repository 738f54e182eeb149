//! A document arriving: checked and encrypted as its bytes come in, so neither the whole
//! file nor any plaintext of it is ever held in memory or written to disk.
//!
//! The web layer pushes each chunk as it is read from the request. The first bytes are held
//! back until they tell the type (at most [`SNIFF_WINDOW`]); a file of a type not accepted
//! is refused before anything of it is written. Chunks then go through a small bounded
//! channel to a blocking task that encrypts them into a temporary file next to the store, so
//! a slow disk slows the upload instead of filling memory. Only a complete, accepted file
//! is synced and renamed into place, and only then may the caller commit its record: a
//! document that was acknowledged is on disk.

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use leadvault_crypto::{DEFAULT_CHUNK_SIZE, encrypt_stream};
use leadvault_keys::DataKey;
use leadvault_store::OrgId;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::DocumentError;
use crate::ids::DocumentId;
use crate::kind::{FileKind, SNIFF_WINDOW, Sniffed, sniff};
use crate::store::{DocumentStore, file_context};

/// Chunks in flight between the request and the encrypting task.
const CHANNEL_DEPTH: usize = 4;

/// A document being received. Dropped before [`Incoming::finish`], it leaves nothing behind.
pub struct Incoming {
    id: DocumentId,
    stored_name: String,
    temp: PathBuf,
    target: PathBuf,
    accept: Vec<FileKind>,
    limit: u64,
    received: u64,
    head: Vec<u8>,
    kind: Option<FileKind>,
    writer: Option<Writer>,
    key: Option<DataKey>,
    org: OrgId,
}

struct Writer {
    chunks: mpsc::Sender<Vec<u8>>,
    task: JoinHandle<Result<u64, DocumentError>>,
}

/// A document received whole, encrypted and in place, not yet recorded. Unless
/// [`Received::keep`] was called (when its record was written), dropping it removes the
/// file: a document of an order or lead that was not stored leaves nothing behind.
#[derive(Debug)]
pub struct Received {
    pub id: DocumentId,
    pub kind: FileKind,
    /// Plaintext bytes.
    pub size: u64,
    pub(crate) stored_name: String,
    pub(crate) path: PathBuf,
    // Atomic only to be `Sync` (a future holding a borrowed document must be `Send`).
    kept: AtomicBool,
}

impl Received {
    /// Keeps the file for good: its record is written in the transaction that stores what
    /// it belongs to.
    pub fn keep(&self) {
        self.kept.store(true, Ordering::Relaxed);
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        if !self.kept.load(Ordering::Relaxed)
            && let Err(e) = std::fs::remove_file(&self.path)
        {
            tracing::warn!(document_id = %self.id, error = %e, "a document not kept could not be removed");
        }
    }
}

impl Incoming {
    pub(crate) fn new(
        store: &DocumentStore,
        key: DataKey,
        org: OrgId,
        accept: &[FileKind],
    ) -> Result<Self, DocumentError> {
        let id = DocumentId::random();
        let stored_name = store.random_name()?;
        Ok(Self {
            id,
            temp: store.dir().join(format!("{stored_name}.partial")),
            target: store.dir().join(&stored_name),
            stored_name,
            accept: accept.to_vec(),
            limit: store.limit(),
            received: 0,
            head: Vec::new(),
            kind: None,
            writer: None,
            key: Some(key),
            org,
        })
    }

    /// Takes the next chunk of the file.
    pub async fn push(&mut self, chunk: &[u8]) -> Result<(), DocumentError> {
        self.received += chunk.len() as u64;
        if self.received > self.limit {
            return Err(DocumentError::TooLarge { limit: self.limit });
        }
        if self.kind.is_none() {
            self.head.extend_from_slice(chunk);
            match sniff(&self.head, false) {
                Sniffed::NeedMore if self.head.len() < SNIFF_WINDOW => return Ok(()),
                Sniffed::Is(kind) => self.accept_kind(kind)?,
                Sniffed::NeedMore | Sniffed::Unknown => return Err(self.wrong_type()),
            }
            let head = std::mem::take(&mut self.head);
            return self.forward(head).await;
        }
        self.forward(chunk.to_vec()).await
    }

    /// The file ended: checks what is still undecided, waits for the encryption to finish
    /// and moves the file into place (synced).
    pub async fn finish(mut self) -> Result<Received, DocumentError> {
        if self.received == 0 {
            return Err(DocumentError::Empty);
        }
        if self.kind.is_none() {
            match sniff(&self.head, true) {
                Sniffed::Is(kind) => self.accept_kind(kind)?,
                Sniffed::NeedMore | Sniffed::Unknown => return Err(self.wrong_type()),
            }
            let head = std::mem::take(&mut self.head);
            self.forward(head).await?;
        }
        let Writer { chunks, task } = self.writer.take().ok_or(DocumentError::Empty)?;
        drop(chunks); // end of input for the encrypting task
        let size = task
            .await
            .map_err(|_| DocumentError::Corrupt("the encrypting task stopped"))??;
        if size != self.received {
            return Err(DocumentError::Corrupt("the encrypted size differs"));
        }
        let (temp, target) = (self.temp.clone(), self.target.clone());
        tokio::task::spawn_blocking(move || place(&temp, &target))
            .await
            .map_err(|_| DocumentError::Corrupt("the placing task stopped"))??;
        let kind = self.kind.ok_or(DocumentError::Empty)?;
        Ok(Received {
            id: self.id,
            kind,
            size,
            stored_name: std::mem::take(&mut self.stored_name),
            path: std::mem::take(&mut self.target),
            kept: AtomicBool::new(false),
        })
    }

    fn accept_kind(&mut self, kind: FileKind) -> Result<(), DocumentError> {
        if !self.accept.contains(&kind) {
            return Err(self.wrong_type());
        }
        self.kind = Some(kind);
        Ok(())
    }

    fn wrong_type(&self) -> DocumentError {
        DocumentError::WrongType {
            accepted: self.accept.clone(),
        }
    }

    async fn forward(&mut self, chunk: Vec<u8>) -> Result<(), DocumentError> {
        if self.writer.is_none() {
            self.writer = Some(self.start()?);
        }
        let Some(writer) = &self.writer else {
            return Err(DocumentError::Corrupt("no encrypting task"));
        };
        if writer.chunks.send(chunk).await.is_err() {
            // The task stopped early: its own error says why.
            let Some(Writer { task, .. }) = self.writer.take() else {
                return Err(DocumentError::Corrupt("no encrypting task"));
            };
            return match task.await {
                Ok(Err(e)) => Err(e),
                _ => Err(DocumentError::Corrupt("the encrypting task stopped")),
            };
        }
        Ok(())
    }

    fn start(&mut self) -> Result<Writer, DocumentError> {
        let key = self
            .key
            .take()
            .ok_or(DocumentError::Corrupt("the file key was used twice"))?;
        // Created here, not in the task, so that a drop right after this finds the file
        // to remove.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&self.temp)?;
        let (chunks, receiver) = mpsc::channel(CHANNEL_DEPTH);
        let (org, id) = (self.org, self.id);
        let task = tokio::task::spawn_blocking(move || -> Result<u64, DocumentError> {
            let mut out = io::BufWriter::with_capacity(DEFAULT_CHUNK_SIZE as usize + 16, file);
            let mut input = ChannelReader {
                chunks: receiver,
                current: Vec::new(),
                at: 0,
            };
            let (org, id) = (org.to_string(), id.to_string());
            let size = encrypt_stream(
                &key.key,
                key.key_ref,
                &file_context(&org, &id),
                DEFAULT_CHUNK_SIZE,
                &mut input,
                &mut out,
            )?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            Ok(size)
        });
        Ok(Writer { chunks, task })
    }
}

impl std::fmt::Debug for Incoming {
    // Not derived: the key must not be printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming")
            .field("id", &self.id)
            .field("received", &self.received)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // Unfinished (refused, or the request broke off), the partial file goes; finished,
        // it was renamed and there is nothing here. Removing an open file is fine on Unix;
        // the encrypting task ends when the channel closes.
        drop(self.writer.take());
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Syncs the encrypted file, renames it to its final name and syncs the directory, so the
/// rename survives a crash.
fn place(temp: &std::path::Path, target: &std::path::Path) -> io::Result<()> {
    std::fs::rename(temp, target)?;
    let synced = match target.parent() {
        Some(dir) => std::fs::File::open(dir).and_then(|dir| dir.sync_all()),
        None => Ok(()),
    };
    if synced.is_err() {
        // Not known to be durable: not placed.
        let _ = std::fs::remove_file(target);
    }
    synced
}

/// The chunks sent by the request, read as one byte stream by the encrypting task.
struct ChannelReader {
    chunks: mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.chunks.blocking_recv() {
                Some(chunk) => {
                    self.current = chunk;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
