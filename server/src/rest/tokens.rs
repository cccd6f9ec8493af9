//! `/users/{id}/tokens`: a service account's API tokens.

use app::backend::tokens;
use axum::Json;
use axum::http::StatusCode;
use shared::Uuid;
use shared::token::{ApiToken, CreatedToken, NewTokenForm};

use super::RestResult;
use super::extract::{Caller, JsonBody, PathId};
use super::openapi::Failure;

/// A service account's API tokens.
#[utoipa::path(
    get, path = "/users/{id}/tokens", tag = "tokens", params(("id" = Uuid, Path, description = "The service account's id")),
    responses((status = 200, description = "The account's tokens, newest first, never their secrets", body = Vec<ApiToken>), Failure)
)]
pub async fn list(caller: Caller, PathId(user): PathId<Uuid>) -> RestResult<Json<Vec<ApiToken>>> {
    Ok(Json(caller.run(async |ctx| tokens::list(ctx, user).await).await?))
}

/// Creates a token; the answer carries its secret, this once.
#[utoipa::path(
    post, path = "/users/{id}/tokens", tag = "tokens", params(("id" = Uuid, Path, description = "The service account's id")), request_body = NewTokenForm,
    responses((status = 201, description = "Created: the secret is in this answer only", body = CreatedToken), Failure)
)]
pub async fn create(
    caller: Caller,
    PathId(user): PathId<Uuid>,
    JsonBody(form): JsonBody<NewTokenForm>,
) -> RestResult<(StatusCode, Json<CreatedToken>)> {
    let created = caller.run(async |ctx| tokens::create(ctx, user, form).await).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token at once.
#[utoipa::path(
    delete, path = "/users/{id}/tokens/{token}", tag = "tokens", params(("id" = Uuid, Path, description = "The service account's id"), ("token" = Uuid, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked (also when it was already)"), Failure)
)]
pub async fn revoke(
    caller: Caller,
    PathId((user, token)): PathId<(Uuid, Uuid)>,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| tokens::revoke(ctx, user, token).await).await?;
    Ok(StatusCode::NO_CONTENT)
}
