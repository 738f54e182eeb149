//! Signed checkpoints, exports and reports of the audit log. An attacker with database access
//! who cuts the tail and rewinds the head, or rebuilds a whole chain, gets past the chain
//! check alone; the checkpoints kept outside catch both.

use leadvault_accounts::AccountAction;
use leadvault_audit::{
    Actor, Chain, CheckpointProblem, Event, ReportQuery, Sink, TrustedKey, check_checkpoints,
    export_new, report, report_csv, sign_heads, stored_checkpoints, verify,
};
use leadvault_intake::IntakeAction;
use leadvault_keys::checkpoint_public_keys;
use leadvault_server::WebAction;
use leadvault_store::{OrgId, Timestamp, sqlx};
use leadvault_test_support::{Engine, TestApp, both_engines};
use uuid::Uuid;

async fn trusted(app: &TestApp) -> Vec<TrustedKey> {
    checkpoint_public_keys(&app.db).await.unwrap()
}

#[both_engines]
async fn checkpoints_are_signed_by_the_sealed_installation_key_once_per_new_head(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (a, b) = (app.chain_of(3).await, app.chain_of(1).await);
    let now = Timestamp::now();
    let key = app.keyring.checkpoint_key(now).await.unwrap();
    assert_eq!(
        app.keyring.checkpoint_key(now).await.unwrap().id(),
        key.id(),
        "one key, kept"
    );

    let made = sign_heads(&app.db, &key, now).await.unwrap();
    let heads: Vec<(Chain, i64)> = made.iter().map(|c| (c.chain, c.seq)).collect();
    assert!(
        heads.contains(&(a, 3)) && heads.contains(&(b, 1)),
        "{heads:?}"
    );
    assert!(
        made.iter()
            .all(|c| c.signature_is_valid() && c.key_id == key.id())
    );
    assert!(
        sign_heads(&app.db, &key, now).await.unwrap().is_empty(),
        "nothing moved"
    );
    app.append(
        a,
        &Event::new(Actor::Anonymous, AccountAction::SignInPassword).denied(),
    )
    .await;
    let again = sign_heads(&app.db, &key, now).await.unwrap();
    assert_eq!(
        again.iter().map(|c| (c.chain, c.seq)).collect::<Vec<_>>(),
        vec![(a, 4)]
    );
    assert_eq!(stored_checkpoints(&app.db, a).await.unwrap().len(), 2);
    assert!(
        check_checkpoints(
            &app.db,
            a,
            &stored_checkpoints(&app.db, a).await.unwrap(),
            &trusted(&app).await
        )
        .await
        .unwrap()
        .is_empty()
    );

    // The private half is stored sealed: the row holds the public key, and a ciphertext
    // that the database alone cannot open.
    let (public, private): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT public_key, private_key FROM signing_keys")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(public, key.public_key());
    assert!(private.len() > 48 && !private.windows(public.len()).any(|w| w == public));
    assert_eq!(
        trusted(&app).await,
        vec![TrustedKey {
            id: key.id().to_owned(),
            public_key: public
        }]
    );
}

