//! Backups (issue 23): a populated installation backed up while submissions keep arriving,
//! restored elsewhere and compared (every decrypted lead, every document's bytes, the audit
//! chain, analytics); a damaged archive, a changed manifest hash and a wrong key each named
//! and nothing restored; retention keeping exactly the expected set.

use std::sync::Arc;

use leadvault_analytics::analytics_url;
use leadvault_backup::{BackupError, Destination, Quiet, Target, create, prune, restore, verify};
use leadvault_config::Keep;
use leadvault_store::Timestamp;
use leadvault_test_support::forms::NAME_AND_PHOTO;
use leadvault_test_support::{
    CHROME, Engine, TestApp, TestDb, age_keys, both_engines, event_body, known_schema,
    tamper_manifest, verify_server,
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A firm with leads carrying photos, analytics and an audit trail.
async fn populated(engine: Engine) -> (TestApp, leadvault_intake::Form) {
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1/32"])
        .build()
        .await;
    let ana = app.owner("ana@lima.law").await;
    let site = app.site(ana.org_id, "lima.law").await;
    let form = app.form(ana.org_id, NAME_AND_PHOTO).await;
    for n in 0..4 {
        let photo = [PNG, format!("photo of client {n}").as_bytes()].concat();
        app.lead_with_documents(
            &form,
            &[("name", &format!("Client Number {n}"))],
            &[("photo", "damage.png", &photo)],
        )
        .await;
    }
    for page in ["/", "/fees", "/contact"] {
        let body = event_body(&site, "pageview", &format!("https://lima.law{page}"));
        assert!(
            app.send_event(body, "8.8.8.8", CHROME)
                .await
                .status()
                .is_success()
        );
    }
    app.flush_analytics().await;
    (app, form)
}

/// An empty installation to restore into: a database and a documents directory.
struct Empty {
    db: TestDb,
    documents: tempfile::TempDir,
}

impl Empty {
    async fn new(engine: Engine) -> Self {
        Self {
            db: TestDb::new(engine).await,
            documents: tempfile::tempdir().unwrap(),
        }
    }

    fn target(&self) -> Target {
        Target {
            database: self.db.url().clone(),
            analytics: match self.db.url().engine() {
                Engine::Sqlite => analytics_url(self.db.url()),
                Engine::Postgres => self.db.url().clone(),
            },
            documents_dir: self.documents.path().join("documents"),
        }
    }

    /// Whether nothing was restored: no table, no document.
    async fn is_untouched(&self) -> bool {
        let documents = self.documents.path().join("documents");
        let no_files = std::fs::read_dir(&documents).map_or(true, |mut d| d.next().is_none());
        let db = self.db.connect().await;
        let tables: i64 = sqlx::query_scalar(match db.engine() {
            Engine::Sqlite => "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            Engine::Postgres => {
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            }
        })
        .fetch_one(db.pool())
        .await
        .unwrap();
        db.close().await;
        assert!(no_files, "documents were restored");
        assert_eq!(tables, 0, "tables were restored");
        no_files && tables == 0
    }
}

fn local_destination(dir: &tempfile::TempDir) -> Destination {
    Destination::open(
        &dir.path().join("backups").display().to_string(),
        &Default::default(),
    )
    .unwrap()
}

