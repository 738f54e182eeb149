//! Reading the audit log back, as an investigator would.

use leadvault_audit::Chain;
use leadvault_store::sqlx::{self, Row};

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