#[both_engines]
async fn a_cut_tail_or_a_rebuilt_chain_passes_the_chain_check_but_not_the_checkpoints(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let (cut, rebuilt) = (app.chain_of(5).await, app.chain_of(4).await);
    let key = app.keyring.checkpoint_key(Timestamp::now()).await.unwrap();
    let outside = sign_heads(&app.db, &key, Timestamp::now()).await.unwrap();
    app.drop_audit_guards().await;

    // The tail cut, and the head rewound to match: consistent, as far as the chain shows.
    app.on_chain(
        "DELETE FROM audit_records WHERE chain = $1 AND seq > 3",
        cut,
    )
    .await;
    app.on_chain( "UPDATE audit_heads SET seq = 3, hash = (SELECT hash FROM audit_records WHERE chain = $1 AND seq = 3) WHERE chain = $1", cut).await;
    // ... and the checkpoints in the database deleted too.
    app.on_chain("DELETE FROM audit_checkpoints WHERE chain = $1", cut)
        .await;
    assert!(
        verify(&app.db, cut).await.unwrap().is_ok(),
        "the chain alone cannot tell"
    );
    let problems = check_checkpoints(&app.db, cut, &outside, &trusted(&app).await)
        .await
        .unwrap();
    assert_eq!(
        problems,
        vec![CheckpointProblem::Truncated { seq: 5, last: 3 }]
    );

    // The whole chain thrown away and written again, with other contents.
    app.on_chain("DELETE FROM audit_records WHERE chain = $1", rebuilt)
        .await;
    app.on_chain("DELETE FROM audit_heads WHERE chain = $1", rebuilt)
        .await;
    for n in 0..4 {
        app.append(
            rebuilt,
            &Event::new(Actor::System("test"), IntakeAction::LeadRead).on("lead", n + 100),
        )
        .await;
    }
    assert!(
        verify(&app.db, rebuilt).await.unwrap().is_ok(),
        "the chain alone cannot tell"
    );
    let problems = check_checkpoints(&app.db, rebuilt, &outside, &trusted(&app).await)
        .await
        .unwrap();
    assert_eq!(problems, vec![CheckpointProblem::Rewritten { seq: 4 }]);

    // A checkpoint edited to match, or signed by a key of the attacker's own, is refused.
    let mut edited = outside.iter().find(|c| c.chain == cut).unwrap().clone();
    edited.seq = 3;
    let problems = check_checkpoints(&app.db, cut, &[edited], &trusted(&app).await)
        .await
        .unwrap();
    assert_eq!(problems, vec![CheckpointProblem::BadSignature { seq: 3 }]);
    let forger = leadvault_audit::SigningKey::from_pkcs8(
        key.id(),
        &leadvault_audit::SigningKey::generate().unwrap(),
    )
    .unwrap();
    let mut forged = outside.iter().find(|c| c.chain == cut).unwrap().clone();
    forged.public_key = forger.public_key();
    let problems = check_checkpoints(&app.db, cut, &[forged], &trusted(&app).await)
        .await
        .unwrap();
    assert!(
        matches!(
            problems.as_slice(),
            [CheckpointProblem::UnknownKey { seq: 5, .. }]
        ),
        "{problems:?}"
    );
}

