//! `leadvault keys …` as an operator runs it: local key file and SoftHSM2 through PKCS#11.

use std::path::Path;
use std::sync::Arc;

use leadvault_crypto::{KeyProvider, LocalKeyFile, LocalProvider};
use leadvault_keys::{CacheSettings, KeyPurpose, Keyring};
use leadvault_store::{DatabaseUrl, Db, DbOptions, OrgId, Timestamp};
use leadvault_test_support::{LeadvaultProcess, run_leadvault, softhsm_token};

use crate::leadvault_bin;

/// Gives an organization keys, as its first encrypted write would, in the data directory
/// that `leadvault` commands run in `dir` use. Returns the organization.
pub(crate) async fn organization_with_keys(dir: &Path) -> OrgId {
    let out = run_leadvault(leadvault_bin(), dir, &["keys", "init"], &[], None).await;
    assert!(out.status.success(), "{}", out.stderr);
    let out = run_leadvault(leadvault_bin(), dir, &["migrate"], &[], None).await;
    assert!(out.status.success(), "{}", out.stderr);
    let db = Db::connect(
        &DatabaseUrl::sqlite_file(&dir.join("data/leadvault.db")),
        &DbOptions::default(),
    )
    .await
    .unwrap();
    let root: Arc<dyn KeyProvider> =
        Arc::new(LocalProvider::open(&LocalKeyFile::new(dir.join("data/root.key"))).unwrap());
    let org = OrgId::random();
    Keyring::new(db.clone(), root, CacheSettings::default())
        .current(org, KeyPurpose::Field, Timestamp::now())
        .await
        .unwrap();
    db.close().await;
    org
}

