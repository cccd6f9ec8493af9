//! Extractors: the signed-in actor and the client's details.

use app::backend::sessions::{self, ClientInfo, SessionToken};
use app::backend::tokens::TokenSecret;
use app::backend::{Actor, Ctx, ServiceError, Services};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::net::SocketAddr;

use super::RestError;
use crate::state::AppState;

/// Where the request came from.
pub struct Client(pub ClientInfo);

impl FromRequestParts<AppState> for Client {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        Ok(Self(app::web::client_info(&parts.headers, peer, &state.services.trusted_proxies)))
    }
}

/// The session token, if the request carries one.
pub struct MaybeToken(pub Option<SessionToken>);

impl FromRequestParts<AppState> for MaybeToken {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(app::web::session_token(&parts.headers, state.services.https)))
    }
}

/// The session token; 401 without one. For handlers that resolve the actor in their own
/// transaction ([`sessions::as_actor`]).
pub struct Token(pub SessionToken);

impl FromRequestParts<AppState> for Token {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = app::web::session_token(&parts.headers, state.services.https)
            .ok_or(ServiceError::Unauthenticated)?;
        Ok(Self(token))
    }
}

/// The JSON API's runner: who calls (the services, their credential, where from), to run a use
/// case as their actor in one transaction ([`sessions::as_actor`], or
/// [`sessions::as_token_actor`] for an API token). A request with an `Authorization` header is
/// judged by it alone, its cookies ignored; 401 without either. An unknown or ended session or
/// token is 401 when the use case runs.
pub struct Caller {
    services: Services,
    credential: Credential,
    client: ClientInfo,
}

enum Credential {
    Session(SessionToken),
    Bearer(TokenSecret),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let credential = match bearer(&parts.headers) {
            Some(secret) => Credential::Bearer(secret?),
            None => Credential::Session(Token::from_request_parts(parts, state).await?.0),
        };
        let Client(client) = Client::from_request_parts(parts, state).await?;
        Ok(Self { services: state.services.clone(), credential, client })
    }
}

/// The secret of an `Authorization: Bearer` header; any other `Authorization` is 401.
fn bearer(headers: &HeaderMap) -> Option<Result<TokenSecret, ServiceError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let secret = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
    Some(
        secret
            .filter(|s| !s.is_empty())
            .map(TokenSecret::from_client)
            .ok_or(ServiceError::Unauthenticated),
    )
}

impl Caller {
    pub async fn run<T>(
        &self,
        work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
    ) -> Result<T, RestError> {
        let (services, client) = (&self.services, &self.client);
        Ok(match &self.credential {
            Credential::Session(token) => sessions::as_actor(services, token, client, work).await?,
            Credential::Bearer(secret) => {
                sessions::as_token_actor(services, secret, client, work).await?
            }
        })
    }
}

/// The signed-in actor; 401 without a valid session.
pub struct Authenticated(pub Actor);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Self(caller.run(async |ctx| Ok(ctx.actor.clone())).await?))
    }
}

/// A JSON request body whose rejections answer in the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(RestError))]
pub struct JsonBody<T>(pub T);

/// Path parameters whose rejections (an id that is not a UUID) answer 404 in the API's shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(RestError))]
pub struct PathId<T>(pub T);

/// A query string whose rejections (a limit that is not a number) answer in the API's shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(RestError))]
pub struct QueryString<T>(pub T);
