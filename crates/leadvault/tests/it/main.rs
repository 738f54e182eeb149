//! Leadvault's integration tests: one binary, every test driving real parts (the router
//! over HTTP, the binary as a process, SQLite and PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_matrix;
mod analytics;
mod analytics_browser;
mod analytics_reports;
mod audit;
mod audit_checkpoints;
mod audit_review;
mod audit_trail;
mod backups;
mod backups_daily;
mod backups_object_storage;
mod cli_admin;
mod cli_audit;
mod cli_backup;
mod cli_config;
mod cli_forms;
mod cli_keys;
mod cli_serve;
mod demo;
mod embed;
mod experiments;
mod experiments_browser;
mod form_builder;
mod group_commit;
mod health;
mod home;
mod inbox;
mod intake;
mod jobs;
mod keyring;
mod keys_pkcs11;
mod lead_export;
mod leads;
mod logs;
mod mail;
mod members;
mod order_board;
mod outage;
mod payments;
mod payments_browser;
mod payments_planted;
mod plans;
mod public_form;
mod refunds;
mod routing;
mod sessions;
mod setup_page;
mod sign_in;
mod speed_to_lead;
mod storage;
mod stripe_webhooks;
mod tenant_walls;
mod tls;
mod webhooks;
mod work_orders;
mod workspace_browser;

use std::path::Path;

/// The binary under test.
pub fn leadvault_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_leadvault"))
}

/// How long to wait before sending a public form to a real `serve`, which refuses forms
/// sent faster than a person fills them in.
pub const FORM_FILL_WAIT: std::time::Duration = std::time::Duration::from_millis(3100);

/// Runs `leadvault args…` in `dir`, with no extra environment and no input.
pub async fn leadvault(dir: &Path, args: &[&str]) -> leadvault_test_support::Finished {
    leadvault_test_support::run_leadvault(leadvault_bin(), dir, args, &[], None).await
}

/// Founds "Lima Law" (owner ana@lima.law) with `leadvault admin create-owner` in `dir`, as an
/// operator does; returns the command's output (its id is in the first line's parentheses).
pub async fn found_lima_law(dir: &Path) -> leadvault_test_support::Finished {
    let out = leadvault_test_support::run_leadvault(
        leadvault_bin(),
        dir,
        &[
            "admin",
            "create-owner",
            "--org",
            "Lima Law",
            "--email",
            "ana@lima.law",
            "--password-stdin",
        ],
        &[],
        Some("orchid lantern gravel seventy\n"),
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    out
}
