//! Reading the audit log back, as an investigator would.

use leadvault_audit::{Acting, Actor, By, Chain, Event, append_alone};
use leadvault_intake::IntakeAction;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Engine, OrgId, Timestamp};

use crate::TestApp;

/// One audit record, with its parts joined the way tests compare them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    /// `kind:id`, as in `member:5f0c…` or `anonymous:`.
    pub actor: String,
    pub action: String,
    /// `kind:id`, or `:` for none.
    pub target: String,
    pub fields: String,
    pub request_id: String,
    pub outcome: String,
}

impl AuditRow {
    /// Whether this is `action` with `outcome` ("allowed" or "denied").
    pub fn is(&self, action: &str, outcome: &str) -> bool {
        self.action == action && self.outcome == outcome
    }
}

impl TestApp {
    /// Appends `event` to `chain` at `at`, in a transaction of its own.
    pub async fn append_at(&self, chain: Chain, event: &Event, at: Timestamp) {
        append_alone(&self.db, chain, event, at).await.unwrap();
    }

    /// Appends `event` to `chain` now, in a transaction of its own.
    pub async fn append(&self, chain: Chain, event: &Event) {
        self.append_at(chain, event, Timestamp::now()).await;
    }

    /// A new organization's chain with `records` reads of leads `0..records`.
    pub async fn chain_of(&self, records: usize) -> Chain {
        let chain = Chain::Org(OrgId::random());
        for n in 0..records {
            let event = Event::new(Actor::System("test"), IntakeAction::LeadRead).on("lead", n);
            self.append(chain, &event).await;
        }
        chain
    }

    /// What an attacker with database access does first: drops the triggers that keep the
    /// audit tables append-only, and on PostgreSQL takes the privileges back.
    pub async fn drop_audit_guards(&self) {
        let sql = match self.engine {
            Engine::Sqlite => {
                "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete; \
                 DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;"
            }
            Engine::Postgres => {
                "GRANT UPDATE, DELETE ON audit_records, audit_checkpoints TO CURRENT_USER; \
                 DROP TRIGGER audit_records_no_change ON audit_records; \
                 DROP TRIGGER audit_checkpoints_no_change ON audit_checkpoints;"
            }
        };
        sqlx::raw_sql(sql).execute(self.db.pool()).await.unwrap();
    }

    /// Runs `sql` with `$1` bound to `chain`'s name: tampering, in tests.
    pub async fn on_chain(&self, sql: &str, chain: Chain) {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(chain.name())
            .execute(self.db.pool())
            .await
            .unwrap();
    }

    /// Every record of `chain`, in order.
    pub async fn audit_records(&self, chain: Chain) -> Vec<AuditRow> {
        let rows = sqlx::query(
            "SELECT seq, actor_kind, actor_id, action, target_kind, target_id, fields, \
             request_id, outcome FROM audit_records WHERE chain = $1 ORDER BY seq",
        )
        .bind(chain.name())
        .fetch_all(self.db.pool())
        .await
        .unwrap();
        rows.iter()
            .map(|row| {
                let text = |i: usize| row.try_get::<String, _>(i).unwrap();
                AuditRow {
                    seq: row.try_get(0).unwrap(),
                    actor: format!("{}:{}", text(1), text(2)),
                    action: text(3),
                    target: format!("{}:{}", text(4), text(5)),
                    fields: text(6),
                    request_id: text(7),
                    outcome: text(8),
                }
            })
            .collect()
    }

    /// The records of `chain` with `action`.
    pub async fn audited(&self, chain: Chain, action: &str) -> Vec<AuditRow> {
        let mut rows = self.audit_records(chain).await;
        rows.retain(|row| row.action == action);
        rows
    }
}

impl TestApp {
    /// How many rows `table` of the main database holds, in every organization.
    pub async fn rows_in(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }
}

/// A test's own context in `org`, now: who acts (the system, as "test") for a domain call
/// the test makes directly rather than through the web.
pub fn acting_in(org: OrgId) -> Acting {
    Acting::new(org, By::new(Actor::System("test"), None), Timestamp::now())
}
