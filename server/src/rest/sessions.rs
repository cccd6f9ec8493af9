//! `/me/sessions` and `/users/{id}/sessions`: where a user is signed in, and ending it.

use app::backend::signed_in;
use axum::Json;
use shared::Uuid;
use shared::session::{SessionInfo, SessionsEnded};

use super::RestResult;
use super::extract::{Caller, PathId};
use super::openapi::Failure;

/// The caller's live sessions, the most recently used first (this one marked `current`).
#[utoipa::path(
    get, path = "/me/sessions", tag = "session",
    responses((status = 200, description = "The caller's sessions", body = Vec<SessionInfo>), Failure)
)]
pub async fn mine(caller: Caller) -> RestResult<Json<Vec<SessionInfo>>> {
    Ok(Json(caller.run(async |ctx| signed_in::mine(ctx).await).await?))
}

/// Ends every session of the caller's but this one.
#[utoipa::path(
    delete, path = "/me/sessions", tag = "session",
    responses((status = 200, description = "How many ended", body = SessionsEnded), Failure)
)]
pub async fn end_my_others(caller: Caller) -> RestResult<Json<SessionsEnded>> {
    Ok(Json(caller.run(async |ctx| signed_in::end_my_others(ctx).await).await?))
}

/// Ends one of the caller's sessions (this one too, which signs the caller out).
#[utoipa::path(
    delete, path = "/me/sessions/{session}", tag = "session",
    params(("session" = Uuid, Path, description = "The session's id")),
    responses((status = 200, description = "Ended", body = SessionsEnded), Failure)
)]
pub async fn end_mine(
    caller: Caller,
    PathId(session): PathId<Uuid>,
) -> RestResult<Json<SessionsEnded>> {
    Ok(Json(caller.run(async |ctx| signed_in::end_mine(ctx, session).await).await?))
}

/// A user's live sessions (needs the standing to suspend them).
#[utoipa::path(
    get, path = "/users/{id}/sessions", tag = "users",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "The user's sessions", body = Vec<SessionInfo>), Failure)
)]
pub async fn of_user(
    caller: Caller,
    PathId(user): PathId<Uuid>,
) -> RestResult<Json<Vec<SessionInfo>>> {
    Ok(Json(caller.run(async |ctx| signed_in::of_user(ctx, user).await).await?))
}

/// Ends every session of a user's (the caller's own current one aside).
#[utoipa::path(
    delete, path = "/users/{id}/sessions", tag = "users",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "How many ended", body = SessionsEnded), Failure)
)]
pub async fn end_all_of_user(
    caller: Caller,
    PathId(user): PathId<Uuid>,
) -> RestResult<Json<SessionsEnded>> {
    Ok(Json(caller.run(async |ctx| signed_in::end_of_user(ctx, user, None).await).await?))
}

/// Ends one session of a user's.
#[utoipa::path(
    delete, path = "/users/{id}/sessions/{session}", tag = "users",
    params(("id" = Uuid, Path, description = "The user's id"), ("session" = Uuid, Path, description = "The session's id")),
    responses((status = 200, description = "Ended", body = SessionsEnded), Failure)
)]
pub async fn end_one_of_user(
    caller: Caller,
    PathId((user, session)): PathId<(Uuid, Uuid)>,
) -> RestResult<Json<SessionsEnded>> {
    let ended = caller.run(async |ctx| signed_in::end_of_user(ctx, user, Some(session)).await);
    Ok(Json(ended.await?))
}
