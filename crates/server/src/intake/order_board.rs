//! The work-orders board's request and rows: filters read from the URL (status, customer,
//! due between two dates, rush, overdue; newest, oldest or soonest due first), the links
//! that keep them, and rows marked overdue, due soon or rush. The portal lists a client's
//! own orders through the same query and paging. Nothing here decrypts.

use std::collections::BTreeMap;
use std::ops::Deref;

use leadvault_analytics::Day;
use leadvault_intake::{
    Cursor, OPEN, OrderFilter, OrderPage, OrderQuery, OrderSort, OrderStatus, OrderSummary,
};
use leadvault_store::Uuid;

use crate::intake::view_params::ViewParams;
use crate::intake::views::{Choice, OrderRow, StatusCount};
use crate::web::render::utc;

/// Orders on a page of the board or the portal.
pub const PAGE_SIZE: usize = 50;

/// An open order due within this many days (today included) is marked due soon.
const DUE_SOON_DAYS: i64 = 2;

const FILTERS: [&str; 7] = [
    "status",
    "customer",
    "due_from",
    "due_until",
    "rush",
    "overdue",
    "sort",
];

/// The board's (or the portal's) parameters, as given.
#[derive(Debug, Default)]
pub struct BoardParams(ViewParams);

impl Deref for BoardParams {
    type Target = ViewParams;

    fn deref(&self) -> &ViewParams {
        &self.0
    }
}

impl BoardParams {
    /// The parameters of the list at `path` (`/orders`, `/portal`).
    pub fn new(path: &'static str, params: BTreeMap<String, String>) -> Self {
        Self(ViewParams::new(path, &FILTERS, params))
    }

    /// The query these parameters ask for on `today`; or what is wrong with them, in words.
    pub fn query(&self, today: Day) -> Result<OrderQuery, String> {
        let day = |key: &str, what: &str| -> Result<Option<Day>, String> {
            self.get(key)
                .map(|text| {
                    Day::parse(text).ok_or_else(|| format!("{what} is a date (YYYY-MM-DD)"))
                })
                .transpose()
        };
        let filter = OrderFilter {
            status: self
                .get("status")
                .map(|name| OrderStatus::parse(name).ok_or("choose a status from the list"))
                .transpose()?,
            customer: self
                .get("customer")
                .map(|id| Uuid::try_parse(id).map_err(|_| "choose a client from the list"))
                .transpose()?,
            due_from: day("due_from", "“Due from”")?.map(Day::start),
            // The last day asked for is included.
            due_until: day("due_until", "“Due until”")?.map(|day| day.plus(1).start()),
            rush: match self.get("rush") {
                None => None,
                Some("yes") => Some(true),
                Some("no") => Some(false),
                Some(_) => return Err("rush is yes or no".to_owned()),
            },
            overdue_before: match self.get("overdue") {
                None => None,
                Some("yes") => Some(today.start()),
                Some(_) => return Err("overdue is yes, or left out".to_owned()),
            },
        };
        Ok(OrderQuery {
            filter,
            sort: match self.get("sort") {
                None | Some("newest") => OrderSort::NewestFirst,
                Some("oldest") => OrderSort::OldestFirst,
                Some("due") => OrderSort::DueFirst,
                Some(_) => return Err("sort newest, oldest or soonest due first".to_owned()),
            },
            after: self
                .get("after")
                .map(|text| Cursor::parse(text).ok_or("that page no longer exists"))
                .transpose()?,
            limit: PAGE_SIZE,
        })
    }

    /// A choice among `options` (value, label) for the filter `key`.
    pub fn choices(
        &self,
        key: &str,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> Vec<Choice> {
        options
            .into_iter()
            .map(|(value, label)| Choice {
                selected: self.get(key) == Some(value.as_str()),
                value,
                label,
            })
            .collect()
    }
}

/// What a page of orders shows besides its rows: the counts per status (each a link that
/// keeps the other filters) and the next and first pages.
#[derive(Debug, Default)]
pub struct Paging {
    pub counts: Vec<StatusCount>,
    pub next: Option<String>,
    pub first: Option<String>,
}

/// The rows of `page` as of `today`, with `customer_of` naming each order's client (empty
/// for the client's own portal), and its paging.
pub fn board_rows(
    params: &BoardParams,
    page: OrderPage,
    today: Day,
    customer_of: impl Fn(Uuid) -> String,
) -> (Vec<OrderRow>, Paging) {
    let paging = Paging {
        counts: page
            .counts
            .iter()
            .map(|(status, count)| StatusCount {
                label: status.label().to_owned(),
                count: count.to_string(),
                href: params.href(&[("status", status.name())], None),
                current: params.get("status") == Some(status.name()),
            })
            .collect(),
        next: page
            .next
            .map(|cursor| params.href(&[], Some(&cursor.encode()))),
        first: params.get("after").map(|_| params.href(&[], None)),
    };
    let rows = page
        .orders
        .into_iter()
        .map(|order| {
            let customer = customer_of(order.customer_id);
            order_row(order, today, customer)
        })
        .collect();
    (rows, paging)
}

/// An order as listed, marked overdue or due soon when it is open.
pub fn order_row(order: OrderSummary, today: Day, customer: String) -> OrderRow {
    let open = OPEN.contains(&order.status);
    let due = order.schedule.due_on;
    let mark = match due {
        Some(due) if open && due < today.start() => Some("Overdue"),
        Some(due) if open && due < today.plus(DUE_SOON_DAYS).start() => Some("Due soon"),
        _ => None,
    };
    OrderRow {
        id: order.id.to_string(),
        form: order.form_name,
        status: order.status.label(),
        placed: utc(order.created_at),
        updated: utc(order.updated_at),
        details: order.details.into_iter().collect(),
        due: due.map(|at| Day::of(at).to_string()).unwrap_or_default(),
        rush: order.schedule.rush,
        mark,
        customer,
    }
}
