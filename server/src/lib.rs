//! The Roster host: configuration, the Postgres pool and migrations, the HTTP router (Leptos
//! pages, server functions, JSON API) and the command-line subcommands.

pub mod commands;
pub mod config;
pub mod health;
pub mod router;
pub mod state;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
