//! The work-orders board: orders a page at a time (keyset-paged, [`crate::keyset`]),
//! filtered on what is stored plain (status, customer, due date, rush, overdue), newest,
//! oldest or soonest due first, with counts per status. The same query, under a client's
//! [`OrderAccess`], is a customer's list in the portal. Nothing is decrypted.

use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};
use uuid::Uuid;

use crate::error::IntakeError;
use crate::ids::OrderId;
use crate::inbox::MAX_PAGE;
use crate::keyset::{Conditions, Cursor, Value};
use crate::order_access::OrderAccess;
use crate::order_status::OrderStatus;
use crate::orders::{ORDERS_WITH_FORMS, OrderSummary, SUMMARY_COLUMNS, summary_from};

/// The statuses an order is still to be done in: only those can be overdue.
pub const OPEN: [OrderStatus; 3] = [
    OrderStatus::Received,
    OrderStatus::Accepted,
    OrderStatus::InProgress,
];

/// Which way the board runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderSort {
    #[default]
    NewestFirst,
    OldestFirst,
    /// Soonest due first; orders without a due date last.
    DueFirst,
}

/// What the board shows: the filters, all optional and combined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub customer: Option<Uuid>,
    /// Due on or after this day (midnight UTC).
    pub due_from: Option<Timestamp>,
    /// Due before this time.
    pub due_until: Option<Timestamp>,
    pub rush: Option<bool>,
    /// Open orders whose due date is before this day (today, midnight UTC).
    pub overdue_before: Option<Timestamp>,
}

/// One page's request.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub filter: OrderFilter,
    pub sort: OrderSort,
    pub after: Option<Cursor<OrderId>>,
    pub limit: usize,
}

/// A page of the board, where the next starts, and the counts per status under the same
/// filters but the status one.
#[derive(Debug)]
pub struct OrderPage {
    pub orders: Vec<OrderSummary>,
    pub next: Option<Cursor<OrderId>>,
    pub counts: Vec<(OrderStatus, i64)>,
}

/// An order without a due date sorts after every dated one.
const NO_DUE_DATE: i64 = i64::MAX;

/// A page of `org`'s orders within `access`.
pub async fn order_board(
    db: &Db,
    org: OrgId,
    access: &OrderAccess,
    query: &OrderQuery,
) -> Result<OrderPage, IntakeError> {
    let f = &query.filter;
    let mut page = Conditions::new("o", org);
    if let Some(customer) = f.customer {
        let at = page.value(Value::Text(customer.to_string()));
        page.and(format!("o.customer_id = {at}"));
    }
    if let Some(from) = f.due_from {
        let at = page.value(Value::Int(from.as_unix_micros()));
        page.and(format!("o.due_on >= {at}"));
    }
    if let Some(until) = f.due_until {
        let at = page.value(Value::Int(until.as_unix_micros()));
        page.and(format!("o.due_on < {at}"));
    }
    if let Some(rush) = f.rush {
        let at = page.value(Value::Int(i64::from(rush)));
        page.and(format!("o.rush = {at}"));
    }
    if let Some(today) = f.overdue_before {
        let at = page.value(Value::Int(today.as_unix_micros()));
        let open: Vec<String> = OPEN
            .iter()
            .map(|s| page.value(Value::Text(s.name().to_owned())))
            .collect();
        page.and(format!(
            "o.due_on < {at} AND o.status IN ({})",
            open.join(", ")
        ));
    }
    page.reach(|first| access.condition("o", first));
    let counts_of = page.clone();
    if let Some(status) = f.status {
        let at = page.value(Value::Text(status.name().to_owned()));
        page.and(format!("o.status = {at}"));
    }
    let (key, ascending) = match query.sort {
        OrderSort::NewestFirst => ("o.created_at", false),
        OrderSort::OldestFirst => ("o.created_at", true),
        OrderSort::DueFirst => ("COALESCE(o.due_on, 9223372036854775807)", true),
    };
    let order = page.after(key, "o.id", query.after, ascending);
    let limit = query.limit.clamp(1, MAX_PAGE);
    let take = page.value(Value::Int(i64::try_from(limit + 1).unwrap_or(i64::MAX)));
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let listed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM {ORDERS_WITH_FORMS} WHERE {} ORDER BY {order} LIMIT {take}",
        page.sql
    )));
    let rows = page.bind(listed).fetch_all(&mut *tx).await?;
    let counted = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT o.status, COUNT(*) FROM work_orders o WHERE {} GROUP BY o.status",
        counts_of.sql
    )));
    let counted = counts_of.bind(counted).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut counts = Vec::new();
    for status in OrderStatus::ALL {
        let mut n = 0;
        for row in &counted {
            if row.try_get::<String, _>(0)? == status.name() {
                n = row.try_get(1)?;
            }
        }
        counts.push((status, n));
    }
    let mut orders = rows
        .iter()
        .map(summary_from)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if orders.len() > limit {
        orders.truncate(limit);
        orders.last().map(|last| Cursor {
            at: match query.sort {
                OrderSort::DueFirst => last
                    .schedule
                    .due_on
                    .unwrap_or(Timestamp::from_unix_micros(NO_DUE_DATE)),
                OrderSort::NewestFirst | OrderSort::OldestFirst => last.created_at,
            },
            id: last.id,
        })
    } else {
        None
    };
    Ok(OrderPage {
        orders,
        next,
        counts,
    })
}
