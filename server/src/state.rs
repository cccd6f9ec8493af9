//! What every request handler can reach: the backend services and the Leptos options.

use app::backend::Services;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

/// The router's state; Leptos server functions get `Services` from context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
}

impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> Self {
        state.services.pool.clone()
    }
}
