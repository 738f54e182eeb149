use std::sync::{Arc, Mutex};

use leadvault_audit::{Actor, Chain, Event, append, append_alone};
use leadvault_crypto::{KeyBytes, KeyProvider, KeyRef, unwrap_key, wrap_key};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, Timestamp};
use uuid::Uuid;

use crate::actions::KeyAction;
use crate::cache::{CacheSettings, KeyCache};
use crate::error::KeyError;

/// What a data key is for. Separate keys per purpose, so that a blind index key can never
/// decrypt, and a field key never indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPurpose {
    Field,
    BlindIndex,
    File,
}

impl KeyPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Field => "field",
            Self::BlindIndex => "blind_index",
            Self::File => "file",
        }
    }
}

/// A data key ready to use, and the reference to write beside what it encrypts.
#[derive(Debug)]
pub struct DataKey {
    pub key_ref: KeyRef,
    pub key: KeyBytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShredReport {
    pub tenant_keys: u64,
    pub data_keys: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootRotation {
    pub rewrapped: u64,
}

/// A data key's description, for `leadvault keys status`; no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataKeyInfo {
    pub id: Uuid,
    pub org: OrgId,
    pub purpose: String,
    pub key_ref: KeyRef,
    pub retired: bool,
}

/// Counts for `leadvault keys status`; never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    /// (root key id, tenant key versions it wraps)
    pub by_root: Vec<(String, i64)>,
    pub organizations: i64,
    pub data_keys: i64,
    pub retired_data_keys: i64,
}

/// How keys are wrapped and what data keys encrypt with; stored with every key, so that a
/// future algorithm can be told apart from this one row by row.
const ALGORITHM: &str = "AES-256-GCM";

type DataCacheKey = (OrgId, [u8; 16], u32);
type TenantCacheKey = (OrgId, i64);

/// How long this process keeps using the current data key it looked up before asking the
/// database again. A rotation or shredding here takes effect at once; one by another process
/// within this time: until then this process writes with the previous key (after a
/// rotation it stays readable; after a shredding, what is written is as unreadable as the
/// rest of the organization). Without it, every encryption would cost a query.
const CURRENT_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// Creates, finds, unwraps, rotates and shreds keys for every organization.
#[derive(Debug)]
pub struct Keyring {
    db: Db,
    provider: Arc<dyn KeyProvider>,
    data_cache: Mutex<KeyCache<DataCacheKey>>,
    tenant_cache: Mutex<KeyCache<TenantCacheKey>>,
    /// Which data key is current, per organization and purpose, and until when to believe it.
    current_refs: Mutex<std::collections::HashMap<(OrgId, KeyPurpose), (KeyRef, Timestamp)>>,
}

fn tenant_context(org: OrgId, version: i64) -> [Vec<u8>; 3] {
    [
        org.to_string().into_bytes(),
        b"tenant".to_vec(),
        version.to_string().into_bytes(),
    ]
}

fn data_context(
    org: OrgId,
    purpose: KeyPurpose,
    id: &Uuid,
    version: u32,
    tenant_version: i64,
) -> [Vec<u8>; 5] {
    [
        org.to_string().into_bytes(),
        purpose.as_str().as_bytes().to_vec(),
        id.as_bytes().to_vec(),
        version.to_string().into_bytes(),
        tenant_version.to_string().into_bytes(),
    ]
}

fn cached<K: std::hash::Hash + Eq + Clone>(
    cache: &Mutex<KeyCache<K>>,
    key: &K,
    now: Timestamp,
) -> Result<Option<KeyBytes>, KeyError> {
    Ok(cache
        .lock()
        .map_err(|_| KeyError::Interrupted)?
        .get(key, now))
}

/// A stored key that does not unwrap was altered, moved, or wrapped by another root: worth
/// an operator's attention. Names the key, never its bytes.
fn security_event(org: OrgId, kind: &str, version: i64) {
    tracing::warn!(target: "security", org_id = %org, kind, version, "a stored key failed to unwrap");
}

fn key_event(actor: Actor, action: KeyAction, kind: &'static str, id: String) -> Event {
    Event::new(actor, action).on(kind, id)
}

fn parts(context: &[Vec<u8>]) -> Vec<&[u8]> {
    context.iter().map(Vec::as_slice).collect()
}

