//! `/tenants`, for platform superusers.

use app::backend::tenants;
use axum::Json;
use axum::http::StatusCode;
use shared::tenant::{CreatedTenant, NewTenantForm, Tenant};

use super::RestResult;
use super::extract::{Caller, JsonBody};
use super::openapi::Failure;

/// Every organisation.
#[utoipa::path(
    get, path = "/tenants", tag = "tenants",
    responses((status = 200, description = "Every organisation (platform superusers only)", body = Vec<Tenant>), Failure)
)]
pub async fn list(caller: Caller) -> RestResult<Json<Vec<Tenant>>> {
    Ok(Json(caller.run(async |ctx| tenants::list(ctx).await).await?))
}

/// Creates an organisation and its first administrator.
#[utoipa::path(
    post, path = "/tenants", tag = "tenants", request_body = NewTenantForm,
    responses((status = 201, description = "Created, with its first administrator's temporary password (shown once)", body = CreatedTenant), Failure)
)]
pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<NewTenantForm>,
) -> RestResult<(StatusCode, Json<CreatedTenant>)> {
    let created = caller.run(async |ctx| tenants::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
