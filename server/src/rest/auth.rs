//! `/session`, `/me` and `/me/password`.

use app::backend::auth;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse};
use shared::auth::{ChangePasswordRequest, Me, SignInRequest, SignInResponse};

use super::RestResult;
use super::extract::{Authenticated, Caller, Client, JsonBody, MaybeToken};
use super::openapi::Failure;
use crate::state::AppState;

/// Signs in to an organisation with a password; the session travels in a cookie.
#[utoipa::path(
    post, path = "/session", tag = "session", security(()), request_body = SignInRequest,
    responses((status = 200, description = "Signed in: the session cookie is set", body = SignInResponse), Failure)
)]
pub async fn sign_in(
    State(state): State<AppState>,
    Client(client): Client,
    JsonBody(request): JsonBody<SignInRequest>,
) -> RestResult<impl IntoResponse> {
    let s = &state.services;
    let signed = auth::sign_in(&s.pool, &s.passwords, &s.sessions, &request, &client).await?;
    let cookie = app::web::session_cookie(&signed.token, s.https);
    let must_change_password = signed.me.must_change_password;
    let body = SignInResponse { user: signed.me, must_change_password };
    Ok((AppendHeaders([(header::SET_COOKIE, cookie)]), Json(body)))
}

/// Signs out: the session ends and its cookie is cleared.
#[utoipa::path(
    delete, path = "/session", tag = "session",
    responses((status = 204, description = "Signed out (also when no session was live)"), Failure)
)]
pub async fn sign_out(
    State(state): State<AppState>,
    Client(client): Client,
    MaybeToken(token): MaybeToken,
) -> RestResult<impl IntoResponse> {
    let s = &state.services;
    if let Some(token) = token {
        auth::sign_out(s, &token, &client).await?;
    }
    let cookie = app::web::clear_session_cookie(s.https);
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(header::SET_COOKIE, cookie)])))
}

/// Who the caller is, with what they may do.
#[utoipa::path(
    get, path = "/me", tag = "session",
    responses((status = 200, description = "The caller: for a token, its service account with the token's permissions", body = Me), Failure)
)]
pub async fn me(caller: Caller) -> RestResult<Json<Me>> {
    Ok(Json(caller.run(async |ctx| auth::me(ctx).await).await?))
}

/// Changes the caller's own password.
#[utoipa::path(
    post, path = "/me/password", tag = "session", request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed: other sessions ended, a new cookie is set"), Failure)
)]
pub async fn change_password(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    JsonBody(request): JsonBody<ChangePasswordRequest>,
) -> RestResult<impl IntoResponse> {
    let s = &state.services;
    let token =
        auth::change_password(&s.pool, &s.passwords, &s.sessions, &actor, &request, &client)
            .await?;
    let cookie = app::web::session_cookie(&token, s.https);
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(header::SET_COOKIE, cookie)])))
}