#[both_engines]
async fn a_backup_taken_while_leads_arrive_restores_every_lead_document_and_audit_record(
    engine: Engine,
) {
    let (app, form) = populated(engine).await;
    let keys = age_keys();
    let (recipients, identities) = (keys.recipients.clone(), keys.identities.clone());
    let (dir, scratch) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let destination = local_destination(&dir);
    let before = app.decrypted_leads().await;

    // Submissions keep arriving while the backup is taken.
    let source = app.backup_source();
    let backing_up = create(
        &source,
        &destination,
        &recipients,
        scratch.path(),
        Timestamp::now(),
        Arc::new(Quiet),
    );
    let arriving = async {
        for n in 0..20 {
            let photo = [PNG, format!("late photo {n}").as_bytes()].concat();
            app.lead_with_documents(
                &form,
                &[("name", &format!("Late Client {n}"))],
                &[("photo", "late.png", &photo)],
            )
            .await;
        }
    };
    let (created, ()) = tokio::join!(backing_up, arriving);
    let created = created.unwrap();
    assert_eq!(
        destination.list().await.unwrap(),
        vec![created.index.clone()]
    );
    let in_backup = created.manifest.counts["main"]["leads"];
    assert!((4..=24).contains(&in_backup), "{in_backup} leads");

    let verified = verify(
        &destination,
        &created.index.name,
        identities.clone(),
        &known_schema(),
        scratch.path(),
        verify_server(engine).await.as_ref(),
        Arc::new(Quiet),
    )
    .await
    .unwrap();
    assert_eq!(verified.checked.documents as u64, created.index.documents);

    let empty = Empty::new(engine).await;
    let restored = restore(
        &destination,
        &created.index.name,
        identities,
        &known_schema(),
        &empty.target(),
        scratch.path(),
        Arc::new(Quiet),
    )
    .await
    .unwrap();
    assert!(restored.checked.chains >= 1);
    let copy = TestApp::builder(engine)
        .root_key_of(&app)
        .documents_dir(&empty.target().documents_dir)
        .build_with(empty.db)
        .await;

    // (Reading leads below is itself audited: the chains are compared as restored.)
    let restored_chain = copy.audit_chain_rows().await;
    // Every lead acknowledged before the backup began is there, decrypted as it was; the
    // rest are as they were at the snapshot, none half there.
    let original = app.decrypted_leads().await;
    let leads = copy.decrypted_leads().await;
    assert_eq!(leads.len() as u64, in_backup);
    for (id, answers) in &before {
        assert_eq!(leads.get(id), Some(answers), "lead {id}");
    }
    for (id, answers) in &leads {
        assert_eq!(original.get(id), Some(answers), "lead {id}");
    }
    // Every document of the snapshot, byte for byte, and none more.
    let documents = copy.decrypted_documents().await;
    assert_eq!(documents.len() as u64, created.index.documents);
    let originals = app.decrypted_documents().await;
    for (id, bytes) in &documents {
        assert_eq!(originals.get(id), Some(bytes), "document {id}");
    }
    // The audit chain: what was restored is the original's, record for record.
    let chain = app.audit_chain_rows().await;
    assert!(!restored_chain.is_empty());
    for row in &restored_chain {
        assert!(
            chain.contains(row),
            "audit record {row:?} is not the original's"
        );
    }
    // Analytics came along.
    assert_eq!(copy.stored_events().await.len(), 3);
}

#[both_engines]
async fn a_damaged_or_changed_backup_or_a_wrong_key_is_named_and_nothing_is_restored(
    engine: Engine,
) {
    let (app, _) = populated(engine).await;
    let keys = age_keys();
    let identities = keys.identities.clone();
    let (dir, scratch) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let destination = local_destination(&dir);
    let created = app.back_up_to(&destination, &keys, Timestamp::now()).await;
    let name = created.index.name.clone();
    let archive = dir.path().join("backups").join(format!("{name}.tar.age"));
    let whole = std::fs::read(&archive).unwrap();
    let attempt = |identities| {
        let destination = destination.clone();
        let name = name.clone();
        let scratch = scratch.path().to_path_buf();
        async move {
            let empty = Empty::new(engine).await;
            let result = restore(
                &destination,
                &name,
                identities,
                &known_schema(),
                &empty.target(),
                &scratch,
                Arc::new(Quiet),
            )
            .await;
            assert!(
                result.is_ok() || empty.is_untouched().await,
                "something was restored: {:?}",
                result.as_ref().err().map(ToString::to_string)
            );
            result.map(|_| ())
        }
    };

    // Another key.
    let stranger = age_keys().identities;
    let error = attempt(stranger).await.unwrap_err();
    assert!(matches!(error, BackupError::WrongKey { .. }), "{error}");
    assert!(error.to_string().contains(&name), "{error}");

    // One byte changed in the middle.
    let mut damaged = whole.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x01;
    std::fs::write(&archive, &damaged).unwrap();
    let error = attempt(identities.clone()).await.unwrap_err();
    assert!(matches!(error, BackupError::Damaged { .. }), "{error}");
    assert!(error.to_string().contains(&name), "{error}");

    // Cut short.
    std::fs::write(&archive, &whole[..whole.len() * 2 / 3]).unwrap();
    let error = attempt(identities.clone()).await.unwrap_err();
    assert!(matches!(error, BackupError::Truncated { .. }), "{error}");

    // One hash of the manifest changed (re-encrypted by someone holding the key): the file
    // and both hashes are named.
    std::fs::write(&archive, &whole).unwrap();
    let changed = tamper_manifest(&dir.path().join("backups"), &name, &keys);
    let error = attempt(identities.clone()).await.unwrap_err();
    match &error {
        BackupError::HashMismatch {
            file,
            expected,
            found,
            ..
        } => {
            assert_eq!(file, &changed);
            assert_ne!(expected, found);
            assert!(error.to_string().contains(expected.as_str()), "{error}");
        }
        other => panic!("expected a hash mismatch, got {other}"),
    }

    // And the whole one, put back, restores.
    std::fs::write(&archive, &whole).unwrap();
    let index = dir.path().join("backups").join(format!("{name}.json"));
    std::fs::write(&index, serde_json::to_vec(&created.index).unwrap()).unwrap();
    attempt(identities).await.unwrap();
}

