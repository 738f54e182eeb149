//! `leadvault audit …` as an operator or investigator runs it: checkpoints written to a file
//! outside the database, verification against them, reports and exports.

use leadvault_store::{DatabaseUrl, Db, DbOptions, sqlx};

use crate::cli_keys::organization_with_keys;
use crate::leadvault;

/// An organization with keys, whose tenant key was rotated `times` from the command line:
/// `times` records in its audit chain.
async fn organization_rotated(dir: &std::path::Path, times: usize) -> String {
    let org = organization_with_keys(dir).await.to_string();
    for _ in 0..times {
        let out = leadvault(dir, &["keys", "rotate-tenant", "--org", &org]).await;
        assert!(out.status.success(), "{}", out.stderr);
    }
    org
}

#[tokio::test]
async fn checkpoints_kept_outside_catch_a_cut_tail_that_the_chain_check_misses() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let org = organization_rotated(d, 3).await;
    let file = d.join("checkpoints.jsonl");
    let file_arg = file.display().to_string();
    let out = leadvault(d, &["audit", "checkpoint", "--to", &file_arg]).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("1 checkpoint(s) signed"),
        "{}",
        out.stderr
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.lines().count(), 1);
    assert!(written.contains(&format!("\"chain\":\"org:{org}\"")) && written.contains("\"seq\":3"));

    let out = leadvault(d, &["audit", "verify", "--checkpoints", &file_arg]).await;
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("2 checkpoint(s) match (1 in the database, 1 outside)"),
        "{}",
        out.stdout
    );

    // Someone with the database file cuts the last record, rewinds the head and removes the
    // checkpoint stored beside the chain.
    let db = Db::connect(
        &DatabaseUrl::sqlite_file(&d.join("data/leadvault.db")),
        &DbOptions::default(),
    )
    .await
    .unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_records_no_delete; DROP TRIGGER audit_checkpoints_no_delete; \
         DELETE FROM audit_records WHERE seq = 3; \
         UPDATE audit_heads SET seq = 2, hash = (SELECT hash FROM audit_records r WHERE r.chain = audit_heads.chain AND r.seq = 2); \
         DELETE FROM audit_checkpoints;",
    )
    .execute(db.pool())
    .await
    .unwrap();
    db.close().await;
    let out = leadvault(d, &["audit", "verify"]).await;
    assert!(
        out.status.success(),
        "the chain alone cannot tell: {}",
        out.stdout
    );
    let out = leadvault(d, &["audit", "verify", "--checkpoints", &file_arg]).await;
    assert!(!out.status.success());
    assert!(
        out.stdout
            .contains("BROKEN: record 3 was checkpointed, but the chain ends at record 2"),
        "{}",
        out.stdout
    );

    // A file that is not all checkpoints is itself a finding.
    std::fs::write(&file, format!("{written}not a checkpoint\n")).unwrap();
    let out = leadvault(d, &["audit", "verify", "--checkpoints", &file_arg]).await;
    assert!(
        !out.status.success() && out.stdout.contains("checkpoints.jsonl:2: not a checkpoint"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn reports_and_exports_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let org = organization_rotated(d, 2).await;
    let out = leadvault(
        d,
        &["audit", "report", "--org", &org, "--since", "2020-01-01"],
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("actor_kind,actor_id,action,target_kind,target_id,outcome,count,first,last")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        2,
        "one row per target (tenant key versions 2 and 3): {}",
        out.stdout
    );
    assert!(
        rows.iter()
            .all(|r| r.starts_with("system,cli:keys,key.tenant_rotated,tenant_key,"))
    );

    let out = leadvault(
        d,
        &[
            "audit",
            "report",
            "--org",
            &org,
            "--since",
            "2020-01-01",
            "--format",
            "json",
        ],
    )
    .await;
    let parsed: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 2);
    let out = leadvault(
        d,
        &["audit", "report", "--org", &org, "--since", "2999-01-01"],
    )
    .await;
    assert_eq!(
        out.stdout.lines().count(),
        1,
        "only the header: {}",
        out.stdout
    );

    for (args, message) in [
        (vec!["--since", "yesterday"], "not a date"),
        (
            vec!["--since", "2020-01-01", "--format", "xml"],
            "not a report format",
        ),
        (
            vec!["--since", "2020-01-01", "--member", "nobody"],
            "not a member's user id",
        ),
    ] {
        let mut all = vec!["audit", "report", "--org", org.as_str()];
        all.extend(args);
        let out = leadvault(d, &all).await;
        assert!(
            !out.status.success() && out.stderr.contains(message),
            "{message}: {}",
            out.stderr
        );
    }

    let out = leadvault(d, &["audit", "export", "--org", &org]).await;
    assert!(out.status.success(), "{}", out.stderr);
    let exported: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[1]["seq"], 2);
    assert_eq!(exported[1]["actor"]["id"], "cli:keys");
    let out = leadvault(d, &["audit", "export", "--since", "2999-01-01"]).await;
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{}",
        out.stdout
    );
}
