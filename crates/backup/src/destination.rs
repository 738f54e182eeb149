//! Where backups go: a local directory, Azure Blob Storage, or S3 and S3-compatible storage,
//! all through `object_store`. A backup is two objects: `<name>.tar.age` (the encrypted
//! archive, uploaded in parts as it is made) and `<name>.json` (its index, written only once
//! the archive is complete, so a listed backup is always whole). An upload that fails is
//! aborted: no part of it stays behind.

use std::collections::BTreeMap;
use std::io;
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::sync::mpsc;

use crate::error::BackupError;
use crate::manifest::{Index, archive_key, index_key, is_backup_name};

/// Parts of this size are uploaded (S3 wants at least 5 MiB but the last).
const PART: usize = 8 << 20;
/// Parts uploaded at once.
const PARTS_IN_FLIGHT: usize = 2;

/// An opened destination.
#[derive(Clone)]
pub struct Destination {
    store: Arc<dyn ObjectStore>,
    label: String,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Destination({})", self.label)
    }
}

impl Destination {
    /// Opens `spec`: `az://container/prefix`, `s3://bucket/prefix`, `file:///dir` or a path.
    /// `options` are `object_store`'s settings of that kind; credentials come from the
    /// environment (`AZURE_STORAGE_ACCOUNT_KEY`, `AWS_SECRET_ACCESS_KEY`, …).
    pub fn open(spec: &str, options: &BTreeMap<String, String>) -> Result<Self, BackupError> {
        // reqwest's rustls on ring, the provider the rest of Leadvault uses; already set if
        // another part of the process got there first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let settings =
            |reason: String| BackupError::Settings(format!("backup.destination: {reason}"));
        let (scheme, rest) = spec.split_once("://").unwrap_or(("file", spec));
        let store: Arc<dyn ObjectStore> = match scheme {
            "az" | "azure" | "abfs" | "abfss" => {
                let (container, prefix) = split_bucket(rest);
                let mut builder = MicrosoftAzureBuilder::from_env()
                    .with_container_name(container)
                    .with_retry(retry());
                for (key, value) in options {
                    let key = AzureConfigKey::from_str(key)
                        .map_err(|_| settings(format!("`{key}` is not an Azure storage option")))?;
                    builder = builder.with_config(key, value);
                }
                let store = builder.build().map_err(|e| settings(e.to_string()))?;
                prefixed(store, prefix)
            }
            "s3" | "s3a" => {
                let (bucket, prefix) = split_bucket(rest);
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_retry(retry());
                for (key, value) in options {
                    let key = AmazonS3ConfigKey::from_str(key)
                        .map_err(|_| settings(format!("`{key}` is not an S3 option")))?;
                    builder = builder.with_config(key, value);
                }
                let store = builder.build().map_err(|e| settings(e.to_string()))?;
                prefixed(store, prefix)
            }
            "file" => {
                if !options.is_empty() {
                    return Err(settings("a directory takes no options".into()));
                }
                let dir = std::path::Path::new(rest);
                if !dir.is_absolute() {
                    return Err(settings(format!("`{rest}` is not an absolute path")));
                }
                std::fs::create_dir_all(dir)
                    .map_err(BackupError::io("making the backup directory", dir))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                        .map_err(BackupError::io("securing the backup directory", dir))?;
                }
                Arc::new(
                    LocalFileSystem::new_with_prefix(dir)
                        .map_err(|e| settings(e.to_string()))?
                        .with_automatic_cleanup(true),
                )
            }
            other => {
                return Err(settings(format!(
                    "`{other}://` is not a kind of destination Leadvault knows (az://, s3://, file://)"
                )));
            }
        };
        Ok(Self {
            store,
            label: spec.to_owned(),
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    fn failed(&self) -> impl Fn(object_store::Error) -> BackupError + '_ {
        move |e| BackupError::Destination {
            destination: self.label.clone(),
            reason: e.to_string(),
        }
    }

    /// Uploads the chunks `chunks` yields as `key`, once `made` says the archive is whole;
    /// if it is not, or the upload fails, the upload is aborted and nothing is left.
    pub(crate) async fn upload<T>(
        &self,
        key: &str,
        mut chunks: mpsc::Receiver<Bytes>,
        made: impl Future<Output = Result<T, BackupError>>,
    ) -> Result<T, BackupError> {
        let path = ObjectPath::from(key);
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(self.failed())?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let sent = async {
            while let Some(chunk) = chunks.recv().await {
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                writer.put(chunk);
            }
            Ok::<_, object_store::Error>(())
        }
        .await;
        // A failed upload stops the maker: it finds the channel closed.
        drop(chunks);
        let made = made.await;
        match (sent, made) {
            (Ok(()), Ok(value)) => {
                writer.finish().await.map_err(self.failed())?;
                Ok(value)
            }
            (Err(e), _) => {
                let _ = writer.abort().await;
                Err(self.failed()(e))
            }
            (Ok(()), Err(e)) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    pub(crate) async fn put_index(&self, index: &Index) -> Result<(), BackupError> {
        let json = serde_json::to_vec_pretty(index).map_err(|e| BackupError::Io {
            doing: "writing the index".into(),
            source: io::Error::other(e),
        })?;
        self.store
            .put(
                &ObjectPath::from(index_key(&index.name)),
                PutPayload::from(json),
            )
            .await
            .map_err(self.failed())?;
        Ok(())
    }

    pub async fn index(&self, name: &str) -> Result<Index, BackupError> {
        if !is_backup_name(name) {
            return Err(BackupError::NotFound(name.to_owned()));
        }
        let got = self
            .store
            .get(&ObjectPath::from(index_key(name)))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => BackupError::NotFound(name.to_owned()),
                other => self.failed()(other),
            })?;
        let bytes = got.bytes().await.map_err(self.failed())?;
        serde_json::from_slice(&bytes).map_err(|e| BackupError::NotABackup {
            name: name.to_owned(),
            reason: format!("its index cannot be read: {e}"),
        })
    }

    /// Streams the archive of `name` into a channel the blocking reader drains; a failure
    /// midway reaches the reader as an error.
    pub(crate) async fn download(
        &self,
        name: &str,
    ) -> Result<mpsc::Receiver<io::Result<Bytes>>, BackupError> {
        let got = self
            .store
            .get(&ObjectPath::from(archive_key(name)))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => BackupError::NotFound(name.to_owned()),
                other => self.failed()(other),
            })?;
        let (sender, receiver) = mpsc::channel(crate::pipe::IN_FLIGHT);
        let mut stream = got.into_stream();
        tokio::spawn(async move {
            while let Some(chunk) = stream.next().await {
                let failed = chunk.is_err();
                let chunk = chunk.map_err(io::Error::other);
                if sender.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(receiver)
    }

    /// Every complete backup (those with an index), oldest first.
    pub async fn list(&self) -> Result<Vec<Index>, BackupError> {
        let mut names: Vec<String> = self
            .store
            .list(None)
            .map_err(self.failed())
            .try_filter_map(|meta| async move {
                Ok(meta
                    .location
                    .filename()
                    .and_then(|f| f.strip_suffix(".json"))
                    .filter(|n| is_backup_name(n))
                    .map(str::to_owned))
            })
            .try_collect()
            .await?;
        names.sort();
        let mut indexes = Vec::with_capacity(names.len());
        for name in names {
            indexes.push(self.index(&name).await?);
        }
        Ok(indexes)
    }

    /// Removes a backup: its index first, so that it is never listed without its archive.
    pub(crate) async fn delete(&self, name: &str) -> Result<(), BackupError> {
        for key in [index_key(name), archive_key(name)] {
            match self.store.delete(&ObjectPath::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.failed()(e)),
            }
        }
        Ok(())
    }
}

/// A few retries with back-off for a passing failure, but an unreachable destination is an
/// error within half a minute, not object_store's default of three.
fn retry() -> object_store::RetryConfig {
    object_store::RetryConfig {
        max_retries: 4,
        retry_timeout: std::time::Duration::from_secs(30),
        ..object_store::RetryConfig::default()
    }
}

fn split_bucket(rest: &str) -> (&str, &str) {
    rest.split_once('/').unwrap_or((rest, ""))
}

fn prefixed<T: ObjectStore>(store: T, prefix: &str) -> Arc<dyn ObjectStore> {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, prefix))
    }
}