#[both_engines]
async fn retention_keeps_the_newest_of_each_day_week_and_month(engine: Engine) {
    let app = TestApp::start(engine).await;
    let keys = age_keys();
    let dir = tempfile::tempdir().unwrap();
    let destination = local_destination(&dir);
    const DAY: i64 = 86_400_000_000;
    // Monday 2026-12-07 02:30 UTC, and a backup each day of the 40 before it, two on the
    // last day.
    let monday = 1_796_610_600_000_000;
    let mut made = Vec::new();
    for days_ago in (0..40).rev() {
        let at = Timestamp::from_unix_micros(monday - days_ago * DAY);
        let created = app.back_up_to(&destination, &keys, at).await;
        made.push((days_ago, created.index.name));
    }
    let late = app
        .back_up_to(
            &destination,
            &keys,
            Timestamp::from_unix_micros(monday + 3_600_000_000),
        )
        .await;
    let pruned = prune(
        &destination,
        Keep {
            daily: 3,
            weekly: 2,
            monthly: 2,
        },
    )
    .await
    .unwrap();
    let name = |days_ago: i64| made.iter().find(|(d, _)| *d == days_ago).unwrap().1.clone();
    // Days: today (the later one), yesterday, the day before. Weeks: this one (today's
    // later), last week's newest (Sunday, 1 day ago). Months: December's newest (today's
    // later), November's newest (the 30th, 7 days ago).
    let mut expected = vec![late.index.name.clone(), name(1), name(2), name(7)];
    expected.sort();
    let listed: Vec<String> = destination
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|index| index.name)
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(pruned.removed.len(), 41 - 4);
    // Nothing of a removed backup is left behind.
    let files = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .count();
    assert_eq!(files, 2 * expected.len());
}

#[both_engines]
async fn a_backup_from_a_newer_schema_is_refused_by_name(engine: Engine) {
    let (app, _) = populated(engine).await;
    let keys = age_keys();
    let (dir, scratch) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let destination = local_destination(&dir);
    let created = app.back_up_to(&destination, &keys, Timestamp::now()).await;
    // As a newer version would have made it: one migration this binary does not know.
    let mut newer = created.index.clone();
    newer
        .schema
        .main
        .push("intake/9999_from_the_future".to_owned());
    newer.leadvault_version = "9.0.0".to_owned();
    let index = dir
        .path()
        .join("backups")
        .join(format!("{}.json", created.index.name));
    std::fs::write(&index, serde_json::to_vec(&newer).unwrap()).unwrap();
    let empty = Empty::new(engine).await;
    let error = restore(
        &destination,
        &created.index.name,
        keys.identities,
        &known_schema(),
        &empty.target(),
        scratch.path(),
        Arc::new(Quiet),
    )
    .await
    .unwrap_err();
    match &error {
        BackupError::NewerSchema {
            migration, version, ..
        } => {
            assert_eq!(migration, "intake/9999_from_the_future");
            assert_eq!(version, "9.0.0");
        }
        other => panic!("expected a newer schema, got {other}"),
    }
    assert!(empty.is_untouched().await);
}
