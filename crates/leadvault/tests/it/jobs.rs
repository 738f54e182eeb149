//! The periodic work of `serve`: audit checkpoints copied outside the database and records
//! exported, catching up after a target was unreachable; the monthly access-review e-mail.

use leadvault_accounts::AccountAction;
use leadvault_intake::IntakeAction;
use std::time::Duration;

use leadvault_accounts::{Role, Scope};
use leadvault_audit::{Actor, Chain, Checkpoint, Event, Sink};
use leadvault_jobs::{AuditJobs, audit_round, remind_access_reviews};
use leadvault_mail::{deliver_due, queued};
use leadvault_store::{OrgId, Timestamp};
use leadvault_test_support::{Engine, SmtpSink, TestApp, both_engines};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn read(n: usize) -> Event {
    Event::new(Actor::System("test"), IntakeAction::LeadRead).on("lead", n)
}

#[both_engines]
async fn each_round_signs_new_heads_and_every_target_catches_up(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chain = Chain::Org(OrgId::random());
    for n in 0..3 {
        app.append(chain, &read(n)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let (checkpoints, records) = (dir.path().join("cp.jsonl"), dir.path().join("siem.jsonl"));
    let gone = dir.path().join("not-yet");
    let jobs = AuditJobs {
        checkpoint_to: vec![
            Sink::File(checkpoints.clone()),
            Sink::File(gone.join("cp.jsonl")),
        ],
        every: Duration::from_secs(60),
        export_to: Some(Sink::File(records.clone())),
    };

    // One target is unreachable: the round says so, and the others got everything.
    let failed = audit_round(&app.db, &app.keyring, &jobs, Timestamp::now()).await;
    assert!(failed.is_err());
    let lines = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    assert_eq!(lines(&checkpoints), 1);
    assert_eq!(lines(&records), 3);

    // It comes back, and gets what it missed; nothing is sent twice elsewhere.
    std::fs::create_dir(&gone).unwrap();
    app.append(chain, &read(3)).await;
    let round = audit_round(&app.db, &app.keyring, &jobs, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        (round.signed, round.checkpoints_sent, round.records_exported),
        (1, 3, 1)
    );
    assert_eq!(lines(&checkpoints), 2);
    assert_eq!(lines(&gone.join("cp.jsonl")), 2);
    assert_eq!(lines(&records), 4);
    let last = std::fs::read_to_string(&checkpoints).unwrap();
    let last = Checkpoint::from_line(last.lines().last().unwrap()).unwrap();
    assert_eq!((last.chain, last.seq), (chain, 4));
    assert!(last.signature_is_valid());

    let quiet = audit_round(&app.db, &app.keyring, &jobs, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        (quiet.signed, quiet.checkpoints_sent, quiet.records_exported),
        (0, 0, 0)
    );
}

#[both_engines]
async fn owners_are_reminded_monthly_of_members_whose_access_went_unused(engine: Engine) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Analyst, Scope::Organization)
        .await;
    let dee = app
        .member(&ana, "dee@lima.law", Role::Analyst, Scope::Organization)
        .await;
    // A hundred days on: cy has done nothing since joining; dee signed in ten days ago.
    let now = Timestamp::now().saturating_add(100 * DAY);
    let signed_in = Event::new(
        Actor::Member(dee.user_id.as_uuid()),
        AccountAction::SignInPassword,
    )
    .on("user", dee.user_id);
    app.append_at(
        Chain::Org(ana.org_id),
        &signed_in,
        now.saturating_sub(10 * DAY),
    )
    .await;
    let page = "http://lv.test/members";
    let joined = Timestamp::now().civil();
    let today = format!("{:04}-{:02}-{:02}", joined.year, joined.month, joined.day);

    assert_eq!(
        remind_access_reviews(&app.db, &app.keyring, page, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(queued(&app.db).await.unwrap(), 1, "to the one owner");
    let sender = sink.sender();
    deliver_due(&app.db, &app.keyring, &sender, now, 10)
        .await
        .unwrap();
    let mail = sink.wait_for_recipient("ana@lima.law").await;
    assert!(
        mail.subject
            .contains("Access review for Firm of ana@lima.law"),
        "{}",
        mail.subject
    );
    assert!(
        mail.body
            .contains(&format!("cy@lima.law (analyst), last active {today}")),
        "{}",
        mail.body
    );
    assert!(
        !mail.body.contains("dee@lima.law"),
        "dee used her access: {}",
        mail.body
    );
    assert!(mail.body.contains(page));
    // The owner herself has not signed in for 90 days either.
    assert!(mail.body.contains("ana@lima.law (owner)"), "{}", mail.body);

    let told = app
        .audited(Chain::Org(ana.org_id), "access_review.reminded")
        .await;
    let targets: Vec<&str> = told.iter().map(|r| r.target.as_str()).collect();
    assert!(
        targets.contains(&format!("user:{}", cy.user_id).as_str()),
        "{targets:?}"
    );
    assert!(told.iter().all(|r| r.actor == "system:access-review"));

    // Not again within the month; again after it, while the access is still unused.
    assert_eq!(
        remind_access_reviews(&app.db, &app.keyring, page, now.saturating_add(DAY))
            .await
            .unwrap(),
        0
    );
    let next_month = now.saturating_add(31 * DAY);
    assert_eq!(
        remind_access_reviews(&app.db, &app.keyring, page, next_month)
            .await
            .unwrap(),
        1
    );
}
