//! The home page's part for people who work leads, by role: intake staff see what needs
//! doing (leads nobody has, leads nobody has contacted and those past the target, follow-ups
//! due, orders to accept), each a link to the inbox filtered to those; attorneys their own
//! leads by status; owners and admins the firm's figures for the last eight weeks.

use leadvault_accounts::{Capability, Member, MemberSummary, Site, list_members, list_sites};
use leadvault_analytics::Channel;
use leadvault_intake::{
    LeadFigures, Speed, contact_target, desk, follow_ups_due, lead_figures, leads_by_status,
    orders_to_accept, pipeline,
};

use crate::intake::reach::{lead_access, order_access};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::render::span;

/// Weeks the owners' figures cover.
const WEEKS: u32 = 8;

/// One figure of a desk: what it counts, how many (`1000+` past the count's cap), and
/// where to see them.
#[derive(Debug)]
pub struct DeskItem {
    pub label: String,
    pub count: String,
    pub href: String,
}

/// A row of a breakdown: what, how many, and its share of the period's leads (percent).
#[derive(Debug)]
pub struct ShareRow {
    pub label: String,
    pub count: i64,
    pub percent: i64,
}

/// Speed to lead as a row: whose, how many contacted, median and 90th percentile.
#[derive(Debug)]
pub struct SpeedRow {
    pub who: String,
    pub contacted: usize,
    pub median: String,
    pub p90: String,
}

/// The owners' figures, ready to show.
#[derive(Debug)]
pub struct FiguresView {
    pub weeks: u32,
    pub total: i64,
    pub retained: i64,
    pub retained_percent: i64,
    pub uncontacted: i64,
    /// (the Monday, leads, bar width in percent of the busiest week).
    pub per_week: Vec<(String, i64, i64)>,
    pub by_form: Vec<ShareRow>,
    pub by_site: Vec<ShareRow>,
    pub by_channel: Vec<ShareRow>,
    pub speed: Vec<SpeedRow>,
}

/// What the home page shows a member who works leads.
#[derive(Debug, Default)]
pub struct DeskView {
    /// What needs doing (intake staff, owners, admins).
    pub to_do: Vec<DeskItem>,
    /// An attorney's leads by status.
    pub mine: Vec<DeskItem>,
    pub figures: Option<FiguresView>,
}

/// The desk of `member` now.
pub async fn desk_of(
    state: &AppState,
    member: &Member,
    now: leadvault_store::Timestamp,
) -> Result<DeskView, AppError> {
    let (db, org) = (state.db(), member.org_id);
    let mut view = DeskView::default();
    let Some(access) = lead_access(member.role, &member.scope, member.user_id) else {
        return Ok(view);
    };
    let item = |label: &str, count: &dyn std::fmt::Display, href: &str| DeskItem {
        label: label.to_owned(),
        count: count.to_string(),
        href: href.to_owned(),
    };
    if access.triages() {
        let target = contact_target(db, org).await?;
        let d = desk(db, org, &access, target, now).await?;
        view.to_do.push(item(
            "New leads nobody has been given",
            &d.unassigned,
            "/leads?status=new&assigned=nobody",
        ));
        view.to_do.push(item(
            "New leads nobody has contacted",
            &d.awaiting_contact,
            "/leads?status=new&waiting=contact&sort=oldest",
        ));
        if let Some(past) = d.past_target {
            view.to_do.push(item(
                "Of those, past the speed-to-lead target",
                &past,
                "/leads?status=new&waiting=contact&sort=oldest",
            ));
        }
        view.to_do.push(item(
            "Follow-ups due",
            &d.follow_ups_due,
            "/leads?waiting=follow-up",
        ));
        if let Some(orders) = order_access(member.role, &member.scope) {
            let waiting = orders_to_accept(db, org, &orders).await?;
            view.to_do.push(item(
                "Work orders to accept",
                &waiting,
                "/orders?status=received",
            ));
        }
    } else {
        let stages = pipeline(db, org).await?;
        for (status, count) in leads_by_status(db, org, &access).await? {
            view.mine.push(item(
                &stages.label_of(&status),
                &count,
                &format!("/leads?status={status}"),
            ));
        }
        let due = follow_ups_due(db, org, &access, now).await?;
        view.mine
            .push(item("Follow-ups due", &due, "/leads?waiting=follow-up"));
    }
    if member.role.grants(Capability::SetUpIntake) {
        let figures = lead_figures(db, org, WEEKS, now).await?;
        let members = list_members(db, org).await?;
        let sites = list_sites(db, org).await?;
        view.figures = Some(figures_view(figures, &members, &sites));
    }
    Ok(view)
}

fn figures_view(f: LeadFigures, members: &[MemberSummary], sites: &[Site]) -> FiguresView {
    let percent = |n: i64, of: i64| if of == 0 { 0 } else { n * 100 / of };
    let rows = |counts: Vec<(String, i64)>| -> Vec<ShareRow> {
        counts
            .into_iter()
            .map(|(label, count)| ShareRow {
                label,
                count,
                percent: percent(count, f.total),
            })
            .collect()
    };
    let busiest = f.weeks.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let speed_row = |who: String, s: Speed| SpeedRow {
        who,
        contacted: s.contacted,
        median: duration(s.median),
        p90: duration(s.p90),
    };
    let mut speed: Vec<SpeedRow> = f
        .speed
        .map(|s| speed_row("Everyone".to_owned(), s))
        .into_iter()
        .collect();
    speed.extend(f.speed_by_attorney.iter().map(|(user, s)| {
        let who = members
            .iter()
            .find(|m| m.user_id.as_uuid() == *user)
            .map_or_else(|| "(no longer a member)".to_owned(), |m| m.email.clone());
        speed_row(who, *s)
    }));
    FiguresView {
        weeks: WEEKS,
        total: f.total,
        retained: f.retained,
        retained_percent: percent(f.retained, f.total),
        uncontacted: f.uncontacted,
        per_week: f
            .weeks
            .iter()
            .map(|(monday, n)| {
                let c = monday.civil();
                (
                    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day),
                    *n,
                    percent(*n, busiest),
                )
            })
            .collect(),
        by_form: rows(f.by_form.clone()),
        by_site: rows(
            f.by_site
                .iter()
                .map(|(site, n)| {
                    let label = match site {
                        None => "No site".to_owned(),
                        Some(id) => sites
                            .iter()
                            .find(|s| s.id == *id)
                            .map_or_else(|| "A removed site".to_owned(), |s| s.domain.to_string()),
                    };
                    (label, *n)
                })
                .collect(),
        ),
        by_channel: rows(
            f.by_channel
                .iter()
                .map(|(channel, n)| {
                    let label = channel
                        .as_deref()
                        .and_then(Channel::parse)
                        .map_or("Not known", Channel::label);
                    (label.to_owned(), *n)
                })
                .collect(),
        ),
        speed,
    }
}

/// A duration as people read it, through the same words as everywhere else.
fn duration(d: std::time::Duration) -> String {
    let start = leadvault_store::Timestamp::from_unix_micros(0);
    span(start, start.saturating_add(d))
}
