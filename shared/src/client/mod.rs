//! A typed client of Roster's JSON API (`/api/v1`), for other Rust programs (the `client`
//! feature): every request and answer is one of this crate's wire types, so a program is checked
//! against the server's shapes when it compiles.
//!
//! A program signs in with an API token ([`Client::with_token`]); a person's tools may sign in
//! with a password instead ([`Client::sign_in`]), keeping the session cookie. Every failure is an
//! [`Error`]; a refusal carries the server's [`ApiError`](crate::ApiError) with its field errors.
//!
//! ```no_run
//! # async fn run() -> Result<(), roster_shared::client::Error> {
//! use roster_shared::client::{Client, TryStreamExt};
//! use roster_shared::directory::UserQuery;
//!
//! let roster = Client::with_token("https://roster.example.com", "roster_…")?;
//! let query = UserQuery { q: Some("ada".into()), ..UserQuery::default() };
//! let mut users = std::pin::pin!(roster.all_users(query));
//! while let Some(user) = users.try_next().await? {
//!     println!("{} <{}>", user.display_name(), user.email);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod audit;
mod error;
mod roles;
mod sync;
mod tokens;
mod users;

use reqwest::header::{AUTHORIZATION, HeaderValue, ORIGIN};
use reqwest::{Method, RequestBuilder, Response, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{Me, SignInRequest, SignInResponse};
use crate::password::Password;

pub use error::Error;
pub use sync::upsert_operation;

/// The stream traits, to read [`Client::all_users`] without depending on `futures-util`.
pub use futures_util::stream::{Stream, StreamExt, TryStreamExt};

/// The `User-Agent` the client sends (the audit trail shows it).
const USER_AGENT: &str = concat!("roster-shared/", env!("CARGO_PKG_VERSION"));

/// How long to wait for a connection to the server.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A connection to one Roster server as one caller. Cloning is cheap and shares the connection
/// pool (and, after [`Client::sign_in`], the session).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The server's `/api/v1`, always a base URL (checked when the client is made).
    api: Url,
    credential: Credential,
}

/// How each request proves who sends it.
#[derive(Clone)]
enum Credential {
    /// `Authorization: Bearer roster_…` (marked sensitive, so it is never printed).
    Token(HeaderValue),
    /// The session cookie the client keeps, and the server's own origin: the server refuses
    /// state-changing cookie requests from any other (they could be cross-site forgeries).
    Session { origin: HeaderValue },
}

/// Never shows the token.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let credential = match self.credential {
            Credential::Token(_) => "token",
            Credential::Session { .. } => "session",
        };
        f.debug_struct("Client")
            .field("api", &self.api.as_str())
            .field("credential", &credential)
            .finish()
    }
}

impl Client {
    /// A client that sends the API token `token` (`roster_…`) with every request, to the Roster
    /// at `base_url` (`https://roster.example.com`, without `/api/v1`). Nothing is sent yet; a
    /// token that does not work shows as a 401 [`Error::Api`] on the first call.
    pub fn with_token(base_url: &str, token: &str) -> Result<Self, Error> {
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| Error::Usage("the token is not a valid header value".into()))?;
        bearer.set_sensitive(true);
        let http = builder().build()?;
        Ok(Self { http, api: api_url(base_url)?, credential: Credential::Token(bearer) })
    }

    /// Signs in to the organisation `tenant` as `login` (a username or an email) and keeps the
    /// session cookie for the client's later calls. A user who must change their password gets
    /// a client that can do nothing else yet ([`Client::me`] says so).
    pub async fn sign_in(
        base_url: &str,
        tenant: &str,
        login: &str,
        password: &Password,
    ) -> Result<Self, Error> {
        let api = api_url(base_url)?;
        let origin = HeaderValue::from_str(&api.origin().ascii_serialization())
            .map_err(|_| Error::Usage("the base URL has no origin".into()))?;
        let http = builder().cookie_store(true).build()?;
        let client = Self { http, api, credential: Credential::Session { origin } };
        let body = SignInRequest {
            tenant: tenant.to_owned(),
            login: login.to_owned(),
            password: password.clone(),
        };
        let _: SignInResponse =
            client.read(client.request(Method::POST, &["session"])?.json(&body)).await?;
        Ok(client)
    }

    /// The caller: for a token, its service account with the token's permissions.
    pub async fn me(&self) -> Result<Me, Error> {
        self.read(self.request(Method::GET, &["me"])?).await
    }

    /// Ends the session (for a token client this does nothing: revoke the token instead).
    pub async fn sign_out(&self) -> Result<(), Error> {
        self.done(self.request(Method::DELETE, &["session"])?).await
    }

    /// The address of `/api/v1/{path…}`, each part percent-encoded as one path segment.
    fn url(&self, path: &[&str]) -> Result<Url, Error> {
        let mut url = self.api.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Usage("the base URL cannot have a path".into()))?
            .extend(path);
        Ok(url)
    }

    /// A request to `/api/v1/{path…}` with the caller's credential.
    fn request(&self, method: Method, path: &[&str]) -> Result<RequestBuilder, Error> {
        Ok(self.authorized(self.http.request(method, self.url(path)?)))
    }

    /// A `GET` of `/api/v1/{path…}` with `query` as its query string.
    fn get_with<Q: Serialize>(&self, path: &[&str], query: &Q) -> Result<RequestBuilder, Error> {
        let mut url = self.url(path)?;
        url.set_query(crate::query::to_query_string(query).strip_prefix('?'));
        Ok(self.authorized(self.http.get(url)))
    }

    /// `request` with the caller's credential.
    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.credential {
            Credential::Token(bearer) => request.header(AUTHORIZATION, bearer.clone()),
            Credential::Session { origin } => request.header(ORIGIN, origin.clone()),
        }
    }

    /// Sends `request` and reads its JSON answer as `T`.
    async fn read<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, Error> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = answer(response).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Decode { status, message: e.to_string() })
    }

    /// Sends `request`, whose answer has no body (204).
    async fn done(&self, request: RequestBuilder) -> Result<(), Error> {
        answer(request.send().await?).await.map(drop)
    }
}

