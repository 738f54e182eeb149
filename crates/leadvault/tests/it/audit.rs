//! The audit chain: appended in the operation's own transaction, append-only, and every kind
//! of tampering by someone with database access (triggers dropped) is found and named.

use leadvault_audit::{
    Actor, AuditError, Broken, Chain, Claim, Claiming, Event, Outcome, append, verify,
};
use leadvault_store::{
    Batch, GroupedWrite, OrgId, Outcomes, Slot, Statement, Step, StoreError, TenantScope,
    Timestamp, Turn, sqlx,
};
use leadvault_test_support::forms::NAME_ONLY;
use leadvault_test_support::{Engine, TestApp, both_engines};
use uuid::Uuid;

fn event(n: usize) -> Event {
    Event {
        actor: Actor::Member(Uuid::new_v4()),
        action: "lead.read",
        target: Some(("lead", format!("lead-{n}"))),
        fields: vec!["name".into(), "email".into()],
        request_id: Some(Uuid::new_v4()),
        outcome: if n.is_multiple_of(2) {
            Outcome::Allowed
        } else {
            Outcome::Denied
        },
    }
}

async fn chain_of(app: &TestApp, records: usize) -> Chain {
    let chain = Chain::Org(OrgId::random());
    for n in 0..records {
        app.append(chain, &event(n)).await;
    }
    chain
}

