//! The JSON API under `/api/v1` (see DESIGN.md): the same backend use cases as the server
//! functions, with `shared` types as bodies and `ApiError` as the error shape.

mod audit;
mod auth;
mod extract;
pub mod openapi;
mod roles;
mod second_factors;
mod sessions;
mod sync;
mod teams;
mod tenants;
mod tokens;
mod users;

use app::backend::users::avatar;
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use shared::{ApiError, FieldCode};

use crate::state::AppState;

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(auth::sign_in).delete(auth::sign_out))
        .route("/session/second-factor", post(auth::second_factor))
        .route("/session/second-factor/passkey", post(auth::passkey_options))
        .route("/me", get(auth::me))
        .route("/me/password", post(auth::change_password))
        .route("/me/sessions", get(sessions::mine).delete(sessions::end_my_others))
        .route("/me/sessions/{session}", axum::routing::delete(sessions::end_mine))
        .route("/me/second-factors", get(second_factors::mine))
        .route("/me/second-factors/totp", post(second_factors::start_totp))
        .route("/me/second-factors/totp/{id}/confirm", post(second_factors::confirm_totp))
        .route("/me/second-factors/passkey", post(second_factors::start_passkey))
        .route("/me/second-factors/passkey/{id}/confirm", post(second_factors::confirm_passkey))
        .route("/me/second-factors/{id}", axum::routing::delete(second_factors::remove_mine))
        .route("/me/recovery-codes", post(second_factors::renew_recovery_codes))
        .route("/audit", get(audit::list))
        .route("/audit/export", get(audit::export))
        .route("/permissions", get(roles::permissions))
        .route("/roles", get(roles::list).post(roles::create))
        .route("/roles/{id}", get(roles::get).patch(roles::patch).delete(roles::delete))
        .route("/teams", get(teams::list).post(teams::create))
        .route("/teams/preview", post(teams::preview_new))
        .route("/teams/{id}", get(teams::get).patch(teams::patch).delete(teams::delete))
        .route("/teams/{id}/preview", post(teams::preview))
        .route("/teams/{id}/members", get(teams::members).post(teams::add_member))
        .route("/teams/{id}/members/{user}", axum::routing::delete(teams::remove_member))
        .route("/tenants", get(tenants::list).post(tenants::create))
        .route("/users", get(users::list).post(users::create))
        .route("/users/stats", get(users::stats))
        .route("/users/batch", post(sync::batch))
        .route("/users/external/{external_id}", axum::routing::put(sync::upsert))
        .route("/users/{id}", get(users::get).patch(users::patch).delete(users::delete))
        .route("/users/{id}/access", get(users::access))
        .route("/users/{id}/suspend", post(users::suspend))
        .route("/users/{id}/reactivate", post(users::reactivate))
        .route("/users/{id}/reset-password", post(users::reset_password))
        .route("/users/{id}/sessions", get(sessions::of_user).delete(sessions::end_all_of_user))
        .route("/users/{id}/sessions/{session}", axum::routing::delete(sessions::end_one_of_user))
        .route(
            "/users/{id}/second-factors",
            get(second_factors::of_user).delete(second_factors::reset),
        )
        .route(
            "/settings/second-factor",
            get(second_factors::settings).put(second_factors::set_settings),
        )
        .route("/users/{id}/tokens", get(tokens::list).post(tokens::create))
        .route("/users/{id}/tokens/{token}", axum::routing::delete(tokens::revoke))
        .route(
            "/users/{id}/avatar",
            get(users::get_avatar)
                .put(users::put_avatar)
                // Room above the 2 MiB limit, so an oversized image gets a field error.
                .layer(DefaultBodyLimit::max(2 * avatar::MAX_BYTES)),
        )
        .fallback(not_found)
}

/// An error answer: the status its code maps to, the JSON body, and `Retry-After` when throttled.
pub struct RestError(pub ApiError);

impl From<ApiError> for RestError {
    fn from(err: ApiError) -> Self {
        Self(err)
    }
}

impl From<app::backend::ServiceError> for RestError {
    fn from(err: app::backend::ServiceError) -> Self {
        Self(err.into())
    }
}

/// A body that is not the JSON the endpoint expects is a validation error on `body`, in the
/// API's error shape (axum would answer in plain text).
impl From<axum::extract::rejection::JsonRejection> for RestError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        let mut error = ApiError::field("body", FieldCode::Invalid);
        error.message = rejection.body_text();
        Self(error)
    }
}

/// A query string that does not parse (`limit=ten`) is a validation error on `query`.
impl From<axum::extract::rejection::QueryRejection> for RestError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        let mut error = ApiError::field("query", FieldCode::Invalid);
        error.message = rejection.body_text();
        Self(error)
    }
}

/// A malformed id names nothing.
impl From<axum::extract::rejection::PathRejection> for RestError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        Self(ApiError::new(shared::ErrorCode::NotFound, "Not found."))
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.error.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.0.retry_after;
        let mut response = (status, Json(self.0)).into_response();
        if let Some(value) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// What handlers return.
pub type RestResult<T> = Result<T, RestError>;

async fn not_found() -> RestError {
    RestError(ApiError::new(shared::ErrorCode::NotFound, "No such API endpoint."))
}
