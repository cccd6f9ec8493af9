//! Second factors: one's own (`user` none) or a user's, an administrator's reset, the policy.

use leptos::prelude::*;
use shared::second_factor::{
    ConfirmTotp, PasskeyEnrolment, RecoveryCodes, SecondFactorAdded, SecondFactorSettings,
    SecondFactors, TotpEnrolment,
};
use shared::{ApiError, Uuid};

/// The second factors of `user`, or the caller's own.
#[server(endpoint = "second_factors/list")]
pub async fn list_second_factors(user: Option<Uuid>) -> Result<SecondFactors, ApiError> {
    use crate::backend::second_factor;
    super::context::run(async |ctx| match user {
        Some(user) => second_factor::of_user(ctx, user).await,
        None => second_factor::mine(ctx).await,
    })
    .await
}

/// Starts adding an authenticator app to the caller's account.
#[server(endpoint = "second_factors/start_totp")]
pub async fn start_totp() -> Result<TotpEnrolment, ApiError> {
    super::context::run(async |ctx| crate::backend::second_factor::start_totp(ctx).await).await
}

/// Confirms the authenticator app `id` with a code it shows.
#[server(endpoint = "second_factors/confirm_totp")]
pub async fn confirm_app(id: Uuid, request: ConfirmTotp) -> Result<SecondFactorAdded, ApiError> {
    use crate::backend::second_factor;
    super::context::run(async |ctx| second_factor::confirm_totp(ctx, id, &request).await).await
}

/// Starts registering a passkey or security key for the caller.
#[server(endpoint = "second_factors/start_passkey")]
pub async fn start_passkey() -> Result<PasskeyEnrolment, ApiError> {
    super::context::run(async |ctx| crate::backend::passkey::start(ctx).await).await
}

/// Confirms the passkey `id` with the credential's JSON (`credential`: as the browser's
/// `toJSON()` wrote it) and a name.
#[server(endpoint = "second_factors/confirm_passkey")]
pub async fn confirm_key(
    id: Uuid,
    name: String,
    credential: String,
) -> Result<SecondFactorAdded, ApiError> {
    // Text that is not JSON is a credential that fails like any other wrong one.
    let credential = serde_json::from_str(&credential).unwrap_or_default();
    let request = shared::second_factor::ConfirmPasskey { credential, name };
    super::context::run(async |ctx| crate::backend::passkey::confirm(ctx, id, &request).await).await
}

/// Removes one of the caller's second factors (`user` none), or resets all of a user's.
#[server(endpoint = "second_factors/remove")]
pub async fn remove_second_factor(user: Option<Uuid>, id: Option<Uuid>) -> Result<(), ApiError> {
    use crate::backend::{ServiceError, second_factor};
    super::context::run(async |ctx| match (user, id) {
        (Some(user), _) => second_factor::reset(ctx, user).await,
        (None, Some(id)) => second_factor::remove_mine(ctx, id).await,
        (None, None) => Err(ServiceError::NotFound),
    })
    .await
}

/// New recovery codes for the caller.
#[server(endpoint = "second_factors/renew_codes")]
pub async fn renew_recovery_codes() -> Result<RecoveryCodes, ApiError> {
    use crate::backend::second_factor;
    super::context::run(async |ctx| second_factor::renew_recovery_codes(ctx).await).await
}

/// Who in the caller's organisation must have a second factor; with `change`, changes it first.
#[server(endpoint = "second_factors/settings")]
pub async fn security_settings(
    change: Option<SecondFactorSettings>,
) -> Result<SecondFactorSettings, ApiError> {
    use crate::backend::second_factor;
    super::context::run(async |ctx| match change {
        Some(change) => second_factor::set_settings(ctx, change).await,
        None => second_factor::settings(ctx).await,
    })
    .await
}
