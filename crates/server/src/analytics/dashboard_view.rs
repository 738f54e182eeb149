//! How an analytics report is shown: the dashboard page (figures, a chart drawn as SVG on
//! the server, the top values of each dimension), the same data as JSON, and as CSV.

use askama::Template;

use crate::web::shell::Shell;
use leadvault_analytics::{Conversion, ConversionRow, Day, GoalKind, Metrics, Report};
use leadvault_audit::csv_cell;
use serde::Serialize;

/// The periods offered on the dashboard, in the order shown.
const PERIODS: [(&str, &str); 7] = [
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("month", "This month"),
    ("last_month", "Last month"),
    ("12mo", "12 months"),
];

#[derive(Template)]
#[template(path = "analytics/analytics.html")]
pub struct DashboardPage {
    /// The workspace around the page (none for a client or a public view).
    pub shell: Option<Shell>,
    pub site_id: String,
    pub domain: String,
    pub first: String,
    pub last: String,
    pub periods: Vec<PeriodLink>,
    pub cards: Vec<Card>,
    pub chart: Chart,
    pub tables: Vec<Table>,
    /// `period=…` (and `from`, `to`), for the export links.
    pub query: String,
    pub goals: Vec<GoalView>,
    pub properties: Vec<PropertyTable>,
    pub filters: Vec<FilterChip>,
    pub base: String,
    pub public: bool,
    pub shared: bool,
    pub new_share_link: Option<String>,
    /// "Form submitted" by channel: what brings consultations.
    pub forms_by_channel: Vec<ConversionView>,
    pub csrf: String,
    /// Why the last goal was not added.
    pub error: Option<String>,
}

pub struct GoalView {
    /// The built-in goal has none: it cannot be removed.
    pub id: Option<String>,
    pub name: String,
    /// "USD 19.99, EUR 5.00", or empty.
    pub revenue: String,
    pub visitors: i64,
    pub conversions: i64,
    pub rate: String,
}

pub struct ConversionView {
    pub value: String,
    pub visitors: i64,
    pub converted: i64,
    pub rate: String,
}

impl GoalView {
    pub fn new(conversion: &Conversion) -> Self {
        Self {
            id: conversion.goal.id.map(|id| id.to_string()),
            name: goal_name(&conversion.goal.kind),
            revenue: conversion
                .revenue
                .iter()
                .map(|(currency, minor)| money(currency, *minor))
                .collect::<Vec<_>>()
                .join(", "),
            visitors: conversion.visitors,
            conversions: conversion.conversions,
            rate: format!("{:.1}%", conversion.rate),
        }
    }
}

impl ConversionView {
    pub fn new(row: &ConversionRow) -> Self {
        Self {
            value: if row.value.is_empty() {
                "(none)".to_owned()
            } else {
                row.value.clone()
            },
            visitors: row.visitors,
            converted: row.converted,
            rate: format!("{:.1}%", row.rate),
        }
    }
}

/// An amount in minor units (two decimals), with its currency: `USD 1,234.50` is written
/// `USD 1234.50`.
fn money(currency: &str, minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{currency} {sign}{}.{:02}", minor / 100, minor % 100)
}

/// How a goal is named on the dashboard and in exports.
pub fn goal_name(kind: &GoalKind) -> String {
    kind.to_string()
}

pub struct PeriodLink {
    pub name: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A headline figure and how it moved against the period before.
pub struct Card {
    pub label: &'static str,
    pub value: String,
    pub change: String,
}

/// A line chart of visitors, as SVG coordinates in a 600 × 160 box.
pub struct Chart {
    pub label: String,
    pub points: String,
    pub max: i64,
    pub first: String,
    pub last: String,
}

pub struct Table {
    pub title: &'static str,
    pub rows: Vec<TableRow>,
}

pub struct TableRow {
    pub value: String,
    /// The dashboard narrowed to this value (none for events, which are not a visit's).
    pub href: Option<String>,
    pub visitors: i64,
    /// Of the period's visitors, for the bar behind the row (0–100).
    pub share: i64,
    pub count: i64,
}

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 160.0;

/// One property of a custom event, and its values.
pub struct PropertyTable {
    pub event: String,
    pub property: String,
    pub values: Vec<leadvault_analytics::PropertyValue>,
}

/// A filter in force, and the dashboard without it.
pub struct FilterChip {
    pub label: String,
    pub remove: String,
}

/// What the dashboard shows besides the report.
pub struct Extras<'a> {
    /// Where this dashboard is: `/sites/ID/analytics`, or `/share/TOKEN` for a shared one.
    pub base: String,
    /// Shown through a share link: read-only, no exports, no goal changes.
    pub public: bool,
    /// The site has a share link.
    pub shared: bool,
    /// A share link just made, shown this once.
    pub new_share_link: Option<String>,
    pub conversions: Vec<Conversion>,
    /// The properties of the most sent custom events.
    pub properties: Vec<PropertyTable>,
    pub filters: Vec<FilterChip>,
    /// The dashboard narrowed further to a dimension's value.
    pub narrowed: &'a dyn Fn(leadvault_analytics::Dimension, &str) -> String,
    pub forms_by_channel: Vec<ConversionRow>,
    pub csrf: String,
    pub error: Option<String>,
    /// The member's workspace around it; none through a share link.
    pub shell: Option<Shell>,
}

