//! Configuration from the environment (documented in .env.example) and logging set-up.

use clap::{Args, ValueEnum};
use std::num::NonZeroU32;
use std::time::Duration;

/// Where the database is, as which roles, and how many connections to keep.
#[derive(Args, Clone, Debug)]
pub struct DatabaseConfig {
    /// PostgreSQL connection URL of the role Roster works as (`roster_app`, or a member of it):
    /// it reads and writes rows and owns nothing (README "Database roles").
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// PostgreSQL connection URL of the role that owns the tables, for migrations (and bulk
    /// loads). When it is not given, migrations must have been applied by `roster migrate`.
    #[arg(long, env = "ROSTER_OWNER_DATABASE_URL", hide_env_values = true)]
    pub owner_database_url: Option<String>,
    /// Most connections the pool opens.
    #[arg(long, env = "ROSTER_DB_MAX_CONNECTIONS", default_value_t = 20)]
    pub db_max_connections: u32,
    /// Seconds to wait for a free connection before answering 503.
    #[arg(long, env = "ROSTER_DB_ACQUIRE_TIMEOUT", default_value_t = 5)]
    pub db_acquire_timeout_secs: u64,
}

impl DatabaseConfig {
    /// Opens the pool (and fails fast if the database is unreachable).
    ///
    /// Connections are not pinged when taken from the pool (sqlx's default: a round trip per
    /// request, as long as a stat-card statement takes). sqlx already pings each one as it goes
    /// back and closes those idle for ten minutes, so only a connection the database dropped
    /// while it sat idle fails the one request that meets it, and is then discarded.
    pub async fn connect(&self) -> Result<sqlx::PgPool, sqlx::Error> {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(self.db_max_connections)
            .acquire_timeout(Duration::from_secs(self.db_acquire_timeout_secs))
            .test_before_acquire(false)
            .connect(&self.database_url)
            .await
    }

    /// A small pool (two connections) as the owner of the tables (`ROSTER_OWNER_DATABASE_URL`,
    /// or else `DATABASE_URL` for an operator who runs a command as the owner).
    pub async fn connect_owner(&self) -> Result<sqlx::PgPool, sqlx::Error> {
        let url = self.owner_database_url.as_deref().unwrap_or(&self.database_url);
        sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(url).await
    }

    /// Brings the schema up to date as the owner when its URL is given, then opens the pool
    /// of the working role and checks that no migration is missing (e.g. when only
    /// `DATABASE_URL` is given and `roster migrate` has not run yet).
    pub async fn migrate_and_connect(
        &self,
    ) -> Result<sqlx::PgPool, Box<dyn std::error::Error + Send + Sync>> {
        if self.owner_database_url.is_some() {
            let owner = self.connect_owner().await?;
            crate::MIGRATOR.run(&owner).await?;
            owner.close().await;
        }
        let pool = self.connect().await?;
        let pending = crate::pending_migrations(&pool).await?;
        if !pending.is_empty() {
            return Err(format!(
                "the database lacks migrations {pending:?}: give ROSTER_OWNER_DATABASE_URL, or run \
                 `roster migrate` with the owner's URL (README \"Database roles\")"
            )
            .into());
        }
        Ok(pool)
    }
}

/// How the console is served.
#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// The address people use, e.g. `https://roster.example.com`. When it is https, session
    /// cookies are `Secure` with the `__Host-` prefix and HSTS is sent. Passkeys are made for its
    /// host, which must be a domain name. Without it, `http://localhost:<port>`.
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Load balancers in front of Roster (addresses or CIDR ranges, comma-separated); only their
    /// `X-Forwarded-For` is believed.
    #[arg(long, env = "ROSTER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<sqlx::types::ipnetwork::IpNetwork>,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "ROSTER_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Hours after sign-in at which every session ends.
    #[arg(long, env = "ROSTER_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: i64,
    /// Requests a second one API token may make, steadily (each server process counts for
    /// itself).
    #[arg(long, env = "ROSTER_TOKEN_RATE", default_value = "20")]
    pub token_rate: NonZeroU32,
    /// Requests one API token may make at once on top of its steady rate.
    #[arg(long, env = "ROSTER_TOKEN_BURST", default_value = "100")]
    pub token_burst: NonZeroU32,
}

impl ServeConfig {
    /// Whether Roster is served over https.
    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
    }

    /// The address people use: [`ServeConfig::public_url`], or `http://localhost:<port>` of the
    /// address Roster listens on.
    pub fn public_url(
        &self,
        listening: std::net::SocketAddr,
    ) -> Result<app::backend::passkey::Url, String> {
        let given = self.public_url.clone();
        let url = given.unwrap_or_else(|| format!("http://localhost:{}", listening.port()));
        app::backend::passkey::Url::parse(&url)
            .map_err(|e| format!("ROSTER_PUBLIC_URL {url:?}: {e}"))
    }

    /// The session timeouts.
    pub fn session_policy(&self) -> app::backend::sessions::SessionPolicy {
        app::backend::sessions::SessionPolicy {
            idle: chrono::Duration::minutes(self.session_idle_minutes),
            absolute: chrono::Duration::hours(self.session_absolute_hours),
        }
    }
}

/// How logs are written.
#[derive(Args, Clone, Debug)]
pub struct LogConfig {
    /// Log filter, e.g. `info` or `info,sqlx=warn,server=debug`.
    #[arg(long = "log-level", env = "ROSTER_LOG", default_value = "info,sqlx=warn", global = true)]
    pub filter: String,
    /// `pretty` for people, `json` for log collectors.
    #[arg(long = "log-format", env = "ROSTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub format: LogFormat,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Installs the global tracing subscriber (structured fields; JSON when asked).
pub fn init_tracing(config: &LogConfig) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // Panics go to the log like everything else, within the span of the request they broke
    // (the default hook only prints to stderr, outside the log's format). A panic in a page's
    // rendering task happens where no layer can turn it into a 500: this line is its trace.
    std::panic::set_hook(Box::new(|panic| {
        let location = panic.location().map(ToString::to_string).unwrap_or_default();
        let cause = crate::router::panic_message(panic.payload());
        tracing::error!(panic = cause, location, "panicked");
    }));
}
