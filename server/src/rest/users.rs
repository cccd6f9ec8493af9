//! `/users`: creating, reading, editing, suspending, reactivating and resetting users.

use app::backend::users;
use axum::Json;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use shared::access::UserAccess;
use shared::account::{CreatedUser, TemporaryPassword, User};
use shared::directory::{UserPage, UserQuery, UserStats};
use shared::user_form::NewUserForm;
use shared::user_patch::UserPatch;
use shared::{ApiError, ErrorCode, Uuid};

use super::extract::{Caller, JsonBody, PathId, QueryString};
use super::openapi::Failure;
use super::{RestError, RestResult};

/// A page of the users directory, with its stat cards.
#[utoipa::path(
    get, path = "/users", tag = "users", params(UserQuery),
    responses((status = 200, description = "A page of the directory", body = UserPage), Failure)
)]
pub async fn list(
    caller: Caller,
    QueryString(query): QueryString<UserQuery>,
) -> RestResult<Json<UserPage>> {
    Ok(Json(caller.run(async |ctx| users::directory::list(ctx, &query).await).await?))
}

/// The stat cards of a directory query.
#[utoipa::path(
    get, path = "/users/stats", tag = "users", params(UserQuery),
    responses((status = 200, description = "The stat cards for the query", body = UserStats), Failure)
)]
pub async fn stats(
    caller: Caller,
    QueryString(query): QueryString<UserQuery>,
) -> RestResult<Json<UserStats>> {
    Ok(Json(caller.run(async |ctx| users::directory::stats(ctx, &query).await).await?))
}

/// Creates a user.
#[utoipa::path(
    post, path = "/users", tag = "users", request_body = NewUserForm,
    responses((status = 201, description = "Created; a generated password comes back once", body = CreatedUser), Failure)
)]
pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<NewUserForm>,
) -> RestResult<(StatusCode, Json<CreatedUser>)> {
    let created = caller.run(async |ctx| users::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The user, with their version as the `ETag` (for an upsert's `If-Match`).
#[utoipa::path(
    get, path = "/users/{id}", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "The user", body = User, headers(("ETag" = String, description = "The user's version"))), Failure)
)]
pub async fn get(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Response> {
    let user = caller.run(async |ctx| users::get(ctx, id).await).await?;
    Ok(([(header::ETAG, super::sync::etag(user.version))], Json(user)).into_response())
}

/// Saves some of a user's fields, against the version they were read at.
#[utoipa::path(
    patch, path = "/users/{id}", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    request_body(content = UserPatch, description = "`version` and the fields to change; `null` clears one"),
    responses((status = 200, description = "Saved", body = User), (status = 409, description = "Changed by someone else since `version`", body = ApiError), Failure)
)]
pub async fn patch(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(body): JsonBody<Value>,
) -> RestResult<Json<User>> {
    Ok(Json(caller.run(async |ctx| users::patch(ctx, id, body).await).await?))
}

/// Users are never deleted.
#[utoipa::path(
    delete, path = "/users/{id}", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 405, description = "Users are never deleted: suspend them", body = ApiError))
)]
pub async fn delete() -> RestError {
    RestError(ApiError::new(
        ErrorCode::MethodNotAllowed,
        "Users are never deleted; suspend the user instead (POST /api/v1/users/{id}/suspend).",
    ))
}

/// Suspends a user and ends their sessions.
#[utoipa::path(
    post, path = "/users/{id}/suspend", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "Suspended; their sessions have ended", body = User), Failure)
)]
pub async fn suspend(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<User>> {
    Ok(Json(caller.run(async |ctx| users::suspend(ctx, id).await).await?))
}

/// Lets a suspended user sign in again.
#[utoipa::path(
    post, path = "/users/{id}/reactivate", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "Reactivated", body = User), Failure)
)]
pub async fn reactivate(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<User>> {
    Ok(Json(caller.run(async |ctx| users::reactivate(ctx, id).await).await?))
}

/// Gives a user a temporary password, shown once.
#[utoipa::path(
    post, path = "/users/{id}/reset-password", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "A temporary password, shown once", body = TemporaryPassword), Failure)
)]
pub async fn reset_password(
    caller: Caller,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<TemporaryPassword>> {
    Ok(Json(caller.run(async |ctx| users::reset_password(ctx, id).await).await?))
}

/// Replaces the avatar with the image in the body (PNG, JPEG or WebP, at most 2 MiB).
#[utoipa::path(
    put, path = "/users/{id}/avatar", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    request_body(content = Vec<u8>, content_type = "image/*", description = "A PNG, JPEG or WebP image of at most 2 MiB"),
    responses((status = 204, description = "Stored, squared to 256 px"), Failure)
)]
pub async fn put_avatar(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    body: Bytes,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| users::avatar::set(ctx, id, body.to_vec()).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored 256 px avatar.
#[utoipa::path(
    get, path = "/users/{id}/avatar", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "The 256 px avatar", content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))), Failure)
)]
pub async fn get_avatar(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Response> {
    let avatar = caller.run(async |ctx| users::avatar::get(ctx, id).await).await?;
    let headers = [
        (header::CONTENT_TYPE, avatar.content_type),
        (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
    ];
    Ok((headers, avatar.image).into_response())
}

/// Every permission of a user with what grants it.
#[utoipa::path(
    get, path = "/users/{id}/access", tag = "users", params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "Every permission with what grants it", body = UserAccess), Failure)
)]
pub async fn access(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<UserAccess>> {
    Ok(Json(caller.run(async |ctx| users::access(ctx, id).await).await?))
}
