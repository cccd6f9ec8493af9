//! `/roles` and `/teams`: reading who may do what, and who is in which team.

use reqwest::Method;
use uuid::Uuid;

use super::{Client, Error};
use crate::role::Role;
use crate::team::{Team, TeamMember};

impl Client {
    /// The organisation's roles.
    pub async fn roles(&self) -> Result<Vec<Role>, Error> {
        self.read(self.request(Method::GET, &["roles"])?).await
    }

    /// One role, with its permissions.
    pub async fn role(&self, id: Uuid) -> Result<Role, Error> {
        self.read(self.request(Method::GET, &["roles", &id.to_string()])?).await
    }

    /// The organisation's teams.
    pub async fn teams(&self) -> Result<Vec<Team>, Error> {
        self.read(self.request(Method::GET, &["teams"])?).await
    }

    /// One team, with its rule.
    pub async fn team(&self, id: Uuid) -> Result<Team, Error> {
        self.read(self.request(Method::GET, &["teams", &id.to_string()])?).await
    }

    /// The members of a team, each with how they came to be in it.
    pub async fn team_members(&self, id: Uuid) -> Result<Vec<TeamMember>, Error> {
        self.read(self.request(Method::GET, &["teams", &id.to_string(), "members"])?).await
    }
}
