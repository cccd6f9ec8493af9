//! Sync by external id, as an HR system does it with an API token: an upsert that creates,
//! updates, or writes nothing when nothing differs; `If-Match`; batches whose items stand
//! alone; `Idempotency-Key` under retries and races; and no reach into another tenant.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;

use super::tokens::{audit_actions, create, service_account};
use crate::{add_user, app, arrange, json_post, send};

/// A token of a service account holding `permissions` (and the token all of them).
async fn token(pool: &PgPool, permissions: &[&str]) -> String {
    let (tom, hr) = service_account(pool, permissions).await;
    let form = json!({"name": "HR feed", "permissions": permissions});
    let (status, created) = create(pool, &tom, &hr, form).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["secret"].as_str().unwrap().to_owned()
}

/// A bearer request with extra headers: the status, the headers and the answer.
async fn request(
    pool: &PgPool,
    method: &str,
    uri: &str,
    secret: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (StatusCode, HeaderMap, Value) {
    let mut request =
        json_post(uri).method(method).header(header::AUTHORIZATION, format!("Bearer {secret}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app(pool.clone()), request.body(Body::from(body.to_string())).unwrap()).await
}

/// `PUT /api/v1/users/external/{id}`.
async fn put(
    pool: &PgPool,
    secret: &str,
    id: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (StatusCode, HeaderMap, Value) {
    request(pool, "PUT", &format!("/api/v1/users/external/{id}"), secret, headers, &body).await
}

/// `POST /api/v1/users/batch`.
async fn batch(
    pool: &PgPool,
    secret: &str,
    headers: &[(&str, &str)],
    operations: &Value,
) -> (StatusCode, HeaderMap, Value) {
    let body = json!({ "operations": operations });
    request(pool, "POST", "/api/v1/users/batch", secret, headers, &body).await
}

fn person(first: &str, username: &str) -> Value {
    json!({"first_name": first, "last_name": "Hopper", "email": format!("{username}@acme.test"),
           "username": username, "user_type": "agent", "department": "Navy"})
}

/// The actions of the audit trail, refusals apart, in order.
async fn changes(pool: &PgPool) -> Vec<String> {
    let actions = audit_actions(pool).await.into_iter().map(|(action, _)| action);
    actions.filter(|a| a != "access.refused").collect()
}

/// Users, the sum of their versions, and audit events: what a write that is refused, or that
/// changes nothing, must leave as it was.
async fn state(pool: &PgPool) -> (i64, i64, i64) {
    let mut conn = arrange(pool).await;
    sqlx::query_as(
        "select (select count(*) from users), (select sum(version)::bigint from users),
                (select count(*) from audit_events where action <> 'access.refused')",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
}

fn status_of(result: &Value) -> u64 {
    result["status"].as_u64().unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_upsert_creates_then_updates_and_writes_nothing_when_nothing_differs(pool: PgPool) {
    let secret = token(&pool, &["users.read", "users.create", "users.update"]).await;

    let (status, headers, made) = put(&pool, &secret, "E-100", &[], person("Grace", "grace")).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["outcome"], "created");
    assert_eq!(made["user"]["external_id"], "E-100");
    assert_eq!(headers[header::ETAG], "\"1\"");
    // A program has nobody to hand a temporary password to: none is made unless asked for.
    assert!(made.get("temporary_password").is_none(), "{made}");
    let mut conn = arrange(&pool).await;
    let hash: Option<String> =
        sqlx::query_scalar("select password_hash from users where username = 'grace'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(hash, None);

    // The same again, under another spelling of the id: nothing written, not even an event.
    let written = state(&pool).await;
    let (status, _, same) = put(&pool, &secret, "e-100", &[], person("Grace", "grace")).await;
    assert_eq!((status, same["outcome"].as_str()), (StatusCode::OK, Some("unchanged")));
    assert_eq!(state(&pool).await, written);

    // One field; the fields not sent keep their values.
    let (status, _, moved) =
        put(&pool, &secret, "E-100", &[], json!({"department": "Research"})).await;
    assert_eq!((status, moved["outcome"].as_str()), (StatusCode::OK, Some("updated")), "{moved}");
    assert_eq!(moved["user"]["department"], "Research");
    assert_eq!(moved["user"]["first_name"], "Grace");
    let trail = audit_actions(&pool).await;
    let (action, details) = trail.last().unwrap();
    assert_eq!(action, "user.updated");
    assert_eq!(details["via_token"]["name"], "HR feed");

    // If-Match: a stale version is refused and changes nothing; the current one goes through.
    let written = state(&pool).await;
    let (status, _, stale) =
        put(&pool, &secret, "E-100", &[("if-match", "\"1\"")], json!({"position": "Admiral"}))
            .await;
    assert_eq!(
        (status, stale["error"].as_str()),
        (StatusCode::PRECONDITION_FAILED, Some("precondition_failed"))
    );
    assert_eq!(state(&pool).await, written);
    let (status, _, fresh) =
        put(&pool, &secret, "E-100", &[("if-match", "\"2\"")], json!({"position": "Admiral"}))
            .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(fresh["user"]["version"], 3);
    let (status, _, none) =
        put(&pool, &secret, "E-404", &[("if-match", "\"1\"")], person("No", "nobody")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{none}");

    // Bad input is named by field and changes nothing.
    let written = state(&pool).await;
    for (body, field, code) in [
        (json!({"user_type": "viewer"}), "user_type", "immutable"),
        (json!({"external_id": "E-200"}), "external_id", "invalid"),
        (json!({"external_id": null}), "external_id", "invalid"),
        (json!({"shoe_size": 44}), "shoe_size", "unknown_field"),
        (json!({"version": 3}), "version", "unknown_field"),
        (json!({"status": "retired"}), "status", "unknown"),
        (json!({"email": "not an address"}), "email", "format"),
    ] {
        let (status, _, refused) = put(&pool, &secret, "E-100", &[], body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["fields"][field][0], code, "{refused}");
    }
    let (status, _, blank) = put(&pool, &secret, "%20", &[], person("B", "blank")).await;
    assert_eq!(
        (status, blank["fields"]["external_id"][0].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("required"))
    );
    assert_eq!(state(&pool).await, written);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_upsert_needs_the_permission_of_what_it_would_do(pool: PgPool) {
    // May update users but not create them, nor suspend them.
    let secret = token(&pool, &["users.read", "users.update"]).await;
    let mut conn = arrange(&pool).await;
    sqlx::query("update users set external_id = 'E-1' where username = 'ada'")
        .execute(&mut conn)
        .await
        .unwrap();
    let written = state(&pool).await;
    let (status, _, refused) = put(&pool, &secret, "E-2", &[], person("New", "new")).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (status, _, refused) =
        put(&pool, &secret, "E-1", &[], json!({"department": "X", "status": "suspended"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    // Both refusals changed nothing (the department neither) and were recorded.
    assert_eq!(state(&pool).await, written);
    let refusals = audit_actions(&pool).await;
    let refusals: Vec<_> = refusals
        .iter()
        .filter(|(a, _)| a == "access.refused")
        .map(|(_, d)| &d["attempted"])
        .collect();
    assert_eq!(refusals, [&json!("user.created"), &json!("user.suspended")]);
    let (status, _, moved) = put(&pool, &secret, "E-1", &[], json!({"department": "X"})).await;
    assert_eq!((status, moved["user"]["department"].as_str()), (StatusCode::OK, Some("X")));

    // Tom, the administrator, holds what the account does not: neither a change nor a
    // "nothing to change" reaches him.
    sqlx::query("update users set external_id = 'T-1' where username = 'tom'")
        .execute(&mut conn)
        .await
        .unwrap();
    for body in [json!({}), json!({"department": "X"})] {
        let (status, _, refused) = put(&pool, &secret, "T-1", &[], body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_refused_batch_item_changes_nothing_and_is_recorded_alone(pool: PgPool) {
    // May create and update users, not suspend them.
    let secret = token(&pool, &["users.read", "users.create", "users.update"]).await;
    let operations = json!([
        {"op": "upsert", "external_id": "E-1", "user": person("Grace", "grace")},
        {"op": "suspend", "external_id": "E-1"},
        {"op": "upsert", "external_id": "E-2", "user": person("Alan", "alan")},
    ]);
    let (status, _, answer) = batch(&pool, &secret, &[], &operations).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let statuses: Vec<u64> = answer["results"].as_array().unwrap().iter().map(status_of).collect();
    assert_eq!(statuses, [201, 403, 201]);
    assert_eq!(answer["results"][1]["error"]["error"], "forbidden");
    let trail = audit_actions(&pool).await;
    let refused: Vec<&Value> = trail
        .iter()
        .filter(|(action, _)| action == "access.refused")
        .map(|(_, details)| &details["attempted"])
        .collect();
    assert_eq!(refused, [&json!("user.suspended")]);
    let mut conn = arrange(&pool).await;
    let grace: String = sqlx::query_scalar("select status from users where username = 'grace'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(grace, "active");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_batch_runs_each_item_on_its_own(pool: PgPool) {
    let permissions = ["users.read", "users.create", "users.update", "users.suspend"];
    let secret = token(&pool, &permissions).await;
    let operations = json!([
        {"op": "upsert", "external_id": "E-1", "user": person("Grace", "grace")},
        {"op": "upsert", "external_id": "E-2", "user": person("Bad", "not an email @")},
        {"op": "fly", "external_id": "E-3"},
        {"op": "upsert", "external_id": "E-4",
         "user": {"first_name": "Alan", "last_name": "Turing", "email": "alan@acme.test",
                  "username": "alan", "user_type": "agent", "password": {"mode": "generate"}}},
        {"op": "suspend", "external_id": "E-1"},
        {"op": "suspend", "external_id": "E-1"},
        {"op": "reactivate", "external_id": "E-404"},
    ]);
    let (status, _, answer) = batch(&pool, &secret, &[], &operations).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().unwrap();
    let statuses: Vec<u64> = results.iter().map(status_of).collect();
    assert_eq!(statuses, [201, 422, 422, 201, 200, 200, 404]);
    assert_eq!(results[1]["error"]["fields"]["username"][0], "characters");
    assert_eq!(results[2]["error"]["fields"]["op"][0], "invalid");
    assert!(results[3]["temporary_password"].as_str().is_some_and(|p| p.len() > 10));
    assert_eq!(results[4]["outcome"], "updated");
    assert_eq!(results[5]["outcome"], "unchanged");
    assert_eq!(
        (
            answer["created"].as_u64(),
            answer["updated"].as_u64(),
            answer["unchanged"].as_u64(),
            answer["failed"].as_u64()
        ),
        (Some(2), Some(1), Some(1), Some(3))
    );
    // Each item that went through is in the trail; the failed one wrote nothing.
    let trail = changes(&pool).await;
    assert_eq!(trail[trail.len() - 3..], ["user.created", "user.created", "user.suspended"]);
    let mut conn = arrange(&pool).await;
    let made: Vec<(String, String)> = sqlx::query_as(
        "select username, status from users where external_id is not null order by username",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let made: Vec<(&str, &str)> = made.iter().map(|(u, s)| (u.as_str(), s.as_str())).collect();
    assert_eq!(made, [("alan", "active"), ("grace", "suspended")]);

    // At most 1,000 items.
    let many = Value::Array(vec![json!({"op": "suspend", "external_id": "E-1"}); 1001]);
    let (status, _, refused) = batch(&pool, &secret, &[], &many).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"]["operations"][0], "too_many");

    // At most 50 items carry a password, each an argon2 hash when it creates: here the first 50
    // lack a user type (refused before any hash), and the 51st is refused for its password.
    let mut hashing = vec![
        json!({"op": "upsert", "external_id": "E-9",
                                  "user": {"password": {"mode": "generate"}}});
        51
    ];
    let mut kate = person("Katherine", "katherine");
    kate["password"] = json!({"mode": "none"});
    hashing.push(json!({"op": "upsert", "external_id": "E-5", "user": kate}));
    let (status, _, answer) = batch(&pool, &secret, &[], &Value::Array(hashing)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results[49]["error"]["fields"]["user_type"][0], "required");
    assert_eq!(results[50]["error"]["fields"]["password"][0], "too_many");
    assert_eq!(status_of(&results[51]), 201, "without a password it goes through: {}", results[51]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_retried_batch_runs_once_even_when_the_retries_race(pool: PgPool) {
    let secret = token(&pool, &["users.read", "users.create", "users.update"]).await;
    let generated = json!({"mode": "generate"});
    let mut first = person("Grace", "grace");
    first["password"] = generated;
    let operations = json!([
        {"op": "upsert", "external_id": "E-1", "user": first},
        {"op": "upsert", "external_id": "E-2", "user": person("Alan", "alan")},
    ]);
    let key = [("idempotency-key", "feed-2026-12-02")];
    let (status, headers, answer) = batch(&pool, &secret, &key, &operations).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(headers.get("idempotent-replayed").is_none());
    assert!(answer["results"][0]["temporary_password"].is_string());
    let written = state(&pool).await;

    // The retry gets the first answer, less the password shown once, and writes nothing.
    let (status, headers, again) = batch(&pool, &secret, &key, &operations).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(headers["idempotent-replayed"], "true");
    let mut expected = answer.clone();
    expected["results"][0].as_object_mut().unwrap().remove("temporary_password");
    assert_eq!(again, expected);
    assert_eq!(state(&pool).await, written);
    let mut conn = arrange(&pool).await;
    let stored: String = sqlx::query_scalar("select answer::text from idempotency_keys")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let password = answer["results"][0]["temporary_password"].as_str().unwrap();
    assert!(!stored.contains(password), "a password shown once is never stored");

    // The same key for another request is refused; a malformed key is a field error.
    let other = json!([{"op": "suspend", "external_id": "E-2"}]);
    let (status, _, refused) = batch(&pool, &secret, &key, &other).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    let (status, _, refused) = batch(&pool, &secret, &[("idempotency-key", "")], &other).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(state(&pool).await, written);

    // Two sends of a new batch at once: one runs, the other waits for it and replays its answer.
    let race = json!([{"op": "upsert", "external_id": "E-3", "user": person("Ida", "ida")}]);
    let key = [("idempotency-key", "feed-race")];
    let ((s1, h1, a1), (s2, h2, a2)) =
        tokio::join!(batch(&pool, &secret, &key, &race), batch(&pool, &secret, &key, &race));
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{a1} {a2}");
    assert_eq!(a1, a2);
    let replays = [h1, h2].iter().filter(|h| h.contains_key("idempotent-replayed")).count();
    assert_eq!(replays, 1);
    let idas: i64 = sqlx::query_scalar("select count(*) from users where username = 'ida'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(idas, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn external_ids_of_another_tenant_are_out_of_reach(pool: PgPool) {
    let permissions = ["users.read", "users.create", "users.update", "users.suspend"];
    let secret = token(&pool, &permissions).await;
    let mut conn = arrange(&pool).await;
    sqlx::query("insert into tenants (slug, name) values ('globex', 'Globex')")
        .execute(&mut conn)
        .await
        .unwrap();
    add_user(&pool, "globex", "Hank", "Scorpio", "hank", "agent").await;
    sqlx::query("update users set external_id = 'G-1' where username = 'hank'")
        .execute(&mut conn)
        .await
        .unwrap();
    let hank = || async {
        let mut conn = arrange(&pool).await;
        let row: (String, String, i64) =
            sqlx::query_as("select first_name, status, version from users where username = 'hank'")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        row
    };
    let before = hank().await;

    // The same id in acme is another person: created there; Globex's is untouched.
    let (status, _, made) = put(&pool, &secret, "G-1", &[], person("Hank", "hank")).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (status, _, answer) =
        batch(&pool, &secret, &[], &json!([{"op": "suspend", "external_id": "g-1"}])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["results"][0]["id"], made["user"]["id"]);
    assert_eq!(hank().await, before);
}
