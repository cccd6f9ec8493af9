//! `/audit`: the trail, a page at a time or exported as CSV.

use app::backend::Ctx;
use app::backend::audit::trail;
use axum::Json;
use axum::http::header;
use axum::response::IntoResponse;
use shared::audit::{AuditPage, AuditQuery};

use super::RestResult;
use super::extract::{Caller, QueryString};
use super::openapi::Failure;

/// A page of the audit trail, newest first.
#[utoipa::path(
    get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "A page of events, newest first", body = AuditPage), Failure)
)]
pub async fn list(
    caller: Caller,
    QueryString(query): QueryString<AuditQuery>,
) -> RestResult<Json<AuditPage>> {
    Ok(Json(caller.run(async |ctx| trail::list(ctx, &query).await).await?))
}

/// The events the query matches (the newest 100,000 at most), as a CSV download.
#[utoipa::path(
    get, path = "/audit/export", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "The matching events as CSV", content_type = "text/csv", body = String), Failure)
)]
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
