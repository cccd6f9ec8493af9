//! The Roster host: configuration, the Postgres pool and migrations, the HTTP router (Leptos
//! pages, server functions, JSON API) and the command-line subcommands.

// Leptos views are deeply nested types; codegen needs a higher limit than the default 128.
#![recursion_limit = "256"]

pub mod commands;
pub mod config;
pub mod health;
pub mod rest;
pub mod router;
pub mod seed;
pub mod state;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The versions of the embedded migrations the database has not applied (all of them when it
/// has none).
pub async fn pending_migrations(pool: &sqlx::PgPool) -> Result<Vec<i64>, sqlx::Error> {
    const UNDEFINED_TABLE: &str = "42P01";
    let applied: Vec<i64> =
        match sqlx::query_scalar("select version from _sqlx_migrations where success")
            .fetch_all(pool)
            .await
        {
            Ok(applied) => applied,
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(UNDEFINED_TABLE) => {
                Vec::new()
            }
            Err(e) => return Err(e),
        };
    Ok(MIGRATOR
        .iter()
        .map(|migration| migration.version)
        .filter(|version| !applied.contains(version))
        .collect())
}
