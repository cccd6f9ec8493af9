//! HTTP tests: the real router, driven without a socket, on a fresh migrated database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use app::backend::Services;
use app::backend::passkey::Passkeys;
use app::backend::password::Passwords;
use app::backend::sessions::SessionPolicy;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::router::router;
use server::state::AppState;
use sqlx::PgPool;
use tower::ServiceExt;

mod answers;
mod audit;
mod client;
mod directory;
mod matrix;
mod passkeys;
mod recorded;
mod scale;
mod second_factors;
mod server_fns;
mod sessions;
mod sync;
mod teams;
mod tokens;

/// The router, working as the server does: as `roster_app` (which owns nothing), on the test's
/// database; `pool`, the owner's, stays for arranging and inspecting.
fn app(pool: PgPool) -> Router {
    router_on(as_app(&pool))
}

/// The router on a pool of its own.
fn router_on(pool: PgPool) -> Router {
    let leptos_options = LeptosOptions::builder().output_name("roster").build();
    router(AppState { leptos_options, services: services(pool) })
}

/// The backend's services on `pool`, as the server makes them.
fn services(pool: PgPool) -> Services {
    Services {
        pool,
        passwords: Passwords::default(),
        sessions: SessionPolicy::default(),
        https: false,
        trusted_proxies: Vec::new(),
        token_rate: Default::default(),
        passkeys: Passkeys::new(&"http://localhost:3000".parse().unwrap()).unwrap(),
    }
}

async fn send(
    app: Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

fn json_post(uri: &str) -> axum::http::request::Builder {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "roster.test")
}

/// A tenant "acme" with user "ada" and a known password; returns nothing (the API finds them).
async fn acme_with_ada(pool: &PgPool) {
    sqlx::query("insert into tenants (slug, name) values ('acme', 'Acme')")
        .execute(pool)
        .await
        .unwrap();
    add_user(pool, "acme", "Ada", "Lovelace", "ada", "agent").await;
}

/// A pool on `pool`'s database as the role `ROSTER_TEST_APP_DATABASE_URL` names (set by
/// `./roster.sh test`).
fn as_app(pool: &PgPool) -> PgPool {
    let url = std::env::var("ROSTER_TEST_APP_DATABASE_URL")
        .expect("ROSTER_TEST_APP_DATABASE_URL is not set: run the tests with ./roster.sh test");
    let role: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let options = pool.connect_options();
    sqlx::postgres::PgPoolOptions::new()
        .connect_lazy_with(role.database(options.get_database().unwrap()))
}

/// A connection for arranging data directly: sees every tenant, and its changes are deliberately
/// not audited. Detached, so its settings never reach the router's connections.
async fn arrange(pool: &PgPool) -> sqlx::PgConnection {
    let mut conn = pool.acquire().await.unwrap().detach();
    sqlx::query("set roster.all_tenants = 'on'").execute(&mut conn).await.unwrap();
    sqlx::query("set roster.unaudited = 'on'").execute(&mut conn).await.unwrap();
    conn
}

/// Adds a user who signs in with [`GOOD`] (email `username@slug.test`) to the tenant `slug`.
async fn add_user(
    pool: &PgPool,
    slug: &str,
    first_name: &str,
    last_name: &str,
    username: &str,
    user_type: &str,
) {
    let hash = Passwords::default().hash(&shared::Password::new(GOOD)).await.unwrap();
    let mut conn = arrange(pool).await;
    sqlx::query(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type, password_hash)
         select id, $2, $3, $4 || '@' || $1 || '.test', $4, $5, $6 from tenants where slug = $1",
    )
    .bind(slug)
    .bind(first_name)
    .bind(last_name)
    .bind(username)
    .bind(user_type)
    .bind(hash)
    .execute(&mut conn)
    .await
    .unwrap();
}

