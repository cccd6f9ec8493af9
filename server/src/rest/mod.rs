//! The JSON API under `/api/v1` (see DESIGN.md): the same backend use cases as the server
//! functions, with `shared` types as bodies and `ApiError` as the error shape.

mod auth;
mod extract;
mod tenants;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use shared::ApiError;

use crate::state::AppState;

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(auth::sign_in).delete(auth::sign_out))
        .route("/me", get(auth::me))
        .route("/me/password", post(auth::change_password))
        .route("/tenants", get(tenants::list).post(tenants::create))
        .fallback(not_found)
}

/// An error answer: the status its code maps to, the JSON body, and `Retry-After` when throttled.
pub struct RestError(pub ApiError);

impl<E: Into<ApiError>> From<E> for RestError {
    fn from(err: E) -> Self {
        Self(err.into())
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
