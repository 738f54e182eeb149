//! Prints figures for the key hierarchy; asserts nothing about time.
//!
//! Always measures the local key file provider. Measures a PKCS#11 token too when
//! `LV_BENCH_PKCS11_MODULE`, `LV_BENCH_PKCS11_TOKEN` and `LV_BENCH_PKCS11_PIN` are set (and
//! `SOFTHSM2_CONF` for SoftHSM2): `bench/crypto.sh` sets them up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use leadvault_crypto::{
    FieldContext, KeyBytes, KeyProvider, LocalKeyFile, LocalProvider, Pkcs11Pin, Pkcs11Provider,
    Pkcs11Settings, decrypt_field, encrypt_field,
};
use leadvault_keys::{CacheSettings, KeyPurpose, Keyring};
use leadvault_store::{DatabaseUrl, Db, DbOptions, OrgId, Timestamp, migrate};

const CTX: FieldContext<'static> = FieldContext {
    org_id: "org",
    table: "leads",
    record_id: "r",
    field: "phone",
};

async fn rate_async<F: std::future::Future<Output = ()>>(
    for_at_least: Duration,
    mut op: impl FnMut() -> F,
) -> f64 {
    let started = Instant::now();
    let mut done: u64 = 0;
    while started.elapsed() < for_at_least {
        for _ in 0..64 {
            op().await;
        }
        done += 64;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

async fn measure(name: &str, provider: Arc<dyn KeyProvider>, db: &Db) {
    let keyring = Keyring::new(db.clone(), provider.clone(), CacheSettings::default());
    let org = OrgId::random();
    let now = Timestamp::now();
    let data_key = keyring.current(org, KeyPurpose::Field, now).await.unwrap();
    let value = [b'x'; 200];
    let warm = rate_async(Duration::from_secs(3), || async {
        let key = keyring.by_ref(org, data_key.key_ref, now).await.unwrap();
        let fresh = encrypt_field(&key, data_key.key_ref, CTX, black_box(&value)).unwrap();
        black_box(decrypt_field(&key, CTX, &fresh).unwrap());
    })
    .await;
    println!(
        "{name:<7} field encrypt+decrypt via keyring, 200 B, cache warm, 1 task: {warm:>10.0} ops/s"
    );

    let tenant = KeyBytes::generate().unwrap();
    let wrapped = provider.wrap(&tenant, &[b"org", b"1"]).unwrap();
    let started = Instant::now();
    let mut done = 0u32;
    while started.elapsed() < Duration::from_secs(2) {
        black_box(provider.unwrap(&wrapped, &[b"org", b"1"]).unwrap());
        done += 1;
    }
    let cold = f64::from(done) / started.elapsed().as_secs_f64();
    println!(
        "{name:<7} tenant key unwrap by the provider (cache miss):                {cold:>10.0} ops/s"
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&DatabaseUrl::sqlite_file(&dir.path().join("bench.db")), &DbOptions::default()).await.unwrap();
        migrate(&db, leadvault_keys::MIGRATIONS, Timestamp::now()).await.unwrap();

        let file = LocalKeyFile::new(dir.path().join("root.key"));
        file.load_or_create().unwrap();
        measure("local", Arc::new(LocalProvider::open(&file).unwrap()), &db).await;

        match (
            std::env::var("LV_BENCH_PKCS11_MODULE"),
            std::env::var("LV_BENCH_PKCS11_TOKEN"),
            std::env::var("LV_BENCH_PKCS11_PIN"),
        ) {
            (Ok(module), Ok(token), Ok(pin)) => {
                let settings = Pkcs11Settings { module: module.into(), token_label: token, key_label: "bench-root".into() };
                let (hsm, _) = Pkcs11Provider::create_or_open(&settings, &Pkcs11Pin::new(pin).unwrap()).unwrap();
                measure("pkcs11", Arc::new(hsm), &db).await;
            }
            _ => println!("pkcs11  skipped: set LV_BENCH_PKCS11_MODULE, LV_BENCH_PKCS11_TOKEN, LV_BENCH_PKCS11_PIN (bench/crypto.sh does)"),
        }
        db.close().await;
    });
}