impl Keyring {
    pub fn new(db: Db, provider: Arc<dyn KeyProvider>, cache: CacheSettings) -> Self {
        Self {
            db,
            provider,
            data_cache: Mutex::new(KeyCache::new(cache)),
            tenant_cache: Mutex::new(KeyCache::new(cache)),
            current_refs: Mutex::new(std::collections::HashMap::new()),
        }
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// The database the keys live in, for a caller that records a refused key operation.
    pub fn db_for_audit(&self) -> &Db {
        &self.db
    }

    pub fn root_key_id(&self) -> &str {
        self.provider.root_key_id()
    }

    /// The key to encrypt new data with, creating the organization's tenant key and this
    /// purpose's data key on first use. Safe when several processes race to create them.
    pub async fn current(
        &self,
        org: OrgId,
        purpose: KeyPurpose,
        now: Timestamp,
    ) -> Result<DataKey, KeyError> {
        let remembered = self
            .current_refs
            .lock()
            .map_err(|_| KeyError::Interrupted)?
            .get(&(org, purpose))
            .filter(|(_, until)| *until > now)
            .map(|(key_ref, _)| *key_ref);
        if let Some(key_ref) = remembered {
            // Shredded meanwhile by another process: look again below.
            if let Ok(key) = self.by_ref(org, key_ref, now).await {
                return Ok(DataKey { key_ref, key });
            }
        }
        for _ in 0..3 {
            if let Some((key_ref, tenant_version, wrapped)) = self.current_row(org, purpose).await?
            {
                let key = self
                    .unwrap_data(org, purpose, key_ref, tenant_version, &wrapped, now)
                    .await?;
                self.current_refs
                    .lock()
                    .map_err(|_| KeyError::Interrupted)?
                    .insert((org, purpose), (key_ref, now.saturating_add(CURRENT_TTL)));
                return Ok(DataKey { key_ref, key });
            }
            self.create_data_key(org, purpose, now).await?;
        }
        Err(KeyError::Interrupted)
    }

    /// Forgets which data keys of `org` are current (after a rotation or a shredding here).
    fn forget_current(&self, org: OrgId) -> Result<(), KeyError> {
        self.current_refs
            .lock()
            .map_err(|_| KeyError::Interrupted)?
            .retain(|(o, _), _| *o != org);
        Ok(())
    }

    /// The data key a ciphertext names, if, and only if, it belongs to `org`.
    pub async fn by_ref(
        &self,
        org: OrgId,
        key_ref: KeyRef,
        now: Timestamp,
    ) -> Result<KeyBytes, KeyError> {
        let cache_key = (org, key_ref.id, key_ref.version);
        if let Some(key) = cached(&self.data_cache, &cache_key, now)? {
            return Ok(key);
        }
        let id = Uuid::from_bytes(key_ref.id);
        let row = sqlx::query(
            "SELECT purpose, tenant_version, wrapped FROM data_keys WHERE id = $1 AND org_id = $2 AND version = $3",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(i64::from(key_ref.version))
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| KeyError::UnknownKey(format!("{id} v{}", key_ref.version)))?;
        let purpose = match row.try_get::<String, _>(0)?.as_str() {
            "field" => KeyPurpose::Field,
            "blind_index" => KeyPurpose::BlindIndex,
            "file" => KeyPurpose::File,
            other => return Err(KeyError::UnknownKey(format!("purpose {other}"))),
        };
        let wrapped: Vec<u8> = row.try_get(2)?;
        self.unwrap_data(org, purpose, key_ref, row.try_get(1)?, &wrapped, now)
            .await
    }

    async fn current_row(
        &self,
        org: OrgId,
        purpose: KeyPurpose,
    ) -> Result<Option<(KeyRef, i64, Vec<u8>)>, KeyError> {
        let row = sqlx::query(
            "SELECT id, version, tenant_version, wrapped FROM data_keys \
             WHERE org_id = $1 AND purpose = $2 AND retired_at IS NULL ORDER BY version DESC LIMIT 1",
        )
        .bind(org.to_string())
        .bind(purpose.as_str())
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id = Uuid::try_parse(&row.try_get::<String, _>(0)?)
            .map_err(|_| KeyError::UnknownKey("malformed id".into()))?;
        let version = u32::try_from(row.try_get::<i64, _>(1)?)
            .map_err(|_| KeyError::UnknownKey("version".into()))?;
        Ok(Some((
            KeyRef {
                id: *id.as_bytes(),
                version,
            },
            row.try_get(2)?,
            row.try_get(3)?,
        )))
    }

    async fn unwrap_data(
        &self,
        org: OrgId,
        purpose: KeyPurpose,
        key_ref: KeyRef,
        tenant_version: i64,
        wrapped: &[u8],
        now: Timestamp,
    ) -> Result<KeyBytes, KeyError> {
        let cache_key = (org, key_ref.id, key_ref.version);
        if let Some(key) = cached(&self.data_cache, &cache_key, now)? {
            return Ok(key);
        }
        let tenant = self.tenant_key(org, tenant_version, now).await?;
        let context = data_context(
            org,
            purpose,
            &Uuid::from_bytes(key_ref.id),
            key_ref.version,
            tenant_version,
        );
        let key = unwrap_key(&tenant, wrapped, &parts(&context)).inspect_err(|_| {
            security_event(org, "data key", i64::from(key_ref.version));
        })?;
        self.data_cache
            .lock()
            .map_err(|_| KeyError::Interrupted)?
            .insert(cache_key, key.clone(), now);
        Ok(key)
    }

    async fn tenant_key(
        &self,
        org: OrgId,
        version: i64,
        now: Timestamp,
    ) -> Result<KeyBytes, KeyError> {
        if let Some(key) = cached(&self.tenant_cache, &(org, version), now)? {
            return Ok(key);
        }
        let row = sqlx::query(
            "SELECT root_key_id, wrapped FROM tenant_keys WHERE org_id = $1 AND version = $2",
        )
        .bind(org.to_string())
        .bind(version)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| KeyError::UnknownKey(format!("tenant key v{version}")))?;
        let root_key_id: String = row.try_get(0)?;
        if root_key_id != self.provider.root_key_id() {
            return Err(KeyError::ForeignRoot {
                version,
                root_key_id,
            });
        }
        let wrapped: Vec<u8> = row.try_get(1)?;
        let key = self
            .unwrap_with_provider(wrapped, tenant_context(org, version))
            .await?;
        self.tenant_cache
            .lock()
            .map_err(|_| KeyError::Interrupted)?
            .insert((org, version), key.clone(), now);
        Ok(key)
    }

