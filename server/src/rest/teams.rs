//! `/teams`: teams, their members, and what a rule change would do.

use app::backend::teams;
use axum::Json;
use axum::http::StatusCode;
use shared::Uuid;
use shared::team::{AddMember, RulePreview, Team, TeamForm, TeamMember, TeamUpdate};

use super::RestResult;
use super::extract::{Caller, JsonBody, PathId};
use super::openapi::Failure;
use shared::ApiError;

/// The organisation's teams.
#[utoipa::path(
    get, path = "/teams", tag = "teams",
    responses((status = 200, description = "The tenant's teams", body = Vec<Team>), Failure)
)]
pub async fn list(caller: Caller) -> RestResult<Json<Vec<Team>>> {
    Ok(Json(caller.run(async |ctx| teams::list(ctx).await).await?))
}

/// Creates a team, with membership rules if given.
#[utoipa::path(
    post, path = "/teams", tag = "teams", request_body = TeamForm,
    responses((status = 201, description = "Created", body = Team), Failure)
)]
pub async fn create(
    caller: Caller,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<(StatusCode, Json<Team>)> {
    let team = caller.run(async |ctx| teams::create(ctx, form).await).await?;
    Ok((StatusCode::CREATED, Json(team)))
}

/// What creating a team with this rule would add.
#[utoipa::path(
    post, path = "/teams/preview", tag = "teams", request_body = TeamForm,
    responses((status = 200, description = "Who the rules would take in", body = RulePreview), Failure)
)]
pub async fn preview_new(
    caller: Caller,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<Json<RulePreview>> {
    Ok(Json(caller.run(async |ctx| teams::preview(ctx, None, form).await).await?))
}

/// One team.
#[utoipa::path(
    get, path = "/teams/{id}", tag = "teams", params(("id" = Uuid, Path, description = "The team's id")),
    responses((status = 200, description = "The team", body = Team), Failure)
)]
pub async fn get(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<Json<Team>> {
    Ok(Json(caller.run(async |ctx| teams::get(ctx, id).await).await?))
}

/// Saves a team's name, default role and rules.
#[utoipa::path(
    patch, path = "/teams/{id}", tag = "teams", params(("id" = Uuid, Path, description = "The team's id")), request_body = TeamUpdate,
    responses((status = 200, description = "Saved", body = Team), (status = 409, description = "Changed by someone else since `version`", body = ApiError), Failure)
)]
pub async fn patch(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(update): JsonBody<TeamUpdate>,
) -> RestResult<Json<Team>> {
    Ok(Json(caller.run(async |ctx| teams::update(ctx, id, update).await).await?))
}

/// Deletes a team.
#[utoipa::path(
    delete, path = "/teams/{id}", tag = "teams", params(("id" = Uuid, Path, description = "The team's id")),
    responses((status = 204, description = "Deleted"), Failure)
)]
pub async fn delete(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<StatusCode> {
    caller.run(async |ctx| teams::delete(ctx, id).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What saving this form would do to the team's members.
#[utoipa::path(
    post, path = "/teams/{id}/preview", tag = "teams", params(("id" = Uuid, Path, description = "The team's id")), request_body = TeamForm,
    responses((status = 200, description = "Who the rules would take in and leave out", body = RulePreview), Failure)
)]
pub async fn preview(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<Json<RulePreview>> {
    Ok(Json(caller.run(async |ctx| teams::preview(ctx, Some(id), form).await).await?))
}

/// A team's members.
#[utoipa::path(
    get, path = "/teams/{id}/members", tag = "teams", params(("id" = Uuid, Path, description = "The team's id")),
    responses((status = 200, description = "The members", body = Vec<TeamMember>), Failure)
)]
pub async fn members(
    caller: Caller,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<Vec<TeamMember>>> {
    Ok(Json(caller.run(async |ctx| teams::members(ctx, id).await).await?))
}

/// Adds a member by hand.
#[utoipa::path(
    post, path = "/teams/{id}/members", tag = "teams", params(("id" = Uuid, Path, description = "The team's id")), request_body = AddMember,
    responses((status = 204, description = "Added"), Failure)
)]
pub async fn add_member(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(body): JsonBody<AddMember>,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| teams::add_member(ctx, id, body.user_id).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member.
#[utoipa::path(
    delete, path = "/teams/{id}/members/{user}", tag = "teams", params(("id" = Uuid, Path, description = "The team's id"), ("user" = Uuid, Path, description = "The member's id")),
    responses((status = 204, description = "Removed"), Failure)
)]
pub async fn remove_member(
    caller: Caller,
    PathId((id, user)): PathId<(Uuid, Uuid)>,
) -> RestResult<StatusCode> {
    caller.run(async |ctx| teams::remove_member(ctx, id, user).await).await?;
    Ok(StatusCode::NO_CONTENT)
}
