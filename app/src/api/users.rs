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
    super::context::run(async |ctx| directory::list(ctx, &query).await).await
}

/// One user of the signed-in user's tenant.
#[server(endpoint = "users/get")]
pub async fn get_user(id: Uuid) -> Result<User, ApiError> {
    super::context::run(async |ctx| crate::backend::users::get(ctx, id).await).await
}

/// The tenant's roles, for the role picker.
#[server(endpoint = "users/role_options")]
pub async fn role_options() -> Result<Vec<RoleOption>, ApiError> {
    super::context::run(async |ctx| crate::backend::users::role_options(ctx).await).await
}

/// The tenant's teams, for the directory's team filter.
#[server(endpoint = "users/team_options")]
pub async fn team_options() -> Result<Vec<TeamRef>, ApiError> {
    super::context::run(async |ctx| crate::backend::users::team_options(ctx).await).await
}

/// Users whose name, username or email starts with `q` (the manager picker).
#[server(endpoint = "users/pick")]
pub async fn pick_users(q: String) -> Result<Vec<UserRef>, ApiError> {
    super::context::run(async |ctx| crate::backend::users::pick(ctx, &q).await).await
}

/// Creates a user; a generated password comes back once.
#[server(endpoint = "users/create", input = Json)]
pub async fn create_user(form: NewUserForm) -> Result<CreatedUser, ApiError> {
    super::context::run(async |ctx| crate::backend::users::create(ctx, form).await).await
}

/// Saves the edit form (409 when someone else saved first).
#[server(endpoint = "users/update", input = Json)]
pub async fn update_user(id: Uuid, edit: UserEdit) -> Result<User, ApiError> {
    super::context::run(async |ctx| crate::backend::users::update(ctx, id, edit).await).await
}

/// Suspends a user and ends their sessions.
#[server(endpoint = "users/suspend")]
pub async fn suspend_user(id: Uuid) -> Result<User, ApiError> {
    super::context::run(async |ctx| crate::backend::users::suspend(ctx, id).await).await
}

/// Lets a suspended user sign in again.
#[server(endpoint = "users/reactivate")]
pub async fn reactivate_user(id: Uuid) -> Result<User, ApiError> {
    super::context::run(async |ctx| crate::backend::users::reactivate(ctx, id).await).await
}

/// Gives a user a new temporary password, shown once.
#[server(endpoint = "users/reset_password")]
pub async fn reset_user_password(id: Uuid) -> Result<TemporaryPassword, ApiError> {
    super::context::run(async |ctx| crate::backend::users::reset_password(ctx, id).await).await
}

/// Every permission of a user with what grants it ("can this user …?").
#[server(endpoint = "users/access")]
pub async fn user_access(id: Uuid) -> Result<shared::access::UserAccess, ApiError> {
    super::context::run(async |ctx| crate::backend::users::access(ctx, id).await).await
}
