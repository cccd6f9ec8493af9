//! The Roster host: configuration, the Postgres pool and migrations, the HTTP router (Leptos
//! pages, server functions, JSON API) and the command-line subcommands.

// Leptos views are deeply nested types; codegen needs a higher limit than the default 128.
#![recursion_limit = "256"]

pub mod bench;
pub mod commands;
pub mod config;
pub mod health;
pub mod rest;
pub mod router;
pub mod seed;
pub mod state;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
