//! The daily backup (issue 23): a failed one recorded, audited and e-mailed to the operator
//! (real SMTP on loopback), naming the destination and nothing of anyone's data; an overdue
//! one e-mailed once a day; owners see the runs and start a backup from the operations
//! page; monitoring hears `overdue` until a backup verifies.

use std::sync::Arc;
use std::time::Duration;

use leadvault_audit::Chain;
use leadvault_backup::{Destination, KnownSchema, Plan};
use leadvault_config::Keep;
use leadvault_jobs::{BackupJob, backup_round, warn_if_overdue};
use leadvault_mail::Recipient;
use leadvault_server::BackupsOnline;
use leadvault_store::Timestamp;
use leadvault_test_support::forms::NAME_ONLY;
use leadvault_test_support::{
    Engine, SmtpSink, TestApp, age_keys, both_engines, known_schema, verify_server,
};
use tokio::sync::Notify;

const OPERATOR: &str = "ops@lima.law";
const HOUR: i64 = 3_600_000_000;

async fn job(app: &TestApp, destination: Destination, engine: Engine) -> BackupJob {
    let known: KnownSchema = known_schema();
    let scratch_server = verify_server(engine).await;
    BackupJob {
        plan: Plan {
            source: app.backup_source(),
            destination,
            recipients: age_keys().recipients,
            keep: Keep::default(),
            scratch: tempfile::tempdir().unwrap().keep(),
            scratch_server,
            known,
        },
        keyring: app.keyring.clone(),
        notify: Some(Recipient::parse(OPERATOR).unwrap()),
        mail_wake: None,
        daily_at_minute: 150,
    }
}

fn local(dir: &std::path::Path) -> Destination {
    Destination::open(&dir.display().to_string(), &Default::default()).unwrap()
}

#[both_engines]
async fn a_failed_backup_is_recorded_audited_and_emailed_to_the_operator(engine: Engine) {
    let Some(smtp) = SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(smtp.url()).build().await;
    let ana = app.owner("ana@lima.law").await;
    let form = app.form(ana.org_id, NAME_ONLY).await;
    app.lead(&form, &[("name", "Planted Quintana-Zeta")]).await;
    // The destination's directory becomes a file: every upload to it fails.
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let job = job(&app, local(&backups), engine).await;
    std::fs::remove_dir_all(&backups).unwrap();
    std::fs::write(&backups, b"not a directory").unwrap();

    let error = backup_round(&job, Timestamp::now()).await.unwrap_err();
    let failed = app.audited(Chain::Instance, "backup.create_failed").await;
    assert_eq!(failed.len(), 1);
    let runs = leadvault_backup::recent(&app.db, 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert!(!runs[0].succeeded);
    assert_eq!(runs[0].detail, error.to_string());

    let mail = smtp.wait_for_recipient(OPERATOR).await;
    assert_eq!(mail.subject, "Leadvault backup failed");
    assert!(
        mail.body.contains(&backups.display().to_string()),
        "{}",
        mail.body
    );
    assert!(
        !mail.raw.contains("Quintana"),
        "personal data in the e-mail"
    );
}

#[both_engines]
async fn an_overdue_backup_is_emailed_once_a_day_and_a_verified_one_ends_it(engine: Engine) {
    let Some(smtp) = SmtpSink::start().await else {
        return;
    };
    let app = TestApp::builder(engine).mail(smtp.url()).build().await;
    let dir = tempfile::tempdir().unwrap();
    let job = job(&app, local(dir.path()), engine).await;
    let now = Timestamp::now();
    let started = Timestamp::from_unix_micros(now.as_unix_micros() - 27 * HOUR);
    let mut told = None;

    assert!(
        warn_if_overdue(&job, started, &mut told, now)
            .await
            .unwrap()
    );
    let mail = smtp.wait_for_recipient(OPERATOR).await;
    assert_eq!(mail.subject, "Leadvault backup overdue");
    // Not again within the day.
    let later = Timestamp::from_unix_micros(now.as_unix_micros() + HOUR);
    assert!(
        !warn_if_overdue(&job, started, &mut told, later)
            .await
            .unwrap()
    );

    // A backup that verifies ends it: made, verified, pruned, each recorded and audited.
    let done = backup_round(&job, Timestamp::now()).await.unwrap();
    assert!(done.pruned.kept.contains(&done.index.name));
    for action in ["backup.created", "backup.verified", "backup.pruned"] {
        assert_eq!(
            app.audited(Chain::Instance, action).await.len(),
            1,
            "{action}"
        );
    }
    let next_day = Timestamp::from_unix_micros(now.as_unix_micros() + 25 * HOUR);
    let mut told = None;
    assert!(
        !warn_if_overdue(&job, started, &mut told, next_day)
            .await
            .unwrap()
    );
    assert_eq!(smtp.messages().len(), 1, "one overdue message, no failure");
}

#[both_engines]
async fn owners_see_the_runs_and_start_a_backup_and_monitoring_follows(engine: Engine) {
    let now = Arc::new(Notify::new());
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::builder(engine)
        .backups(BackupsOnline {
            destination: dir.path().display().to_string(),
            daily_at_minute: 150,
            back_up_now: now.clone(),
        })
        .build()
        .await;
    let health = app.get("/healthz/backup").await;
    assert_eq!(health.status(), 503);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "overdue");

    let job = job(&app, local(dir.path()), engine).await;
    let done = backup_round(&job, Timestamp::now()).await.unwrap();
    let health = app.get("/healthz/backup").await;
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["last_run_succeeded"], true);

    let (_, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    let page = owner.get("/operations/backups").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("02:30 UTC"), "{}", page.html);
    assert!(page.html.contains(&done.index.name));
    assert!(page.html.contains("verification"));
    let asked = owner.submit(&page, "/operations/backups", &[]).await;
    assert_eq!(asked.status, 303);
    tokio::time::timeout(Duration::from_secs(5), now.notified())
        .await
        .expect("the job was asked for a backup");
}
