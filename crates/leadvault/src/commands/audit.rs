//! `leadvault audit …`: verifying the chains and their checkpoints, signing checkpoints,
//! exporting records and reporting on them.

use std::path::Path;

use leadvault_audit::{
    AuditError, Chain, Checkpoint, Filter, ReportQuery, Sink, chains, check_checkpoints, records,
    report, report_csv, report_json, sign_heads, stored_checkpoints, verify,
};
use leadvault_crypto::to_hex;
use leadvault_keys::{CacheSettings, Keyring, checkpoint_public_keys};
use leadvault_store::{Db, OrgId, Timestamp};

use crate::cli::{
    AuditCheckpointArgs, AuditCommand, AuditExportArgs, AuditReportArgs, AuditVerifyArgs,
    ConfigArgs,
};
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::{logging, setup};

pub async fn run(command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::Verify(args) => verify_chains(args).await,
        AuditCommand::Checkpoint(args) => checkpoint(args).await,
        AuditCommand::Export(args) => export(args).await,
        AuditCommand::Report(args) => report_on(args).await,
    }
}

async fn open(common: &ConfigArgs) -> Result<(leadvault_config::Config, Db), CliError> {
    let config = setup::load_config(common.config.as_deref(), common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    Ok((config, db))
}

fn org_chain(text: &str) -> Result<Chain, CliError> {
    OrgId::parse(text.trim())
        .map(Chain::Org)
        .ok_or_else(|| CliError::Invalid(format!("`{text}` is not an organization id")))
}

fn date(text: &str) -> Result<Timestamp, CliError> {
    Timestamp::parse_date(text)
        .ok_or_else(|| CliError::Invalid(format!("`{text}` is not a date like 2026-11-01")))
}

fn sink(text: &str) -> Result<Sink, CliError> {
    Sink::parse(text).map_err(|e| CliError::Invalid(e.to_string()))
}

/// Reads a checkpoint file. A line that is not a checkpoint is itself a finding.
fn read_checkpoints(path: &Path) -> Result<(Vec<Checkpoint>, Vec<String>), CliError> {
    let text =
        std::fs::read_to_string(path).map_err(CliError::io("cannot read the checkpoints"))?;
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match Checkpoint::from_line(line) {
            Some(checkpoint) => found.push(checkpoint),
            None => unreadable.push(format!(
                "{}:{}: not a checkpoint Leadvault writes",
                path.display(),
                n + 1
            )),
        }
    }
    Ok((found, unreadable))
}

async fn verify_chains(args: AuditVerifyArgs) -> Result<(), CliError> {
    let (_, db) = open(&args.common).await?;
    let result = verify_in(&db, &args).await;
    db.close().await;
    result
}

async fn verify_in(db: &Db, args: &AuditVerifyArgs) -> Result<(), CliError> {
    let (outside, mut problems) = match &args.checkpoints {
        Some(path) => read_checkpoints(path)?,
        None => (Vec::new(), Vec::new()),
    };
    let mut selected = match &args.org {
        Some(text) => vec![org_chain(text)?],
        None => chains(db).await.map_err(audit_error)?,
    };
    // A chain that exists only in the checkpoints was removed whole: still check it.
    for checkpoint in &outside {
        if args.org.is_none() && !selected.contains(&checkpoint.chain) {
            selected.push(checkpoint.chain);
        }
    }
    let trusted = checkpoint_public_keys(db)
        .await
        .map_err(|e| CliError::Invalid(format!("the checkpoint keys could not be read: {e}")))?;
    for chain in &selected {
        let name = chain.name();
        match verify(db, *chain).await.map_err(audit_error)? {
            Ok(verified) => println!(
                "{name}: intact, {} record(s), head {}",
                verified.records,
                to_hex(&verified.head)
            ),
            Err(fault) => problems.push(format!("{name}: BROKEN: {fault}")),
        }
        let mut checkpoints = stored_checkpoints(db, *chain).await.map_err(audit_error)?;
        let stored = checkpoints.len();
        checkpoints.extend(outside.iter().filter(|c| c.chain == *chain).cloned());
        let found = check_checkpoints(db, *chain, &checkpoints, &trusted)
            .await
            .map_err(audit_error)?;
        let checked = checkpoints.len();
        if found.is_empty() {
            println!(
                "{name}: {checked} checkpoint(s) match ({stored} in the database, {} outside)",
                checked - stored
            );
        }
        problems.extend(found.iter().map(|p| format!("{name}: BROKEN: {p}")));
    }
    for problem in &problems {
        println!("{problem}");
    }
    if !problems.is_empty() {
        return Err(CliError::Invalid(format!(
            "the audit log failed verification ({} problem(s))",
            problems.len()
        )));
    }
    println!("{} audit chain(s) verified.", selected.len());
    Ok(())
}

