//! At scale, nothing a user's page or the API does to one user reads every user: a tenant
//! seeded large enough for the planner to prefer an index (its statistics fresh, the planner's
//! settings untouched), every single-user operation driven through the router as the
//! application role, and PostgreSQL's own count of sequential scans of `users` unchanged.
//!
//! This is how sign-in, create and edit used to fail at a million users: under row-level
//! security `lower(username) = …` could not use its index, and each read the whole tenant.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

use crate::{arrange, as_app, json_post, router_on, send};

/// Users in the seeded tenant: a few seconds to load, and far past where an index wins.
const USERS: u64 = 20_000;

/// Sequential scans of `users` so far, as flushed (see [`flushing`]).
async fn seq_scans(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select seq_scan from pg_stat_user_tables where relname = 'users'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Pool options whose connections flush their statistics as they go back to the pool:
/// PostgreSQL reports a backend's counts lazily (up to ten seconds late), but before it answers
/// the statement after `pg_stat_force_next_flush()`.
fn flushing() -> PgPoolOptions {
    PgPoolOptions::new().max_connections(4).after_release(|conn, _| {
        Box::pin(async move {
            sqlx::query("select pg_stat_force_next_flush()").execute(conn).await?;
            Ok(true)
        })
    })
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn no_single_user_operation_reads_every_user(pool: PgPool) {
    let owner = flushing().connect_lazy_with(pool.connect_options().as_ref().clone());
    let seeded = server::seed::seed_with(&owner, "big", USERS, false).await.unwrap();
    let admin = seeded.admin_username.unwrap();
    let mut conn = arrange(&pool).await;
    let (target, rows): (Uuid, f32) = sqlx::query_as(
        "select (select id from users where username <> $1 order by id offset 100 limit 1),
                (select reltuples from pg_class where oid = 'users'::regclass)",
    )
    .bind(&admin)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(rows >= USERS as f32, "the statistics know the table's size ({rows} rows)");

    let working = flushing().connect_lazy_with(as_app(&pool).connect_options().as_ref().clone());
    let router = router_on(working.clone());
    let before = seq_scans(&owner).await;

    let credentials = json!({"tenant": "big", "login": admin.to_uppercase(),
                             "password": seeded.password.expose()});
    let sign_in = json_post("/api/v1/session").body(Body::from(credentials.to_string())).unwrap();
    let (status, headers, body) = send(router.clone(), sign_in).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie =
        headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let call = |method: &str, uri: String, body: Option<Value>| {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "roster.test")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json");
        let request = match body {
            Some(body) => request.body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        send(router.clone(), request.unwrap())
    };
    let new = json!({
        "first_name": "Scale", "last_name": "Test", "email": "scale.test@big.test",
        "username": "scale.test", "user_type": "agent", "external_id": "HR-1",
        "employee_code": "E-1", "password": {"mode": "generate"},
    });
    let (status, _, created) = call("POST", "/api/v1/users".into(), Some(new)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["user"]["id"].as_str().unwrap().to_owned();
    let (status, _, user) = call("GET", format!("/api/v1/users/{target}"), None).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    let edit = json!({"version": user["version"], "email": "moved@big.test", "position": "Chief"});
    let steps = [
        ("PATCH", format!("/api/v1/users/{target}"), Some(edit)),
        ("GET", format!("/api/v1/users/{target}/access"), None),
        ("POST", format!("/api/v1/users/{id}/suspend"), None),
        ("POST", format!("/api/v1/users/{id}/reactivate"), None),
        ("POST", format!("/api/v1/users/{id}/reset-password"), None),
        ("GET", "/api/v1/me".into(), None),
        ("GET", "/api/v1/users".into(), None),
        ("GET", "/api/v1/users?q=ab".into(), None),
        ("GET", "/api/v1/users?q=scale".into(), None),
        ("GET", "/api/v1/users?status=suspended&sort=email".into(), None),
        ("DELETE", "/api/v1/session".into(), None),
    ];
    // The manager picker, a server function, as the user form calls it.
    let pick = Request::post("/api/users/pick")
        .header(header::HOST, "roster.test")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("q=scale"))
        .unwrap();
    let (status, _, picked) = send(router.clone(), pick).await;
    assert_eq!((status, picked[0]["username"].as_str()), (StatusCode::OK, Some("scale.test")));
    for (method, uri, body) in steps {
        let (status, _, answer) = call(method, uri.clone(), body).await;
        assert!(status.is_success(), "{method} {uri}: {status} {answer}");
    }
    working.close().await;

    let scans = seq_scans(&owner).await - before;
    assert_eq!(scans, 0, "sequential scans of users during single-user operations");
}
