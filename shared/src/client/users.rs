//! `/users`: the directory, one user, and the lifecycle actions.

use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Method;
use uuid::Uuid;

use super::{Client, Error};
use crate::access::UserAccess;
use crate::account::{CreatedUser, TemporaryPassword, User};
use crate::directory::{UserPage, UserQuery, UserRow};
use crate::user_form::NewUserForm;
use crate::user_patch::UserPatch;

impl Client {
    /// One page of the directory (`GET /users`); its `next_cursor`, put in the query's `cursor`,
    /// asks for the next one.
    pub async fn users(&self, query: &UserQuery) -> Result<UserPage, Error> {
        self.read(self.get_with(&["users"], query)?).await
    }

    /// Every user the query matches, page after page (of the query's `limit`) until there is no
    /// `next_cursor`. The stream ends after its first error.
    pub fn all_users(&self, query: UserQuery) -> impl Stream<Item = Result<UserRow, Error>> + '_ {
        stream::try_unfold(Some(query), move |next| self.page_after(next))
            .map_ok(|rows| stream::iter(rows.into_iter().map(Ok)))
            .try_flatten()
    }

    /// The rows of the page `next` asks for and the query of the page after it; nothing when
    /// there is no page to ask for.
    async fn page_after(
        &self,
        next: Option<UserQuery>,
    ) -> Result<Option<(Vec<UserRow>, Option<UserQuery>)>, Error> {
        let Some(query) = next else { return Ok(None) };
        let page = self.users(&query).await?;
        let after = page.next_cursor.map(|cursor| UserQuery { cursor: Some(cursor), ..query });
        Ok(Some((page.items, after)))
    }

    /// One user (`GET /users/{id}`), with their `version` for an edit.
    pub async fn user(&self, id: Uuid) -> Result<User, Error> {
        self.read(self.request(Method::GET, &["users", &id.to_string()])?).await
    }

    /// Creates a user (`POST /users`); a generated password comes back this once.
    pub async fn create_user(&self, form: &NewUserForm) -> Result<CreatedUser, Error> {
        self.read(self.request(Method::POST, &["users"])?.json(form)).await
    }

    /// Changes the fields the patch carries (`PATCH /users/{id}`). The patch's `version` must
    /// be the user's: after someone else's change the server answers 409 `conflict`.
    pub async fn update_user(&self, id: Uuid, patch: &UserPatch) -> Result<User, Error> {
        self.read(self.request(Method::PATCH, &["users", &id.to_string()])?.json(patch)).await
    }

    /// Suspends the user, ending their sessions (`POST /users/{id}/suspend`).
    pub async fn suspend(&self, id: Uuid) -> Result<User, Error> {
        self.action(id, "suspend").await
    }

    /// Lets a suspended user sign in again (`POST /users/{id}/reactivate`).
    pub async fn reactivate(&self, id: Uuid) -> Result<User, Error> {
        self.action(id, "reactivate").await
    }

    /// Gives the user a temporary password, shown this once, that they must change at their
    /// next sign-in (`POST /users/{id}/reset-password`).
    pub async fn reset_password(&self, id: Uuid) -> Result<TemporaryPassword, Error> {
        self.action(id, "reset-password").await
    }

    /// Every permission with what grants it to the user (`GET /users/{id}/access`).
    pub async fn access(&self, id: Uuid) -> Result<UserAccess, Error> {
        self.read(self.request(Method::GET, &["users", &id.to_string(), "access"])?).await
    }

    /// `POST /users/{id}/{action}`, without a body.
    async fn action<T: serde::de::DeserializeOwned>(
        &self,
        id: Uuid,
        action: &str,
    ) -> Result<T, Error> {
        self.read(self.request(Method::POST, &["users", &id.to_string(), action])?).await
    }
}
