//! `leadvault`: parses the command line and runs one command. All behaviour lives in the
//! library crates; this file only decides which of them to call and how to exit.

mod cli;
mod commands;
mod error;
mod logging;
mod provider;
mod setup;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{AdminCommand, Cli, Command, ConfigCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve::run(args).await,
            Command::Migrate(args) => commands::migrate::run(args).await,
            Command::Config(ConfigCommand::Check(args)) => commands::config_check::run(args),
            Command::Admin(AdminCommand::CreateOwner(args)) => {
                commands::create_owner::run(args).await
            }
            Command::Keys(command) => commands::keys::run(command).await,
            Command::Audit(command) => commands::audit::run(command).await,
            Command::Forms(command) => commands::forms::run(command).await,
            Command::Sites(command) => commands::sites::run(command).await,
            Command::Analytics(command) => commands::analytics::run(command).await,
            Command::Backup(command) => commands::backup::run(command).await,
            Command::Demo(args) => commands::demo::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
