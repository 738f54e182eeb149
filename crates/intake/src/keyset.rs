//! Keyset paging and filtered queries, shared by the lead inbox and the work-orders board.
//!
//! A page ends at a [`Cursor`] (its last record's sort key and id) and the next starts
//! strictly after it, so records that arrive while someone pages neither repeat nor push
//! others off a page, as offsets would. [`Conditions`] assembles a filter's SQL with
//! numbered placeholders and the values to bind, in order: values never go into the text.

use std::fmt;

use leadvault_store::sqlx;
use leadvault_store::{OrgId, Timestamp};

use crate::access::{AnyQuery, Condition};
use crate::ids::{LeadId, OrderId};

/// A one-value query on the `Any` driver, as built by `sqlx::query_scalar`.
pub(crate) type AnyScalar<'q, O> =
    sqlx::query::QueryScalar<'q, sqlx::Any, O, <sqlx::Any as sqlx::Database>::Arguments>;

/// A record id a cursor can carry.
pub trait RecordId: Copy + fmt::Display {
    fn parse_id(text: &str) -> Option<Self>;
}

impl RecordId for LeadId {
    fn parse_id(text: &str) -> Option<Self> {
        Self::parse(text)
    }
}

impl RecordId for OrderId {
    fn parse_id(text: &str) -> Option<Self> {
        Self::parse(text)
    }
}

/// Where a page ended: the last record's sort key (a time) and id. The next page starts
/// strictly after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor<I> {
    pub at: Timestamp,
    pub id: I,
}

impl<I: RecordId> Cursor<I> {
    /// As it travels in a URL: `MICROS.ID`. It names a record the reader was shown, nothing
    /// more; a forged one only moves where a page starts within the reader's own access.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.as_unix_micros(), self.id)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (at, id) = text.split_once('.')?;
        Some(Self {
            at: Timestamp::from_unix_micros(at.parse().ok()?),
            id: I::parse_id(id)?,
        })
    }
}

/// A value bound to a query, in order.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
}

/// The conditions of a filter, as SQL with numbered placeholders, starting with the
/// organization as `$1`.
#[derive(Debug, Clone)]
pub(crate) struct Conditions {
    pub sql: String,
    values: Vec<Value>,
}

impl Conditions {
    /// `{alias}.org_id = $1`.
    pub fn new(alias: &str, org: OrgId) -> Self {
        Self {
            sql: format!("{alias}.org_id = $1"),
            values: vec![Value::Text(org.to_string())],
        }
    }

    /// Binds `value` and says where: `$n`.
    pub fn value(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    pub fn and(&mut self, sql: String) {
        self.sql.push_str(" AND ");
        self.sql.push_str(&sql);
    }

    /// The reader's access condition, made for the next placeholder.
    pub fn reach(&mut self, make: impl FnOnce(usize) -> Condition) {
        let reach = make(self.values.len() + 1);
        self.sql.push_str(&reach.sql);
        self.values.extend(reach.binds.into_iter().map(Value::Text));
    }

    /// Records after `cursor` in the order of `key` (then `id`): later ones ascending,
    /// earlier ones descending. Returns the `ORDER BY` that goes with it.
    pub fn after<I: RecordId>(
        &mut self,
        key: &str,
        id: &str,
        cursor: Option<Cursor<I>>,
        ascending: bool,
    ) -> String {
        let (beyond, order) = if ascending {
            (">", "ASC")
        } else {
            ("<", "DESC")
        };
        if let Some(cursor) = cursor {
            let at = self.value(Value::Int(cursor.at.as_unix_micros()));
            let after = self.value(Value::Text(cursor.id.to_string()));
            self.and(format!(
                "({key} {beyond} {at} OR ({key} = {at} AND {id} {beyond} {after}))"
            ));
        }
        format!("{key} {order}, {id} {order}")
    }

    /// The same for a query of one value.
    pub fn bind_scalar<'q, O>(&self, query: AnyScalar<'q, O>) -> AnyScalar<'q, O> {
        self.values.iter().fold(query, |query, value| match value {
            Value::Text(text) => query.bind(text.clone()),
            Value::Int(n) => query.bind(*n),
            Value::Bytes(bytes) => query.bind(bytes.clone()),
        })
    }

    pub fn bind<'q>(&self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        self.values.iter().fold(query, |query, value| match value {
            Value::Text(text) => query.bind(text.clone()),
            Value::Int(n) => query.bind(*n),
            Value::Bytes(bytes) => query.bind(bytes.clone()),
        })
    }
}
