//! `/users`: creating, reading, editing, suspending, reactivating and resetting users.

use app::backend::users;
use axum::Json;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use shared::account::{CreatedUser, TemporaryPassword, User};
use shared::directory::{UserPage, UserQuery, UserStats};
use shared::user_form::NewUserForm;
use shared::{ApiError, ErrorCode, Uuid};

use super::extract::{Caller, JsonBody, PathId, QueryString};
use super::{RestError, RestResult};

pub async fn list(
    caller: Caller,
    QueryString(query): QueryString<UserQuery>,
) -> RestResult<Json<UserPage>> {
    Ok(Json(caller.run(async |ctx| users::directory::list(ctx, &query).await).await?))
}

pub async fn stats(
    caller: Caller,
    QueryString(query): QueryString<UserQuery>,
) -> RestResult<Json<UserStats>> {
    Ok(Json(caller.run(async |ctx| users::directory::stats(ctx, &query).await).await?))
}

pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<NewUserForm>,
) -> RestResult<(StatusCode, Json<CreatedUser>)> {
    let created = caller.run(async |ctx| users::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The user, with their version as the `ETag` (for an upsert's `If-Match`).
pub async fn get(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Response> {
    let user = caller.run(async |ctx| users::get(ctx, id).await).await?;
    Ok(([(header::ETAG, super::sync::etag(user.version))], Json(user)).into_response())
}

pub async fn patch(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(body): JsonBody<Value>,
) -> RestResult<Json<User>> {
    Ok(Json(caller.run(async |ctx| users::patch(ctx, id, body).await).await?))
}

/// Users are never deleted.
pub async fn delete() -> RestError {
    RestError(ApiError::new(
        ErrorCode::MethodNotAllowed,
        "Users are never deleted; suspend the user instead (POST /api/v1/users/{id}/suspend).",
    ))
}

pub async fn suspend(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<User>> {
    Ok(Json(caller.run(async |ctx| users::suspend(ctx, id).await).await?))
}

pub async fn reactivate(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<User>> {
    Ok(Json(caller.run(async |ctx| users::reactivate(ctx, id).await).await?))
}

pub async fn reset_password(
    caller: Caller,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<TemporaryPassword>> {
    Ok(Json(caller.run(async |ctx| users::reset_password(ctx, id).await).await?))
}

/// Replaces the avatar with the image in the body (PNG, JPEG or WebP, at most 2 MiB).
pub async fn put_avatar(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    body: Bytes,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| users::avatar::set(ctx, id, body.to_vec()).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored 256 px avatar.
pub async fn get_avatar(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Response> {
    let avatar = caller.run(async |ctx| users::avatar::get(ctx, id).await).await?;
    let headers = [
        (header::CONTENT_TYPE, avatar.content_type),
        (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
    ];
    Ok((headers, avatar.image).into_response())
}

pub async fn access(
    caller: Caller,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<shared::access::UserAccess>> {
    Ok(Json(caller.run(async |ctx| users::access(ctx, id).await).await?))
}
