//! Teams over HTTP in a tenant large enough for a rule change to run in the background: the
//! answer comes at once with the run started, the run adds exactly whom the preview named, and
//! its batches are in the audit trail as the system's doing.

use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::{call, cookie_for};

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_rule_change_in_a_large_tenant_runs_in_the_background_and_matches_its_preview(
    pool: PgPool,
) {
    let users = app::backend::teams::BACKGROUND_FROM as u64 + 1_000;
    let seeded = server::seed::seed_with(&pool, "big", users, false).await.unwrap();
    let admin = seeded.admin_username.unwrap();
    let cookie = cookie_for(&pool, "big", &admin, seeded.password.expose()).await;
    let form = json!({"name": "Salespeople", "rules": {"match": "all", "conditions": [
        {"field": "department", "op": "eq", "values": ["sales"]}]}});

    let (status, preview) =
        call(&pool, "POST", "/api/v1/teams/preview", &cookie, Some(form.clone())).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let expected = preview["add_count"].as_i64().unwrap();
    assert!(expected > 1_000, "the seed has salespeople: {expected}");

    let (status, team) = call(&pool, "POST", "/api/v1/teams", &cookie, Some(form)).await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    assert_eq!(team["run"]["finished"], false, "the answer does not wait for the run: {team}");
    let uri = format!("/api/v1/teams/{}", team["id"].as_str().unwrap());
    let mut finished = Value::Null;
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (_, now) = call(&pool, "GET", &uri, &cookie, None).await;
        if now["run"]["finished"] == true {
            finished = now;
            break;
        }
    }
    assert_eq!(finished["run"]["done"], users, "every user looked at: {finished}");
    assert_eq!(finished["run"]["total"], users);
    assert_eq!(
        (finished["members"].as_i64(), finished["run"]["added"].as_i64()),
        (Some(expected), Some(expected))
    );

    let (_, trail) =
        call(&pool, "GET", "/api/v1/audit?action=team.rule_applied&limit=200", &cookie, None).await;
    let batches = trail["items"].as_array().unwrap();
    assert!(!batches.is_empty());
    assert!(
        batches.iter().all(
            |e| e["actor"]["kind"] == "system" && e["details"]["rule"] == "Department is sales"
        )
    );
    let added: i64 = batches.iter().map(|e| e["details"]["added"].as_i64().unwrap()).sum();
    assert_eq!(added, expected);
}
