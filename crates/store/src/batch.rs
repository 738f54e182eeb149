//! Statements sent to the database together.
//!
//! sqlx's SQLite driver runs each connection on a thread of its own and hands every
//! statement to it and back; under load those hand-offs, not SQLite, are where a write
//! transaction's time goes, and SQLite lets one transaction write at a time, so every
//! hand-off inside one is paid by all writers queued behind it. A [`Batch`] is sent to
//! SQLite as one multi-statement query: one hand-off however many statements it holds. On
//! PostgreSQL, whose extended protocol takes one statement per query, they run one after
//! another, exactly as if each had been executed by itself.
//!
//! Each statement is written as it would be alone, numbering its parameters from `$1`; the
//! batch renumbers them for SQLite, where `$N` names the N-th argument of the whole query.

use futures_util::TryStreamExt;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Either, Executor, SqlSafeStr, SqlStr};

use crate::error::StoreError;

/// One statement of a batch and the values of its parameters, in order (`$1`, `$2`, …).
#[derive(Debug, Clone)]
pub struct Statement {
    sql: SqlStr,
    values: Vec<Value>,
}

/// A parameter's value: the types every table stores (see `docs/ARCHITECTURE.md`).
#[derive(Debug, Clone)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

impl Statement {
    /// A statement with parameters `$1`, `$2`, … bound in the order of [`Statement::bind`].
    /// Values never go into the text: `sql` is `&'static str`, or text the caller assembled
    /// from its own constants and vouched for with [`sqlx::AssertSqlSafe`].
    pub fn new(sql: impl SqlSafeStr) -> Self {
        Self {
            sql: sql.into_sql_str(),
            values: Vec::new(),
        }
    }

    /// Binds the next parameter.
    #[must_use]
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.values.push(value.into());
        self
    }
}

/// What one statement of a batch did.
pub struct Done {
    pub rows_affected: u64,
    /// The rows it returned (a `SELECT`, or `RETURNING`).
    pub rows: Vec<AnyRow>,
}

/// Where a statement's outcome will be in the batch's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(usize);

/// Statements to run together, in order, on one connection (normally a transaction's: a
/// batch is not atomic by itself). The first that fails stops the rest.
#[derive(Debug, Default)]
pub struct Batch {
    statements: Vec<Statement>,
}

/// The outcomes of a batch's statements.
pub struct Outcomes(Vec<Option<Done>>);

impl std::fmt::Debug for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Done")
            .field("rows_affected", &self.rows_affected)
            .field("rows", &self.rows.len())
            .finish()
    }
}

impl std::fmt::Debug for Outcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl Outcomes {
    fn of(done: Vec<Done>) -> Self {
        Self(done.into_iter().map(Some).collect())
    }

    /// The outcome in `slot`, once.
    pub fn take(&mut self, slot: Slot) -> Result<Done, StoreError> {
        self.0
            .get_mut(slot.0)
            .and_then(Option::take)
            .ok_or(StoreError::Batch(
                "a statement's outcome was asked for twice",
            ))
    }
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a statement; its outcome will be in `slot`.
    pub fn push(&mut self, statement: Statement) -> Slot {
        self.statements.push(statement);
        Slot(self.statements.len() - 1)
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Runs the statements in order on `conn`.
    pub async fn run(self, conn: &mut AnyConnection) -> Result<Outcomes, StoreError> {
        let mut done = Vec::with_capacity(self.statements.len());
        run_all(self.statements, conn, &mut done).await?;
        Ok(Outcomes::of(done))
    }

    /// Runs `prefix`, then the statements, in the same round trip; the prefix's outcomes
    /// are not kept (a group commit's savepoint rides in its member's first batch this
    /// way). On failure, says whether the whole prefix had run.
    pub(crate) async fn run_preceded(
        self,
        prefix: &[&'static str],
        conn: &mut AnyConnection,
    ) -> Result<Outcomes, Failed> {
        let mut statements = Vec::with_capacity(self.statements.len() + prefix.len());
        statements.extend(prefix.iter().map(|sql| Statement::new(*sql)));
        statements.extend(self.statements);
        let mut done = Vec::with_capacity(statements.len());
        match run_all(statements, conn, &mut done).await {
            Ok(()) => Ok(Outcomes::of(done.split_off(prefix.len()))),
            Err(error) => Err(Failed {
                error,
                prefix_ran: done.len() >= prefix.len(),
            }),
        }
    }
}

/// A batch that failed part-way ([`Batch::run_preceded`]).
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) error: StoreError,
    /// Whether every statement of the prefix had run before the failure.
    pub(crate) prefix_ran: bool,
}

