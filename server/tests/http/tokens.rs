//! API tokens: a service account's program calls the JSON API with `Authorization: Bearer`,
//! holding only what both the token and the account hold; every way a token can stop working
//! answers one 401; and a token grants nothing its creator or its account lacks.

use axum::body::Body;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;

use app::backend::Services;
use app::backend::tokens::TokenRate;
use leptos::config::LeptosOptions;
use server::router::router;
use server::state::AppState;
use std::num::NonZeroU32;

use crate::{
    GOOD, acme_with_ada, add_user, app, arrange, as_app, call, cookie_for, json_post, send,
    services,
};

/// Tom (tenant admin) and, made by him through the API, a role "Sync" (read, create, update
/// users) and a service account "hr" holding it. Returns Tom's cookie and hr's id.
async fn hr_account(pool: &PgPool) -> (String, String) {
    service_account(pool, &["users.read", "users.create", "users.update"]).await
}

/// Tom (tenant admin of acme, with Ada) and, made by him through the API, a role "Sync" of
/// `permissions` and a service account "hr" holding it. Returns Tom's cookie and hr's id.
pub(crate) async fn service_account(pool: &PgPool, permissions: &[&str]) -> (String, String) {
    acme_with_ada(pool).await;
    add_user(pool, "acme", "Tom", "Admin", "tom", "tenant_admin").await;
    let tom = cookie_for(pool, "acme", "tom", GOOD).await;
    let role = json!({"name": "Sync", "permissions": permissions});
    let (status, role) = call(pool, "POST", "/api/v1/roles", &tom, Some(role)).await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let hr = json!({
        "first_name": "HR", "last_name": "Sync", "email": "hr@acme.test", "username": "hr",
        "user_type": "service", "console_access": false, "roles": [role["id"]],
        "password": {"mode": "none"},
    });
    let (status, hr) = call(pool, "POST", "/api/v1/users", &tom, Some(hr)).await;
    assert_eq!(status, StatusCode::CREATED, "{hr}");
    (tom, hr["user"]["id"].as_str().unwrap().to_owned())
}

/// Creates a token for `user` as the holder of `cookie`; the status and the answer.
pub(crate) async fn create(
    pool: &PgPool,
    cookie: &str,
    user: &str,
    form: Value,
) -> (StatusCode, Value) {
    call(pool, "POST", &format!("/api/v1/users/{user}/tokens"), cookie, Some(form)).await
}

/// A request with `Authorization: Bearer {secret}` (and no cookie).
async fn bearer(
    pool: &PgPool,
    method: &str,
    uri: &str,
    secret: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request =
        json_post(uri).method(method).header(header::AUTHORIZATION, format!("Bearer {secret}"));
    let request = request.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())));
    let (status, _, answer) = send(app(pool.clone()), request.unwrap()).await;
    (status, answer)
}

