//! Signing in and out, the signed-in user, and changing one's password.

use leptos::prelude::*;
use shared::ApiError;
use shared::Password;
use shared::auth::Me;

/// Signs in and sets the session cookie. An account with a second factor answers
/// `second_factor_required`, with the cookie [`second_factor`] finishes the sign-in with.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(tenant: String, login: String, password: Password) -> Result<Me, ApiError> {
    use crate::backend::ServiceError;
    use crate::backend::auth::{self, SignInOutcome};
    let call = super::context::call().await?;
    let request = shared::auth::SignInRequest { tenant, login, password };
    let s = &call.services;
    match auth::sign_in(&s.pool, &s.passwords, &s.sessions, &request, &call.client).await? {
        SignInOutcome::SignedIn(signed) => Ok(signed_in(*signed, s.https)),
        SignInOutcome::SecondFactor(challenge) => {
            super::context::set_cookie(crate::web::challenge_cookie(&challenge, s.https));
            Err(ServiceError::SecondFactorRequired.into())
        }
    }
}

/// Finishes a sign-in waiting for its second factor with a code from the authenticator app or
/// a recovery code, or with a passkey's assertion (`passkey`: the credential's JSON, for the
/// options of [`passkey_options`]).
#[server(endpoint = "auth/second_factor")]
pub async fn second_factor(code: String, passkey: Option<String>) -> Result<Me, ApiError> {
    use crate::backend::{ServiceError, auth};
    let call = super::context::call().await?;
    let s = &call.services;
    let headers = super::context::headers().await?;
    let challenge =
        crate::web::challenge_token(&headers, s.https).ok_or(ServiceError::Unauthenticated)?;
    // Text that is not JSON is an assertion that fails like any other wrong one.
    let passkey = passkey.map(|text| serde_json::from_str(&text).unwrap_or_default());
    let answer = shared::second_factor::SecondFactorAnswer { code, passkey };
    let signed = auth::complete_sign_in(
        &s.pool,
        &s.passkeys,
        &s.sessions,
        &challenge,
        &answer,
        &call.client,
    );
    match signed.await {
        Ok(signed) => {
            super::context::set_cookie(crate::web::clear_challenge_cookie(s.https));
            Ok(signed_in(signed, s.https))
        }
        Err(ServiceError::Validation(fields)) => Err(ServiceError::Validation(fields).into()),
        Err(err) => {
            // The wait has ended: its cookie goes too.
            super::context::set_cookie(crate::web::clear_challenge_cookie(s.https));
            Err(err.into())
        }
    }
}

/// The options for signing in with a passkey, for a sign-in waiting for its second factor.
#[server(endpoint = "auth/passkey_options")]
pub async fn passkey_options() -> Result<shared::second_factor::PasskeyChallenge, ApiError> {
    use crate::backend::{ServiceError, auth};
    let call = super::context::call().await?;
    let s = &call.services;
    let headers = super::context::headers().await?;
    let challenge =
        crate::web::challenge_token(&headers, s.https).ok_or(ServiceError::Unauthenticated)?;
    Ok(auth::passkey_options(&s.pool, &s.passkeys, &challenge).await?)
}

/// Sets the cookies of a completed sign-in: the session's, and the organisation remembered.
#[cfg(feature = "ssr")]
fn signed_in(signed: crate::backend::auth::SignedIn, https: bool) -> Me {
    super::context::set_cookie(crate::web::session_cookie(&signed.token, https));
    if let Some(cookie) = crate::web::tenant_cookie(&signed.me.tenant.slug) {
        super::context::set_cookie(cookie);
    }
    signed.me
}

/// The organisation this browser last signed in to, to prefill the sign-in form.
#[server(endpoint = "auth/remembered_tenant")]
pub async fn remembered_tenant() -> Result<Option<String>, ApiError> {
    Ok(crate::web::remembered_tenant(&super::context::headers().await?))
}

/// Ends this browser's session and clears the cookie.
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    let call = super::context::call().await?;
    let s = &call.services;
    if let Some(token) = &call.token {
        crate::backend::auth::sign_out(s, token, &call.client).await?;
    }
    super::context::set_cookie(crate::web::clear_session_cookie(s.https));
    Ok(())
}

/// The signed-in user, or `None` when there is no valid session.
#[server(endpoint = "auth/me")]
pub async fn current_user() -> Result<Option<Me>, ApiError> {
    match super::context::run(async |ctx| crate::backend::auth::me(ctx).await).await {
        Ok(me) => Ok(Some(me)),
        Err(err) if err.error == shared::ErrorCode::Unauthenticated => Ok(None),
        Err(err) => Err(err),
    }
}

/// Changes the signed-in user's password; the session continues under a fresh token.
#[server(endpoint = "auth/change_password")]
pub async fn change_password(
    current_password: Password,
    new_password: Password,
) -> Result<(), ApiError> {
    let (call, actor) = super::context::actor().await?;
    let s = &call.services;
    let request = shared::auth::ChangePasswordRequest { current_password, new_password };
    let token = crate::backend::auth::change_password(
        &s.pool,
        &s.passwords,
        &s.sessions,
        &actor,
        &request,
        &call.client,
    )
    .await?;
    super::context::set_cookie(crate::web::session_cookie(&token, s.https));
    Ok(())
}
