//! Backups to object storage (issue 23): Azure Blob Storage (Microsoft's Azurite emulator)
//! and S3 (moto in server mode), each started by the test. A backup goes up, is listed,
//! verified and restored; an upload cut midway fails by name and leaves nothing behind.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use leadvault_analytics::analytics_url;
use leadvault_backup::{
    BackupError, Destination, Progress, Quiet, Target, create, restore, verify,
};
use leadvault_store::Timestamp;
use leadvault_test_support::forms::NAME_AND_PHOTO;
use leadvault_test_support::{
    Azurite, Engine, Moto, TcpProxy, TestApp, TestDb, age_keys, both_engines, known_schema,
    verify_server,
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

fn azure(endpoint: &str) -> Destination {
    let options = BTreeMap::from([
        (
            "azure_storage_account_name".to_owned(),
            Azurite::ACCOUNT.to_owned(),
        ),
        (
            "azure_storage_account_key".to_owned(),
            Azurite::KEY.to_owned(),
        ),
        ("azure_storage_endpoint".to_owned(), endpoint.to_owned()),
        ("allow_http".to_owned(), "true".to_owned()),
    ]);
    Destination::open("az://backups/lima-law", &options).unwrap()
}

fn s3(endpoint: &str) -> Destination {
    let options = BTreeMap::from([
        ("aws_endpoint".to_owned(), endpoint.to_owned()),
        ("aws_region".to_owned(), Moto::REGION.to_owned()),
        (
            "aws_access_key_id".to_owned(),
            Moto::ACCESS_KEY_ID.to_owned(),
        ),
        (
            "aws_secret_access_key".to_owned(),
            Moto::SECRET_ACCESS_KEY.to_owned(),
        ),
        ("allow_http".to_owned(), "true".to_owned()),
    ]);
    Destination::open("s3://backups/lima-law", &options).unwrap()
}

/// Backs `app` up to `destination`, then lists, verifies and restores it elsewhere.
async fn round_trip(engine: Engine, destination: Destination) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, NAME_AND_PHOTO).await;
    app.lead_with_documents(
        &form,
        &[("name", "Marisol Quintana")],
        &[("photo", "damage.png", &[PNG, b"the damage"].concat())],
    )
    .await;
    let keys = age_keys();
    let scratch = tempfile::tempdir().unwrap();
    let created = create(
        &app.backup_source(),
        &destination,
        &keys.recipients,
        scratch.path(),
        Timestamp::now(),
        Arc::new(Quiet),
    )
    .await
    .unwrap();
    assert_eq!(
        destination.list().await.unwrap(),
        vec![created.index.clone()]
    );
    let server = verify_server(engine).await;
    verify(
        &destination,
        &created.index.name,
        keys.identities.clone(),
        &known_schema(),
        scratch.path(),
        server.as_ref(),
        Arc::new(Quiet),
    )
    .await
    .unwrap();
    let empty = TestDb::new(engine).await;
    let documents = tempfile::tempdir().unwrap();
    let target = Target {
        database: empty.url().clone(),
        analytics: match engine {
            Engine::Sqlite => analytics_url(empty.url()),
            Engine::Postgres => empty.url().clone(),
        },
        documents_dir: documents.path().join("documents"),
    };
    restore(
        &destination,
        &created.index.name,
        keys.identities,
        &known_schema(),
        &target,
        scratch.path(),
        Arc::new(Quiet),
    )
    .await
    .unwrap();
    let copy = TestApp::builder(engine)
        .root_key_of(&app)
        .documents_dir(&target.documents_dir)
        .build_with(empty)
        .await;
    assert_eq!(copy.decrypted_leads().await, app.decrypted_leads().await);
    assert_eq!(
        copy.decrypted_documents().await,
        app.decrypted_documents().await
    );
}

#[both_engines]
async fn backups_go_to_azure_blob_storage_and_come_back(engine: Engine) {
    let Some(azurite) = Azurite::start().await else {
        return;
    };
    azurite.create_container("backups").await;
    round_trip(engine, azure(&azurite.blob_endpoint())).await;
}

#[both_engines]
async fn backups_go_to_s3_and_come_back(engine: Engine) {
    let Some(moto) = Moto::start().await else {
        return;
    };
    moto.create_bucket("backups").await;
    round_trip(engine, s3(&moto.endpoint())).await;
}

/// Cuts the link to storage once this many bytes were archived.
struct CutAfter {
    proxy: Arc<TcpProxy>,
    bytes: AtomicU64,
    at: u64,
}

impl Progress for CutAfter {
    fn step(&self, _what: &str, _total: Option<u64>) {}

    fn advance(&self, bytes: u64) {
        if self.bytes.fetch_add(bytes, Ordering::SeqCst) < self.at
            && self.bytes.load(Ordering::SeqCst) >= self.at
        {
            self.proxy.cut();
        }
    }
}

#[both_engines]
async fn an_upload_cut_midway_fails_by_name_and_leaves_nothing(engine: Engine) {
    let Some(azurite) = Azurite::start().await else {
        return;
    };
    azurite.create_container("backups").await;
    let proxy =
        Arc::new(TcpProxy::start(format!("127.0.0.1:{}", azurite.port()).parse().unwrap()).await);
    let through_proxy = format!("http://{}/{}", proxy.addr, Azurite::ACCOUNT);
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, NAME_AND_PHOTO).await;
    // 24 MB of photo: several parts of upload.
    let big: Vec<u8> = PNG
        .iter()
        .copied()
        .chain((0..24_000_000u32).map(|i| (i % 251) as u8))
        .collect();
    app.lead_with_documents(&form, &[("name", "N")], &[("photo", "big.png", &big)])
        .await;
    let keys = age_keys();
    let scratch = tempfile::tempdir().unwrap();
    let destination = azure(&through_proxy);
    let cut = CutAfter {
        proxy: proxy.clone(),
        bytes: AtomicU64::new(0),
        at: 12_000_000,
    };
    let error = create(
        &app.backup_source(),
        &destination,
        &keys.recipients,
        scratch.path(),
        Timestamp::now(),
        Arc::new(cut),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, BackupError::Destination { .. }), "{error}");
    assert!(
        error.to_string().contains("az://backups/lima-law"),
        "{error}"
    );
    // Nothing is listed, nothing half-written: not even uncommitted blocks make a blob.
    proxy.restore();
    assert!(destination.list().await.unwrap().is_empty());
    assert!(
        azure(&azurite.blob_endpoint())
            .list()
            .await
            .unwrap()
            .is_empty()
    );
    // The scratch copy is gone too.
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}
