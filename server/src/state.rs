//! What every request handler can reach: one pool, the Leptos options, the password hasher.

use app::backend::password::Passwords;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

/// The router's state; Leptos server functions get it from context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub passwords: Passwords,
}
