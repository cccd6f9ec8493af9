//! `/users`: creating, reading, editing, suspending, reactivating and resetting users.

use app::backend::{Actor, sessions, users};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use shared::account::{CreatedUser, TemporaryPassword, User};
use shared::directory::{UserPage, UserQuery, UserStats};
use shared::user_form::NewUserForm;
use shared::{ApiError, ErrorCode, Uuid};
use sqlx::PgConnection;

use super::extract::{Authenticated, Client, JsonBody, PathId, QueryString, Token};
use super::{RestError, RestResult};
use crate::state::AppState;

// The directory's two reads run in the transaction that resolves the actor: one BEGIN and one
// COMMIT per request, as these are the most frequent requests of all.
pub async fn list(
    State(state): State<AppState>,
    Token(token): Token,
    QueryString(query): QueryString<UserQuery>,
) -> RestResult<Json<UserPage>> {
    let s = &state.services;
    let read = async |conn: &mut PgConnection, actor: &Actor| {
        users::directory::list_in(conn, actor, &query).await
    };
    Ok(Json(sessions::as_actor(&s.pool, &s.sessions, &token, read).await?))
}

pub async fn stats(
    State(state): State<AppState>,
    Token(token): Token,
    QueryString(query): QueryString<UserQuery>,
) -> RestResult<Json<UserStats>> {
    let s = &state.services;
    let read = async |conn: &mut PgConnection, actor: &Actor| {
        users::directory::stats_in(conn, actor, &query).await
    };
    Ok(Json(sessions::as_actor(&s.pool, &s.sessions, &token, read).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    JsonBody(form): JsonBody<NewUserForm>,
) -> RestResult<(StatusCode, Json<CreatedUser>)> {
    let s = &state.services;
    let created = users::create(&s.pool, &s.passwords, &actor, form, &client).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<User>> {
    Ok(Json(users::get(&state.services.pool, &actor, id).await?))
}

pub async fn patch(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
    JsonBody(body): JsonBody<Value>,
) -> RestResult<Json<User>> {
    Ok(Json(users::patch(&state.services.pool, &actor, id, body, &client).await?))
}

/// Users are never deleted.
pub async fn delete() -> RestError {
    RestError(ApiError::new(
        ErrorCode::MethodNotAllowed,
        "Users are never deleted; suspend the user instead (POST /api/v1/users/{id}/suspend).",
    ))
}

pub async fn suspend(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<User>> {
    Ok(Json(users::suspend(&state.services.pool, &actor, id, &client).await?))
}

pub async fn reactivate(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<User>> {
    Ok(Json(users::reactivate(&state.services.pool, &actor, id, &client).await?))
}

pub async fn reset_password(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<TemporaryPassword>> {
    let s = &state.services;
    Ok(Json(users::reset_password(&s.pool, &s.passwords, &actor, id, &client).await?))
}

/// Replaces the avatar with the image in the body (PNG, JPEG or WebP, at most 2 MiB).
pub async fn put_avatar(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
    body: Bytes,
) -> RestResult<StatusCode> {
    users::avatar::set(&state.services.pool, &actor, id, body.to_vec(), &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored 256 px avatar.
pub async fn get_avatar(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    PathId(id): PathId<Uuid>,
) -> RestResult<Response> {
    let avatar = users::avatar::get(&state.services.pool, &actor, id).await?;
    let headers = [
        (header::CONTENT_TYPE, avatar.content_type),
        (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
    ];
    Ok((headers, avatar.image).into_response())
}

pub async fn access(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<shared::access::UserAccess>> {
    Ok(Json(users::access(&state.services.pool, &actor, id).await?))
}
