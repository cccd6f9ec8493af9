//! `/audit`: the trail, a page at a time or exported as CSV.

use app::backend::Ctx;
use app::backend::audit::trail;
use axum::Json;
use axum::http::header;
use axum::response::IntoResponse;
use shared::audit::{AuditPage, AuditQuery};

use super::RestResult;
use super::extract::{Caller, QueryString};

pub async fn list(
    caller: Caller,
    QueryString(query): QueryString<AuditQuery>,
) -> RestResult<Json<AuditPage>> {
    Ok(Json(caller.run(async |ctx| trail::list(ctx, &query).await).await?))
}

/// The events the query matches (up to [`trail::MAX_EXPORT`]), as a CSV download.
pub async fn export(
    caller: Caller,
    QueryString(query): QueryString<AuditQuery>,
) -> RestResult<impl IntoResponse> {
    let export = async |ctx: &mut Ctx<'_>| {
        Ok((ctx.actor.tenant_slug.clone(), trail::export(ctx, &query).await?))
    };
    let (tenant, csv) = caller.run(export).await?;
    let name = format!(
        "attachment; filename=\"audit-{}-{}.csv\"",
        tenant,
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
