//! Where a user is signed in: their own sessions, seen and ended; an administrator's view of a
//! user's; and neither reaching another user's or another tenant's sessions.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{GOOD, add_user, app, arrange, call, json_post, send};

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// Signs `login` of `tenant` in from a browser that says it is `agent`; the cookie.
async fn sign_in(pool: &PgPool, tenant: &str, login: &str, agent: &str) -> String {
    let body = json!({"tenant": tenant, "login": login, "password": GOOD});
    let request = json_post("/api/v1/session")
        .header(header::USER_AGENT, agent)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, headers, answer) = send(app(pool.clone()), request).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let cookie = headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap());
    let cookie = cookie.into_iter().find(|c| c.starts_with("roster_session=")).unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// Whether the cookie still opens a session.
async fn alive(pool: &PgPool, cookie: &str) -> bool {
    let me = Request::get("/api/v1/me").header(header::COOKIE, cookie).body(Body::empty());
    let (status, _, _) = send(app(pool.clone()), me.unwrap()).await;
    status == StatusCode::OK
}

/// The tenants acme (admin "root", agents "ada" and "bob") and globex (admin "gus").
async fn tenants(pool: &PgPool) {
    let mut conn = arrange(pool).await;
    sqlx::query("insert into tenants (slug, name) values ('acme', 'Acme'), ('globex', 'Globex')")
        .execute(&mut conn)
        .await
        .unwrap();
    add_user(pool, "acme", "Root", "Admin", "root", "tenant_admin").await;
    add_user(pool, "acme", "Ada", "Lovelace", "ada", "agent").await;
    add_user(pool, "acme", "Bob", "Builder", "bob", "agent").await;
    add_user(pool, "globex", "Gus", "Greer", "gus", "tenant_admin").await;
}

