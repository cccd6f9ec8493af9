//! Signing in and out, the signed-in user, and changing one's password.

use leptos::prelude::*;
use shared::ApiError;
use shared::Password;
use shared::auth::Me;

/// Signs in and sets the session cookie.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(tenant: String, login: String, password: Password) -> Result<Me, ApiError> {
    use crate::backend::auth;
    let call = super::context::call().await?;
    let request = shared::auth::SignInRequest { tenant, login, password };
    let s = &call.services;
    let signed = auth::sign_in(&s.pool, &s.passwords, &s.sessions, &request, &call.client).await?;
    super::context::set_cookie(crate::web::session_cookie(&signed.token, s.https));
    if let Some(cookie) = crate::web::tenant_cookie(&signed.me.tenant.slug) {
        super::context::set_cookie(cookie);
    }
    Ok(signed.me)
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
