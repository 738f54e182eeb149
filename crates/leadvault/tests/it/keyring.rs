//! The key hierarchy in the database, on both engines, with the local key provider.

use std::sync::Arc;

use leadvault_crypto::{
    FieldContext, KeyProvider, LocalKeyFile, LocalProvider, decrypt_field, encrypt_field,
    field_key_ref,
};
use leadvault_keys::{CacheSettings, KeyError, KeyPurpose, Keyring};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, Timestamp, migrate};
use leadvault_test_support::{Engine, TestDb, both_engines};

/// Who the audit log names for the key operations of these tests.
const TEST: leadvault_audit::Actor = leadvault_audit::Actor::System("test");

struct Fixture {
    _test_db: TestDb,
    _dir: tempfile::TempDir,
    db: Db,
    root: Arc<dyn KeyProvider>,
    keyring: Keyring,
}

async fn fixture(engine: leadvault_store::Engine) -> Fixture {
    let test_db = TestDb::new(engine).await;
    let db = test_db.connect().await;
    migrate(&db, &leadvault_server::migrations(), Timestamp::now())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = local_root(&dir, "root.key");
    let keyring = Keyring::new(db.clone(), root.clone(), CacheSettings::default());
    Fixture {
        _test_db: test_db,
        _dir: dir,
        db,
        root,
        keyring,
    }
}

fn local_root(dir: &tempfile::TempDir, name: &str) -> Arc<dyn KeyProvider> {
    let file = LocalKeyFile::new(dir.path().join(name));
    file.load_or_create().unwrap();
    Arc::new(LocalProvider::open(&file).unwrap())
}

const CTX: FieldContext<'static> = FieldContext {
    org_id: "o",
    table: "leads",
    record_id: "r1",
    field: "case_history",
};

#[both_engines]
async fn the_first_use_creates_keys_and_later_uses_find_the_same_ones(engine: Engine) {
    let f = fixture(engine).await;
    let org = OrgId::random();
    let now = Timestamp::now();
    let first = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap();
    let again = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap();
    assert_eq!(first.key_ref, again.key_ref);
    let sealed =
        encrypt_field(&first.key, first.key_ref, CTX, b"urgent: hearing on Monday").unwrap();

    // A fresh keyring (another process, an empty cache) reads it through the hierarchy.
    let other_process = Keyring::new(
        f.db.clone(),
        f.root.clone(),
        CacheSettings {
            capacity: 0,
            ..CacheSettings::default()
        },
    );
    let key = other_process
        .by_ref(org, field_key_ref(&sealed).unwrap(), now)
        .await
        .unwrap();
    assert_eq!(
        decrypt_field(&key, CTX, &sealed).unwrap().as_slice(),
        b"urgent: hearing on Monday"
    );

    // Purposes get separate keys.
    let index = f
        .keyring
        .current(org, KeyPurpose::BlindIndex, now)
        .await
        .unwrap();
    assert_ne!(index.key_ref.id, first.key_ref.id);
    assert!(decrypt_field(&index.key, CTX, &sealed).is_err());

    // What the database holds is wrapped, never the key itself.
    let rows = sqlx::query("SELECT wrapped FROM data_keys")
        .fetch_all(f.db.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let wrapped: Vec<u8> = row.get(0);
        assert_eq!(wrapped.len(), 61);
    }
}

#[both_engines]
async fn another_organization_cannot_reach_a_key(engine: Engine) {
    let f = fixture(engine).await;
    let (a, b) = (OrgId::random(), OrgId::random());
    let now = Timestamp::now();
    let key_a = f.keyring.current(a, KeyPurpose::Field, now).await.unwrap();
    let err = f.keyring.by_ref(b, key_a.key_ref, now).await.unwrap_err();
    assert!(matches!(err, KeyError::UnknownKey(_)), "{err}");
    let key_b = f.keyring.current(b, KeyPurpose::Field, now).await.unwrap();
    assert_ne!(key_a.key_ref.id, key_b.key_ref.id);
}

