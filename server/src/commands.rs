//! The subcommands of `roster`: `serve` (the default), `migrate`, `create-superuser` and `seed`.
//! (The benchmark is not part of the product: `server/examples/bench`.)

use app::backend::bootstrap::{self, FirstSignIn};
use app::backend::passkey::{Passkeys, Url};
use app::backend::password::Passwords;
use app::backend::tokens::TokenRate;
use app::backend::{Services, tenancy};
use clap::{Args, Parser, Subcommand};
use leptos::config::{LeptosOptions, get_configuration};
use shared::{ApiError, Password};
use std::io::BufRead;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use utoipa::OpenApi as _;

use crate::config::{DatabaseConfig, LogConfig, ServeConfig};
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
    Serve(ServeConfig),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseConfig),
    /// Create a platform superuser; the password is read from standard input.
    CreateSuperuser(CreateSuperuser),
    /// Load N generated users into a tenant (created if missing), for demos and benchmarks.
    Seed(SeedArgs),
    /// Print the JSON API's OpenAPI document (as served at /api/v1/openapi.json) and exit.
    Openapi,
}

/// `roster seed --tenant SLUG --users N`
#[derive(Args, Debug)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// The tenant's slug.
    #[arg(long)]
    pub tenant: String,
    /// How many users to add.
    #[arg(long)]
    pub users: u64,
}

/// `roster create-superuser --username NAME < password`
#[derive(Args, Debug)]
pub struct CreateSuperuser {
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// The new superuser's login name.
    #[arg(long)]
    pub username: String,
}

/// Any failure of a subcommand, reported once by `main`.
pub type CommandResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Runs the chosen subcommand.
pub async fn run(cli: Cli) -> CommandResult {
    match cli.command {
        Some(Command::Serve(config)) => serve(config).await,
        Some(Command::Migrate(db)) => migrate(db).await,
        Some(Command::CreateSuperuser(args)) => create_superuser(args).await,
        Some(Command::Seed(args)) => seed(args).await,
        Some(Command::Openapi) => {
            println!("{}", crate::rest::openapi::ApiDoc::openapi().to_pretty_json()?);
            Ok(())
        }
        // `roster` alone serves, configured from the environment.
        None => serve(ServeConfig::parse_from_env()?).await,
    }
}

impl ServeConfig {
    fn parse_from_env() -> Result<Self, clap::Error> {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeConfig,
        }
        Only::try_parse_from(["roster"]).map(|only| only.serve)
    }
}

async fn migrate(db: DatabaseConfig) -> CommandResult {
    let pool = db.connect_owner().await?;
    crate::MIGRATOR.run(&pool).await?;
    tracing::info!("database is up to date");
    Ok(())
}

async fn create_superuser(args: CreateSuperuser) -> CommandResult {
    let pool = args.db.migrate_and_connect().await?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = Password::new(line.trim_end_matches(['\r', '\n']));
    let passwords = Passwords::default();
    match bootstrap::create_superuser(&pool, &passwords, &args.username, &password).await {
        Ok(_) => {
            println!(
                "Created superuser {:?}. Sign in with organisation \"platform\"; the console then \
                 asks for a second factor (an authenticator app), which superusers must have.",
                args.username
            );
            Ok(())
        }
        Err(err) => {
            let api = ApiError::from(err);
            let fields: Vec<String> =
                api.fields.iter().map(|(f, codes)| format!("{f}: {}", codes.join(", "))).collect();
            Err(format!("{} {}", api.message, fields.join("; ")).into())
        }
    }
}

async fn seed(args: SeedArgs) -> CommandResult {
    // A bulk load skips the per-row guards, which only the owner of the tables may do.
    let pool = args.db.connect_owner().await?;
    crate::MIGRATOR.run(&pool).await?;
    let seeded = crate::seed::seed(&pool, &args.tenant, args.users).await?;
    println!("Seeded {} users into {:?} in {:.1} s.", seeded.users, seeded.tenant, seeded.seconds);
    if let Some(admin) = seeded.admin_username {
        // Printed on the operator's terminal, never logged: every seeded user shares it.
        println!(
            "Sign in as {admin:?} (organisation {:?}) with the seeded users' password: {}",
            seeded.tenant,
            seeded.password.expose()
        );
    }
    Ok(())
}

async fn serve(config: ServeConfig) -> CommandResult {
    let leptos_options = leptos_options()?;
    let pool = config.db.migrate_and_connect().await?;
    if tenancy::guards_switchable(&pool).await? {
        return Err("DATABASE_URL connects as a superuser, a BYPASSRLS role or the owner of the \
                    tables, which could switch off row-level security and the audit guards: \
                    connect as roster_app (README \"Database roles\")"
            .into());
    }
    let resumed = app::backend::teams::resume(&pool).await?;
    if resumed > 0 {
        tracing::info!(runs = resumed, "applying unfinished team rule changes again");
    }
    let addr = leptos_options.site_addr;
    let public_url = config.public_url(addr)?;
    let passwords = Passwords::default();
    if let Some(first) = bootstrap::ensure_platform_superuser(&pool, &passwords).await? {
        print_first_sign_in(&first, &public_url);
    }

    let services = Services {
        pool: pool.clone(),
        passwords,
        sessions: config.session_policy(),
        https: config.https(),
        trusted_proxies: config.trusted_proxies.clone(),
        token_rate: TokenRate::new(config.token_rate, config.token_burst),
        passkeys: Passkeys::new(&public_url)?,
    };
    let app = router(AppState { leptos_options, services });
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving Roster");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Leptos' settings from the environment (set by cargo-leptos or roster.sh), with the output
/// name baked in so the binary also runs on its own.
pub fn leptos_options() -> Result<LeptosOptions, Box<dyn std::error::Error + Send + Sync>> {
    let mut options = get_configuration(None)?.leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "roster".into();
    }
    Ok(options)
}

/// The one time a secret is printed: on the starting person's terminal, not into the log.
fn print_first_sign_in(first: &FirstSignIn, public_url: &Url) {
    println!(
        "\n  Roster is ready. Sign in at {url}sign-in with\n\
         \n      organisation  {tenant}\
         \n      username      {user}\
         \n      password      {password}\n\
         \n  This temporary password is shown only now; you will choose your own at first sign-in.\n",
        url = public_url,
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
