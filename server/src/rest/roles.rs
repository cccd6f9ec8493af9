//! `/roles` and `/permissions`: the tenant's roles and the catalogue they draw on.

use app::backend::roles;
use axum::Json;
use axum::http::StatusCode;
use shared::Uuid;
use shared::role::{DeletedRole, PermissionInfo, Role, RoleForm, RoleUpdate};

use super::RestResult;
use super::extract::{Authenticated, Caller, JsonBody, PathId};
use super::openapi::Failure;
use shared::ApiError;

/// The permission catalogue (the same for every tenant; any signed-in user may read it).
#[utoipa::path(
    get, path = "/permissions", tag = "roles",
    responses((status = 200, description = "The permission catalogue", body = Vec<PermissionInfo>), Failure)
)]
pub async fn permissions(Authenticated(_): Authenticated) -> Json<Vec<PermissionInfo>> {
    Json(shared::role::catalogue())
}

/// The organisation's roles.
#[utoipa::path(
    get, path = "/roles", tag = "roles",
    responses((status = 200, description = "The tenant's roles", body = Vec<Role>), Failure)
)]
pub async fn list(caller: Caller) -> RestResult<Json<Vec<Role>>> {
    Ok(Json(caller.run(async |ctx| roles::list(ctx).await).await?))
}

/// Creates a custom role.
#[utoipa::path(
    post, path = "/roles", tag = "roles", request_body = RoleForm,
    responses((status = 201, description = "Created", body = Role), Failure)
)]
pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<RoleForm>,
) -> RestResult<(StatusCode, Json<Role>)> {
    let role = caller.run(async |ctx| roles::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(role)))
}

/// One role.
#[utoipa::path(
    get, path = "/roles/{id}", tag = "roles", params(("id" = Uuid, Path, description = "The role's id")),
    responses((status = 200, description = "The role", body = Role), Failure)
)]
pub async fn get(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<Role>> {
    Ok(Json(caller.run(async |ctx| roles::get(ctx, id).await).await?))
}

/// Saves a role's name, description and permissions.
#[utoipa::path(
    patch, path = "/roles/{id}", tag = "roles", params(("id" = Uuid, Path, description = "The role's id")), request_body = RoleUpdate,
    responses((status = 200, description = "Saved", body = Role), (status = 409, description = "Changed by someone else since `version`", body = ApiError), Failure)
)]
pub async fn patch(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(update): JsonBody<RoleUpdate>,
) -> RestResult<Json<Role>> {
    Ok(Json(caller.run(async |ctx| roles::update(ctx, id, update).await).await?))
}

/// Deletes a custom role; its holders lose it.
#[utoipa::path(
    delete, path = "/roles/{id}", tag = "roles", params(("id" = Uuid, Path, description = "The role's id")),
    responses((status = 200, description = "Deleted: who lost it", body = DeletedRole), Failure)
)]
pub async fn delete(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<DeletedRole>> {
    Ok(Json(caller.run(async |ctx| roles::delete(ctx, id).await).await?))
}