pub(crate) async fn audit_actions(pool: &PgPool) -> Vec<(String, Value)> {
    let mut conn = arrange(pool).await;
    sqlx::query_as("select action, details from audit_events order by id")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|(action, details): (String, sqlx::types::Json<Value>)| (action, details.0))
        .collect()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_program_works_with_its_token_and_only_with_what_the_token_holds(pool: PgPool) {
    let (tom, hr) = hr_account(&pool).await;
    let form = json!({"name": "Payroll sync", "permissions": ["users.read", "users.update"]});
    let (status, created) = create(&pool, &tom, &hr, form).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("roster_") && secret.len() == 7 + 43, "{secret}");
    let expires: chrono::DateTime<chrono::Utc> =
        created["token"]["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_days();
    assert!((89..=90).contains(&days), "a token lives 90 days by default, not {days}");

    // Listed with its prefix, never its secret; the secret is nowhere in the store either.
    let (status, list) =
        call(&pool, "GET", &format!("/api/v1/users/{hr}/tokens"), &tom, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["prefix"], secret[..13]);
    assert!(!list.to_string().contains(&secret[13..]));
    let mut conn = arrange(&pool).await;
    let stored: String = sqlx::query_scalar(
        "select concat_ws(' ', encode(token_hash, 'escape'), prefix, name) from api_tokens",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(!stored.contains(&secret[13..]));

    // What the token holds works; what only the account holds does not.
    let (status, users) = bearer(&pool, "GET", "/api/v1/users", &secret, None).await;
    assert_eq!(status, StatusCode::OK, "{users}");
    assert_eq!(users["total"], 3);
    let new = json!({"first_name": "N", "last_name": "P", "email": "n@acme.test", "username": "np",
                     "user_type": "agent", "password": {"mode": "generate"}});
    let (status, refused) = bearer(&pool, "POST", "/api/v1/users", &secret, Some(new)).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));

    // A bearer request needs no origin check: it carries no ambient credential.
    let (_, ada) = bearer(&pool, "GET", "/api/v1/users?q=ada", &secret, None).await;
    let ada = &ada["items"][0];
    let edit = json!({"version": 1, "department": "Sales"});
    let request = json_post(&format!("/api/v1/users/{}", ada["id"].as_str().unwrap()))
        .method("PATCH")
        .header(header::ORIGIN, "https://elsewhere.example")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::from(edit.to_string()))
        .unwrap();
    let (status, _, edited) = send(app(pool.clone()), request).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["department"], "Sales");

    // The trail names the account and the token, for the change and the refusal alike.
    let trail = audit_actions(&pool).await;
    let by_token: Vec<&str> = trail
        .iter()
        .filter(|(_, details)| details["via_token"]["name"] == "Payroll sync")
        .map(|(action, _)| action.as_str())
        .collect();
    assert_eq!(by_token, ["access.refused", "user.updated"]);
    let made = trail.iter().find(|(action, _)| action == "token.created").unwrap();
    assert_eq!(made.1["permissions"], json!(["users.read", "users.update"]));
    assert!(!made.1.to_string().contains(&secret[13..]));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_dead_token_gets_the_same_401(pool: PgPool) {
    let (tom, hr) = hr_account(&pool).await;
    let form = json!({"name": "Sync", "permissions": ["users.read"]});
    let mut secrets = Vec::new();
    for _ in 0..3 {
        let (_, created) = create(&pool, &tom, &hr, form.clone()).await;
        secrets
            .push((created["secret"].as_str().unwrap().to_owned(), created["token"]["id"].clone()));
    }
    let live = |secret: String| {
        let pool = pool.clone();
        async move { bearer(&pool, "GET", "/api/v1/users", &secret, None).await }
    };
    assert_eq!(live(secrets[0].0.clone()).await.0, StatusCode::OK);
    let (status, unknown) = live(format!("roster_{}", "A".repeat(43))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Revoked: at once, and revoking again changes nothing.
    let revoke = format!("/api/v1/users/{hr}/tokens/{}", secrets[0].1.as_str().unwrap());
    assert_eq!(call(&pool, "DELETE", &revoke, &tom, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call(&pool, "DELETE", &revoke, &tom, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(live(secrets[0].0.clone()).await, (StatusCode::UNAUTHORIZED, unknown.clone()));

    // Expired.
    let mut conn = arrange(&pool).await;
    sqlx::query("update api_tokens set expires_at = now() - interval '1 second' where id = $1")
        .bind(secrets[1].1.as_str().unwrap().parse::<uuid::Uuid>().unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(live(secrets[1].0.clone()).await, (StatusCode::UNAUTHORIZED, unknown.clone()));

    // The account suspended: every token stops; reactivated, the live one works again.
    let suspend = format!("/api/v1/users/{hr}/suspend");
    assert_eq!(call(&pool, "POST", &suspend, &tom, None).await.0, StatusCode::OK);
    assert_eq!(live(secrets[2].0.clone()).await, (StatusCode::UNAUTHORIZED, unknown.clone()));
    let reactivate = format!("/api/v1/users/{hr}/reactivate");
    assert_eq!(call(&pool, "POST", &reactivate, &tom, None).await.0, StatusCode::OK);
    assert_eq!(live(secrets[2].0.clone()).await.0, StatusCode::OK);

    // Another scheme, even beside a good cookie: the Authorization header alone decides.
    let request = json_post("/api/v1/users")
        .method("GET")
        .header(header::AUTHORIZATION, "Basic dG9tOnNlY3JldA==")
        .header(header::COOKIE, &tom)
        .body(Body::empty())
        .unwrap();
    let (status, _, answer) = send(app(pool.clone()), request).await;
    assert_eq!((status, answer), (StatusCode::UNAUTHORIZED, unknown));
    let actions: Vec<String> = audit_actions(&pool).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(actions.iter().filter(|a| *a == "token.revoked").count(), 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_token_grants_nothing_its_creator_or_its_account_lacks(pool: PgPool) {
    let (tom, hr) = hr_account(&pool).await;
    let field = |answer: &Value, name: &str| answer["fields"][name][0].as_str().map(str::to_owned);
    // Beyond the account: it holds no users.suspend.
    let beyond = json!({"name": "x", "permissions": ["users.read", "users.suspend"]});
    let (status, answer) = create(&pool, &tom, &hr, beyond).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field(&answer, "permissions").as_deref(), Some("beyond_yours"));
    // Never expiring: a platform superuser's choice only.
    let forever = json!({"name": "x", "never_expires": true, "permissions": ["users.read"]});
    let (_, answer) = create(&pool, &tom, &hr, forever).await;
    assert_eq!(field(&answer, "never_expires").as_deref(), Some("platform_superusers_only"));
    // A person's account has no tokens.
    let (_, ada) = call(&pool, "GET", "/api/v1/users?q=ada", &tom, None).await;
    let ada_id = ada["items"][0]["id"].as_str().unwrap().to_owned();
    let form = json!({"name": "x", "permissions": ["users.read"]});
    let (_, answer) = create(&pool, &tom, &ada_id, form.clone()).await;
    assert_eq!(field(&answer, "user").as_deref(), Some("service_account"));
    // Ada (an agent with no role) may not make one; another tenant's admin does not see hr.
    let ada = cookie_for(&pool, "acme", "ada", GOOD).await;
    assert_eq!(create(&pool, &ada, &hr, form.clone()).await.0, StatusCode::FORBIDDEN);
    sqlx::query("insert into tenants (slug, name) values ('globex', 'Globex')")
        .execute(&pool)
        .await
        .unwrap();
    add_user(&pool, "globex", "Gil", "Admin", "gil", "tenant_admin").await;
    let gil = cookie_for(&pool, "globex", "gil", GOOD).await;
    let (status, answer) = create(&pool, &gil, &hr, form.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, _) = call(&pool, "GET", &format!("/api/v1/users/{hr}/tokens"), &gil, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // None of it made a token; each refusal for want of a permission is on the trail.
    let mut conn = arrange(&pool).await;
    let tokens: i64 =
        sqlx::query_scalar("select count(*) from api_tokens").fetch_one(&mut conn).await.unwrap();
    assert_eq!(tokens, 0);
    let refused: Vec<String> = audit_actions(&pool)
        .await
        .into_iter()
        .filter(|(action, _)| action == "access.refused")
        .map(|(_, details)| details["attempted"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(refused.iter().any(|a| a == "token.created"), "{refused:?}");

    // A token of acme reaches nothing of globex.
    let (_, created) = create(&pool, &tom, &hr, form).await;
    let secret = created["secret"].as_str().unwrap();
    let (_, gils) = call(&pool, "GET", "/api/v1/users", &gil, None).await;
    let gil_id = gils["items"][0]["id"].as_str().unwrap();
    let (status, _) = bearer(&pool, "GET", &format!("/api/v1/users/{gil_id}"), secret, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_token_over_its_rate_waits_and_others_do_not(pool: PgPool) {
    let (tom, hr) = hr_account(&pool).await;
    let form = json!({"name": "Sync", "permissions": ["users.read"]});
    let (_, first) = create(&pool, &tom, &hr, form.clone()).await;
    let (_, second) = create(&pool, &tom, &hr, form).await;
    // One server process with a small allowance: one a second, three at once.
    let rate = TokenRate::new(NonZeroU32::MIN, NonZeroU32::MIN.saturating_add(2));
    let services = Services { token_rate: rate, ..services(as_app(&pool)) };
    let leptos_options = LeptosOptions::builder().output_name("roster").build();
    let server = router(AppState { leptos_options, services });
    let get = |secret: &str| {
        json_post("/api/v1/users")
            .method("GET")
            .header(header::AUTHORIZATION, format!("Bearer {}", secret))
            .body(Body::empty())
            .unwrap()
    };
    let first = first["secret"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(send(server.clone(), get(first)).await.0, StatusCode::OK);
    }
    let (status, headers, body) = send(server.clone(), get(first)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("throttled"))
    );
    let wait: u64 = headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    let second = second["secret"].as_str().unwrap();
    assert_eq!(send(server, get(second)).await.0, StatusCode::OK, "another token is not held back");
}