/// Runs `statements`, adding each one's outcome to `done` as it finishes.
async fn run_all(
    statements: Vec<Statement>,
    conn: &mut AnyConnection,
    done: &mut Vec<Done>,
) -> Result<(), StoreError> {
    if statements.is_empty() {
        return Ok(());
    }
    let expected = done.len() + statements.len();
    if conn.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME {
        run_as_one(statements, conn, done).await?;
    } else {
        for statement in statements {
            done.push(collect(bound(statement.sql, statement.values), conn).await?);
        }
    }
    if done.len() != expected {
        return Err(StoreError::Batch(
            "the database answered for a different number of statements",
        ));
    }
    Ok(())
}

/// SQLite: one query of all the statements, parameters renumbered to follow on.
async fn run_as_one(
    statements: Vec<Statement>,
    conn: &mut AnyConnection,
    done: &mut Vec<Done>,
) -> Result<(), StoreError> {
    let mut sql = String::new();
    let mut values = Vec::new();
    for statement in statements {
        let offset = values.len();
        sql.push_str(&renumber(statement.sql.as_str(), offset));
        sql.push_str(";\n");
        values.extend(statement.values);
    }
    // The text is our statements' own, joined; only `$N` numbers changed.
    let query = bound(sqlx::AssertSqlSafe(sql).into_sql_str(), values);
    let mut stream = conn.fetch_many(query);
    let mut rows = Vec::new();
    while let Some(item) = stream.try_next().await? {
        match item {
            Either::Right(row) => rows.push(row),
            Either::Left(result) => done.push(Done {
                rows_affected: result.rows_affected(),
                rows: std::mem::take(&mut rows),
            }),
        }
    }
    Ok(())
}

async fn collect(
    query: Query<'_, Any, AnyArguments>,
    conn: &mut AnyConnection,
) -> Result<Done, StoreError> {
    let mut stream = conn.fetch_many(query);
    let mut done = Done {
        rows_affected: 0,
        rows: Vec::new(),
    };
    while let Some(item) = stream.try_next().await? {
        match item {
            Either::Right(row) => done.rows.push(row),
            Either::Left(result) => done.rows_affected += result.rows_affected(),
        }
    }
    Ok(done)
}

fn bound(sql: SqlStr, values: Vec<Value>) -> Query<'static, Any, AnyArguments> {
    values
        .into_iter()
        .fold(sqlx::query(sql), |query, value| match value {
            Value::Int(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Bytes(v) => query.bind(v),
        })
}

/// `sql` with every parameter `$N` outside quotes made `$(N + offset)`.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                match digits.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + offset).to_string()),
                    Err(_) => out.push_str(&digits),
                }
            }
            (None, _) => {}
        }
    }
    out
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(Some(v))
    }
}

impl From<Option<Vec<u8>>> for Value {
    fn from(v: Option<Vec<u8>>) -> Self {
        Self::Bytes(v)
    }
}

#[cfg(test)]
mod tests {
    use super::renumber;

    #[test]
    fn parameters_follow_on_from_the_statements_before() {
        assert_eq!(
            renumber("INSERT INTO t (a, b) VALUES ($1, $2)", 3),
            "INSERT INTO t (a, b) VALUES ($4, $5)"
        );
        assert_eq!(renumber("SELECT $10, $9", 5), "SELECT $15, $14");
    }

    #[test]
    fn quoted_text_is_left_alone() {
        assert_eq!(
            renumber("SELECT '$1', \"$2\", $1 WHERE x = 'it''s $3'", 2),
            "SELECT '$1', \"$2\", $3 WHERE x = 'it''s $3'"
        );
    }

    #[test]
    fn the_first_statement_is_unchanged() {
        let sql = "UPDATE t SET a = $1 WHERE id = $2";
        assert_eq!(renumber(sql, 0), sql);
    }
}
