//! `leadvault analytics …`: made-up traffic for benchmarks, and a report timed as the
//! dashboard reads it.

use std::time::Instant;

use leadvault_analytics::{Day, Range, generate, report};
use leadvault_store::{SiteId, Timestamp};

use crate::cli::{AnalyticsCommand, AnalyticsGenerateArgs, AnalyticsReportArgs};
use crate::error::CliError;
use crate::{logging, setup};

pub async fn run(command: AnalyticsCommand) -> Result<(), CliError> {
    match command {
        AnalyticsCommand::Generate(args) => make(args).await,
        AnalyticsCommand::Report(args) => time_report(args).await,
    }
}

fn site(text: &str) -> Result<SiteId, CliError> {
    SiteId::parse(text.trim())
        .ok_or_else(|| CliError::Invalid(format!("`{text}` is not a site id")))
}

async fn make(args: AnalyticsGenerateArgs) -> Result<(), CliError> {
    let site = site(&args.site)?;
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let analytics = setup::open_analytics(&config, &db).await?;
    let started = Instant::now();
    let made = generate(
        &analytics,
        site,
        args.events,
        args.days,
        Day::of(Timestamp::now()),
        args.seed,
    )
    .await;
    analytics.db().close().await;
    db.close().await;
    let made = made?;
    println!(
        "Generated {} events in {} visits over {} days in {:.1} s (rolled up).",
        made.events,
        made.visits,
        args.days,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn time_report(args: AnalyticsReportArgs) -> Result<(), CliError> {
    let site = site(&args.site)?;
    let range =
        Range::parse(&args.period, None, None).map_err(|e| CliError::Invalid(e.to_string()))?;
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let analytics = setup::open_analytics(&config, &db).await?;
    let period = range.period(Day::of(Timestamp::now()));
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..args.runs.max(1) {
        let started = Instant::now();
        let read = report(&analytics, site, period, 10).await;
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
        last = Some(read?);
    }
    analytics.db().close().await;
    db.close().await;
    times.sort_by(f64::total_cmp);
    if let Some(report) = last {
        println!(
            "{} ({} to {}): {} visitors, {} visits, {} page views, {} other events",
            range.name(),
            report.period.first,
            report.period.last(),
            report.totals.visitors,
            report.totals.visits,
            report.totals.pageviews,
            report.totals.events
        );
    }
    println!(
        "report read {} times: min {:.1} ms, median {:.1} ms, max {:.1} ms",
        times.len(),
        times.first().copied().unwrap_or_default(),
        times.get(times.len() / 2).copied().unwrap_or_default(),
        times.last().copied().unwrap_or_default()
    );
    Ok(())
}
