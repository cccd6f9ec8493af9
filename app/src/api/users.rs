//! Users: one user, the pickers of the user form, and the lifecycle actions.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::account::{
    CreatedUser, RoleOption, TeamRef, TemporaryPassword, User, UserEdit, UserRef,
};
use shared::directory::{UserPage, UserQuery};
use shared::user_form::NewUserForm;
use shared::{ApiError, Uuid};

/// A page of the users directory, with its stat cards.
#[server(endpoint = "users/list", input = Json)]
pub async fn list_users(query: UserQuery) -> Result<UserPage, ApiError> {
    use crate::backend::users::directory;
    super::context::as_actor(async |conn, actor| directory::list_in(conn, actor, &query).await)
        .await
}

/// One user of the signed-in user's tenant.
#[server(endpoint = "users/get")]
pub async fn get_user(id: Uuid) -> Result<User, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::get(&call.services.pool, &actor, id).await?)
}

/// The tenant's roles, for the role picker.
#[server(endpoint = "users/role_options")]
pub async fn role_options() -> Result<Vec<RoleOption>, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::role_options(&call.services.pool, &actor).await?)
}

/// The tenant's teams, for the directory's team filter.
#[server(endpoint = "users/team_options")]
pub async fn team_options() -> Result<Vec<TeamRef>, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::team_options(&call.services.pool, &actor).await?)
}

/// Users whose name, username or email starts with `q` (the manager picker).
#[server(endpoint = "users/pick")]
pub async fn pick_users(q: String) -> Result<Vec<UserRef>, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::pick(&call.services.pool, &actor, &q).await?)
}

/// Creates a user; a generated password comes back once.
#[server(endpoint = "users/create", input = Json)]
pub async fn create_user(form: NewUserForm) -> Result<CreatedUser, ApiError> {
    let (call, actor) = super::context::actor().await?;
    let s = &call.services;
    Ok(crate::backend::users::create(&s.pool, &s.passwords, &actor, form, &call.client).await?)
}

/// Saves the edit form (409 when someone else saved first).
#[server(endpoint = "users/update", input = Json)]
pub async fn update_user(id: Uuid, edit: UserEdit) -> Result<User, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::update(&call.services.pool, &actor, id, edit, &call.client).await?)
}

/// Suspends a user and ends their sessions.
#[server(endpoint = "users/suspend")]
pub async fn suspend_user(id: Uuid) -> Result<User, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::suspend(&call.services.pool, &actor, id, &call.client).await?)
}

/// Lets a suspended user sign in again.
#[server(endpoint = "users/reactivate")]
pub async fn reactivate_user(id: Uuid) -> Result<User, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::reactivate(&call.services.pool, &actor, id, &call.client).await?)
}

/// Gives a user a new temporary password, shown once.
#[server(endpoint = "users/reset_password")]
pub async fn reset_user_password(id: Uuid) -> Result<TemporaryPassword, ApiError> {
    let (call, actor) = super::context::actor().await?;
    let s = &call.services;
    Ok(crate::backend::users::reset_password(&s.pool, &s.passwords, &actor, id, &call.client)
        .await?)
}

/// Every permission of a user with what grants it ("can this user …?").
#[server(endpoint = "users/access")]
pub async fn user_access(id: Uuid) -> Result<shared::access::UserAccess, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::users::access(&call.services.pool, &actor, id).await?)
}