#[tokio::test]
async fn status_rotation_and_shredding_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let org = organization_with_keys(d).await;
    let org_text = org.to_string();

    let out = run_leadvault(leadvault_bin(), d, &["keys", "status"], &[], None).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("Configured root key: local:")
            && out.stdout.contains("Organizations with keys: 1"),
        "{}",
        out.stdout
    );
    let key_hex: String = std::fs::read(d.join("data/root.key"))
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!out.stdout.contains(&key_hex[..16]));

    let out = run_leadvault(
        leadvault_bin(),
        d,
        &["keys", "rotate-tenant", "--org", &org_text],
        &[],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("tenant key version 2")
            && out
                .stdout
                .contains("Re-indexed the e-mail addresses and phone numbers of 0 lead(s)."),
        "{}",
        out.stdout
    );
    let out = run_leadvault(
        leadvault_bin(),
        d,
        &["keys", "rotate-tenant", "--org", &org_text, "--reencrypt"],
        &[],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("tenant key version 3")
            && out.stdout.contains("Re-encrypted 0 of 0 stored values")
            && out
                .stdout
                .contains("Re-indexed the e-mail addresses and phone numbers of 0 lead(s)."),
        "{}",
        out.stdout
    );
    let out = run_leadvault(leadvault_bin(), d, &["keys", "status"], &[], None).await;
    assert!(
        out.stdout
            .contains("(field, version 1, retired) of organization")
            && out.stdout.contains("protects 0 stored value(s)"),
        "{}",
        out.stdout
    );

    // Shredding wants the id typed back; anything else destroys nothing.
    let out = run_leadvault(
        leadvault_bin(),
        d,
        &["keys", "shred-tenant", "--org", &org_text],
        &[],
        Some("yes\n"),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("nothing was destroyed"),
        "{}",
        out.stderr
    );
    // The installation's own keys (people's TOTP secrets) are not a tenant's to shred.
    let instance = "00000000-0000-0000-0000-000000000000";
    let out = run_leadvault(
        leadvault_bin(),
        d,
        &["keys", "shred-tenant", "--org", instance],
        &[],
        Some(&format!("{instance}\n")),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stderr
            .contains("not an organization; nothing was destroyed"),
        "{}",
        out.stderr
    );
    let out = run_leadvault(leadvault_bin(), d, &["keys", "status"], &[], None).await;
    assert!(
        out.stdout.contains("Organizations with keys: 1"),
        "{}",
        out.stdout
    );

    let out = run_leadvault(
        leadvault_bin(),
        d,
        &["keys", "shred-tenant", "--org", &org_text],
        &[],
        Some(&format!("{org_text}\n")),
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("Destroyed 3 tenant key version(s)"),
        "{}",
        out.stdout
    );
    let out = run_leadvault(leadvault_bin(), d, &["keys", "status"], &[], None).await;
    assert!(
        out.stdout.contains("Organizations with keys: 0"),
        "{}",
        out.stdout
    );

    // Every key operation, the refused shredding included, is in the organization's audit
    // chain, and the chain verifies.
    let db = Db::connect(
        &DatabaseUrl::sqlite_file(&d.join("data/leadvault.db")),
        &DbOptions::default(),
    )
    .await
    .unwrap();
    let chain = leadvault_audit::Chain::Org(org);
    let recorded: Vec<(String, String, String)> = leadvault_store::sqlx::query_as(
        "SELECT action, actor_id, outcome FROM audit_records WHERE chain = $1 ORDER BY seq",
    )
    .bind(chain.name())
    .fetch_all(db.pool())
    .await
    .unwrap();
    let row = |action: &str, outcome: &str| {
        (action.to_owned(), "cli:keys".to_owned(), outcome.to_owned())
    };
    assert_eq!(
        recorded,
        vec![
            row("key.tenant_rotated", "allowed"),
            row("key.tenant_rotated", "allowed"),
            row("key.shredded", "denied"),
            row("key.shredded", "allowed"),
        ]
    );
    assert!(leadvault_audit::verify(&db, chain).await.unwrap().is_ok());

    let out = run_leadvault(leadvault_bin(), d, &["audit", "verify"], &[], None).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("org:{org_text}: intact, 4 record(s)")),
        "{}",
        out.stdout
    );
    // Someone with the database file rewrites who did it: the check names the record.
    leadvault_store::sqlx::raw_sql(
        "DROP TRIGGER audit_records_no_update; UPDATE audit_records SET actor_id = 'someone else' WHERE seq = 3",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let out = run_leadvault(
        leadvault_bin(),
        d,
        &["audit", "verify", "--org", &org_text],
        &[],
        None,
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stdout.contains("BROKEN: record 3 was altered"),
        "{}",
        out.stdout
    );
    db.close().await;

    let out = run_leadvault(
        leadvault_bin(),
        d,
        &["keys", "rotate-tenant", "--org", "not-an-id"],
        &[],
        None,
    )
    .await;
    assert!(
        !out.status.success() && out.stderr.contains("not an organization id"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn the_root_key_can_be_replaced_without_touching_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    organization_with_keys(d).await;
    let new_key = d.join("new-root.key");
    let new_key_text = new_key.to_str().unwrap();
    let out = run_leadvault(
        leadvault_bin(),
        d,
        &[
            "keys",
            "rotate-root",
            "--to",
            "local",
            "--to-key-file",
            new_key_text,
        ],
        &[],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("Re-wrapped 1 tenant key version(s)"),
        "{}",
        out.stdout
    );

    // Until the configuration names the new key, status says the rotation is unfinished.
    let out = run_leadvault(leadvault_bin(), d, &["keys", "status"], &[], None).await;
    assert!(
        out.stdout.contains("not the configured root key"),
        "{}",
        out.stdout
    );
    let env = [("LEADVAULT_KEY_FILE", new_key_text)];
    let out = run_leadvault(leadvault_bin(), d, &["keys", "status"], &env, None).await;
    assert!(
        out.status.success() && !out.stdout.contains("not the configured root key"),
        "{}{}",
        out.stdout,
        out.stderr
    );

    let out = run_leadvault(
        leadvault_bin(),
        d,
        &[
            "keys",
            "rotate-root",
            "--to",
            "local",
            "--to-key-file",
            new_key_text,
        ],
        &env,
        None,
    )
    .await;
    assert!(
        !out.status.success() && out.stderr.contains("already in use"),
        "{}",
        out.stderr
    );
}

async fn leadvault(
    dir: &Path,
    args: &[&str],
    env: &[(&str, String)],
) -> leadvault_test_support::Finished {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_leadvault(leadvault_bin(), dir, args, &env, None).await
}

#[tokio::test]
async fn an_evaluation_install_moves_its_root_key_into_an_hsm() {
    let Some(token) = softhsm_token(concat!(
        module_path!(),
        "::an_evaluation_install_moves_its_root_key_into_an_hsm"
    )) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    organization_with_keys(d).await;
    let module = token.module.to_str().unwrap().to_owned();
    let softhsm = ("SOFTHSM2_CONF", token.conf.to_str().unwrap().to_owned());
    let hsm_config = |pin: &str| {
        vec![
            softhsm.clone(),
            ("LEADVAULT_KEYS_PROVIDER", "pkcs11".to_owned()),
            ("LEADVAULT_KEYS_PKCS11_MODULE", module.clone()),
            (
                "LEADVAULT_KEYS_PKCS11_TOKEN_LABEL",
                token.token_label.clone(),
            ),
            ("LEADVAULT_PKCS11_PIN", pin.to_owned()),
        ]
    };

    // Before the key exists on the token, the check says how to make it.
    let out = leadvault(d, &["config", "check"], &hsm_config(&token.pin)).await;
    assert!(
        !out.status.success() && out.stderr.contains("leadvault keys init"),
        "{}",
        out.stderr
    );

    // The move: every tenant key re-wrapped by the token; the PIN comes from the environment.
    let rotate = [
        "keys",
        "rotate-root",
        "--to",
        "pkcs11",
        "--to-pkcs11-module",
        &module,
        "--to-pkcs11-token-label",
        &token.token_label,
    ];
    let out = leadvault(
        d,
        &rotate,
        &[softhsm.clone(), ("LEADVAULT_PKCS11_PIN", token.pin.clone())],
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "Re-wrapped 1 tenant key version(s) under pkcs11:leadvault-test/leadvault-root"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(&token.pin) && !out.stderr.contains(&token.pin));

    let out = leadvault(d, &["config", "check"], &hsm_config(&token.pin)).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("pkcs11_pin_env = \"LEADVAULT_PKCS11_PIN\"")
            && !out.stdout.contains(&token.pin),
        "{}",
        out.stdout
    );
    let out = leadvault(d, &["keys", "status"], &hsm_config(&token.pin)).await;
    assert!(
        out.stdout
            .contains("wrapped by pkcs11:leadvault-test/leadvault-root: 1")
            && !out.stdout.contains("not the configured"),
        "{}",
        out.stdout
    );

    let out = leadvault(d, &["config", "check"], &hsm_config("wrong-pin-0000")).await;
    assert!(
        !out.status.success() && out.stderr.contains("PIN was refused"),
        "{}",
        out.stderr
    );

    // The server runs from the HSM.
    let env = hsm_config(&token.pin);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (mut serve, addr) = LeadvaultProcess::serving(leadvault_bin(), d, &env).await;
    assert!(
        serve
            .stdout()
            .contains("inside PKCS#11 token \"leadvault-test\"")
            && !serve.stdout().contains("evaluation only"),
        "{}",
        serve.stdout()
    );
    assert_eq!(
        leadvault_test_support::http_client()
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    serve.stop().await;
}