    /// Provider calls may block on an HSM, so they run off the async threads.
    async fn unwrap_with_provider(
        &self,
        wrapped: Vec<u8>,
        context: [Vec<u8>; 3],
    ) -> Result<KeyBytes, KeyError> {
        let provider = self.provider.clone();
        Ok(
            tokio::task::spawn_blocking(move || provider.unwrap(&wrapped, &parts(&context)))
                .await
                .map_err(|_| KeyError::Interrupted)??,
        )
    }

    async fn wrap_with_provider(
        &self,
        key: KeyBytes,
        context: [Vec<u8>; 3],
    ) -> Result<Vec<u8>, KeyError> {
        let provider = self.provider.clone();
        Ok(
            tokio::task::spawn_blocking(move || provider.wrap(&key, &parts(&context)))
                .await
                .map_err(|_| KeyError::Interrupted)??,
        )
    }

    /// The organization's active tenant key version, created (version 1) if it has none.
    async fn current_tenant_version(&self, org: OrgId, now: Timestamp) -> Result<i64, KeyError> {
        let existing = sqlx::query(
            "SELECT version FROM tenant_keys WHERE org_id = $1 AND retired_at IS NULL ORDER BY version DESC LIMIT 1",
        )
        .bind(org.to_string())
        .fetch_optional(self.db.pool())
        .await?;
        if let Some(row) = existing {
            return Ok(row.try_get(0)?);
        }
        self.insert_tenant_key(org, 1, now).await?;
        Ok(1)
    }

