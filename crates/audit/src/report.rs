//! The access report: who did what to which records, how often, refusals first.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, Timestamp};
use serde_json::json;

use crate::error::AuditError;
use crate::record::Chain;

/// One line of the report: an actor's action on one target, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub actor_kind: String,
    pub actor_id: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub outcome: String,
    pub count: i64,
    pub first: Timestamp,
    pub last: Timestamp,
}

/// What a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    /// At or after.
    pub since: Timestamp,
    /// Before, if given.
    pub until: Option<Timestamp>,
    /// Only what this actor did.
    pub actor_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
}

impl ReportQuery {
    pub fn since(since: Timestamp) -> Self {
        Self {
            since,
            until: None,
            actor_id: None,
            action: None,
        }
    }
}

/// The report of `chain` for `query`: denied attempts first, then the most frequent.
/// `page` is (rows to skip, rows to return); `None` returns every row.
pub async fn report(
    db: &Db,
    chain: Chain,
    query: &ReportQuery,
    page: Option<(i64, i64)>,
) -> Result<Vec<ReportRow>, AuditError> {
    let (offset, limit) = page.unwrap_or((0, i64::MAX));
    let rows = sqlx::query(
        "SELECT actor_kind, actor_id, action, target_kind, target_id, outcome, \
         count(*), min(at), max(at) FROM audit_records \
         WHERE chain = $1 AND at >= $2 AND ($3 IS NULL OR at < $3) \
         AND ($4 IS NULL OR actor_id = $4) AND ($5 IS NULL OR action = $5) \
         GROUP BY actor_kind, actor_id, action, target_kind, target_id, outcome \
         ORDER BY CASE outcome WHEN 'denied' THEN 0 ELSE 1 END, count(*) DESC, \
         actor_id, action, target_kind, target_id LIMIT $6 OFFSET $7",
    )
    .bind(chain.name())
    .bind(query.since.as_unix_micros())
    .bind(query.until.map(Timestamp::as_unix_micros))
    .bind(query.actor_id.clone())
    .bind(query.action.clone())
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ReportRow {
                actor_kind: row.try_get(0)?,
                actor_id: row.try_get(1)?,
                action: row.try_get(2)?,
                target_kind: row.try_get(3)?,
                target_id: row.try_get(4)?,
                outcome: row.try_get(5)?,
                count: row.try_get(6)?,
                first: Timestamp::from_unix_micros(row.try_get(7)?),
                last: Timestamp::from_unix_micros(row.try_get(8)?),
            })
        })
        .collect()
}

/// One CSV cell. Quoted when it must be; a cell a spreadsheet would run as a formula is
/// defused with a leading apostrophe (OWASP's advice on CSV injection).
pub fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// One CSV line (with its CRLF, as RFC 4180 has it).
pub fn csv_line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let cells: Vec<String> = cells.into_iter().map(csv_cell).collect();
    format!("{}\r\n", cells.join(","))
}

/// The report as CSV, with a header line.
pub fn report_csv(rows: &[ReportRow]) -> String {
    let mut out = csv_line([
        "actor_kind",
        "actor_id",
        "action",
        "target_kind",
        "target_id",
        "outcome",
        "count",
        "first",
        "last",
    ]);
    for row in rows {
        let (count, first, last) = (
            row.count.to_string(),
            row.first.rfc3339(),
            row.last.rfc3339(),
        );
        out.push_str(&csv_line([
            row.actor_kind.as_str(),
            &row.actor_id,
            &row.action,
            &row.target_kind,
            &row.target_id,
            &row.outcome,
            &count,
            &first,
            &last,
        ]));
    }
    out
}

/// The report as a JSON array.
pub fn report_json(rows: &[ReportRow]) -> String {
    let rows: Vec<_> = rows
        .iter()
        .map(|row| {
            json!({
                "actor": { "kind": row.actor_kind, "id": row.actor_id },
                "action": row.action,
                "target": { "kind": row.target_kind, "id": row.target_id },
                "outcome": row.outcome,
                "count": row.count,
                "first": row.first.rfc3339(),
                "last": row.last.rfc3339(),
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed_and_formulas_defused() {
        assert_eq!(csv_cell("lead.read"), "lead.read");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_line(["a", "b,c"]), "a,\"b,c\"\r\n");
    }
}
