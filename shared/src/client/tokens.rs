//! `/users/{id}/tokens`: a service account's API tokens.

use reqwest::Method;
use uuid::Uuid;

use super::{Client, Error};
use crate::token::{ApiToken, CreatedToken, NewTokenForm};

impl Client {
    /// The service account's tokens, newest first; never their secrets.
    pub async fn tokens(&self, user: Uuid) -> Result<Vec<ApiToken>, Error> {
        self.read(self.request(Method::GET, &["users", &user.to_string(), "tokens"])?).await
    }

    /// Creates a token for the service account `user`. Its secret is in this answer only: keep
    /// it where the program reads its configuration.
    pub async fn create_token(
        &self,
        user: Uuid,
        form: &NewTokenForm,
    ) -> Result<CreatedToken, Error> {
        let path = ["users", &user.to_string(), "tokens"];
        self.read(self.request(Method::POST, &path)?.json(form)).await
    }

    /// Revokes a token at once (also when it was already).
    pub async fn revoke_token(&self, user: Uuid, token: Uuid) -> Result<(), Error> {
        let path = ["users", &user.to_string(), "tokens", &token.to_string()];
        self.done(self.request(Method::DELETE, &path)?).await
    }
}
