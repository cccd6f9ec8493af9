//! Liveness of the parts Roster depends on.

use sqlx::PgPool;

/// Whether the database answers a trivial query.
pub async fn database_ok(pool: &PgPool) -> bool {
    sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(pool).await.is_ok()
}
