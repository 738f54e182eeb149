//! What backup tests start from and compare with: an installation's parts as a backup
//! source, its decrypted leads and documents and its audit chains (to compare a restore
//! with the original), a fresh age key pair, and the migrations this binary knows.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use leadvault_audit::{Acting, Actor, By};
use leadvault_backup::{Identities, KnownSchema, Recipients, Source};
use leadvault_documents::DocumentId;
use leadvault_intake::{LeadAccess, LeadId, read_lead};
use leadvault_store::{OrgId, Timestamp};
use sqlx::Row;

use crate::app::TestApp;

/// A fresh age key pair, in every form a test needs.
#[derive(Debug, Clone)]
pub struct AgeKeys {
    pub recipients: Recipients,
    pub identities: Arc<Identities>,
    /// The private key as an identity file holds it.
    pub secret: String,
    /// The public key as the configuration lists it.
    pub public: String,
}

pub fn age_keys() -> AgeKeys {
    let (secret, public) = leadvault_backup::generate_identity();
    AgeKeys {
        recipients: Recipients::parse(std::slice::from_ref(&public)).unwrap(),
        identities: Arc::new(Identities::parse(&secret).unwrap()),
        secret: secret.to_string(),
        public,
    }
}

/// Changes one file's hash in the manifest of backup `name` in the local destination `dir`,
/// as someone holding the key could: decrypted, the manifest edited, encrypted again, and the
/// index made to match the new archive. Returns the file whose hash was changed.
pub fn tamper_manifest(dir: &Path, name: &str, keys: &AgeKeys) -> String {
    let archive = dir.join(format!("{name}.tar.age"));
    let identity: age::x25519::Identity = keys.secret.trim().parse().unwrap();
    let sealed = std::fs::read(&archive).unwrap();
    let decryptor = age::Decryptor::new(sealed.as_slice()).unwrap();
    let mut plain = Vec::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    let mut entries = Vec::new();
    let mut tar = tar::Archive::new(plain.as_slice());
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        entries.push((path, bytes));
    }
    let (_, manifest) = entries.last_mut().unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    let file = json["files"][0]["path"].as_str().unwrap().to_owned();
    json["files"][0]["sha256"] = serde_json::Value::String("0".repeat(64));
    *manifest = serde_json::to_vec(&json).unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        builder
            .append_data(&mut header, path, bytes.as_slice())
            .unwrap();
    }
    let plain = builder.into_inner().unwrap();
    let recipient: age::x25519::Recipient = keys.public.parse().unwrap();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
    let mut resealed = Vec::new();
    let mut writer = encryptor.wrap_output(&mut resealed).unwrap();
    writer.write_all(&plain).unwrap();
    writer.finish().unwrap();
    std::fs::write(&archive, &resealed).unwrap();
    let index_path = dir.join(format!("{name}.json"));
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    index["archive_size"] = serde_json::json!(resealed.len());
    index["archive_sha256"] = serde_json::Value::String(
        ring::digest::digest(&ring::digest::SHA256, &resealed)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    );
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    file
}

/// The migrations this binary knows.
pub fn known_schema() -> KnownSchema {
    leadvault_server::backup_schema()
}

impl TestApp {
    /// This installation as a backup is taken from it.
    pub fn backup_source(&self) -> Source {
        Source {
            db: self.db.clone(),
            analytics: self.analytics.db().clone(),
            documents_dir: self.documents.dir().to_path_buf(),
        }
    }

    /// Every lead, decrypted (every class of answer), by id.
    pub async fn decrypted_leads(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let rows = sqlx::query("SELECT id, org_id FROM leads ORDER BY id")
            .fetch_all(self.db.pool())
            .await
            .unwrap();
        let mut leads = BTreeMap::new();
        for row in rows {
            let (id, org): (String, String) = (row.get(0), row.get(1));
            let org = OrgId::parse(&org).unwrap();
            let by = By::new(Actor::System("test"), None);
            let view = read_lead(
                self.vault(),
                &Acting::new(org, by, Timestamp::now()),
                LeadId::parse(&id).unwrap(),
                &LeadAccess::all(),
            )
            .await
            .unwrap();
            leads.insert(id, view.answers);
        }
        leads
    }

    /// Every document's plaintext, by id.
    pub async fn decrypted_documents(&self) -> BTreeMap<String, Vec<u8>> {
        let rows = sqlx::query("SELECT id, org_id FROM documents ORDER BY id")
            .fetch_all(self.db.pool())
            .await
            .unwrap();
        let mut documents = BTreeMap::new();
        for row in rows {
            let (id, org): (String, String) = (row.get(0), row.get(1));
            let org = OrgId::parse(&org).unwrap();
            let mut tx = self
                .db
                .begin_in(leadvault_store::TenantScope::Org(org))
                .await
                .unwrap();
            let document = self
                .documents
                .find(
                    &mut tx,
                    &self.keyring,
                    org,
                    DocumentId::parse(&id).unwrap(),
                    Timestamp::now(),
                )
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut chunks = self
                .documents
                .read(&self.keyring, org, &document, Timestamp::now())
                .await
                .unwrap();
            let mut bytes = Vec::new();
            while let Some(chunk) = chunks.recv().await {
                bytes.extend(chunk.unwrap());
            }
            documents.insert(id, bytes);
        }
        documents
    }

    /// Every audit record as (chain, sequence number, hash), in order.
    pub async fn audit_chain_rows(&self) -> Vec<(String, i64, Vec<u8>)> {
        sqlx::query("SELECT chain, seq, hash FROM audit_records ORDER BY chain, seq")
            .fetch_all(self.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect()
    }
}

/// Where a PostgreSQL backup is restored to be verified: the test server, as its
/// administrator (who may create the scratch database). None on SQLite.
pub async fn verify_server(
    engine: leadvault_store::Engine,
) -> Option<leadvault_backup::ScratchServer> {
    match engine {
        leadvault_store::Engine::Sqlite => None,
        leadvault_store::Engine::Postgres => Some(leadvault_backup::ScratchServer(
            leadvault_store::DatabaseUrl::parse(&crate::postgres::admin_url().await.unwrap())
                .unwrap(),
        )),
    }
}

impl TestApp {
    /// A backup of this installation at `destination`, encrypted to `keys`, named for `at`.
    pub async fn back_up_to(
        &self,
        destination: &leadvault_backup::Destination,
        keys: &AgeKeys,
        at: Timestamp,
    ) -> leadvault_backup::Created {
        let scratch = tempfile::tempdir().unwrap();
        leadvault_backup::create(
            &self.backup_source(),
            destination,
            &keys.recipients,
            scratch.path(),
            at,
            Arc::new(leadvault_backup::Quiet),
        )
        .await
        .unwrap()
    }
}
