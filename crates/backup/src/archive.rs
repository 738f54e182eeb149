//! The archive: a tar stream of the snapshot's files and, last, the manifest, encrypted with
//! age as it is written. Both directions work a block at a time on a blocking thread, so a
//! 10 GB database passes through a few megabytes of memory.
//!
//! Reading checks everything before anything is used: every file's SHA-256 against the
//! manifest, no file missing or unlisted, the archive's own hash and length against its
//! index, and age's authentication of every 64 KiB chunk and of the end of the stream.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use ring::digest;

use crate::error::BackupError;
use crate::keys::{Identities, Recipients};
use crate::manifest::{FileEntry, MANIFEST_PATH, Manifest};
use crate::pipe::{Hashing, hex};
use crate::progress::Progress;

type Sealed<W> = age::stream::StreamWriter<Hashing<W>>;

/// Writes an archive into `W`, encrypting as it goes.
pub(crate) struct ArchiveWriter<'p, W: Write> {
    tar: tar::Builder<Sealed<W>>,
    files: Vec<FileEntry>,
    progress: &'p dyn Progress,
}

/// What was written: the manifest as sealed inside, and the archive's hash and length.
#[derive(Debug)]
pub(crate) struct Written {
    pub manifest: Manifest,
    pub archive_sha256: String,
    pub archive_size: u64,
}

impl<'p, W: Write> ArchiveWriter<'p, W> {
    pub(crate) fn new(
        out: W,
        recipients: &Recipients,
        progress: &'p dyn Progress,
    ) -> Result<Self, BackupError> {
        let sealed = recipients
            .encryptor()?
            .wrap_output(Hashing::new(out))
            .map_err(|source| BackupError::Io {
                doing: "starting the encrypted archive".into(),
                source,
            })?;
        let mut tar = tar::Builder::new(sealed);
        tar.mode(tar::HeaderMode::Deterministic);
        Ok(Self {
            tar,
            files: Vec::new(),
            progress,
        })
    }

    /// Adds the file at `local` as `path`, hashing it on the way.
    pub(crate) fn add_file(&mut self, path: &str, local: &Path) -> Result<(), BackupError> {
        let file =
            File::open(local).map_err(BackupError::io("reading a file to back up", local))?;
        let size = file
            .metadata()
            .map_err(BackupError::io("reading a file to back up", local))?
            .len();
        let mut reader = Progressing {
            inner: Hashing::new(file.take(size)),
            progress: self.progress,
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        self.tar
            .append_data(&mut header, path, &mut reader)
            .map_err(|e| write_error(e, local))?;
        let (sha256, read, _) = reader.inner.finish();
        if read != size {
            return Err(BackupError::Io {
                doing: format!("backing up {}", local.display()),
                source: io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file got shorter while it was read",
                ),
            });
        }
        self.files.push(FileEntry {
            path: path.to_owned(),
            size,
            sha256,
        });
        Ok(())
    }

    /// Writes the manifest (with the files added) and closes the encryption.
    pub(crate) fn finish(mut self, mut manifest: Manifest) -> Result<(Written, W), BackupError> {
        manifest.files = std::mem::take(&mut self.files);
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io {
            doing: "writing the manifest".into(),
            source: io::Error::other(e),
        })?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        let closing = |source| BackupError::Io {
            doing: "closing the archive".into(),
            source,
        };
        self.tar
            .append_data(&mut header, MANIFEST_PATH, json.as_slice())
            .map_err(closing)?;
        let sealed = self.tar.into_inner().map_err(closing)?;
        let hashing = sealed.finish().map_err(closing)?;
        let (archive_sha256, archive_size, mut out) = hashing.finish();
        out.flush().map_err(closing)?;
        Ok((
            Written {
                manifest,
                archive_sha256,
                archive_size,
            },
            out,
        ))
    }
}

fn write_error(e: io::Error, local: &Path) -> BackupError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        BackupError::Io {
            doing: "sending the archive".into(),
            source: e,
        }
    } else {
        BackupError::io("adding a file to the archive", local)(e)
    }
}

struct Progressing<'p, R> {
    inner: Hashing<R>,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for Progressing<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// What the reader expects of the archive, from its index.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub name: String,
    pub archive_sha256: String,
    pub archive_size: u64,
}

