//! `/teams`: teams, their members, and what a rule change would do.

use app::backend::teams;
use axum::Json;
use axum::http::StatusCode;
use shared::Uuid;
use shared::team::{AddMember, RulePreview, Team, TeamForm, TeamMember, TeamUpdate};

use super::RestResult;
use super::extract::{Caller, JsonBody, PathId};

pub async fn list(caller: Caller) -> RestResult<Json<Vec<Team>>> {
    Ok(Json(caller.run(async |ctx| teams::list(ctx).await).await?))
}

pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<(StatusCode, Json<Team>)> {
    let team = caller.run(async |ctx| teams::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(team)))
}

/// What creating a team with this rule would add.
pub async fn preview_new(
    caller: Caller,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<Json<RulePreview>> {
    Ok(Json(caller.run(async |ctx| teams::preview(ctx, None, form).await).await?))
}

pub async fn get(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<Team>> {
    Ok(Json(caller.run(async |ctx| teams::get(ctx, id).await).await?))
}

pub async fn patch(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(update): JsonBody<TeamUpdate>,
) -> RestResult<Json<Team>> {
    Ok(Json(caller.run(async |ctx| teams::update(ctx, id, update).await).await?))
}

pub async fn delete(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<StatusCode> {
    caller.run(async |ctx| teams::delete(ctx, id).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What saving this form would do to the team's members.
pub async fn preview(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<Json<RulePreview>> {
    Ok(Json(caller.run(async |ctx| teams::preview(ctx, Some(id), form).await).await?))
}

pub async fn members(
    caller: Caller,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<Vec<TeamMember>>> {
    Ok(Json(caller.run(async |ctx| teams::members(ctx, id).await).await?))
}

pub async fn add_member(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(body): JsonBody<AddMember>,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| teams::add_member(ctx, id, body.user_id).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_member(
    caller: Caller,
    PathId((id, user)): PathId<(Uuid, Uuid)>,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| teams::remove_member(ctx, id, user).await).await?;
    Ok(StatusCode::NO_CONTENT)
}