#[both_engines]
async fn the_export_sends_each_record_once_as_json_lines(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chain = app.chain_of(3).await;
    let request = Uuid::new_v4();
    app.append(
        chain,
        &Event::new(Actor::Member(Uuid::new_v4()), AccountAction::MemberRemoved)
            .on("user", "u-1")
            .touching(&["role"])
            .in_request(Some(request))
            .denied(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("siem.jsonl");
    let sink = Sink::File(path.clone());

    assert_eq!(
        export_new(&app.db, &sink, Timestamp::now()).await.unwrap(),
        4
    );
    assert_eq!(
        export_new(&app.db, &sink, Timestamp::now()).await.unwrap(),
        0,
        "sent once"
    );
    app.append(
        chain,
        &Event::new(Actor::Anonymous, AccountAction::SignInPassword).denied(),
    )
    .await;
    assert_eq!(
        export_new(&app.db, &sink, Timestamp::now()).await.unwrap(),
        1
    );

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    let removed = &lines[3];
    assert_eq!(removed["type"], "leadvault.audit.record");
    assert_eq!(removed["chain"], chain.name());
    assert_eq!(removed["seq"], 4);
    assert_eq!(removed["action"], "member.removed");
    assert_eq!(removed["outcome"], "denied");
    assert_eq!(removed["fields"], serde_json::json!(["role"]));
    assert_eq!(removed["target"]["id"], "u-1");
    assert_eq!(removed["request_id"], request.to_string());
    assert!(removed["at"].as_str().unwrap().ends_with('Z'));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");
    }
}

#[both_engines]
async fn checkpoints_reach_a_syslog_receiver_over_udp_and_a_unix_socket(engine: Engine) {
    let app = TestApp::start(engine).await;
    app.chain_of(2).await;
    let key = app.keyring.checkpoint_key(Timestamp::now()).await.unwrap();
    let made = sign_heads(&app.db, &key, Timestamp::now()).await.unwrap();
    let line = made[0].to_line();

    let receiver = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let sink = Sink::parse(&format!("udp://{}", receiver.local_addr().unwrap())).unwrap();
    sink.send(std::slice::from_ref(&line), Timestamp::now())
        .await
        .unwrap();
    let mut buffer = vec![0; 4096];
    let n = receiver.recv(&mut buffer).await.unwrap();
    let message = String::from_utf8(buffer[..n].to_vec()).unwrap();
    assert!(
        message.starts_with("<110>1 ") && message.ends_with(&line),
        "{message}"
    );

    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("log.sock");
    let local = tokio::net::UnixDatagram::bind(&socket_path).unwrap();
    let sink = Sink::parse(&format!("unix:{}", socket_path.display())).unwrap();
    sink.send(std::slice::from_ref(&line), Timestamp::now())
        .await
        .unwrap();
    let n = local.recv(&mut buffer).await.unwrap();
    let message = String::from_utf8(buffer[..n].to_vec()).unwrap();
    assert!(
        message.contains(" leadvault ") && message.ends_with(&line),
        "{message}"
    );
    let parsed =
        leadvault_audit::Checkpoint::from_line(message.rsplit(" - ").next().unwrap()).unwrap();
    assert_eq!(parsed, made[0]);
}

#[both_engines]
async fn the_report_counts_each_actors_actions_per_target_refusals_first(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chain = Chain::Org(OrgId::random());
    let (ana, cy) = (Uuid::new_v4(), Uuid::new_v4());
    for _ in 0..3 {
        app.append(
            chain,
            &Event::new(Actor::Member(ana), IntakeAction::LeadRead).on("lead", "L1"),
        )
        .await;
    }
    app.append(
        chain,
        &Event::new(Actor::Member(ana), IntakeAction::LeadRead).on("lead", "L2"),
    )
    .await;
    app.append(
        chain,
        &Event::new(Actor::Member(cy), WebAction::AccessDenied)
            .on("capability", "manage_members")
            .denied(),
    )
    .await;
    // Another organization's records never show.
    app.append(
        Chain::Org(OrgId::random()),
        &Event::new(Actor::Member(ana), IntakeAction::LeadRead).on("lead", "X"),
    )
    .await;

    let since = Timestamp::now().saturating_sub(std::time::Duration::from_secs(3600));
    let rows = report(&app.db, chain, &ReportQuery::since(since), None)
        .await
        .unwrap();
    let summary: Vec<(String, String, String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.actor_id.clone(),
                r.action.clone(),
                r.target_id.clone(),
                r.count,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                cy.to_string(),
                "access.denied".into(),
                "manage_members".into(),
                1
            ),
            (ana.to_string(), "lead.read".into(), "L1".into(), 3),
            (ana.to_string(), "lead.read".into(), "L2".into(), 1),
        ]
    );
    let only_cy = report(
        &app.db,
        chain,
        &ReportQuery {
            actor_id: Some(cy.to_string()),
            ..ReportQuery::since(since)
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(only_cy.len(), 1);
    let second = report(&app.db, chain, &ReportQuery::since(since), Some((1, 1)))
        .await
        .unwrap();
    assert_eq!(second, rows[1..2], "a page: skip one, take one");
    let reads = ReportQuery {
        action: Some("lead.read".into()),
        ..ReportQuery::since(since)
    };
    assert_eq!(report(&app.db, chain, &reads, None).await.unwrap().len(), 2);
    let before = ReportQuery {
        until: Some(since),
        ..ReportQuery::since(Timestamp::from_unix_micros(0))
    };
    assert!(
        report(&app.db, chain, &before, None)
            .await
            .unwrap()
            .is_empty()
    );
    let later = Timestamp::now().saturating_add(std::time::Duration::from_secs(60));
    assert!(
        report(&app.db, chain, &ReportQuery::since(later), None)
            .await
            .unwrap()
            .is_empty()
    );

    let csv = report_csv(&rows);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("actor_kind,actor_id,action,target_kind,target_id,outcome,count,first,last")
    );
    assert!(lines.next().unwrap().starts_with(&format!(
        "member,{cy},access.denied,capability,manage_members,denied,1,"
    )));
}
