//! A service account's API tokens: list, create (the secret comes back once) and revoke.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::token::{ApiToken, CreatedToken, NewTokenForm};
use shared::{ApiError, Uuid};

/// The account's tokens, newest first, revoked ones included.
#[server(endpoint = "tokens/list")]
pub async fn list_tokens(user: Uuid) -> Result<Vec<ApiToken>, ApiError> {
    super::context::run(async |ctx| crate::backend::tokens::list(ctx, user).await).await
}

/// Creates a token; its secret is in this answer and nowhere else.
#[server(endpoint = "tokens/create", input = Json)]
pub async fn create_token(user: Uuid, form: NewTokenForm) -> Result<CreatedToken, ApiError> {
    super::context::run(async |ctx| crate::backend::tokens::create(ctx, user, form).await).await
}

/// Revokes a token at once.
#[server(endpoint = "tokens/revoke")]
pub async fn revoke_token(user: Uuid, token: Uuid) -> Result<(), ApiError> {
    super::context::run(async |ctx| crate::backend::tokens::revoke(ctx, user, token).await).await
}
