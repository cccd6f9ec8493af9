//! Teams: the list, one team and its members, the preview of a rule, and the changes.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::team::{RulePreview, Team, TeamForm, TeamMember, TeamUpdate};
use shared::{ApiError, Uuid};

/// The tenant's teams with their member counts.
#[server(endpoint = "teams/list")]
pub async fn list_teams() -> Result<Vec<Team>, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::teams::list(&call.services.pool, &actor).await?)
}

/// One team.
#[server(endpoint = "teams/get")]
pub async fn get_team(id: Uuid) -> Result<Team, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::teams::get(&call.services.pool, &actor, id).await?)
}

/// A team's members.
#[server(endpoint = "teams/members")]
pub async fn team_members(id: Uuid) -> Result<Vec<TeamMember>, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::teams::members(&call.services.pool, &actor, id).await?)
}

/// What saving the form would do to the members of the team (or of a new one).
#[server(endpoint = "teams/preview", input = Json)]
pub async fn preview_team(id: Option<Uuid>, form: TeamForm) -> Result<RulePreview, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::teams::preview(&call.services.pool, &actor, id, form).await?)
}

/// Creates a team.
#[server(endpoint = "teams/create", input = Json)]
pub async fn create_team(form: TeamForm) -> Result<Team, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::teams::create(&call.services.pool, &actor, form, &call.client).await?)
}

/// Saves a team (409 when someone else saved first).
#[server(endpoint = "teams/update", input = Json)]
pub async fn update_team(id: Uuid, update: TeamUpdate) -> Result<Team, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::teams::update(&call.services.pool, &actor, id, update, &call.client).await?)
}

/// Deletes a team and its memberships.
#[server(endpoint = "teams/delete")]
pub async fn delete_team(id: Uuid) -> Result<(), ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::teams::delete(&call.services.pool, &actor, id, &call.client).await?)
}

/// Adds a member by hand.
#[server(endpoint = "teams/add_member")]
pub async fn add_team_member(id: Uuid, user: Uuid) -> Result<(), ApiError> {
    let (call, actor) = super::context::actor().await?;
    let s = &call.services;
    Ok(crate::backend::teams::add_member(&s.pool, &actor, id, user, &call.client).await?)
}

/// Removes a member added by hand.
#[server(endpoint = "teams/remove_member")]
pub async fn remove_team_member(id: Uuid, user: Uuid) -> Result<(), ApiError> {
    let (call, actor) = super::context::actor().await?;
    let s = &call.services;
    Ok(crate::backend::teams::remove_member(&s.pool, &actor, id, user, &call.client).await?)
}