#[both_engines]
async fn rotating_a_tenant_key_keeps_old_data_readable_and_new_data_on_new_keys(engine: Engine) {
    let f = fixture(engine).await;
    let org = OrgId::random();
    let now = Timestamp::now();
    let old = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap();
    let sealed = encrypt_field(&old.key, old.key_ref, CTX, b"before rotation").unwrap();

    assert_eq!(f.keyring.rotate_tenant(org, TEST, now).await.unwrap(), 2);
    let new = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap();
    assert_ne!(new.key_ref, old.key_ref);
    assert_eq!(new.key_ref.version, old.key_ref.version + 1);
    let cold = Keyring::new(
        f.db.clone(),
        f.root.clone(),
        CacheSettings {
            capacity: 0,
            ..CacheSettings::default()
        },
    );
    let key = cold.by_ref(org, old.key_ref, now).await.unwrap();
    assert_eq!(
        decrypt_field(&key, CTX, &sealed).unwrap().as_slice(),
        b"before rotation"
    );
    let tenant_version: i64 =
        sqlx::query("SELECT tenant_version FROM data_keys WHERE retired_at IS NULL")
            .fetch_one(f.db.pool())
            .await
            .unwrap()
            .get(0);
    assert_eq!(tenant_version, 2);
}

#[both_engines]
async fn rotating_the_root_rewraps_tenant_keys_without_touching_data(engine: Engine) {
    let f = fixture(engine).await;
    let dir = tempfile::tempdir().unwrap();
    let new_root = local_root(&dir, "new.key");
    let org = OrgId::random();
    let now = Timestamp::now();
    let data_key = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap();
    let sealed = encrypt_field(
        &data_key.key,
        data_key.key_ref,
        CTX,
        b"survives root rotation",
    )
    .unwrap();
    let data_keys_before: Vec<Vec<u8>> = sqlx::query("SELECT wrapped FROM data_keys")
        .fetch_all(f.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();

    let report = f
        .keyring
        .rotate_root(new_root.clone(), TEST, now)
        .await
        .unwrap();
    assert_eq!(report.rewrapped, 1);
    let status = Keyring::new(f.db.clone(), new_root.clone(), CacheSettings::default())
        .status()
        .await
        .unwrap();
    assert_eq!(status.by_root, vec![(new_root.root_key_id().to_owned(), 1)]);
    let data_keys_after: Vec<Vec<u8>> = sqlx::query("SELECT wrapped FROM data_keys")
        .fetch_all(f.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(data_keys_before, data_keys_after, "data keys are untouched");

    let under_new = Keyring::new(
        f.db.clone(),
        new_root,
        CacheSettings {
            capacity: 0,
            ..CacheSettings::default()
        },
    );
    let key = under_new.by_ref(org, data_key.key_ref, now).await.unwrap();
    assert_eq!(
        decrypt_field(&key, CTX, &sealed).unwrap().as_slice(),
        b"survives root rotation"
    );
    let under_old = Keyring::new(
        f.db.clone(),
        f.root.clone(),
        CacheSettings {
            capacity: 0,
            ..CacheSettings::default()
        },
    );
    assert!(matches!(
        under_old.by_ref(org, data_key.key_ref, now).await,
        Err(KeyError::ForeignRoot { .. })
    ));
}

#[both_engines]
async fn shredding_makes_one_tenants_data_unreadable_and_no_one_elses(engine: Engine) {
    let f = fixture(engine).await;
    let (doomed, kept) = (OrgId::random(), OrgId::random());
    let now = Timestamp::now();
    let d = f
        .keyring
        .current(doomed, KeyPurpose::Field, now)
        .await
        .unwrap();
    let k = f
        .keyring
        .current(kept, KeyPurpose::Field, now)
        .await
        .unwrap();
    let report = f.keyring.shred_tenant(doomed, TEST, now).await.unwrap();
    assert_eq!((report.tenant_keys, report.data_keys), (1, 1));
    assert!(
        matches!(
            f.keyring.by_ref(doomed, d.key_ref, now).await,
            Err(KeyError::UnknownKey(_))
        ),
        "not even from the cache"
    );
    assert!(f.keyring.by_ref(kept, k.key_ref, now).await.is_ok());

    // The shredding is in the organization's audit chain, which outlives the keys.
    let actions: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, actor_id, outcome FROM audit_records WHERE chain = $1 ORDER BY seq",
    )
    .bind(leadvault_audit::Chain::Org(doomed).name())
    .fetch_all(&f.db.pool().clone())
    .await
    .unwrap();
    assert_eq!(
        actions,
        vec![(
            "key.shredded".to_owned(),
            "test".to_owned(),
            "allowed".to_owned()
        )]
    );
    let verified = leadvault_audit::verify(&f.db, leadvault_audit::Chain::Org(doomed))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.records, 1);
    assert_eq!(
        leadvault_audit::verify(&f.db, leadvault_audit::Chain::Org(kept))
            .await
            .unwrap()
            .unwrap()
            .records,
        0
    );
}

