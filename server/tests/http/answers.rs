//! Every request gets an answer, and the right kind: a signed-in `/` is sent on to the user's
//! first section (its render once panicked and never answered), a panicking handler answers 500
//! and is logged, and no cache keeps what the API answers.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::get;
use futures_util::StreamExt;
use http_body_util::BodyExt;
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

use super::audit::Captured;
use super::{GOOD, acme_with_ada, add_user, app, cookie_for, enrolled, json_post};

/// Long enough for any page of an empty tenant; a request that hangs fails the test instead.
const PATIENCE: Duration = Duration::from_secs(20);

/// Sends `request` and reads the whole body, failing (not hanging) when either never comes.
async fn answer(app: Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let uri = request.uri().clone();
    let response = tokio::time::timeout(PATIENCE, app.oneshot(request))
        .await
        .unwrap_or_else(|_| panic!("{uri} was never answered"))
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = tokio::time::timeout(PATIENCE, response.into_body().collect())
        .await
        .unwrap_or_else(|_| panic!("the body of {uri} never ended"))
        .unwrap()
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// A GET as a browser sends it (a redirect is a real 302 only for requests that accept HTML).
fn page(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri)
        .header(header::HOST, "roster.test")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

/// Hole 8: for a signed-in user `/` read the user from a context nothing provided; the render
/// panicked in a task of its own and the page never finished (this test timed out).
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_home_page_sends_each_user_to_their_first_section(pool: PgPool) {
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Tom", "Admin", "tom", "tenant_admin").await;
    app::backend::bootstrap::create_superuser(
        &pool,
        &app::backend::password::Passwords::default(),
        "root",
        &shared::Password::new(GOOD),
    )
    .await
    .unwrap();
    let admin = cookie_for(&pool, "acme", "tom", GOOD).await;
    let root = enrolled(&pool, cookie_for(&pool, "platform", "root", GOOD).await).await;

    for (who, cookie, expected) in [
        ("anonymous", None, "/sign-in"),
        ("admin", Some(&admin), "/users"),
        ("root", Some(&root), "/tenants"),
    ] {
        let (status, headers, body) =
            answer(app(pool.clone()), page("/", cookie.map(String::as_str))).await;
        let location = headers.get(header::LOCATION).map(|l| l.to_str().unwrap());
        assert_eq!((status, location), (StatusCode::FOUND, Some(expected)), "{who}: {body}");
    }
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_is_logged() {
    let logs = Captured::of_the_process();
    async fn broken() -> &'static str {
        panic!("the handler broke (test)")
    }
    let routes = Router::new().route("/boom", get(broken));
    let (status, headers, body) =
        answer(server::router::with_layers(routes, false), page("/boom", None)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"], "internal", "the API's error shape: {body}");
    assert!(!body.to_string().contains("the handler broke"), "the cause stays in the log: {body}");
    assert!(headers.contains_key("x-request-id"), "the other layers still apply");
    let logged = logs.text();
    assert!(
        logged
            .lines()
            .any(|line| line.contains("the handler broke (test)") && line.contains("/boom")),
        "the panic is logged in the request's span: {logged}"
    );
}

/// The way `/` used to fail: the page's first bytes went out, then a panic in one of its
/// rendering tasks left the stream waiting for ever. A stalled body is cut off instead (the
/// status is sent by then, so it cannot become a 500; the client sees a broken response).
#[tokio::test(start_paused = true)]
async fn a_response_that_stalls_is_cut_off_instead_of_left_hanging() {
    async fn stalled() -> Body {
        let first =
            futures_util::stream::once(async { Ok::<_, std::io::Error>("<!DOCTYPE html>") });
        Body::from_stream(first.chain(futures_util::stream::pending()))
    }
    let routes = Router::new().route("/stalled", get(stalled));
    let response =
        server::router::with_layers(routes, false).oneshot(page("/stalled", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let started = tokio::time::Instant::now();
    let body =
        tokio::time::timeout(2 * server::router::BODY_IDLE_TIMEOUT, response.into_body().collect())
            .await
            .expect("the stalled body is cut off, not left hanging");
    assert!(body.is_err(), "the body ends in an error, which closes the connection");
    assert_eq!(started.elapsed(), server::router::BODY_IDLE_TIMEOUT);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn api_answers_and_pages_are_never_stored_by_a_cache(pool: PgPool) {
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Tom", "Admin", "tom", "tenant_admin").await;
    let admin = cookie_for(&pool, "acme", "tom", GOOD).await;
    let grace = json!({
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@acme.test",
        "username": "grace", "user_type": "agent", "password": {"mode": "generate"},
    });
    let create = json_post("/api/v1/users")
        .header(header::COOKIE, &admin)
        .body(Body::from(grace.to_string()))
        .unwrap();
    let (status, headers, body) = answer(app(pool.clone()), create).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.contains("temporary_password"), "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store", "a temporary password");

    let (status, headers, _) = answer(app(pool.clone()), page("/api/v1/me", Some(&admin))).await;
    assert_eq!(
        (status, &headers[header::CACHE_CONTROL]),
        (StatusCode::OK, &"no-store".parse().unwrap())
    );
    // Refusals and server functions (the same data, for the pages) too.
    let (status, headers, _) = answer(app(pool.clone()), page("/api/v1/me", None)).await;
    assert_eq!(
        (status, &headers[header::CACHE_CONTROL]),
        (StatusCode::UNAUTHORIZED, &"no-store".parse().unwrap())
    );
    let me = Request::post("/api/auth/me")
        .header(header::HOST, "roster.test")
        .header(header::COOKIE, &admin)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = answer(app(pool.clone()), me).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    // Pages show the same data.
    let (status, headers, body) = answer(app(pool), page("/users", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Lovelace"), "the directory lists ada");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
}

/// Server functions answer a failure with the status its code has in the JSON API (server_fn
/// itself answers 500 to all), the error in the body as before.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_function_failures_carry_their_status(pool: PgPool) {
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Tom", "Admin", "tom", "tenant_admin").await;
    let ada = cookie_for(&pool, "acme", "ada", GOOD).await;
    let tom = cookie_for(&pool, "acme", "tom", GOOD).await;
    let unknown = format!("id={}", uuid::Uuid::new_v4());
    let (form, json) = ("application/x-www-form-urlencoded", "application/json");
    let nameless = json!({"form": {"name": "", "permissions": []}}).to_string();
    let cases = [
        ("users/get", None, form, &unknown, StatusCode::UNAUTHORIZED, "unauthenticated"),
        ("users/suspend", Some(&ada), form, &unknown, StatusCode::FORBIDDEN, "forbidden"),
        ("users/get", Some(&tom), form, &unknown, StatusCode::NOT_FOUND, "not_found"),
        (
            "roles/create",
            Some(&tom),
            json,
            &nameless,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        ),
    ];
    for (function, cookie, kind, body, status, code) in cases {
        let mut call = Request::post(format!("/api/{function}"))
            .header(header::HOST, "roster.test")
            .header(header::CONTENT_TYPE, kind);
        if let Some(cookie) = cookie {
            call = call.header(header::COOKIE, cookie);
        }
        let call = call.body(Body::from(body.clone())).unwrap();
        let (got, _, answer) = answer(app(pool.clone()), call).await;
        assert_eq!(got, status, "{function}: {answer}");
        let error: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(error["error"], code, "{function}: {answer}");
    }
}