/// The `session.ended` events, as (actor, target, sessions ended).
async fn endings(pool: &PgPool) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "select actor_name, target_name, (details->>'sessions_ended')::bigint from audit_events
          where action = 'session.ended' order by occurred_at, id",
    )
    .fetch_all(&mut arrange(pool).await)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn people_see_where_they_are_signed_in_and_end_it(pool: PgPool) {
    tenants(&pool).await;
    let laptop = sign_in(&pool, "acme", "ada", FIREFOX).await;
    let phone = sign_in(&pool, "acme", "ada", IPHONE).await;
    let tablet = sign_in(&pool, "acme", "ada", IPHONE).await;
    let bobs = sign_in(&pool, "acme", "bob", FIREFOX).await;

    let (status, listed) = call(&pool, "GET", "/api/v1/me/sessions", &laptop, None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 3, "Ada's three, not Bob's: {listed:?}");
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(
        (current[0]["browser"].as_str(), current[0]["os"].as_str()),
        (Some("Firefox 128"), Some("Windows 10"))
    );
    assert!(listed.iter().all(|s| s.get("token_hash").is_none()), "no secret's hash is shown");

    // Bob cannot end Ada's session by its id: 404, and it lives on.
    let phone_id = listed.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap();
    let theirs = format!("/api/v1/me/sessions/{phone_id}");
    let (status, _) = call(&pool, "DELETE", &theirs, &bobs, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(alive(&pool, &phone).await && alive(&pool, &tablet).await);

    // Ada ends one from her laptop, then all the others.
    let (status, ended) = call(&pool, "DELETE", &theirs, &laptop, None).await;
    assert_eq!((status, ended["ended"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(alive(&pool, &phone).await as u8 + alive(&pool, &tablet).await as u8, 1);
    let (status, ended) = call(&pool, "DELETE", "/api/v1/me/sessions", &laptop, None).await;
    assert_eq!((status, ended["ended"].as_u64()), (StatusCode::OK, Some(1)));
    assert!(!alive(&pool, &phone).await && !alive(&pool, &tablet).await);
    assert!(alive(&pool, &laptop).await, "the session that asked stays");
    assert!(alive(&pool, &bobs).await, "nobody else's ends");
    let (_, left) = call(&pool, "GET", "/api/v1/me/sessions", &laptop, None).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(
        endings(&pool).await,
        [("Ada Lovelace".into(), "ada".into(), 1), ("Ada Lovelace".into(), "ada".into(), 1)]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn holding_users_suspend_does_not_reach_the_sessions_of_someone_who_outranks_you(
    pool: PgPool,
) {
    tenants(&pool).await;
    let mut conn = arrange(&pool).await;
    sqlx::query(
        "with role as (insert into roles (tenant_id, name, description, permissions)
                       select id, 'Doorkeeper', '', '{users.read,users.suspend}' from tenants
                        where slug = 'acme' returning tenant_id, id)
         insert into user_roles (tenant_id, user_id, role_id)
         select role.tenant_id, u.id, role.id from role join users u
             on u.tenant_id = role.tenant_id and u.username = 'bob'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let root = sign_in(&pool, "acme", "root", FIREFOX).await;
    let bob = sign_in(&pool, "acme", "bob", FIREFOX).await;
    let ids: Vec<(String, String)> =
        sqlx::query_as("select username, id::text from users where username in ('ada', 'root')")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let id = |name: &str| ids.iter().find(|(u, _)| u == name).unwrap().1.clone();
    let roots = format!("/api/v1/users/{}/sessions", id("root"));
    // The administrator holds more than Bob: neither seen nor ended, and the refusal recorded.
    assert_eq!(call(&pool, "GET", &roots, &bob, None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call(&pool, "DELETE", &roots, &bob, None).await.0, StatusCode::FORBIDDEN);
    assert!(alive(&pool, &root).await);
    assert!(endings(&pool).await.is_empty());
    let refused: i64 = sqlx::query_scalar(
        "select count(*) from audit_events
          where action = 'access.refused' and actor_name = 'Bob Builder'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(refused, 2);
    // Ada holds nothing Bob lacks: he may end hers.
    let ada = sign_in(&pool, "acme", "ada", IPHONE).await;
    let adas = format!("/api/v1/users/{}/sessions", id("ada"));
    let (status, ended) = call(&pool, "DELETE", &adas, &bob, None).await;
    assert_eq!((status, ended["ended"].as_u64()), (StatusCode::OK, Some(1)));
    assert!(!alive(&pool, &ada).await);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_administrator_ends_a_users_sessions_in_their_own_tenant_only(pool: PgPool) {
    tenants(&pool).await;
    let root = sign_in(&pool, "acme", "root", FIREFOX).await;
    let ada = sign_in(&pool, "acme", "ada", IPHONE).await;
    let bob = sign_in(&pool, "acme", "bob", FIREFOX).await;
    let gus = sign_in(&pool, "globex", "gus", FIREFOX).await;
    let ada_id: String = sqlx::query_scalar("select id::text from users where username = 'ada'")
        .fetch_one(&mut arrange(&pool).await)
        .await
        .unwrap();
    let sessions = format!("/api/v1/users/{ada_id}/sessions");

    // Another tenant's administrator: as if Ada did not exist, and nothing ends.
    assert_eq!(call(&pool, "GET", &sessions, &gus, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&pool, "DELETE", &sessions, &gus, None).await.0, StatusCode::NOT_FOUND);
    // A colleague without users.suspend: refused, and nothing ends.
    assert_eq!(call(&pool, "DELETE", &sessions, &bob, None).await.0, StatusCode::FORBIDDEN);
    assert!(alive(&pool, &ada).await);
    let refused: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'access.refused'
            and details->>'attempted' = 'session.ended'",
    )
    .fetch_one(&mut arrange(&pool).await)
    .await
    .unwrap();
    assert_eq!(refused, 1, "Bob's refusal is recorded");

    let (status, listed) = call(&pool, "GET", &sessions, &root, None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0]["browser"].as_str(), listed[0]["current"].as_bool()),
        (Some("Safari 17"), Some(false))
    );
    let (status, ended) = call(&pool, "DELETE", &sessions, &root, None).await;
    assert_eq!((status, ended["ended"].as_u64()), (StatusCode::OK, Some(1)));
    assert!(!alive(&pool, &ada).await && alive(&pool, &root).await && alive(&pool, &gus).await);
    assert_eq!(endings(&pool).await, [("Root Admin".into(), "ada".into(), 1)]);
}