#[both_engines]
async fn records_are_appended_with_their_operation_or_not_at_all(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chain = chain_of(&app, 3).await;

    let mut tx = app.db.begin().await.unwrap();
    append(&mut tx, chain, &event(9), Timestamp::now())
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let verified = verify(&app.db, chain).await.unwrap().unwrap();
    assert_eq!(
        verified.records, 3,
        "a rolled-back operation leaves no record"
    );

    // Appends racing on one chain queue up; none is lost or duplicated.
    let mut tasks = Vec::new();
    for n in 0..12 {
        let db = app.db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            append(&mut tx, chain, &event(n), Timestamp::now())
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(verify(&app.db, chain).await.unwrap().unwrap().records, 15);
    let other = chain_of(&app, 2).await;
    assert_eq!(
        verify(&app.db, other).await.unwrap().unwrap().records,
        2,
        "chains are separate"
    );
    assert_eq!(
        verify(&app.db, Chain::Instance)
            .await
            .unwrap()
            .unwrap()
            .records,
        0
    );
}

#[both_engines]
async fn records_cannot_be_changed_or_deleted(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chain = chain_of(&app, 2).await;
    for sql in [
        "UPDATE audit_records SET action = 'nothing' WHERE chain = $1",
        "DELETE FROM audit_records WHERE chain = $1",
    ] {
        let refused = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(chain.name())
            .execute(app.db.pool())
            .await;
        assert!(refused.is_err(), "{sql}");
    }
    assert_eq!(verify(&app.db, chain).await.unwrap().unwrap().records, 2);
}

#[both_engines]
async fn every_kind_of_tampering_is_found_and_named(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chains: Vec<Chain> = {
        let mut chains = Vec::new();
        for _ in 0..5 {
            chains.push(chain_of(&app, 5).await);
        }
        chains
    };
    app.drop_audit_guards().await;

    // Altered: a field list edited.
    app.on_chain(
        "UPDATE audit_records SET fields = '' WHERE chain = $1 AND seq = 3",
        chains[0],
    )
    .await;
    assert_eq!(
        verify(&app.db, chains[0]).await.unwrap(),
        Err(Broken::Altered { seq: 3 })
    );

    // Removed from the middle.
    app.on_chain(
        "DELETE FROM audit_records WHERE chain = $1 AND seq = 3",
        chains[1],
    )
    .await;
    assert_eq!(
        verify(&app.db, chains[1]).await.unwrap(),
        Err(Broken::Missing {
            expected: 3,
            found: 4
        })
    );

    // Inserted: the later records renumbered to make room for a forged one.
    app.on_chain(
        "UPDATE audit_records SET seq = seq + 10 WHERE chain = $1 AND seq >= 3",
        chains[2],
    )
    .await;
    app.on_chain(
        "UPDATE audit_records SET seq = seq - 9 WHERE chain = $1 AND seq >= 13",
        chains[2],
    )
    .await;
    app.on_chain(
        "INSERT INTO audit_records (chain, seq, at, actor_kind, actor_id, action, target_kind, target_id, fields, request_id, outcome, prev_hash, hash) \
         SELECT chain, 3, at, actor_kind, actor_id, 'lead.deleted', target_kind, target_id, fields, request_id, outcome, hash, hash \
         FROM audit_records WHERE chain = $1 AND seq = 2",
        chains[2],
    ).await;
    assert_eq!(
        verify(&app.db, chains[2]).await.unwrap(),
        Err(Broken::Altered { seq: 3 })
    );

    // Reordered: two records swap places.
    app.on_chain(
        "UPDATE audit_records SET seq = 100 WHERE chain = $1 AND seq = 2",
        chains[3],
    )
    .await;
    app.on_chain(
        "UPDATE audit_records SET seq = 2 WHERE chain = $1 AND seq = 3",
        chains[3],
    )
    .await;
    app.on_chain(
        "UPDATE audit_records SET seq = 3 WHERE chain = $1 AND seq = 100",
        chains[3],
    )
    .await;
    assert_eq!(
        verify(&app.db, chains[3]).await.unwrap(),
        Err(Broken::Altered { seq: 2 })
    );

    // Truncated: the last records removed.
    app.on_chain(
        "DELETE FROM audit_records WHERE chain = $1 AND seq >= 4",
        chains[4],
    )
    .await;
    assert_eq!(
        verify(&app.db, chains[4]).await.unwrap(),
        Err(Broken::Truncated { last: 3, head: 5 })
    );
}

#[both_engines]
async fn places_claimed_for_records_and_left_unused_are_given_back(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chain = chain_of(&app, 1).await;
    let fresh = Chain::Org(OrgId::random());
    for (chain, used) in [(chain, 1), (fresh, 2), (chain, 0)] {
        let claiming = Claiming::new(chain, 3);
        let mut first = Batch::new();
        let slot = first.push(claiming.statement());
        let mut tx = app.db.begin_write().await.unwrap();
        let claim = claiming
            .claimed(first.run(&mut tx).await.unwrap().take(slot).unwrap())
            .unwrap();
        let events: Vec<Event> = (0..used).map(event).collect();
        let mut second = Batch::new();
        claim
            .record(
                &mut second,
                &events.iter().collect::<Vec<_>>(),
                Timestamp::now(),
            )
            .unwrap();
        second.run(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    app.append(chain, &event(7)).await;
    assert_eq!(
        verify(&app.db, chain).await.unwrap().unwrap().records,
        3,
        "no gap, no seq lost"
    );
    assert_eq!(verify(&app.db, fresh).await.unwrap().unwrap().records, 2);

    let claiming = Claiming::new(fresh, 1);
    let mut first = Batch::new();
    let slot = first.push(claiming.statement());
    let mut tx = app.db.begin_write().await.unwrap();
    let claim = claiming
        .claimed(first.run(&mut tx).await.unwrap().take(slot).unwrap())
        .unwrap();
    let (one, two) = (event(1), event(2));
    assert!(
        claim
            .record(&mut Batch::new(), &[&one, &two], Timestamp::now())
            .is_err(),
        "no more records than places"
    );
}

/// One grouped writer's append: the claim recalled from an earlier writer of the shared
/// transaction when there is one, read otherwise; a writer told to fail does so after its
/// record is written, and is rolled back with it.
struct GroupedAppend {
    claiming: Claiming,
    event: Event,
    fails: bool,
    stage: AppendStage,
}

enum AppendStage {
    Start,
    Claimed(Slot),
    Recorded,
    Refused,
}

impl GroupedAppend {
    fn record(&mut self, turn: &mut Turn<'_>, claim: Claim) -> Result<Step<()>, AuditError> {
        let mut batch = Batch::new();
        claim.record_grouped(turn, &mut batch, &[&self.event], Timestamp::now())?;
        self.stage = AppendStage::Recorded;
        Ok(Step::Run(batch))
    }
}

impl GroupedWrite for GroupedAppend {
    type Output = ();
    type Error = AuditError;

    fn step(
        &mut self,
        turn: &mut Turn<'_>,
        last: Option<Outcomes>,
    ) -> Result<Step<()>, AuditError> {
        match (&self.stage, last) {
            (AppendStage::Start, None) => match self.claiming.recall(turn) {
                Some(known) => self.record(turn, known),
                None => {
                    let mut first = Batch::new();
                    self.stage = AppendStage::Claimed(first.push(self.claiming.statement()));
                    Ok(Step::Run(first))
                }
            },
            (AppendStage::Claimed(slot), Some(mut outcomes)) => {
                let claim = self.claiming.claimed(outcomes.take(*slot)?)?;
                self.record(turn, claim)
            }
            (AppendStage::Recorded, Some(_)) if self.fails => {
                let mut refused = Batch::new();
                refused.push(Statement::new("INSERT INTO no_such_table VALUES (1)"));
                self.stage = AppendStage::Refused;
                Ok(Step::Run(refused))
            }
            (AppendStage::Recorded, Some(_)) => Ok(Step::Done(())),
            _ => Err(StoreError::Batch("out of step").into()),
        }
    }
}

async fn grouped_append(db: leadvault_store::Db, chain: Chain, n: usize, fails: bool) -> bool {
    let append = GroupedAppend {
        claiming: Claiming::new(chain, 1),
        event: event(n),
        fails,
        stage: AppendStage::Start,
    };
    let written = db
        .write_grouped_in(TenantScope::AllOrganizations, append)
        .await;
    assert_eq!(written.is_err(), fails, "{written:?}");
    written.is_ok()
}

#[both_engines]
async fn writers_sharing_a_commit_chain_their_records_in_commit_order(engine: Engine) {
    let app = TestApp::start(engine).await;
    let chain = chain_of(&app, 2).await;
    let tasks: Vec<_> = (0..40)
        .map(|n| tokio::spawn(grouped_append(app.db.clone(), chain, n, n % 7 == 3)))
        .collect();
    let mut committed = 0;
    for task in tasks {
        committed += usize::from(task.await.unwrap());
    }
    assert_eq!(committed, 34);
    let verified = verify(&app.db, chain).await.unwrap().unwrap();
    assert_eq!(
        verified.records, 36,
        "every committed record, none of the failed, no gap"
    );
    app.append(chain, &event(99)).await;
    assert_eq!(verify(&app.db, chain).await.unwrap().unwrap().records, 37);
}

/// Makes every audit append fail from now on, as a full disk or a broken database would.
async fn refuse_audit_appends(app: &TestApp) {
    let statements: &[&str] = match app.engine {
        Engine::Sqlite => &[
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records \
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        ],
        Engine::Postgres => &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records \
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ],
    };
    for statement in statements {
        sqlx::query(*statement)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
}

/// A change is audited in its own transaction: when its audit record cannot be written, the
/// change is not made either (the person gets an error, and nothing is half done).
#[both_engines]
async fn a_change_whose_audit_record_cannot_be_written_is_not_made(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (owner, mut browser, _) = app.signed_in_owner("owner@a.test").await;
    let form = app.form(owner.org_id, NAME_ONLY).await;
    let lead = app.lead(&form, &[("name", "Marisol")]).await;
    let csrf = browser.get(&format!("/leads/{lead}")).await.csrf();
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM leads WHERE id = $1")
            .bind(lead.to_string())
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    let before = status().await;

    refuse_audit_appends(&app).await;
    let changed = browser
        .post(
            &format!("/leads/{lead}/status"),
            &[("csrf", csrf.as_str()), ("status", "contacted")],
        )
        .await;
    assert_eq!(changed.status, 500);
    assert_eq!(status().await, before, "the status change was rolled back");

    let noted = browser
        .post(
            &format!("/leads/{lead}/notes"),
            &[
                ("csrf", csrf.as_str()),
                ("note", "Called back, left a message"),
            ],
        )
        .await;
    assert_eq!(noted.status, 500);
    let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lead_notes")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(notes, 0, "the note was not kept");
}

/// Analytics' definitions are audited the same way: a goal, a share link or an experiment's
/// change whose audit record cannot be written is not made.
#[both_engines]
async fn an_analytics_change_whose_audit_record_cannot_be_written_is_not_made(engine: Engine) {
    use leadvault_analytics::{ExperimentError, OnSite, create_experiment, list_experiments};

    let app = TestApp::start(engine).await;
    let (owner, mut browser, _) = app.signed_in_owner("owner@a.test").await;
    let site = app.site(owner.org_id, "lima.law").await;
    let lima = OnSite {
        site,
        domain: "lima.law",
    };
    let acting = leadvault_test_support::acting_in(owner.org_id);
    let experiment = create_experiment(
        &app.db,
        &acting,
        lima,
        r#"{"name": "Headline", "traffic": 100, "variations": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50, "changes": [{"set_text": {"selector": "h1", "text": "Call us"}}]}]}"#,
    )
    .await
    .unwrap();
    let csrf = browser
        .get(&format!("/sites/{site}/analytics"))
        .await
        .csrf();
    let count = |table: &'static str| app.rows_in(table);

    refuse_audit_appends(&app).await;
    let goal = browser
        .post(
            &format!("/sites/{site}/analytics/goals"),
            &[("csrf", &csrf), ("kind", "event"), ("target", "Signup")],
        )
        .await;
    assert_eq!(goal.status, 500);
    assert_eq!(count("analytics_goals").await, 0, "the goal was not kept");

    let shared = browser
        .post(
            &format!("/sites/{site}/analytics/share"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(shared.status, 500);
    assert_eq!(count("analytics_shares").await, 0, "no share link exists");

    let started = browser
        .post(
            &format!("/sites/{site}/experiments/{experiment}/state"),
            &[("csrf", &csrf), ("state", "running")],
        )
        .await;
    assert_eq!(started.status, 500);
    let saved = list_experiments(&app.db, lima).await.unwrap();
    assert_eq!(
        saved[0].state.name(),
        "draft",
        "the experiment did not start"
    );

    let refused = create_experiment(
        &app.db,
        &acting,
        lima,
        r#"{"name": "Other", "traffic": 100, "variations": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50}]}"#,
    )
    .await;
    assert!(
        matches!(refused, Err(ExperimentError::Audit(_))),
        "{refused:?}"
    );
    assert_eq!(
        count("analytics_experiments").await,
        1,
        "only the first is kept"
    );
}