impl DashboardPage {
    pub fn new(
        site_id: String,
        domain: String,
        report: &Report,
        period: &str,
        query: String,
        extras: Extras<'_>,
    ) -> Self {
        let (totals, previous) = (&report.totals, &report.previous);
        let cards = vec![
            card(
                "Unique visitors",
                totals.visitors.to_string(),
                totals.visitors as f64,
                previous.visitors as f64,
            ),
            card(
                "Visits",
                totals.visits.to_string(),
                totals.visits as f64,
                previous.visits as f64,
            ),
            card(
                "Page views",
                totals.pageviews.to_string(),
                totals.pageviews as f64,
                previous.pageviews as f64,
            ),
            card(
                "Views per visit",
                format!("{:.2}", totals.views_per_visit()),
                totals.views_per_visit(),
                previous.views_per_visit(),
            ),
            card(
                "Bounce rate",
                format!("{:.0}%", totals.bounce_rate()),
                totals.bounce_rate(),
                previous.bounce_rate(),
            ),
            card(
                "Visit duration",
                duration(totals),
                totals.visit_duration().as_secs_f64(),
                previous.visit_duration().as_secs_f64(),
            ),
        ];
        let tables = report
            .breakdowns
            .iter()
            .filter(|b| !b.rows.is_empty())
            .map(|breakdown| Table {
                title: breakdown.dimension.title(),
                rows: breakdown
                    .rows
                    .iter()
                    .map(|row| TableRow {
                        value: if row.value.is_empty() {
                            "(none)".to_owned()
                        } else {
                            row.value.clone()
                        },
                        href: (breakdown.dimension != leadvault_analytics::Dimension::Event)
                            .then(|| (extras.narrowed)(breakdown.dimension, &row.value)),
                        visitors: row.metrics.visitors,
                        share: if totals.visitors > 0 {
                            (100 * row.metrics.visitors / totals.visitors).clamp(0, 100)
                        } else {
                            0
                        },
                        count: row.metrics.pageviews.max(row.metrics.events),
                    })
                    .collect(),
            })
            .collect();
        Self {
            site_id,
            domain,
            first: report.period.first.to_string(),
            last: report.period.last().to_string(),
            periods: PERIODS
                .iter()
                .map(|(name, label)| PeriodLink {
                    name,
                    label,
                    current: *name == period,
                })
                .collect(),
            cards,
            chart: chart(report),
            tables,
            query,
            goals: extras.conversions.iter().map(GoalView::new).collect(),
            properties: extras.properties,
            filters: extras.filters,
            base: extras.base,
            public: extras.public,
            shared: extras.shared,
            new_share_link: extras.new_share_link,
            forms_by_channel: extras
                .forms_by_channel
                .iter()
                .map(ConversionView::new)
                .collect(),
            csrf: extras.csrf,
            error: extras.error,
            shell: extras.shell,
        }
    }
}

fn card(label: &'static str, value: String, now: f64, before: f64) -> Card {
    let change = if before == 0.0 {
        if now == 0.0 {
            "no change".to_owned()
        } else {
            "new".to_owned()
        }
    } else {
        let percent = 100.0 * (now - before) / before;
        format!(
            "{}{:.0}% vs. the period before",
            if percent >= 0.0 { "+" } else { "−" },
            percent.abs()
        )
    };
    Card {
        label,
        value,
        change,
    }
}

fn duration(metrics: &Metrics) -> String {
    let seconds = metrics.visit_duration().as_secs();
    format!("{}m {:02}s", seconds / 60, seconds % 60)
}

fn chart(report: &Report) -> Chart {
    let max = report
        .series
        .iter()
        .map(|p| p.visitors)
        .max()
        .unwrap_or(0)
        .max(1);
    let steps = (report.series.len().max(2) - 1) as f64;
    let points = report
        .series
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let x = WIDTH * i as f64 / steps;
            let y = HEIGHT - HEIGHT * point.visitors as f64 / max as f64;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let hourly = report.period.days() == 1;
    Chart {
        label: format!("Visitors per {}", if hourly { "hour" } else { "day" }),
        points,
        max,
        first: report.period.first.to_string(),
        last: report.period.last().to_string(),
    }
}

/// The report as the JSON API gives it.
#[derive(Debug, Serialize)]
pub struct ReportJson {
    pub site: String,
    pub period: PeriodJson,
    pub totals: MetricsJson,
    pub previous: MetricsJson,
    pub series: Vec<PointJson>,
    pub breakdowns: std::collections::BTreeMap<&'static str, Vec<RowJson>>,
    pub goals: Vec<GoalJson>,
}

