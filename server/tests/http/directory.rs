//! The users directory over HTTP (`GET /api/v1/users`, `/api/v1/users/stats` and their server
//! functions), and the plans of every directory statement on a seeded tenant.

use app::backend::users::directory;
use app::backend::{Actor, sessions, tenancy};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use sqlx::PgPool;

use super::{GOOD, add_user, app, cookie_for, send, services};

#[path = "../../examples/bench/cases.rs"]
mod bench;

async fn get_json(pool: &PgPool, uri: &str, cookie: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::get(uri).header(header::HOST, "roster.test");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let (status, _, body) = send(app(pool.clone()), request.body(Body::empty()).unwrap()).await;
    (status, body)
}

/// Acme seeded with 120 users (the first an administrator) and ada, an agent without roles;
/// returns the cookies of ada and of the administrator.
async fn acme(pool: &PgPool) -> (String, String) {
    let seeded = server::seed::seed(pool, "acme", 120).await.unwrap();
    let admin = seeded.admin_username.expect("the seed makes an administrator");
    let admin = cookie_for(pool, "acme", &admin, seeded.password.expose()).await;
    add_user(pool, "acme", "Ada", "Lovelace", "ada", "agent").await;
    (cookie_for(pool, "acme", "ada", GOOD).await, admin)
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_directory_api_pages_filters_and_counts_for_readers_only(pool: PgPool) {
    let (agent, admin) = acme(&pool).await;
    for path in ["/api/v1/users", "/api/v1/users/stats"] {
        let (status, body) = get_json(&pool, path, None).await;
        assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("unauthenticated")));
        let (status, body) = get_json(&pool, path, Some(&agent)).await;
        assert_eq!((status.as_u16(), body["error"].as_str()), (403, Some("forbidden")));
    }

    let (status, stats) = get_json(&pool, "/api/v1/users/stats", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["total"], 121, "120 seeded and ada: {stats}");
    let (status, page) =
        get_json(&pool, "/api/v1/users?limit=50&sort=-created_at", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((page["items"].as_array().unwrap().len(), &page["total"]), (50, &Value::from(121)));
    assert!(page["prev_cursor"].is_null());
    let next = page["next_cursor"].as_str().unwrap();
    let (_, second) = get_json(
        &pool,
        &format!("/api/v1/users?limit=50&sort=-created_at&cursor={next}"),
        Some(&admin),
    )
    .await;
    assert_ne!(second["items"][0]["id"], page["items"][0]["id"]);
    assert!(second["prev_cursor"].is_string());

    let (_, suspended) = get_json(&pool, "/api/v1/users?status=suspended", Some(&admin)).await;
    assert_eq!(suspended["total"], stats["suspended"]);
    assert!(suspended["items"].as_array().unwrap().iter().all(|u| u["status"] == "suspended"));
    let (_, found) = get_json(&pool, "/api/v1/users?q=LOVELACE", Some(&admin)).await;
    let names: Vec<&str> =
        found["items"].as_array().unwrap().iter().filter_map(|u| u["username"].as_str()).collect();
    assert!(names.contains(&"ada"), "{found}");
    assert!(found["items"].as_array().unwrap().iter().all(|u| u["last_name"] == "Lovelace"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn bad_directory_queries_are_field_errors(pool: PgPool) {
    let (_, admin) = acme(&pool).await;
    for (query, field) in [
        ("limit=ten", "query"),
        ("limit=0", "limit"),
        ("status=deleted", "status"),
        ("sort=password_hash", "sort"),
        ("role=1", "role"),
        ("cursor=abc", "cursor"),
        ("q=%5Eco%00C", "q"),
    ] {
        for path in ["/api/v1/users", "/api/v1/users/stats"] {
            if path.ends_with("stats") && field == "cursor" {
                continue; // the stat cards ignore the cursor
            }
            let (status, body) = get_json(&pool, &format!("{path}?{query}"), Some(&admin)).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}?{query}: {body}");
            assert!(body["fields"][field].is_array(), "{path}?{query}: {body}");
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn another_tenants_directory_stays_out_of_sight(pool: PgPool) {
    let (_, acme_admin) = acme(&pool).await;
    let globex = server::seed::seed(&pool, "globex", 30).await.unwrap();
    let globex_admin =
        cookie_for(&pool, "globex", &globex.admin_username.unwrap(), globex.password.expose())
            .await;
    let (_, acme_page) = get_json(&pool, "/api/v1/users?limit=200", Some(&acme_admin)).await;
    let (_, globex_page) = get_json(&pool, "/api/v1/users?limit=200", Some(&globex_admin)).await;
    assert_eq!((&acme_page["total"], &globex_page["total"]), (&Value::from(121), &Value::from(30)));
    let emails = |page: &Value, domain: &str| {
        page["items"].as_array().unwrap().iter().all(|u| {
            let email = u["email"].as_str().unwrap();
            email.contains(domain)
        })
    };
    assert!(emails(&globex_page, "globex"), "{globex_page}");
    assert!(!emails(&acme_page, "globex"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_directory_server_functions_answer_like_the_api(pool: PgPool) {
    let (agent, admin) = acme(&pool).await;
    let call = |endpoint: &'static str, cookie: String| {
        let body = serde_json::json!({"query": {"status": "suspended"}}).to_string();
        Request::post(format!("/api/{endpoint}"))
            .header(header::HOST, "roster.test")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, page) = send(app(pool.clone()), call("users/list", admin.clone())).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, stats) = get_json(&pool, "/api/v1/users/stats?status=suspended", Some(&admin)).await;
    assert_eq!(page["stats"], stats, "the page carries the stat cards");
    assert_eq!(page["total"], stats["suspended"]);
    let (status, _, refused) = send(app(pool.clone()), call("users/list", agent)).await;
    assert!(!status.is_success() && refused["error"] == "forbidden", "{status} {refused}");
}

/// Every plan node of an `EXPLAIN (FORMAT JSON)` document, depth first.
fn nodes(plan: &Value, out: &mut Vec<(String, String)>) {
    if let Some(kind) = plan["Node Type"].as_str() {
        let relation = plan["Relation Name"].as_str().unwrap_or_default();
        out.push((kind.to_owned(), relation.to_owned()));
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        nodes(child, out);
    }
    if let Some(top) = plan.as_array().and_then(|a| a.first()) {
        nodes(&top["Plan"], out);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_directory_statement_reads_an_index_not_the_whole_table(pool: PgPool) {
    let schema =
        "select indexdef from pg_indexes where tablename in ('users', 'user_roles', 'team_members')
                  union all
                  select pg_get_constraintdef(oid) from pg_constraint where conrelid in
                         ('users'::regclass, 'user_roles'::regclass, 'team_members'::regclass)
                  order by 1";
    let before: Vec<String> = sqlx::query_scalar(schema).fetch_all(&pool).await.unwrap();
    assert!(before.len() > 20, "{before:?}");
    // Another tenant's users are there already: the rebuilt keys check their rows too.
    server::seed::seed(&pool, "small", 10).await.unwrap();
    // The load a million-user seed makes: indexes and keys dropped, then rebuilt.
    server::seed::seed_with(&pool, "big", 12_000, true).await.unwrap();
    let after: Vec<String> = sqlx::query_scalar(schema).fetch_all(&pool).await.unwrap();
    assert_eq!(before, after, "the seed rebuilt every index and key as it was");
    let actor = admin_actor(&pool, "big").await.unwrap();
    let cases = bench::cases(&services(pool.clone()), &actor, 100).await.unwrap();
    let mut conn = pool.acquire().await.unwrap().detach();
    // Statistics as after a load; a sequential scan only where no index can answer.
    sqlx::query("analyze").execute(&mut conn).await.unwrap();
    sqlx::query("set enable_seqscan = off").execute(&mut conn).await.unwrap();
    sqlx::query("select set_config('roster.tenant_id', $1, false)")
        .bind(actor.tenant_id.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(cases.len() > 25);
    for case in &cases {
        let plans =
            directory::explain(&mut conn, actor.tenant_id, &case.query, !case.stats).await.unwrap();
        let mut all = Vec::new();
        for plan in &plans {
            nodes(plan, &mut all);
        }
        assert!(all.iter().any(|(kind, _)| kind.contains("Index")), "{}: {all:?}", case.label);
        let scans: Vec<_> = all.iter().filter(|(kind, _)| kind == "Seq Scan").collect();
        assert!(scans.is_empty(), "{}: {scans:?} in {plans:?}", case.label);
    }
}

/// An active administrator of the tenant `slug`, as an actor.
async fn admin_actor(pool: &PgPool, slug: &str) -> Result<Actor, bench::Failure> {
    let (tenant_id, admin) = bench::tenant_admin(pool, slug).await?;
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let actor = sessions::load_actor(&mut tx, tenant_id, admin, chrono::Utc::now()).await?;
    tx.commit().await?;
    actor.ok_or_else(|| "the administrator may not use the console".into())
}