async fn checkpoint(args: AuditCheckpointArgs) -> Result<(), CliError> {
    let targets: Vec<Sink> = args.to.iter().map(|t| sink(t)).collect::<Result<_, _>>()?;
    let (config, db) = open(&args.common).await?;
    let (root, _) = provider::open(&config, Create::Never)?;
    let keyring = Keyring::new(db.clone(), root, CacheSettings::default());
    let result = async {
        let now = Timestamp::now();
        let key = keyring
            .checkpoint_key(now)
            .await
            .map_err(|e| CliError::Invalid(format!("the checkpoint key is unavailable: {e}")))?;
        let made = sign_heads(&db, &key, now).await.map_err(audit_error)?;
        let lines: Vec<String> = made.iter().map(Checkpoint::to_line).collect();
        if targets.is_empty() {
            lines.iter().for_each(|line| println!("{line}"));
        }
        for target in &targets {
            target
                .send(&lines, now)
                .await
                .map_err(|e| CliError::Invalid(e.to_string()))?;
        }
        eprintln!("{} checkpoint(s) signed with key {}.", made.len(), key.id());
        Ok(())
    }
    .await;
    db.close().await;
    result
}

async fn export(args: AuditExportArgs) -> Result<(), CliError> {
    let target = args.to.as_deref().map(sink).transpose()?;
    let filter = Filter {
        since: args.since.as_deref().map(date).transpose()?,
        ..Filter::default()
    };
    let selected_org = args.org.as_deref().map(org_chain).transpose()?;
    let (_, db) = open(&args.common).await?;
    let result = async {
        let selected = match selected_org {
            Some(chain) => vec![chain],
            None => chains(&db).await.map_err(audit_error)?,
        };
        let mut total = 0_usize;
        for chain in selected {
            let mut after = 0;
            loop {
                let batch = records(&db, chain, &filter, after, 1000)
                    .await
                    .map_err(audit_error)?;
                let Some(last) = batch.last() else { break };
                after = last.seq;
                let lines: Vec<String> = batch.iter().map(|r| r.to_line()).collect();
                match &target {
                    None => lines.iter().for_each(|line| println!("{line}")),
                    Some(target) => target
                        .send(&lines, Timestamp::now())
                        .await
                        .map_err(|e| CliError::Invalid(e.to_string()))?,
                }
                total += lines.len();
            }
        }
        eprintln!("{total} record(s) exported.");
        Ok(())
    }
    .await;
    db.close().await;
    result
}

async fn report_on(args: AuditReportArgs) -> Result<(), CliError> {
    let chain = org_chain(&args.org)?;
    let since = date(&args.since)?;
    let member = args
        .member
        .as_deref()
        .map(|m| {
            leadvault_accounts::UserId::parse(m.trim())
                .map(|id| id.to_string())
                .ok_or_else(|| CliError::Invalid(format!("`{m}` is not a member's user id")))
        })
        .transpose()?;
    let render: fn(&[leadvault_audit::ReportRow]) -> String = match args.format.as_str() {
        "csv" => report_csv,
        "json" => report_json,
        other => {
            return Err(CliError::Invalid(format!(
                "`{other}` is not a report format: use csv or json"
            )));
        }
    };
    let (_, db) = open(&args.common).await?;
    let query = ReportQuery {
        actor_id: member,
        ..ReportQuery::since(since)
    };
    let rows = report(&db, chain, &query, None).await;
    db.close().await;
    let rows = rows.map_err(audit_error)?;
    print!("{}", render(&rows));
    if args.format == "json" {
        println!();
    }
    Ok(())
}

fn audit_error(e: AuditError) -> CliError {
    CliError::Invalid(format!("the audit log could not be read: {e}"))
}
