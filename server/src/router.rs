//! The HTTP router: health, the JSON API, Leptos pages and server functions, static files; and
//! the layers every response passes through. A plain function, so tests drive it without a
//! socket.

use std::any::Any;
use std::time::Duration;

use app::{App, shell};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};
use shared::{ApiError, ErrorCode};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::ResponseBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::health::healthz;
use crate::rest::{self, RestError};
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the whole application router.
pub fn router(state: AppState) -> Router {
    let https = state.services.https;
    with_layers(routes(state), https)
}

/// Every route: health, the JSON API, pages and server functions, static files.
fn routes(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let services = state.services.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(rest::openapi::document))
        .route("/api/docs", get(rest::openapi::reference))
        .nest("/api/v1", rest::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(services.clone()),
            move || shell(options.clone()),
        )
        .fallback(file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(same_origin_only))
        .with_state(state)
}

/// Wraps `routes` in the layers every response passes through. Public so that tests can put a
/// route of their own (one that panics, say) behind exactly the production stack.
pub fn with_layers(routes: Router, https: bool) -> Router {
    let hsts = https.then(|| {
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        )
    });
    routes.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http())
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .option_layer(hsts)
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ))
            // Pages set their own policy with the hydration nonce (app::shell); everything
            // else (JSON, files) may load nothing and be framed nowhere.
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
            ))
            // Static files are precompressed at build time; this covers pages and JSON.
            .layer(CompressionLayer::new())
            .layer(middleware::from_fn(no_store))
            // A page whose render stalls (a panic in one of its rendering tasks leaves the
            // stream waiting) is cut off rather than left hanging; the failure is logged.
            .layer(ResponseBodyTimeoutLayer::new(BODY_IDLE_TIMEOUT))
            .layer(CatchPanicLayer::custom(answer_panic)),
    )
}

/// How long a response body may go without sending anything before it is cut off.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A panic in a handler is a bug, but the client still gets an answer: 500 in the API's error
/// shape, the cause logged (within the request's span) and never sent.
fn answer_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    let cause = panic_message(panic.as_ref());
    tracing::error!(panic = cause, "a request handler panicked; answered 500");
    RestError(ApiError::new(ErrorCode::Internal, "Something went wrong on our side."))
        .into_response()
}

/// What a panic said (`panic!` with a literal or with a formatted message).
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message")
}

/// API answers (`/api/v1` and the server functions under `/api`) and pages carry personal
/// data and sometimes a temporary password: no cache, the browser's included, may keep them.
/// Static files (the bundle, styles, images) stay cacheable; a handler that chose its own
/// policy keeps it (the avatar: private, and its URL changes with the image).
async fn no_store(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"));
    if (api || page) && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The header server_fn marks its error answers with (the function's path).
const SERVER_FN_ERROR: HeaderName = HeaderName::from_static("serverfnerror");
/// The largest error body read back (an ApiError with its field errors is a few hundred bytes).
const SERVER_FN_ERROR_LIMIT: usize = 64 * 1024;

/// Server functions answer every error with 500 (server_fn's way); the body is an [`ApiError`]
/// whose code has its own status, as the JSON API answers it: 401, 403, 404, 409, 422, 429
/// (with `Retry-After`)… Leptos' client reads any 4xx or 5xx body as the error, so the console
/// is unchanged, while proxies, logs and programs see a refusal as one. Cookies the function
/// set are kept.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let Some(path) = response.headers().get(SERVER_FN_ERROR).cloned() else { return response };
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, SERVER_FN_ERROR_LIMIT).await.unwrap_or_default();
    match serde_json::from_slice::<ApiError>(&bytes) {
        Ok(error) => {
            let mut answer = RestError(error).into_response();
            let headers = answer.headers_mut();
            headers.insert(SERVER_FN_ERROR, path);
            // What the function set goes too: the cookie of a sign-in that waits for its code.
            for cookie in parts.headers.get_all(header::SET_COOKIE) {
                headers.append(header::SET_COOKIE, cookie.clone());
            }
            answer
        }
        Err(_) => Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}

/// Refuses state-changing requests that a browser says come from another site (CSRF), for
/// server functions and the JSON API alike. A JSON API request with an `Authorization` header
/// carries no ambient credential (the API then ignores its cookies, and no other site can make
/// a browser send that header), so it passes.
async fn same_origin_only(request: Request, next: Next) -> Response {
    let bearer = request.uri().path().starts_with("/api/v1/")
        && request.headers().contains_key(header::AUTHORIZATION);
    if bearer || app::web::same_origin(request.method(), request.headers()) {
        next.run(request).await
    } else {
        tracing::warn!(method = %request.method(), uri = %request.uri(), "refused a cross-site request");
        RestError(ApiError::new(ErrorCode::Forbidden, "Cross-site requests are not allowed."))
            .into_response()
    }
}
