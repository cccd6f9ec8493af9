//! Teams: the list, one team and its members, the preview of a rule, and the changes.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::team::{RulePreview, Team, TeamForm, TeamMember, TeamUpdate};
use shared::{ApiError, Uuid};

/// The tenant's teams with their member counts.
#[server(endpoint = "teams/list")]
pub async fn list_teams() -> Result<Vec<Team>, ApiError> {
    super::context::run(async |ctx| crate::backend::teams::list(ctx).await).await
}

/// One team.
#[server(endpoint = "teams/get")]
pub async fn get_team(id: Uuid) -> Result<Team, ApiError> {
    super::context::run(async |ctx| crate::backend::teams::get(ctx, id).await).await
}

/// A team's members.
#[server(endpoint = "teams/members")]
pub async fn team_members(id: Uuid) -> Result<Vec<TeamMember>, ApiError> {
    super::context::run(async |ctx| crate::backend::teams::members(ctx, id).await).await
}

/// What saving the form would do to the members of the team (or of a new one).
#[server(endpoint = "teams/preview", input = Json)]
pub async fn preview_team(id: Option<Uuid>, form: TeamForm) -> Result<RulePreview, ApiError> {
    super::context::run(async |ctx| crate::backend::teams::preview(ctx, id, form).await).await
}

/// Creates a team.
#[server(endpoint = "teams/create", input = Json)]
pub async fn create_team(form: TeamForm) -> Result<Team, ApiError> {
    super::context::run(async |ctx| crate::backend::teams::create(ctx, form).await).await
}

/// Saves a team (409 when someone else saved first).
#[server(endpoint = "teams/update", input = Json)]
pub async fn update_team(id: Uuid, update: TeamUpdate) -> Result<Team, ApiError> {
    super::context::run(async |ctx| crate::backend::teams::update(ctx, id, update).await).await
}

/// Deletes a team and its memberships.
#[server(endpoint = "teams/delete")]
pub async fn delete_team(id: Uuid) -> Result<(), ApiError> {
    super::context::run(async |ctx| crate::backend::teams::delete(ctx, id).await).await
}

/// Adds a member by hand.
#[server(endpoint = "teams/add_member")]
pub async fn add_team_member(id: Uuid, user: Uuid) -> Result<(), ApiError> {
    super::context::run(async |ctx| crate::backend::teams::add_member(ctx, id, user).await).await
}

/// Removes a member added by hand.
#[server(endpoint = "teams/remove_member")]
pub async fn remove_team_member(id: Uuid, user: Uuid) -> Result<(), ApiError> {
    super::context::run(async |ctx| crate::backend::teams::remove_member(ctx, id, user).await).await
}
