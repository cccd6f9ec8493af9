//! The `roster` binary: parses the command line and runs a subcommand.

use clap::Parser;
use server::commands::{self, Cli};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // A .env file is optional; real environment variables win over it.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    server::config::init_tracing(&cli.log);
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "roster failed");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