    /// Inserts a tenant key version unless another process already did.
    async fn insert_tenant_key(
        &self,
        org: OrgId,
        version: i64,
        now: Timestamp,
    ) -> Result<(), KeyError> {
        let key = KeyBytes::generate().map_err(|_| KeyError::Random)?;
        let wrapped = self
            .wrap_with_provider(key, tenant_context(org, version))
            .await?;
        sqlx::query(
            "INSERT INTO tenant_keys (org_id, version, root_key_id, algorithm, wrapped, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, version) DO NOTHING",
        )
        .bind(org.to_string())
        .bind(version)
        .bind(self.provider.root_key_id())
        .bind(ALGORITHM)
        .bind(wrapped)
        .bind(now.as_unix_micros())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    async fn create_data_key(
        &self,
        org: OrgId,
        purpose: KeyPurpose,
        now: Timestamp,
    ) -> Result<(), KeyError> {
        let tenant_version = self.current_tenant_version(org, now).await?;
        let tenant = self.tenant_key(org, tenant_version, now).await?;
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 FROM data_keys WHERE org_id = $1 AND purpose = $2")
            .bind(org.to_string())
            .bind(purpose.as_str())
            .fetch_one(self.db.pool())
            .await?
            .try_get(0)?;
        let version =
            u32::try_from(next).map_err(|_| KeyError::UnknownKey("version overflow".into()))?;
        let id = Uuid::new_v4();
        let key = KeyBytes::generate().map_err(|_| KeyError::Random)?;
        let wrapped = wrap_key(
            &tenant,
            &key,
            &parts(&data_context(org, purpose, &id, version, tenant_version)),
        )?;
        // A racing process may have made an active key first: then nothing is inserted and
        // its key is the one everybody uses. Reading MAX before it committed gives the same
        // version (the conflict clause); reading after gives an active row (NOT EXISTS).
        sqlx::query(
            "INSERT INTO data_keys (id, org_id, purpose, version, tenant_version, wrapped, created_at, algorithm) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE NOT EXISTS \
               (SELECT 1 FROM data_keys WHERE org_id = $2 AND purpose = $3 AND retired_at IS NULL) \
             ON CONFLICT (org_id, purpose, version) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(purpose.as_str())
        .bind(next)
        .bind(tenant_version)
        .bind(wrapped)
        .bind(now.as_unix_micros())
        .bind(ALGORITHM)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Starts a new tenant key version: new data keys are made under it from now on, and
    /// every earlier key stays available to read what it encrypted. Returns the new version.
    /// The rotation is recorded in the organization's audit chain, in the same transaction.
    pub async fn rotate_tenant(
        &self,
        org: OrgId,
        actor: Actor,
        now: Timestamp,
    ) -> Result<i64, KeyError> {
        let current = self.current_tenant_version(org, now).await?;
        let next = current + 1;
        self.insert_tenant_key(org, next, now).await?;
        let mut tx = self.db.begin().await?;
        sqlx::query("UPDATE tenant_keys SET retired_at = $1 WHERE org_id = $2 AND version < $3 AND retired_at IS NULL")
            .bind(now.as_unix_micros())
            .bind(org.to_string())
            .bind(next)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE data_keys SET retired_at = $1 WHERE org_id = $2 AND retired_at IS NULL",
        )
        .bind(now.as_unix_micros())
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
        let event = key_event(
            actor,
            KeyAction::KeyTenantRotated,
            "tenant_key",
            next.to_string(),
        );
        append(&mut tx, Chain::of(org), &event, now).await?;
        tx.commit().await?;
        self.forget_current(org)?;
        Ok(next)
    }

    /// Re-wraps every tenant key wrapped by this keyring's root key under `to`'s root key.
    /// Data is untouched. Each key is re-wrapped in its own statement, so an interrupted run
    /// leaves every key readable by the root it names, and running again finishes the job.
    /// A completed rotation is recorded in the installation's audit chain.
    pub async fn rotate_root(
        &self,
        to: Arc<dyn KeyProvider>,
        actor: Actor,
        now: Timestamp,
    ) -> Result<RootRotation, KeyError> {
        let rows =
            sqlx::query("SELECT org_id, version, wrapped FROM tenant_keys WHERE root_key_id = $1")
                .bind(self.provider.root_key_id())
                .fetch_all(self.db.pool())
                .await?;
        let mut rewrapped = 0;
        for row in rows {
            let org_text: String = row.try_get(0)?;
            let org = OrgId::parse(&org_text)
                .ok_or_else(|| KeyError::UnknownKey("malformed organization id".into()))?;
            let version: i64 = row.try_get(1)?;
            let wrapped: Vec<u8> = row.try_get(2)?;
            let key = self
                .unwrap_with_provider(wrapped, tenant_context(org, version))
                .await?;
            let target = to.clone();
            let context = tenant_context(org, version);
            let new_wrapped =
                tokio::task::spawn_blocking(move || target.wrap(&key, &parts(&context)))
                    .await
                    .map_err(|_| KeyError::Interrupted)??;
            sqlx::query("UPDATE tenant_keys SET wrapped = $1, root_key_id = $2 WHERE org_id = $3 AND version = $4 AND root_key_id = $5")
                .bind(new_wrapped)
                .bind(to.root_key_id())
                .bind(org_text)
                .bind(version)
                .bind(self.provider.root_key_id())
                .execute(self.db.pool())
                .await?;
            rewrapped += 1;
        }
        self.tenant_cache
            .lock()
            .map_err(|_| KeyError::Interrupted)?
            .retain(|_| false);
        let event = key_event(
            actor,
            KeyAction::KeyRootRotated,
            "root_key",
            to.root_key_id().to_owned(),
        );
        append_alone(&self.db, Chain::Instance, &event, now).await?;
        Ok(RootRotation { rewrapped })
    }

    /// Destroys every key of the organization. Its encrypted data can never be read again.
    /// The shredding is recorded in the organization's audit chain, which outlives it (audit
    /// records hold no values).
    pub async fn shred_tenant(
        &self,
        org: OrgId,
        actor: Actor,
        now: Timestamp,
    ) -> Result<ShredReport, KeyError> {
        let mut tx = self.db.begin().await?;
        let data_keys = sqlx::query("DELETE FROM data_keys WHERE org_id = $1")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let tenant_keys = sqlx::query("DELETE FROM tenant_keys WHERE org_id = $1")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let event = key_event(
            actor,
            KeyAction::KeyShredded,
            "organization",
            org.to_string(),
        );
        append(&mut tx, Chain::of(org), &event, now).await?;
        tx.commit().await?;
        self.forget_current(org)?;
        self.data_cache
            .lock()
            .map_err(|_| KeyError::Interrupted)?
            .retain(|(o, _, _)| *o != org);
        self.tenant_cache
            .lock()
            .map_err(|_| KeyError::Interrupted)?
            .retain(|(o, _)| *o != org);
        Ok(ShredReport {
            tenant_keys,
            data_keys,
        })
    }

    /// Every data key, oldest first within each organization and purpose.
    pub async fn data_keys(&self) -> Result<Vec<DataKeyInfo>, KeyError> {
        let rows = sqlx::query(
            // An integer, not a boolean: SQLite has no boolean type to decode.
            "SELECT id, org_id, purpose, version, CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END \
             FROM data_keys ORDER BY org_id, purpose, version",
        )
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let malformed = || KeyError::UnknownKey("malformed data key row".into());
                let id = Uuid::try_parse(&row.try_get::<String, _>(0)?).map_err(|_| malformed())?;
                let org = OrgId::parse(&row.try_get::<String, _>(1)?).ok_or_else(malformed)?;
                let version = u32::try_from(row.try_get::<i64, _>(3)?).map_err(|_| malformed())?;
                Ok(DataKeyInfo {
                    id,
                    org,
                    purpose: row.try_get(2)?,
                    key_ref: KeyRef {
                        id: *id.as_bytes(),
                        version,
                    },
                    retired: row.try_get::<i64, _>(4)? != 0,
                })
            })
            .collect()
    }

    pub async fn status(&self) -> Result<KeyStatus, KeyError> {
        let by_root = sqlx::query("SELECT root_key_id, count(*) FROM tenant_keys GROUP BY root_key_id ORDER BY root_key_id")
            .fetch_all(self.db.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let counts = sqlx::query(
            "SELECT (SELECT count(DISTINCT org_id) FROM tenant_keys), (SELECT count(*) FROM data_keys), \
             (SELECT count(*) FROM data_keys WHERE retired_at IS NOT NULL)",
        )
        .fetch_one(self.db.pool())
        .await?;
        Ok(KeyStatus {
            by_root,
            organizations: counts.try_get(0)?,
            data_keys: counts.try_get(1)?,
            retired_data_keys: counts.try_get(2)?,
        })
    }
}
