//! `/roles` and `/permissions`: the tenant's roles and the catalogue they draw on.

use app::backend::roles;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::Uuid;
use shared::role::{DeletedRole, PermissionInfo, Role, RoleForm, RoleUpdate};

use super::RestResult;
use super::extract::{Authenticated, Client, JsonBody, PathId};
use crate::state::AppState;

/// The permission catalogue (the same for every tenant; any signed-in user may read it).
pub async fn permissions(Authenticated(_): Authenticated) -> Json<Vec<PermissionInfo>> {
    Json(shared::role::catalogue())
}

pub async fn list(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> RestResult<Json<Vec<Role>>> {
    Ok(Json(roles::list(&state.services.pool, &actor).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    JsonBody(form): JsonBody<RoleForm>,
) -> RestResult<(StatusCode, Json<Role>)> {
    let role = roles::create(&state.services.pool, &actor, form, &client).await?;
    Ok((StatusCode::CREATED, Json(role)))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<Role>> {
    Ok(Json(roles::get(&state.services.pool, &actor, id).await?))
}

pub async fn patch(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
    JsonBody(update): JsonBody<RoleUpdate>,
) -> RestResult<Json<Role>> {
    Ok(Json(roles::update(&state.services.pool, &actor, id, update, &client).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<DeletedRole>> {
    Ok(Json(roles::delete(&state.services.pool, &actor, id, &client).await?))
}
