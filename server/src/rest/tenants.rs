//! `/tenants`, for platform superusers.

use app::backend::tenants;
use axum::Json;
use axum::http::StatusCode;
use shared::tenant::{CreatedTenant, NewTenantForm, Tenant};

use super::RestResult;
use super::extract::{Caller, JsonBody};

pub async fn list(caller: Caller) -> RestResult<Json<Vec<Tenant>>> {
    Ok(Json(caller.run(async |ctx| tenants::list(ctx).await).await?))
}

pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<NewTenantForm>,
) -> RestResult<(StatusCode, Json<CreatedTenant>)> {
    let created = caller.run(async |ctx| tenants::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
