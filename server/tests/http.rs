//! HTTP tests: the real router, driven without a socket, on a fresh migrated database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use app::backend::password::Passwords;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::router::router;
use server::state::AppState;
use sqlx::PgPool;
use tower::ServiceExt;

fn app(pool: PgPool) -> Router {
    let leptos_options = LeptosOptions::builder().output_name("roster").build();
    router(AppState { leptos_options, pool, passwords: Passwords::default() })
}

async fn get(app: Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn healthz_checks_the_database(pool: PgPool) {
    let (status, _, body) = get(app(pool.clone()), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"ok","database":"ok"}"#);

    pool.close().await;
    let (status, _, body) = get(app(pool), "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("unreachable"), "{body}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_are_rendered_on_the_server_with_the_hydration_scripts(pool: PgPool) {
    let (status, headers, body) = get(app(pool), "/sign-in").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(body.contains("<h1>Sign in</h1>"), "{body}");
    assert!(body.contains("/pkg/roster.js"), "the page must load the wasm bundle's glue");
    assert!(body.contains("Show password"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_addresses_answer_404(pool: PgPool) {
    let (status, _, body) = get(app(pool), "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_response_has_a_request_id_and_nosniff(pool: PgPool) {
    let (_, headers, _) = get(app(pool), "/healthz").await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let id = headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_are_compressed_for_clients_that_accept_it(pool: PgPool) {
    let request =
        Request::get("/sign-in").header(header::ACCEPT_ENCODING, "gzip").body(Body::empty());
    let response = app(pool).oneshot(request.unwrap()).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
}
