//! `/users/{id}/tokens`: a service account's API tokens.

use app::backend::tokens;
use axum::Json;
use axum::http::StatusCode;
use shared::Uuid;
use shared::token::{ApiToken, CreatedToken, NewTokenForm};

use super::RestResult;
use super::extract::{Caller, JsonBody, PathId};

pub async fn list(caller: Caller, PathId(user): PathId<Uuid>) -> RestResult<Json<Vec<ApiToken>>> {
    Ok(Json(caller.run(async |ctx| tokens::list(ctx, user).await).await?))
}

/// Creates a token; the answer carries its secret, this once.
pub async fn create(
    caller: Caller,
    PathId(user): PathId<Uuid>,
    JsonBody(form): JsonBody<NewTokenForm>,
) -> RestResult<(StatusCode, Json<CreatedToken>)> {
    let created = caller.run(async |ctx| tokens::create(ctx, user, form).await).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn revoke(
    caller: Caller,
    PathId((user, token)): PathId<(Uuid, Uuid)>,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| tokens::revoke(ctx, user, token).await).await?;
    Ok(StatusCode::NO_CONTENT)
}
