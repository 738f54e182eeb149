//! `leadvault analytics …`: made-up traffic for benchmarks (with an experiment, if asked),
//! and a report or an experiment's results timed as their pages read them.

use std::time::Instant;

use leadvault_accounts::{PublicSite, public_site};
use leadvault_analytics::{
    Day, Experiment, ExperimentState, OnSite, Range, ReportScope, Traffic, create_experiment,
    experiment_report, generate, list_experiments, report, set_state,
};
use leadvault_audit::{Acting, Actor, By};
use leadvault_store::{Db, SiteId, Timestamp, Uuid};

use crate::cli::{
    AnalyticsCommand, AnalyticsGenerateArgs, AnalyticsReportArgs, AnalyticsResultsArgs,
};
use crate::error::CliError;
use crate::{logging, setup};

pub async fn run(command: AnalyticsCommand) -> Result<(), CliError> {
    match command {
        AnalyticsCommand::Generate(args) => make(args).await,
        AnalyticsCommand::Report(args) => time_report(args).await,
        AnalyticsCommand::Results(args) => time_results(args).await,
    }
}

/// The experiment `--experiment` starts: the home page's headline, half the visitors each.
const BENCH_EXPERIMENT: &str = r#"{"name": "Headline", "traffic": 100, "variations": [
    {"name": "Original", "weight": 50},
    {"name": "Direct", "weight": 50, "changes": [{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}]}]}"#;

/// Who makes the benchmark's experiment, in the organization's audit log.
const OPERATOR: Actor = Actor::System("cli:analytics");

/// The site `site` (whose domain experiments are checked against) and its organization.
async fn site_of(db: &Db, site: SiteId) -> Result<PublicSite, CliError> {
    public_site(db, site)
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?
        .ok_or_else(|| CliError::Invalid(format!("there is no site {site}")))
}

fn on(site: &PublicSite) -> OnSite<'_> {
    OnSite {
        site: site.site.id,
        domain: site.site.domain.as_str(),
    }
}

/// Saves and starts the benchmark experiment on `site`, audited as the operator's.
async fn start_experiment(db: &Db, site: &PublicSite) -> Result<Experiment, CliError> {
    let acting = Acting::new(site.org, By::new(OPERATOR, None), Timestamp::now());
    let invalid = |e: leadvault_analytics::ExperimentError| CliError::Invalid(e.to_string());
    let id = create_experiment(db, &acting, on(site), BENCH_EXPERIMENT)
        .await
        .map_err(invalid)?;
    set_state(db, &acting, on(site), id, ExperimentState::Running)
        .await
        .map_err(invalid)?;
    find_experiment(db, site, id).await
}

async fn find_experiment(db: &Db, site: &PublicSite, id: Uuid) -> Result<Experiment, CliError> {
    list_experiments(db, on(site))
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| CliError::Invalid(format!("the site has no experiment {id}")))
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
    let experiment = if args.experiment {
        let found = site_of(&db, site).await?;
        let experiment = start_experiment(&db, &found).await?;
        println!("Experiment {}", experiment.id);
        Some(experiment)
    } else {
        None
    };
    let started = Instant::now();
    let traffic = Traffic {
        events: args.events,
        days: args.days,
        last: Day::of(Timestamp::now()),
        seed: args.seed,
    };
    let made = generate(&analytics, site, traffic, experiment.as_ref()).await;
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
    let timed = timed(args.runs, || report(&analytics, site, period, 10)).await;
    analytics.db().close().await;
    db.close().await;
    let (times, report) = timed?;
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
    println!("report read {times}");
    Ok(())
}

/// How long each of several runs took, in ms, sorted.
struct Times(Vec<f64>);

impl std::fmt::Display for Times {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |i: usize| self.0.get(i).copied().unwrap_or_default();
        write!(
            f,
            "{} times: min {:.1} ms, median {:.1} ms, max {:.1} ms",
            self.0.len(),
            at(0),
            at(self.0.len() / 2),
            at(self.0.len().saturating_sub(1))
        )
    }
}

/// Runs `read` `runs` times (at least once), timing each; the times and the last result,
/// or the first error.
async fn timed<T, E, F, Fut>(runs: u32, mut read: F) -> Result<(Times, T), E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut times = Vec::new();
    let last = loop {
        let started = Instant::now();
        let result = read().await;
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
        let result = result?;
        if times.len() >= usize::try_from(runs).unwrap_or(usize::MAX) {
            break result;
        }
    };
    times.sort_by(f64::total_cmp);
    Ok((Times(times), last))
}

async fn time_results(args: AnalyticsResultsArgs) -> Result<(), CliError> {
    let site = site(&args.site)?;
    let id = Uuid::parse_str(args.experiment.trim())
        .map_err(|_| CliError::Invalid(format!("`{}` is not an experiment id", args.experiment)))?;
    let range =
        Range::parse(&args.period, None, None).map_err(|e| CliError::Invalid(e.to_string()))?;
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let analytics = setup::open_analytics(&config, &db).await?;
    let found = site_of(&db, site).await?;
    let experiment = find_experiment(&db, &found, id).await?;
    let today = Day::of(Timestamp::now());
    let period = range.period(today);
    let timed = timed(args.runs, || {
        let scope = ReportScope {
            period,
            effect: 0.1,
            today,
        };
        experiment_report(&analytics, site, &experiment, scope)
    })
    .await;
    analytics.db().close().await;
    db.close().await;
    let (times, report) = timed.map_err(|e| CliError::Invalid(e.to_string()))?;
    for (goal, results) in &report.goals {
        for variation in &results.variations {
            println!(
                "{goal} · {}: {} visitors, {} conversions ({:.2}%){}",
                variation.name,
                variation.arm.visitors,
                variation.arm.conversions,
                variation.arm.rate() * 100.0,
                variation
                    .verdict
                    .as_ref()
                    .map(|v| format!("; {v}"))
                    .unwrap_or_default()
            );
        }
    }
    println!("results read {times}");
    Ok(())
}