#[derive(Debug, Serialize)]
pub struct GoalJson {
    /// `form-submitted` for the built-in goal.
    pub id: String,
    pub name: String,
    pub visitors: i64,
    pub conversions: i64,
    pub rate: f64,
    /// Per currency, in minor units (cents).
    pub revenue: std::collections::BTreeMap<String, i64>,
}

impl GoalJson {
    pub fn new(conversion: &Conversion) -> Self {
        Self {
            id: conversion
                .goal
                .id
                .map_or_else(|| BUILT_IN_GOAL.to_owned(), |id| id.to_string()),
            name: goal_name(&conversion.goal.kind),
            visitors: conversion.visitors,
            conversions: conversion.conversions,
            rate: conversion.rate,
            revenue: conversion.revenue.iter().cloned().collect(),
        }
    }
}

/// How the API and the dashboard name the built-in goal ("Form submitted").
pub const BUILT_IN_GOAL: &str = "form-submitted";

#[derive(Debug, Serialize)]
pub struct ConversionRowJson {
    pub value: String,
    pub visitors: i64,
    pub converted: i64,
    pub conversions: i64,
    pub rate: f64,
}

impl From<&ConversionRow> for ConversionRowJson {
    fn from(row: &ConversionRow) -> Self {
        Self {
            value: row.value.clone(),
            visitors: row.visitors,
            converted: row.converted,
            conversions: row.conversions,
            rate: row.rate,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PeriodJson {
    pub name: String,
    pub first: String,
    pub last: String,
}

#[derive(Debug, Serialize)]
pub struct MetricsJson {
    pub visitors: i64,
    pub visits: i64,
    pub pageviews: i64,
    pub views_per_visit: f64,
    pub bounce_rate: f64,
    pub visit_duration_seconds: f64,
    pub events: i64,
}

impl From<&Metrics> for MetricsJson {
    fn from(m: &Metrics) -> Self {
        Self {
            visitors: m.visitors,
            visits: m.visits,
            pageviews: m.pageviews,
            views_per_visit: m.views_per_visit(),
            bounce_rate: m.bounce_rate(),
            visit_duration_seconds: m.visit_duration().as_secs_f64(),
            events: m.events,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PointJson {
    pub start: String,
    pub visitors: i64,
    pub pageviews: i64,
}

#[derive(Debug, Serialize)]
pub struct RowJson {
    pub value: String,
    #[serde(flatten)]
    pub metrics: MetricsJson,
}

impl ReportJson {
    pub fn new(site: String, period: &str, report: &Report, conversions: &[Conversion]) -> Self {
        Self {
            goals: conversions.iter().map(GoalJson::new).collect(),
            site,
            period: PeriodJson {
                name: period.to_owned(),
                first: report.period.first.to_string(),
                last: report.period.last().to_string(),
            },
            totals: (&report.totals).into(),
            previous: (&report.previous).into(),
            series: report
                .series
                .iter()
                .map(|p| PointJson {
                    start: p.start.rfc3339(),
                    visitors: p.visitors,
                    pageviews: p.pageviews,
                })
                .collect(),
            breakdowns: report
                .breakdowns
                .iter()
                .map(|b| {
                    let rows = b
                        .rows
                        .iter()
                        .map(|r| RowJson {
                            value: r.value.clone(),
                            metrics: (&r.metrics).into(),
                        })
                        .collect();
                    (b.dimension.name(), rows)
                })
                .collect(),
        }
    }
}

/// The report as CSV: the totals, then every row of every dimension, then the goals (their
/// visitors, and conversions in the events column).
pub fn csv(report: &Report, conversions: &[Conversion]) -> String {
    let mut out = String::from(
        "dimension,value,visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration_seconds,events\n",
    );
    let mut line = |dimension: &str, value: &str, m: &Metrics| {
        out.push_str(&format!(
            "{},{},{},{},{},{:.2},{:.1},{:.0},{}\n",
            dimension,
            csv_cell(value),
            m.visitors,
            m.visits,
            m.pageviews,
            m.views_per_visit(),
            m.bounce_rate(),
            m.visit_duration().as_secs_f64(),
            m.events
        ));
    };
    line("total", "", &report.totals);
    for breakdown in &report.breakdowns {
        for row in &breakdown.rows {
            line(breakdown.dimension.name(), &row.value, &row.metrics);
        }
    }
    for conversion in conversions {
        let metrics = Metrics {
            visitors: conversion.visitors,
            events: conversion.conversions,
            ..Metrics::default()
        };
        line("goal", &goal_name(&conversion.goal.kind), &metrics);
    }
    out
}

/// Today, for the periods relative to it.
pub fn today() -> Day {
    Day::of(leadvault_store::Timestamp::now())
}
