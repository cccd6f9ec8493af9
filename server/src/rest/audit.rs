//! `/audit`: the trail, a page at a time or exported as CSV.

use app::backend::audit::trail;
use app::backend::{Actor, sessions};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use shared::audit::{AuditPage, AuditQuery};
use sqlx::PgConnection;

use super::RestResult;
use super::extract::{Authenticated, QueryString, Token};
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Token(token): Token,
    QueryString(query): QueryString<AuditQuery>,
) -> RestResult<Json<AuditPage>> {
    let s = &state.services;
    let read =
        async |conn: &mut PgConnection, actor: &Actor| trail::list_in(conn, actor, &query).await;
    Ok(Json(sessions::as_actor(&s.pool, &s.sessions, &token, read).await?))
}

/// The events the query matches (up to [`trail::MAX_EXPORT`]), as a CSV download.
pub async fn export(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    QueryString(query): QueryString<AuditQuery>,
) -> RestResult<impl IntoResponse> {
    let csv = trail::export(&state.services.pool, &actor, &query).await?;
    let name = format!(
        "attachment; filename=\"audit-{}-{}.csv\"",
        actor.tenant_slug,
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv,
    ))
}
