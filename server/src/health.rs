//! `/healthz`: for load balancers and orchestrators; checks the database too.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use sqlx::PgPool;

/// The health answer.
#[derive(Serialize)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

/// 200 when the database answers, 503 otherwise.
pub async fn healthz(State(pool): State<PgPool>) -> (StatusCode, Json<Health>) {
    if app::backend::health::database_ok(&pool).await {
        (StatusCode::OK, Json(Health { status: "ok", database: "ok" }))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health { status: "unavailable", database: "unreachable" }),
        )
    }
}
