//! Roles: the list, one role, and creating, saving and deleting custom ones.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::role::{DeletedRole, Role, RoleForm, RoleUpdate};
use shared::{ApiError, Uuid};

/// The tenant's roles with their member counts.
#[server(endpoint = "roles/list")]
pub async fn list_roles() -> Result<Vec<Role>, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::roles::list(&call.services.pool, &actor).await?)
}

/// One role.
#[server(endpoint = "roles/get")]
pub async fn get_role(id: Uuid) -> Result<Role, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::roles::get(&call.services.pool, &actor, id).await?)
}

/// Creates a custom role.
#[server(endpoint = "roles/create", input = Json)]
pub async fn create_role(form: RoleForm) -> Result<Role, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::roles::create(&call.services.pool, &actor, form, &call.client).await?)
}

/// Saves a custom role (409 when someone else saved first).
#[server(endpoint = "roles/update", input = Json)]
pub async fn update_role(id: Uuid, update: RoleUpdate) -> Result<Role, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::roles::update(&call.services.pool, &actor, id, update, &call.client).await?)
}

/// Deletes a custom role and its assignments.
#[server(endpoint = "roles/delete")]
pub async fn delete_role(id: Uuid) -> Result<DeletedRole, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::roles::delete(&call.services.pool, &actor, id, &call.client).await?)
}