/// Sends `body` (JSON, or none) with the session cookie; the status and the JSON answer.
async fn call(
    pool: &PgPool,
    method: &str,
    uri: &str,
    cookie: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let request = json_post(uri).method(method).header(header::COOKIE, cookie);
    let request = match body {
        Some(body) => request.body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    };
    let (status, _, answer) = send(app(pool.clone()), request.unwrap()).await;
    (status, answer)
}

const GOOD: &str = "a long and good passphrase";

/// The code of the key `secret` (base32) for the time step `offset` steps from now, as
/// `oathtool` computes it: an implementation of RFC 6238 independent of Roster's.
fn oath_code(secret: &str, offset: i64) -> String {
    let at = chrono::Utc::now().timestamp() + offset * 30;
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "--base32", secret, "--now", &format!("@{at}")])
        .output()
        .expect("oathtool runs (./roster.sh test installs it)");
    assert!(out.status.success(), "oathtool: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `cookie`, once its holder has added an authenticator app (a superuser must have one).
async fn enrolled(pool: &PgPool, cookie: String) -> String {
    enrol_totp(pool, &cookie).await;
    cookie
}

/// Adds an authenticator app to the account behind `cookie` as its owner does (its first code
/// from [`oath_code`], for the current step): the key, and the recovery codes.
async fn enrol_totp(pool: &PgPool, cookie: &str) -> (String, Vec<String>) {
    let (status, started) =
        call(pool, "POST", "/api/v1/me/second-factors/totp", cookie, None).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    let confirm =
        format!("/api/v1/me/second-factors/totp/{}/confirm", started["id"].as_str().unwrap());
    let body = serde_json::json!({"code": oath_code(&secret, 0), "name": "Phone"});
    let (status, confirmed) = call(pool, "POST", &confirm, cookie, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let codes = confirmed["recovery_codes"].as_array().unwrap();
    (secret, codes.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
}

fn sign_in_body(password: &str) -> Body {
    Body::from(
        serde_json::json!({"tenant": "acme", "login": "ada", "password": password}).to_string(),
    )
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
    let working = as_app(&pool);
    let (status, _, body) = get(router_on(working.clone()), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"ok","database":"ok"}"#);

    working.close().await;
    let (status, _, body) = get(router_on(working), "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("unreachable"), "{body}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_are_rendered_on_the_server_with_the_hydration_scripts(pool: PgPool) {
    let (status, headers, body) = get(app(pool), "/sign-in").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(body.contains("<h1>Sign in"), "the heading is rendered on the server: {body}");
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

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_json_api_signs_in_with_a_session_cookie_and_answers_me(pool: PgPool) {
    acme_with_ada(&pool).await;
    let (status, headers, body) =
        send(app(pool.clone()), json_post("/api/v1/session").body(sign_in_body(GOOD)).unwrap())
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "ada");
    assert_eq!(body["must_change_password"], false);
    let cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("roster_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();

    let me = Request::get("/api/v1/me").header(header::COOKIE, &pair).body(Body::empty()).unwrap();
    let (status, _, body) = send(app(pool.clone()), me).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tenant"]["slug"], "acme");
    assert!(
        body["permissions"].as_array().unwrap().is_empty(),
        "an agent without roles holds nothing"
    );

    // Signing out ends the session: the same cookie is then refused.
    let out = Request::delete("/api/v1/session")
        .header(header::COOKIE, &pair)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(app(pool.clone()), out).await.0, StatusCode::NO_CONTENT);
    let me = Request::get("/api/v1/me").header(header::COOKIE, &pair).body(Body::empty()).unwrap();
    let (status, _, body) = send(app(pool), me).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthenticated");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn failures_are_401_with_one_body_then_429_with_retry_after(pool: PgPool) {
    acme_with_ada(&pool).await;
    let mut bodies = Vec::new();
    for _ in 0..5 {
        let (status, _, body) = send(
            app(pool.clone()),
            json_post("/api/v1/session").body(sign_in_body("wrong but long enough")).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    let (status, headers, body) =
        send(app(pool), json_post("/api/v1/session").body(sign_in_body(GOOD)).unwrap()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "throttled");
    assert!(headers[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() >= 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn cross_site_state_changes_are_refused(pool: PgPool) {
    acme_with_ada(&pool).await;
    let request = json_post("/api/v1/session")
        .header(header::ORIGIN, "https://evil.example")
        .body(sign_in_body(GOOD))
        .unwrap();
    let (status, headers, body) = send(app(pool.clone()), request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    assert!(headers.get(header::SET_COOKIE).is_none());
    let same = json_post("/api/v1/session")
        .header(header::ORIGIN, "http://roster.test")
        .body(sign_in_body(GOOD))
        .unwrap();
    assert_eq!(send(app(pool), same).await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn tenants_are_for_superusers_only(pool: PgPool) {
    let (status, _, _) =
        send(app(pool.clone()), Request::get("/api/v1/tenants").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    acme_with_ada(&pool).await;
    let (_, headers, _) =
        send(app(pool.clone()), json_post("/api/v1/session").body(sign_in_body(GOOD)).unwrap())
            .await;
    let pair = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let list =
        Request::get("/api/v1/tenants").header(header::COOKIE, &pair).body(Body::empty()).unwrap();
    assert_eq!(send(app(pool), list).await.0, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_carry_a_nonce_csp_and_the_other_security_headers(pool: PgPool) {
    let (_, headers, body) = get(app(pool.clone()), "/sign-in").await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap();
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script must carry the nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
    assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "no HSTS over plain http");
    let (_, headers, _) = get(app(pool), "/healthz").await;
    assert_eq!(
        headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

/// Signs in through the API and returns the `name=value` cookie pair.
async fn cookie_for(pool: &PgPool, tenant: &str, login: &str, password: &str) -> String {
    let body = serde_json::json!({"tenant": tenant, "login": login, "password": password});
    let request = json_post("/api/v1/session").body(Body::from(body.to_string())).unwrap();
    let (status, headers, body) = send(app(pool.clone()), request).await;
    assert_eq!(status, StatusCode::OK, "{tenant}/{login}: {body}");
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("roster_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_endpoint_answers_each_kind_of_caller_as_designed(pool: PgPool) {
    acme_with_ada(&pool).await;
    app::backend::bootstrap::create_superuser(
        &pool,
        &Passwords::default(),
        "root",
        &shared::Password::new(GOOD),
    )
    .await
    .unwrap();
    // A tenant admin who still has to replace a temporary password.
    add_user(&pool, "acme", "Tia", "Admin", "tia", "tenant_admin").await;
    let mut conn = arrange(&pool).await;
    sqlx::query("update users set must_change_password = true where username = 'tia'")
        .execute(&mut conn)
        .await
        .unwrap();

    let callers = [
        ("anonymous", None),
        ("agent", Some(cookie_for(&pool, "acme", "ada", GOOD).await)),
        ("forced admin", Some(cookie_for(&pool, "acme", "tia", GOOD).await)),
        (
            "superuser",
            Some(enrolled(&pool, cookie_for(&pool, "platform", "root", GOOD).await).await),
        ),
    ];
    let new_tenant = |n: usize| {
        serde_json::json!({
            "slug": format!("org-{n}"), "name": "Org", "admin_first_name": "A",
            "admin_last_name": "B", "admin_email": "a@org.test", "admin_username": "ab",
        })
    };
    let wrong_password = serde_json::json!({
        "current_password": "not the current password", "new_password": "a brand new passphrase",
    });
    // (method, path, body, expected status and error code per caller, in `callers` order)
    type Row = (&'static str, &'static str, Option<serde_json::Value>, [(u16, &'static str); 4]);
    let table: Vec<Row> = vec![
        ("GET", "/api/v1/me", None, [(401, "unauthenticated"), (200, ""), (200, ""), (200, "")]),
        (
            "GET",
            "/api/v1/tenants",
            None,
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (200, ""),
            ],
        ),
        (
            "POST",
            "/api/v1/tenants",
            Some(new_tenant(0)),
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (201, ""),
            ],
        ),
        (
            "POST",
            "/api/v1/me/password",
            Some(wrong_password),
            [
                (401, "unauthenticated"),
                (422, "validation"),
                (422, "validation"),
                (422, "validation"),
            ],
        ),
        (
            "GET",
            "/api/v1/audit",
            None,
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (200, ""),
            ],
        ),
        (
            "GET",
            "/api/v1/audit/export",
            None,
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (200, ""),
            ],
        ),
        (
            "GET",
            "/api/v1/roles",
            None,
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (200, ""),
            ],
        ),
        (
            "POST",
            "/api/v1/roles",
            Some(serde_json::json!({"name": "Desk", "permissions": ["users.read"]})),
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (201, ""),
            ],
        ),
        (
            "GET",
            "/api/v1/teams",
            None,
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (200, ""),
            ],
        ),
        (
            "POST",
            "/api/v1/teams",
            Some(
                serde_json::json!({"name": "Night shift", "rules": {"match": "all", "conditions": [
                {"field": "department", "op": "eq", "values": ["Support"]}]}}),
            ),
            [
                (401, "unauthenticated"),
                (403, "forbidden"),
                (403, "password_change_required"),
                (201, ""),
            ],
        ),
        (
            "GET",
            "/api/v1/permissions",
            None,
            [(401, "unauthenticated"), (200, ""), (200, ""), (200, "")],
        ),
        ("GET", "/api/v1/no-such-thing", None, [(404, "not_found"); 4]),
    ];
    for (method, path, body, expected) in table {
        for ((who, cookie), (status, code)) in callers.iter().zip(expected) {
            let mut request =
                Request::builder().method(method).uri(path).header(header::HOST, "roster.test");
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie);
            }
            let request = match &body {
                Some(json) => request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(json.to_string())),
                None => request.body(Body::empty()),
            };
            let (got, _, answer) = send(app(pool.clone()), request.unwrap()).await;
            assert_eq!(got.as_u16(), status, "{who} {method} {path}: {answer}");
            if !code.is_empty() {
                assert_eq!(answer["error"], code, "{who} {method} {path}: {answer}");
            }
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_malformed_body_is_a_validation_error_in_the_api_shape(pool: PgPool) {
    let request = json_post("/api/v1/session").body(Body::from("{not json")).unwrap();
    let (status, _, body) = send(app(pool.clone()), request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "validation");
    assert_eq!(body["fields"]["body"][0], "invalid");
    let missing = json_post("/api/v1/session").body(Body::from(r#"{"tenant":"acme"}"#)).unwrap();
    let (status, _, body) = send(app(pool), missing).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("login"), "{body}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn text_holding_a_nul_is_a_field_error_and_changes_nothing(pool: PgPool) {
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Tom", "Admin", "tom", "tenant_admin").await;
    let admin = cookie_for(&pool, "acme", "tom", GOOD).await;
    let sign_in = serde_json::json!({"tenant": "acme", "login": "ada\u{0}", "password": GOOD});
    let request = json_post("/api/v1/session").body(Body::from(sign_in.to_string())).unwrap();
    let (status, _, body) = send(app(pool.clone()), request).await;
    assert_eq!(
        (status, &body["fields"]["login"][0]),
        (StatusCode::UNPROCESSABLE_ENTITY, &"control_characters".into()),
        "{body}"
    );

    let users = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from users").fetch_one(&pool).await.unwrap()
    };
    let before = users().await;
    let grace = serde_json::json!({
        "first_name": "Gr\u{0}ace", "last_name": "Hopper", "email": "grace@acme.test",
        "username": "grace", "user_type": "agent", "department": "Sa\u{0}les",
        "password": {"mode": "generate"},
    });
    let (status, body) = call(&pool, "POST", "/api/v1/users", &admin, Some(grace)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        (&body["fields"]["first_name"][0], &body["fields"]["department"][0]),
        (&"control_characters".into(), &"control_characters".into()),
        "{body}"
    );
    let role = serde_json::json!({"name": "Ops\u{0}", "permissions": []});
    let (status, body) = call(&pool, "POST", "/api/v1/roles", &admin, Some(role)).await;
    assert_eq!(
        (status, &body["fields"]["name"][0]),
        (StatusCode::UNPROCESSABLE_ENTITY, &"control_characters".into()),
        "{body}"
    );
    assert_eq!(users().await, before);
}

/// Calls a server function the way the browser does (URL-encoded POST to /api/<endpoint>).
async fn server_fn(pool: &PgPool, endpoint: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header(header::HOST, "roster.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app(pool.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_functions_apply_the_same_rules_as_the_json_api(pool: PgPool) {
    acme_with_ada(&pool).await;
    app::backend::bootstrap::create_superuser(
        &pool,
        &Passwords::default(),
        "root",
        &shared::Password::new(GOOD),
    )
    .await
    .unwrap();
    let agent = cookie_for(&pool, "acme", "ada", GOOD).await;
    let root = enrolled(&pool, cookie_for(&pool, "platform", "root", GOOD).await).await;

    let (status, body) = server_fn(&pool, "auth/me", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "null"), "no session: no user");
    let (status, body) = server_fn(&pool, "auth/me", Some(&agent)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#""username":"ada""#), "{body}");

    let (status, body) = server_fn(&pool, "tenants/list", None).await;
    assert!(
        !status.is_success() && body.contains(r#""error":"unauthenticated""#),
        "{status} {body}"
    );
    let (status, body) = server_fn(&pool, "tenants/list", Some(&agent)).await;
    assert!(!status.is_success() && body.contains(r#""error":"forbidden""#), "{status} {body}");
    let (status, body) = server_fn(&pool, "tenants/list", Some(&root)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""slug":"acme""#), "{body}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_users_api_creates_reads_edits_suspends_and_never_deletes(pool: PgPool) {
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Tom", "Admin", "tom", "tenant_admin").await;
    let admin = cookie_for(&pool, "acme", "tom", GOOD).await;
    let agent = cookie_for(&pool, "acme", "ada", GOOD).await;
    let call = |method: &str, uri: &str, cookie: Option<&str>, body: Option<serde_json::Value>| {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "roster.test")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let body = body.map_or_else(Body::empty, |json| Body::from(json.to_string()));
        send(app(pool.clone()), request.body(body).unwrap())
    };
    let grace = serde_json::json!({
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@acme.test",
        "username": "grace", "user_type": "agent", "password": {"mode": "generate"},
    });

    let (status, _, created) =
        call("POST", "/api/v1/users", Some(&admin), Some(grace.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["temporary_password"].as_str().map(str::len), Some(27), "4 groups of 6");
    let uri = format!("/api/v1/users/{}", created["user"]["id"].as_str().unwrap());
    let (status, _, again) = call("POST", "/api/v1/users", Some(&admin), Some(grace)).await;
    assert_eq!(
        (status, &again["fields"]["email"][0]),
        (StatusCode::UNPROCESSABLE_ENTITY, &"taken".into())
    );

    let (status, _, user) = call("GET", &uri, Some(&admin), None).await;
    assert_eq!(
        (status, &user["version"], &user["status"]),
        (StatusCode::OK, &1.into(), &"active".into())
    );
    assert_eq!(call("GET", &uri, Some(&agent), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call("GET", &uri, None, None).await.0, StatusCode::UNAUTHORIZED);
    let (status, _, missing) = call("GET", "/api/v1/users/not-a-uuid", Some(&admin), None).await;
    assert_eq!((status, &missing["error"]), (StatusCode::NOT_FOUND, &"not_found".into()));

    let typed = serde_json::json!({"version": 1, "user_type": "viewer"});
    let (status, _, refused) = call("PATCH", &uri, Some(&admin), Some(typed)).await;
    assert_eq!(
        (status, &refused["fields"]["user_type"][0]),
        (StatusCode::UNPROCESSABLE_ENTITY, &"immutable".into())
    );
    let edit = serde_json::json!({"version": 1, "department": "Sales"});
    let (status, _, edited) = call("PATCH", &uri, Some(&admin), Some(edit.clone())).await;
    assert_eq!(
        (status, &edited["department"], &edited["version"]),
        (StatusCode::OK, &"Sales".into(), &2.into())
    );
    let (status, _, stale) = call("PATCH", &uri, Some(&admin), Some(edit)).await;
    assert_eq!((status, &stale["error"]), (StatusCode::CONFLICT, &"conflict".into()));

    let (status, _, suspended) = call("POST", &format!("{uri}/suspend"), Some(&admin), None).await;
    assert_eq!((status, &suspended["status"]), (StatusCode::OK, &"suspended".into()));
    let (status, _, back) = call("POST", &format!("{uri}/reactivate"), Some(&admin), None).await;
    assert_eq!((status, &back["status"]), (StatusCode::OK, &"active".into()));
    let (status, _, reset) =
        call("POST", &format!("{uri}/reset-password"), Some(&admin), None).await;
    assert_eq!((status, reset["temporary_password"].is_string()), (StatusCode::OK, true));
    // Avatars: a renamed text file is refused, a real image is stored as a 256 px square.
    let avatar = format!("{uri}/avatar");
    let put = |body: Vec<u8>| {
        let request = Request::put(&avatar)
            .header(header::HOST, "roster.test")
            .header(header::COOKIE, &admin)
            .header(header::CONTENT_TYPE, "image/png")
            .body(Body::from(body))
            .unwrap();
        send(app(pool.clone()), request)
    };
    let (status, _, refused) = put(b"not an image at all, just named photo.png".to_vec()).await;
    assert_eq!(
        (status, &refused["fields"]["avatar"][0]),
        (StatusCode::UNPROCESSABLE_ENTITY, &"not_an_image".into())
    );
    assert_eq!(put(ONE_PIXEL_PNG.to_vec()).await.0, StatusCode::NO_CONTENT);
    let response = app(pool.clone())
        .oneshot(Request::get(&avatar).header(header::COOKIE, &admin).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
    let png = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&png[12..24], b"IHDR\0\0\x01\0\0\0\x01\0", "256 × 256");

    let (status, _, deleted) = call("DELETE", &uri, Some(&admin), None).await;
    assert_eq!(
        (status, &deleted["error"]),
        (StatusCode::METHOD_NOT_ALLOWED, &"method_not_allowed".into())
    );
}

/// A valid 1 × 1 transparent PNG.
const ONE_PIXEL_PNG: [u8; 67] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// Hole 6: a client-chosen `X-Request-Id` was stored whole on every audit row (20,000
/// characters, eight times, from an unauthenticated client). Only a short id of a safe alphabet
/// is kept; anything else is replaced by one the server makes.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_overlong_or_odd_request_id_is_not_stored_as_sent(pool: PgPool) {
    acme_with_ada(&pool).await;
    let long = "a".repeat(20_000);
    let sent = [long.as_str(), "<script>alert(1)</script>", "edge-42.req_7:abc"];
    for id in sent {
        let request = json_post("/api/v1/session")
            .header("x-request-id", id)
            .body(sign_in_body("wrong but long enough"))
            .unwrap();
        assert_eq!(send(app(pool.clone()), request).await.0, StatusCode::UNAUTHORIZED);
    }
    let stored: Vec<String> = sqlx::query_scalar("select request_id from audit_events order by id")
        .fetch_all(&mut arrange(&pool).await)
        .await
        .unwrap();
    assert_eq!(stored.len(), 3, "{stored:?}");
    for (kept, sent) in stored.iter().zip(sent).take(2) {
        let made = kept != sent && uuid::Uuid::parse_str(kept).is_ok();
        assert!(made, "a server-made id, not the {} characters sent", sent.len());
    }
    assert_eq!(stored[2], "edge-42.req_7:abc", "a well-formed id is kept");
}
