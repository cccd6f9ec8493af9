//! The subcommands of `roster`: `serve` (the default) and `migrate`.

use app::backend::bootstrap::{self, FirstSignIn};
use app::backend::password::Passwords;
use clap::{Parser, Subcommand};
use leptos::config::{LeptosOptions, get_configuration};
use tokio::net::TcpListener;

use crate::config::{DatabaseConfig, LogConfig};
use crate::router::router;
use crate::state::AppState;

/// Roster: multi-tenant user management.
#[derive(Parser, Debug)]
#[command(name = "roster", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogConfig,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database, then serve the console and the API (the default).
    Serve(DatabaseConfig),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseConfig),
}

/// Any failure of a subcommand, reported once by `main`.
pub type CommandResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Runs the chosen subcommand.
pub async fn run(cli: Cli) -> CommandResult {
    match cli.command {
        Some(Command::Serve(db)) => serve(db).await,
        Some(Command::Migrate(db)) => migrate(db).await,
        // `roster` alone serves; it still needs DATABASE_URL, so parse that from the environment.
        None => serve(DatabaseConfig::parse_from_env()?).await,
    }
}

impl DatabaseConfig {
    fn parse_from_env() -> Result<Self, clap::Error> {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            db: DatabaseConfig,
        }
        Only::try_parse_from(["roster"]).map(|only| only.db)
    }
}

async fn migrate(db: DatabaseConfig) -> CommandResult {
    let pool = db.connect().await?;
    crate::MIGRATOR.run(&pool).await?;
    tracing::info!("database is up to date");
    Ok(())
}

async fn serve(db: DatabaseConfig) -> CommandResult {
    let leptos_options = leptos_options()?;
    let pool = db.connect().await?;
    crate::MIGRATOR.run(&pool).await?;
    let passwords = Passwords::default();
    if let Some(first) = bootstrap::ensure_platform_superuser(&pool, &passwords).await? {
        print_first_sign_in(&first, &leptos_options);
    }

    let addr = leptos_options.site_addr;
    let app = router(AppState { leptos_options, pool: pool.clone(), passwords });
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving Roster");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Leptos' settings from the environment (set by cargo-leptos or roster.sh), with the output
/// name baked in so the binary also runs on its own.
fn leptos_options() -> Result<LeptosOptions, Box<dyn std::error::Error + Send + Sync>> {
    let mut options = get_configuration(None)?.leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "roster".into();
    }
    Ok(options)
}

/// The one time a secret is printed: on the starting person's terminal, not into the log.
fn print_first_sign_in(first: &FirstSignIn, options: &LeptosOptions) {
    println!(
        "\n  Roster is ready. Sign in at http://{addr}/sign-in with\n\
         \n      organisation  {tenant}\
         \n      username      {user}\
         \n      password      {password}\n\
         \n  This temporary password is shown only now; you will choose your own at first sign-in.\n",
        addr = options.site_addr,
        tenant = first.tenant,
        user = first.username,
        password = first.password.expose(),
    );
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