#[both_engines]
async fn a_tampered_wrapped_key_is_refused_not_used(engine: Engine) {
    let f = fixture(engine).await;
    let org = OrgId::random();
    let now = Timestamp::now();
    let key = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap();
    let wrapped: Vec<u8> = sqlx::query("SELECT wrapped FROM tenant_keys")
        .fetch_one(f.db.pool())
        .await
        .unwrap()
        .get(0);
    let mut bent = wrapped.clone();
    bent[30] ^= 0x04;
    sqlx::query("UPDATE tenant_keys SET wrapped = $1")
        .bind(bent)
        .execute(f.db.pool())
        .await
        .unwrap();
    let cold = Keyring::new(
        f.db.clone(),
        f.root.clone(),
        CacheSettings {
            capacity: 0,
            ..CacheSettings::default()
        },
    );
    let err = cold.by_ref(org, key.key_ref, now).await.unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Provider(leadvault_crypto::ProviderError::Unwrap)
        ),
        "{err}"
    );
}

#[both_engines]
async fn two_processes_creating_the_first_key_at_once_agree_on_one(engine: Engine) {
    let f = fixture(engine).await;
    let org = OrgId::random();
    let now = Timestamp::now();
    let other = Keyring::new(f.db.clone(), f.root.clone(), CacheSettings::default());
    let (a, b) = tokio::join!(
        f.keyring.current(org, KeyPurpose::Field, now),
        other.current(org, KeyPurpose::Field, now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.key_ref, b.key_ref);
    let sealed = encrypt_field(&a.key, a.key_ref, CTX, b"x").unwrap();
    assert!(decrypt_field(&b.key, CTX, &sealed).is_ok());
    let tenant_keys: i64 = sqlx::query("SELECT count(*) FROM tenant_keys")
        .fetch_one(f.db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(tenant_keys, 1);
}

#[both_engines]
async fn reencryption_moves_every_value_to_the_new_key_survives_interruption_and_never_repeats(
    engine: Engine,
) {
    use leadvault_keys::EncryptedColumn;
    use std::ops::ControlFlow;

    let f = fixture(engine).await;
    let blob = match engine {
        leadvault_store::Engine::Sqlite => "BLOB",
        leadvault_store::Engine::Postgres => "BYTEA",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE case_notes (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, note {blob})"
    )))
    .execute(f.db.pool())
    .await
    .unwrap();
    let columns = [EncryptedColumn {
        table: "case_notes",
        id_column: "id",
        column: "note",
    }];
    let (org, other) = (OrgId::random(), OrgId::random());
    let now = Timestamp::now();
    let org_text = org.to_string();
    let other_text = other.to_string();
    let mut originals = Vec::new();
    for (owner, owner_text, n) in [(org, &org_text, 25), (other, &other_text, 3)] {
        let key = f
            .keyring
            .current(owner, KeyPurpose::Field, now)
            .await
            .unwrap();
        for i in 0..n {
            let id = format!("{owner_text}-{i:03}");
            let plain = format!("note {i} of {owner_text}");
            let ctx = FieldContext {
                org_id: owner_text,
                table: "case_notes",
                record_id: &id,
                field: "note",
            };
            let sealed = encrypt_field(&key.key, key.key_ref, ctx, plain.as_bytes()).unwrap();
            sqlx::query("INSERT INTO case_notes (id, org_id, note) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(owner_text.as_str())
                .bind(sealed)
                .execute(f.db.pool())
                .await
                .unwrap();
            originals.push((owner, id, plain));
        }
    }
    let old = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap()
        .key_ref;
    f.keyring.rotate_tenant(org, TEST, now).await.unwrap();
    let new = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap()
        .key_ref;

    // Interrupted after the first batch.
    let first = f
        .keyring
        .reencrypt(org, &columns, 10, now, |_| ControlFlow::Break(()))
        .await
        .unwrap();
    assert_eq!(
        (first.examined, first.total, first.reencrypted),
        (10, 25, 10)
    );
    let counts = f.keyring.protected_values(&columns).await.unwrap();
    assert_eq!((counts.get(&old), counts.get(&new)), (Some(&15), Some(&10)));

    // Resumed: the rest, and only the rest.
    let rest = f
        .keyring
        .reencrypt(org, &columns, 10, now, |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!((rest.examined, rest.reencrypted), (25, 15));
    let again = f
        .keyring
        .reencrypt(org, &columns, 10, now, |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!(again.reencrypted, 0, "nothing is encrypted twice");
    let counts = f.keyring.protected_values(&columns).await.unwrap();
    assert_eq!((counts.get(&old), counts.get(&new)), (None, Some(&25)));
    assert_eq!(
        counts.values().sum::<u64>(),
        28,
        "the other organization's 3 values are untouched"
    );

    // Every value still reads back as written, under whichever key now protects it.
    for (owner, id, plain) in originals {
        let owner_text = owner.to_string();
        let sealed: Vec<u8> = sqlx::query("SELECT note FROM case_notes WHERE id = $1")
            .bind(&id)
            .fetch_one(f.db.pool())
            .await
            .unwrap()
            .get(0);
        let key_ref = field_key_ref(&sealed).unwrap();
        if owner == org {
            assert_eq!(key_ref, new);
        }
        let key = f.keyring.by_ref(owner, key_ref, now).await.unwrap();
        let ctx = FieldContext {
            org_id: &owner_text,
            table: "case_notes",
            record_id: &id,
            field: "note",
        };
        assert_eq!(
            decrypt_field(&key, ctx, &sealed).unwrap().as_slice(),
            plain.as_bytes()
        );
    }
}

#[both_engines]
async fn the_current_key_is_remembered_briefly_and_forgotten_on_rotation_here(engine: Engine) {
    let f = fixture(engine).await;
    let org = OrgId::random();
    let now = Timestamp::now();
    let first = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap()
        .key_ref;
    assert_eq!(
        f.keyring
            .current(org, KeyPurpose::Field, now)
            .await
            .unwrap()
            .key_ref,
        first
    );

    // A rotation in this process takes effect at once.
    f.keyring.rotate_tenant(org, TEST, now).await.unwrap();
    let second = f
        .keyring
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap()
        .key_ref;
    assert_ne!(second, first);

    // Another process (another keyring) rotates: this one keeps its key for at most
    // 30 seconds, and the new one is used after that.
    let elsewhere = Keyring::new(f.db.clone(), f.root.clone(), CacheSettings::default());
    elsewhere.rotate_tenant(org, TEST, now).await.unwrap();
    let third = elsewhere
        .current(org, KeyPurpose::Field, now)
        .await
        .unwrap()
        .key_ref;
    assert_ne!(third, second);
    assert_eq!(
        f.keyring
            .current(org, KeyPurpose::Field, now)
            .await
            .unwrap()
            .key_ref,
        second
    );
    let later = now.saturating_add(std::time::Duration::from_secs(31));
    assert_eq!(
        f.keyring
            .current(org, KeyPurpose::Field, later)
            .await
            .unwrap()
            .key_ref,
        third
    );

    // Shredded elsewhere: once the 30 seconds are over, a new key is made for whatever is
    // written after the shredding (within them, writes use the shredded key, which makes
    // them as unreadable as everything else of the organization).
    elsewhere.shred_tenant(org, TEST, later).await.unwrap();
    let much_later = later.saturating_add(std::time::Duration::from_secs(31));
    let after = f
        .keyring
        .current(org, KeyPurpose::Field, much_later)
        .await
        .unwrap()
        .key_ref;
    assert_ne!(after, third);
}
