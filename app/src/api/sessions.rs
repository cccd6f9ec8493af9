//! Where a user is signed in: their sessions (`user` none: the caller's own), and ending them.

use leptos::prelude::*;
use shared::session::{SessionInfo, SessionsEnded};
use shared::{ApiError, Uuid};

/// The live sessions of `user`, or the caller's own.
#[server(endpoint = "sessions/list")]
pub async fn list_sessions(user: Option<Uuid>) -> Result<Vec<SessionInfo>, ApiError> {
    use crate::backend::signed_in;
    super::context::run(async |ctx| match user {
        Some(user) => signed_in::of_user(ctx, user).await,
        None => signed_in::mine(ctx).await,
    })
    .await
}

/// Ends `session` of `user` (or of the caller), or all of their sessions without one (the
/// caller's own current session aside).
#[server(endpoint = "sessions/end")]
pub async fn end_sessions(
    user: Option<Uuid>,
    session: Option<Uuid>,
) -> Result<SessionsEnded, ApiError> {
    use crate::backend::signed_in;
    super::context::run(async |ctx| match (user, session) {
        (Some(user), which) => signed_in::end_of_user(ctx, user, which).await,
        (None, Some(session)) => signed_in::end_mine(ctx, session).await,
        (None, None) => signed_in::end_my_others(ctx).await,
    })
    .await
}