/// The body of a successful answer, or the error an unsuccessful one carries.
async fn answer(response: Response) -> Result<Vec<u8>, Error> {
    let status = response.status().as_u16();
    let body = response.bytes().await?;
    if (200..300).contains(&status) {
        return Ok(body.to_vec());
    }
    Err(match serde_json::from_slice(&body) {
        Ok(error) => Error::Api { status, error },
        // Not Roster's error shape: a proxy's page, say. Its start tells what answered.
        Err(_) => {
            let text = String::from_utf8_lossy(&body);
            let start: String = text.chars().take(200).collect();
            Error::Decode { status, message: format!("not an API error: {start}") }
        }
    })
}

/// The HTTP client every [`Client`] starts from. Only connecting has a time limit: a batch of
/// a thousand items may rightly take a while to answer.
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().user_agent(USER_AGENT).connect_timeout(CONNECT_TIMEOUT)
}

/// `{base_url}/api/v1`, for an `http` or `https` base URL.
fn api_url(base_url: &str) -> Result<Url, Error> {
    let mut url = Url::parse(base_url.trim())
        .map_err(|e| Error::Usage(format!("the base URL {base_url:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::Usage(format!("the base URL {base_url:?} is not an http(s) address")));
    }
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| Error::Usage("the base URL cannot have a path".into()))?
        .pop_if_empty()
        .extend(["api", "v1"]);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_lies_under_the_base_url_whatever_its_slashes() {
        for base in
            ["http://127.0.0.1:3000", "http://127.0.0.1:3000/", " http://127.0.0.1:3000?x=1 "]
        {
            assert_eq!(api_url(base).unwrap().as_str(), "http://127.0.0.1:3000/api/v1", "{base}");
        }
        let behind_a_prefix = api_url("https://example.com/roster/").unwrap();
        assert_eq!(behind_a_prefix.as_str(), "https://example.com/roster/api/v1");
        assert!(matches!(api_url("mailto:ada@acme.test"), Err(Error::Usage(_))));
        assert!(matches!(api_url("roster.example.com"), Err(Error::Usage(_))));
    }

    #[test]
    fn path_parts_are_encoded_as_one_segment_each() {
        let client = Client::with_token("http://roster.test", "roster_secret").unwrap();
        let url = client.url(&["users", "external", "HR/17 ä?"]).unwrap();
        assert_eq!(url.as_str(), "http://roster.test/api/v1/users/external/HR%2F17%20%C3%A4%3F");
    }

    #[test]
    fn a_query_becomes_the_query_string_and_an_empty_one_none() {
        let client = Client::with_token("http://roster.test", "roster_secret").unwrap();
        let query = crate::directory::UserQuery {
            q: Some("ada l".into()),
            limit: Some(2),
            ..Default::default()
        };
        let request = client.get_with(&["users"], &query).unwrap().build().unwrap();
        assert_eq!(request.url().as_str(), "http://roster.test/api/v1/users?q=ada+l&limit=2");
        assert!(request.headers()[AUTHORIZATION].is_sensitive());
        let empty = client.get_with(&["users"], &crate::directory::UserQuery::default()).unwrap();
        assert_eq!(empty.build().unwrap().url().as_str(), "http://roster.test/api/v1/users");
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let client = Client::with_token("http://roster.test", "roster_secret").unwrap();
        assert!(!format!("{client:?}").contains("roster_secret"));
        assert!(matches!(
            Client::with_token("http://roster.test", "bad\ntoken"),
            Err(Error::Usage(_))
        ));
    }
}

/// The README's example, compiled with the tests so that it cannot drift from the client.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExample;
