//! `/roles` and `/permissions`: the tenant's roles and the catalogue they draw on.

use app::backend::roles;
use axum::Json;
use axum::http::StatusCode;
use shared::Uuid;
use shared::role::{DeletedRole, PermissionInfo, Role, RoleForm, RoleUpdate};

use super::RestResult;
use super::extract::{Authenticated, Caller, JsonBody, PathId};

/// The permission catalogue (the same for every tenant; any signed-in user may read it).
pub async fn permissions(Authenticated(_): Authenticated) -> Json<Vec<PermissionInfo>> {
    Json(shared::role::catalogue())
}

pub async fn list(caller: Caller) -> RestResult<Json<Vec<Role>>> {
    Ok(Json(caller.run(async |ctx| roles::list(ctx).await).await?))
}

pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<RoleForm>,
) -> RestResult<(StatusCode, Json<Role>)> {
    let role = caller.run(async |ctx| roles::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(role)))
}

pub async fn get(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<Role>> {
    Ok(Json(caller.run(async |ctx| roles::get(ctx, id).await).await?))
}

pub async fn patch(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(update): JsonBody<RoleUpdate>,
) -> RestResult<Json<Role>> {
    Ok(Json(caller.run(async |ctx| roles::update(ctx, id, update).await).await?))
}

pub async fn delete(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<DeletedRole>> {
    Ok(Json(caller.run(async |ctx| roles::delete(ctx, id).await).await?))
}
