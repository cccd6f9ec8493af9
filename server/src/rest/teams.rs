//! `/teams`: teams, their members, and what a rule change would do.

use app::backend::teams;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::Uuid;
use shared::team::{AddMember, RulePreview, Team, TeamForm, TeamMember, TeamUpdate};

use super::RestResult;
use super::extract::{Authenticated, Client, JsonBody, PathId};
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> RestResult<Json<Vec<Team>>> {
    Ok(Json(teams::list(&state.services.pool, &actor).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<(StatusCode, Json<Team>)> {
    let team = teams::create(&state.services.pool, &actor, form, &client).await?;
    Ok((StatusCode::CREATED, Json(team)))
}

/// What creating a team with this rule would add.
pub async fn preview_new(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<Json<RulePreview>> {
    Ok(Json(teams::preview(&state.services.pool, &actor, None, form).await?))
}

pub async fn get(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<Team>> {
    Ok(Json(teams::get(&state.services.pool, &actor, id).await?))
}

pub async fn patch(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
    JsonBody(update): JsonBody<TeamUpdate>,
) -> RestResult<Json<Team>> {
    Ok(Json(teams::update(&state.services.pool, &actor, id, update, &client).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
) -> RestResult<StatusCode> {
    teams::delete(&state.services.pool, &actor, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What saving this form would do to the team's members.
pub async fn preview(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    PathId(id): PathId<Uuid>,
    JsonBody(form): JsonBody<TeamForm>,
) -> RestResult<Json<RulePreview>> {
    Ok(Json(teams::preview(&state.services.pool, &actor, Some(id), form).await?))
}

pub async fn members(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    PathId(id): PathId<Uuid>,
) -> RestResult<Json<Vec<TeamMember>>> {
    Ok(Json(teams::members(&state.services.pool, &actor, id).await?))
}

pub async fn add_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId(id): PathId<Uuid>,
    JsonBody(body): JsonBody<AddMember>,
) -> RestResult<StatusCode> {
    teams::add_member(&state.services.pool, &actor, id, body.user_id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_member(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    PathId((id, user)): PathId<(Uuid, Uuid)>,
) -> RestResult<StatusCode> {
    teams::remove_member(&state.services.pool, &actor, id, user, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