/// Decrypts and unpacks an archive into `into` (which must exist and be empty), checking
/// every hash; returns the manifest. On any error the caller discards `into`.
pub(crate) fn unpack(
    input: impl Read,
    identities: &Identities,
    expected: &Expected,
    into: &Path,
    progress: &dyn Progress,
) -> Result<Manifest, BackupError> {
    let name = expected.name.clone();
    let counted = Rc::new(RefCell::new(Counted {
        context: digest::Context::new(&digest::SHA256),
        bytes: 0,
        ended: false,
    }));
    let source = SharedHashing {
        inner: input,
        state: counted.clone(),
        progress,
    };
    let position = || counted.borrow().bytes;
    // Cut short: the source ended before the length the index gives.
    let cut = || {
        let counted = counted.borrow();
        counted.ended && counted.bytes < expected.archive_size
    };
    let decryptor =
        age::Decryptor::new(BufReader::with_capacity(1 << 16, source)).map_err(|e| match e {
            age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                BackupError::Truncated {
                    name: name.clone(),
                    at: position(),
                }
            }
            other => BackupError::NotABackup {
                name: name.clone(),
                reason: other.to_string(),
            },
        })?;
    let plain = decryptor.decrypt(identities.iter()).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => BackupError::WrongKey { name: name.clone() },
        other => BackupError::NotABackup {
            name: name.clone(),
            reason: other.to_string(),
        },
    })?;
    let stream_error = |e: io::Error| -> BackupError {
        let at = position();
        if cut()
            && matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
            )
        {
            BackupError::Truncated {
                name: name.clone(),
                at,
            }
        } else if e.kind() == io::ErrorKind::InvalidData || e.kind() == io::ErrorKind::UnexpectedEof
        {
            BackupError::Damaged {
                name: name.clone(),
                at,
            }
        } else if crate::error::is_disk_full(&e) {
            BackupError::DiskFull {
                doing: "unpacking the backup".into(),
                path: into.display().to_string(),
            }
        } else {
            BackupError::Io {
                doing: format!("reading backup {name}"),
                source: e,
            }
        }
    };
    let mut archive = tar::Archive::new(plain);
    let mut found: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    for entry in archive.entries().map_err(stream_error)? {
        let mut entry = entry.map_err(stream_error)?;
        let path = entry
            .path()
            .map_err(stream_error)?
            .to_string_lossy()
            .into_owned();
        if manifest.is_some() {
            return Err(BackupError::UnlistedFile { name, file: path });
        }
        if path == MANIFEST_PATH {
            let mut json = Vec::new();
            entry.read_to_end(&mut json).map_err(stream_error)?;
            manifest =
                Some(
                    serde_json::from_slice(&json).map_err(|e| BackupError::NotABackup {
                        name: name.clone(),
                        reason: format!("its manifest cannot be read: {e}"),
                    })?,
                );
            continue;
        }
        let relative = safe_relative(&path).ok_or_else(|| BackupError::NotABackup {
            name: name.clone(),
            reason: format!("it holds a file outside the archive's own folders: {path}"),
        })?;
        let target = into.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(BackupError::io("unpacking the backup", parent))?;
        }
        let out =
            File::create(&target).map_err(BackupError::io("unpacking the backup", &target))?;
        let mut hashing = Hashing::new(out);
        io::copy(&mut entry, &mut hashing).map_err(stream_error)?;
        let (sha256, size, out) = hashing.finish();
        out.sync_all()
            .map_err(BackupError::io("unpacking the backup", &target))?;
        found.insert(path, (size, sha256));
    }
    // The tar stream ends before age's last chunk is read: read to the end, so that a cut
    // or changed tail is caught too.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(stream_error)?;
    drop(rest);
    let Some(manifest) = manifest else {
        return Err(BackupError::NoManifest { name });
    };
    let Counted {
        context,
        bytes: size,
        ..
    } = Rc::try_unwrap(counted)
        .map(RefCell::into_inner)
        .map_err(|_| BackupError::NoManifest { name: name.clone() })?;
    let archive_sha256 = hex(context.finish().as_ref());
    if size != expected.archive_size || archive_sha256 != expected.archive_sha256 {
        return Err(BackupError::ArchiveHashMismatch {
            name,
            expected: expected.archive_sha256.clone(),
            found: archive_sha256,
        });
    }
    check_files(&name, &manifest, &found)?;
    Ok(manifest)
}

/// Every file of the manifest present with its hash and length, and nothing else.
fn check_files(
    name: &str,
    manifest: &Manifest,
    found: &BTreeMap<String, (u64, String)>,
) -> Result<(), BackupError> {
    for file in &manifest.files {
        match found.get(&file.path) {
            None => {
                return Err(BackupError::MissingFile {
                    name: name.to_owned(),
                    file: file.path.clone(),
                });
            }
            Some((size, sha256)) if *size != file.size || *sha256 != file.sha256 => {
                return Err(BackupError::HashMismatch {
                    name: name.to_owned(),
                    file: file.path.clone(),
                    expected: file.sha256.clone(),
                    found: sha256.clone(),
                });
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = found
        .keys()
        .find(|path| !manifest.files.iter().any(|f| &f.path == *path))
    {
        return Err(BackupError::UnlistedFile {
            name: name.to_owned(),
            file: extra.clone(),
        });
    }
    Ok(())
}

/// A path inside the archive as a relative path with no `..`, root or prefix.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// The archive's hash and length so far, shared between the reader age owns and the checks
/// made after it.
struct Counted {
    context: digest::Context,
    bytes: u64,
    ended: bool,
}

struct SharedHashing<'p, R> {
    inner: R,
    state: Rc<RefCell<Counted>>,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for SharedHashing<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        let mut state = self.state.borrow_mut();
        state.context.update(&out[..n]);
        state.bytes += n as u64;
        state.ended |= n == 0 && !out.is_empty();
        self.progress.advance(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_archive() {
        assert_eq!(
            safe_relative("documents/abc"),
            Some(PathBuf::from("documents/abc"))
        );
        assert_eq!(safe_relative("../etc/passwd"), None);
        assert_eq!(safe_relative("/etc/passwd"), None);
        assert_eq!(safe_relative("documents/../../x"), None);
    }
}
