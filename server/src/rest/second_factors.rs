//! `/me/second-factors`, `/me/recovery-codes`, `/users/{id}/second-factors` and
//! `/settings/second-factor`: adding and removing second factors, an administrator's reset, and
//! who must have one.

use app::backend::{passkey, second_factor};
use axum::Json;
use axum::http::StatusCode;
use shared::Uuid;
use shared::second_factor::{
    ConfirmPasskey, ConfirmTotp, PasskeyEnrolment, RecoveryCodes, SecondFactorAdded,
    SecondFactorSettings, SecondFactors, TotpEnrolment,
};

use super::RestResult;
use super::extract::{Caller, JsonBody, PathId};
use super::openapi::Failure;

/// The caller's second factors and how many recovery codes are left (a console session's
/// only: a token has none).
#[utoipa::path(
    get, path = "/me/second-factors", tag = "session",
    responses((status = 200, description = "The caller's second factors", body = SecondFactors), Failure)
)]
pub async fn mine(caller: Caller) -> RestResult<Json<SecondFactors>> {
    Ok(Json(caller.run(async |ctx| second_factor::mine(ctx).await).await?))
}

/// Starts adding an authenticator app: its key, shown this once, and the QR code to scan. It
/// counts once confirmed with a first code.
#[utoipa::path(
    post, path = "/me/second-factors/totp", tag = "session",
    responses((status = 201, description = "Waiting for a first code", body = TotpEnrolment), Failure)
)]
pub async fn start_totp(caller: Caller) -> RestResult<(StatusCode, Json<TotpEnrolment>)> {
    let started = caller.run(async |ctx| second_factor::start_totp(ctx).await).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

/// Confirms an authenticator app with a code it shows. The first second factor comes with ten
/// recovery codes, in this answer only.
#[utoipa::path(
    post, path = "/me/second-factors/totp/{id}/confirm", tag = "session",
    params(("id" = Uuid, Path, description = "The id `POST /me/second-factors/totp` gave")),
    request_body = ConfirmTotp,
    responses((status = 200, description = "Added", body = SecondFactorAdded), Failure)
)]
pub async fn confirm_totp(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(request): JsonBody<ConfirmTotp>,
) -> RestResult<Json<SecondFactorAdded>> {
    Ok(Json(caller.run(async |ctx| second_factor::confirm_totp(ctx, id, &request).await).await?))
}

/// Starts registering a passkey or security key: the options for `navigator.credentials.create()`
/// (`PublicKeyCredential.parseCreationOptionsFromJSON`). It counts once confirmed with what the
/// authenticator made, within ten minutes.
#[utoipa::path(
    post, path = "/me/second-factors/passkey", tag = "session",
    responses((status = 201, description = "Waiting for the authenticator", body = PasskeyEnrolment), Failure)
)]
pub async fn start_passkey(caller: Caller) -> RestResult<(StatusCode, Json<PasskeyEnrolment>)> {
    let started = caller.run(async |ctx| passkey::start(ctx).await).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

/// Confirms a passkey with the credential the authenticator made (its `toJSON()`). The first
/// second factor comes with ten recovery codes, in this answer only.
#[utoipa::path(
    post, path = "/me/second-factors/passkey/{id}/confirm", tag = "session",
    params(("id" = Uuid, Path, description = "The id `POST /me/second-factors/passkey` gave")),
    request_body = ConfirmPasskey,
    responses((status = 200, description = "Added", body = SecondFactorAdded), Failure)
)]
pub async fn confirm_passkey(
    caller: Caller,
    PathId(id): PathId<Uuid>,
    JsonBody(request): JsonBody<ConfirmPasskey>,
) -> RestResult<Json<SecondFactorAdded>> {
    Ok(Json(caller.run(async |ctx| passkey::confirm(ctx, id, &request).await).await?))
}

/// Removes one of the caller's second factors (with the last one, the recovery codes).
#[utoipa::path(
    delete, path = "/me/second-factors/{id}", tag = "session",
    params(("id" = Uuid, Path, description = "The second factor's id")),
    responses((status = 204, description = "Removed"), Failure)
)]
pub async fn remove_mine(caller: Caller, PathId(id): PathId<Uuid>) -> RestResult<StatusCode> {
    caller.run(async |ctx| second_factor::remove_mine(ctx, id).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the caller's recovery codes with ten new ones, in this answer only.
#[utoipa::path(
    post, path = "/me/recovery-codes", tag = "session",
    responses((status = 200, description = "The new codes", body = RecoveryCodes), Failure)
)]
pub async fn renew_recovery_codes(caller: Caller) -> RestResult<Json<RecoveryCodes>> {
    Ok(Json(caller.run(async |ctx| second_factor::renew_recovery_codes(ctx).await).await?))
}

/// A user's second factors: which kinds, never their secrets.
#[utoipa::path(
    get, path = "/users/{id}/second-factors", tag = "users",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "The user's second factors", body = SecondFactors), Failure)
)]
pub async fn of_user(
    caller: Caller,
    PathId(user): PathId<Uuid>,
) -> RestResult<Json<SecondFactors>> {
    Ok(Json(caller.run(async |ctx| second_factor::of_user(ctx, user).await).await?))
}

/// Resets a user's second factor: removes all of theirs and their recovery codes, and ends
/// their sessions (needs `users.reset_password` and to outrank them).
#[utoipa::path(
    delete, path = "/users/{id}/second-factors", tag = "users",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 204, description = "Reset"), Failure)
)]
pub async fn reset(caller: Caller, PathId(user): PathId<Uuid>) -> RestResult<StatusCode> {
    caller.run(async |ctx| second_factor::reset(ctx, user).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who in the caller's organisation must have a second factor (`tenant.settings`).
#[utoipa::path(
    get, path = "/settings/second-factor", tag = "settings",
    responses((status = 200, description = "The policy", body = SecondFactorSettings), Failure)
)]
pub async fn settings(caller: Caller) -> RestResult<Json<SecondFactorSettings>> {
    Ok(Json(caller.run(async |ctx| second_factor::settings(ctx).await).await?))
}

/// Changes who in the caller's organisation must have a second factor (`tenant.settings`);
/// those it newly requires one of are asked for it at their next request.
#[utoipa::path(
    put, path = "/settings/second-factor", tag = "settings", request_body = SecondFactorSettings,
    responses((status = 200, description = "The policy now", body = SecondFactorSettings), Failure)
)]
pub async fn set_settings(
    caller: Caller,
    JsonBody(settings): JsonBody<SecondFactorSettings>,
) -> RestResult<Json<SecondFactorSettings>> {
    Ok(Json(caller.run(async |ctx| second_factor::set_settings(ctx, settings).await).await?))
}
