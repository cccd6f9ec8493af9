//! `/session`, `/session/second-factor`, `/me` and `/me/password`.

use app::backend::ServiceError;
use app::backend::auth::{self, SignInOutcome};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use shared::auth::{ChangePasswordRequest, Me, SignInRequest, SignInResponse};
use shared::second_factor::{PasskeyChallenge, SecondFactorAnswer};

use super::extract::{Authenticated, Caller, Client, JsonBody, MaybeToken};
use super::openapi::Failure;
use super::{RestError, RestResult};
use crate::state::AppState;

/// Signs in to an organisation with a password; the session travels in a cookie. An account
/// with a second factor answers 401 `second_factor_required` with a short-lived cookie instead:
/// finish with `POST /session/second-factor`.
#[utoipa::path(
    post, path = "/session", tag = "session", security(()), request_body = SignInRequest,
    responses((status = 200, description = "Signed in: the session cookie is set", body = SignInResponse), Failure)
)]
pub async fn sign_in(
    State(state): State<AppState>,
    Client(client): Client,
    JsonBody(request): JsonBody<SignInRequest>,
) -> RestResult<Response> {
    let s = &state.services;
    match auth::sign_in(&s.pool, &s.passwords, &s.sessions, &request, &client).await? {
        SignInOutcome::SignedIn(signed) => Ok(signed_in(*signed, s.https)),
        SignInOutcome::SecondFactor(challenge) => {
            let cookie = app::web::challenge_cookie(&challenge, s.https);
            let refused = RestError::from(ServiceError::SecondFactorRequired);
            Ok((AppendHeaders([(header::SET_COOKIE, cookie)]), refused).into_response())
        }
    }
}

/// Finishes a sign-in that waits for its second factor (the cookie `POST /session` set): a
/// code from the authenticator app, a recovery code, or a passkey's assertion for the options
/// of `POST /session/second-factor/passkey`. A wrong code is a `code` field error (a passkey
/// that did not sign the challenge, `passkey`); after five, or five minutes, the password is
/// asked again (401).
#[utoipa::path(
    post, path = "/session/second-factor", tag = "session", security(()), request_body = SecondFactorAnswer,
    responses((status = 200, description = "Signed in: the session cookie is set", body = SignInResponse), Failure)
)]
pub async fn second_factor(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    JsonBody(answer): JsonBody<SecondFactorAnswer>,
) -> RestResult<Response> {
    let s = &state.services;
    let challenge =
        app::web::challenge_token(&headers, s.https).ok_or(ServiceError::Unauthenticated)?;
    let signed =
        auth::complete_sign_in(&s.pool, &s.passkeys, &s.sessions, &challenge, &answer, &client)
            .await;
    match signed {
        Ok(signed) => {
            let mut response = signed_in(signed, s.https);
            let cleared = app::web::clear_challenge_cookie(s.https);
            response.headers_mut().append(header::SET_COOKIE, cleared);
            Ok(response)
        }
        Err(ServiceError::Validation(fields)) => Err(ServiceError::Validation(fields).into()),
        // The wait has ended: its cookie goes too.
        Err(err) => {
            let cleared = app::web::clear_challenge_cookie(s.https);
            Ok((AppendHeaders([(header::SET_COOKIE, cleared)]), RestError::from(err))
                .into_response())
        }
    }
}

/// For a sign-in that waits for its second factor: the options of `navigator.credentials.get()`
/// with the account's passkeys. Answer with `POST /session/second-factor` (`passkey`). 409 when
/// the account has no passkey.
#[utoipa::path(
    post, path = "/session/second-factor/passkey", tag = "session", security(()),
    responses((status = 200, description = "The options, for `PublicKeyCredential.parseRequestOptionsFromJSON`", body = PasskeyChallenge), Failure)
)]
pub async fn passkey_options(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> RestResult<Json<PasskeyChallenge>> {
    let s = &state.services;
    let challenge =
        app::web::challenge_token(&headers, s.https).ok_or(ServiceError::Unauthenticated)?;
    Ok(Json(auth::passkey_options(&s.pool, &s.passkeys, &challenge).await?))
}

/// The answer to a completed sign-in: the session cookie and who signed in.
fn signed_in(signed: auth::SignedIn, https: bool) -> Response {
    let cookie = app::web::session_cookie(&signed.token, https);
    let must_change_password = signed.me.must_change_password;
    let body = SignInResponse { user: signed.me, must_change_password };
    (AppendHeaders([(header::SET_COOKIE, cookie)]), Json(body)).into_response()
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
