//! Server functions: thin adapters between the UI and the backend (authenticate, call one use
//! case, convert the error). The JSON API in the server crate calls the same use cases.

pub mod audit;
pub mod auth;
pub mod roles;
pub mod second_factors;
pub mod sessions;
pub mod teams;
pub mod tenants;
pub mod tokens;
pub mod users;

#[cfg(feature = "ssr")]
mod context {
    use http::HeaderMap;
    use http::header::SET_COOKIE;
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;
    use shared::ApiError;
    use std::net::SocketAddr;

    use crate::backend::sessions::{self, ClientInfo, SessionToken};
    use crate::backend::{Actor, Ctx, ServiceError, Services};

    /// The request as the backend needs it.
    pub struct Call {
        pub services: Services,
        pub client: ClientInfo,
        pub token: Option<SessionToken>,
    }

    /// Services, client info and session token of the current server-function call.
    pub async fn call() -> Result<Call, ApiError> {
        let services = use_context::<Services>().ok_or_else(|| {
            ApiError::from(ServiceError::Internal("Services not provided".into()))
        })?;
        let headers = headers().await?;
        let peer = leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>().await.ok();
        let client =
            crate::web::client_info(&headers, peer.map(|p| p.0), &services.trusted_proxies);
        let token = crate::web::session_token(&headers, services.https);
        Ok(Call { services, client, token })
    }

    /// The request headers of the current call.
    pub async fn headers() -> Result<HeaderMap, ApiError> {
        leptos_axum::extract().await.map_err(internal)
    }

    /// The signed-in actor of the current call, or 401.
    pub async fn actor() -> Result<(Call, Actor), ApiError> {
        let call = call().await?;
        let token = call.token.as_ref().ok_or(ServiceError::Unauthenticated)?;
        let actor = sessions::resolve(&call.services, token, &call.client).await?;
        Ok((call, actor))
    }

    /// The server functions' runner: `work` as the signed-in actor, in the transaction that
    /// resolves the session (see [`crate::backend::context`]), or 401.
    pub async fn run<T>(
        work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
    ) -> Result<T, ApiError> {
        let call = call().await?;
        let token = call.token.as_ref().ok_or(ServiceError::Unauthenticated)?;
        Ok(sessions::as_actor(&call.services, token, &call.client, work).await?)
    }

    /// Sends a `Set-Cookie` header with the response.
    pub fn set_cookie(value: http::HeaderValue) {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.append_header(SET_COOKIE, value);
        }
    }

    fn internal(err: impl std::fmt::Display) -> ApiError {
        ServiceError::Internal(err.to_string()).into()
    }
}
