//! Roles: the list, one role, and creating, saving and deleting custom ones.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::role::{DeletedRole, Role, RoleForm, RoleUpdate};
use shared::{ApiError, Uuid};

/// The tenant's roles with their member counts.
#[server(endpoint = "roles/list")]
pub async fn list_roles() -> Result<Vec<Role>, ApiError> {
    super::context::run(async |ctx| crate::backend::roles::list(ctx).await).await
}

/// One role.
#[server(endpoint = "roles/get")]
pub async fn get_role(id: Uuid) -> Result<Role, ApiError> {
    super::context::run(async |ctx| crate::backend::roles::get(ctx, id).await).await
}

/// Creates a custom role.
#[server(endpoint = "roles/create", input = Json)]
pub async fn create_role(form: RoleForm) -> Result<Role, ApiError> {
    super::context::run(async |ctx| crate::backend::roles::create(ctx, form).await).await
}

/// Saves a custom role (409 when someone else saved first).
#[server(endpoint = "roles/update", input = Json)]
pub async fn update_role(id: Uuid, update: RoleUpdate) -> Result<Role, ApiError> {
    super::context::run(async |ctx| crate::backend::roles::update(ctx, id, update).await).await
}

/// Deletes a custom role and its assignments.
#[server(endpoint = "roles/delete")]
pub async fn delete_role(id: Uuid) -> Result<DeletedRole, ApiError> {
    super::context::run(async |ctx| crate::backend::roles::delete(ctx, id).await).await
}
