//! What a program pays: the same endpoints with a session cookie and with an API token side by
//! side, and keeping 1,000 users in step by external id — one batch beside 1,000 single
//! upserts, created, then unchanged, then each with one field changed.
//!
//! The run makes a role, a service account holding it and a token for it through the API (as
//! an administrator of the tenant); the users it creates are named `bench.sync.…`.

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use uuid::Uuid;

use super::one_user::{admin_session, json_body};
use super::{Client, Failure, WARM_UP, median, ms, p95};
use app::backend::sessions;
use sqlx::PgPool;

/// Users per batch, the most a batch may hold.
const BATCH: usize = 1_000;

/// Prints both tables for `slug`.
pub async fn bench(
    pool: &PgPool,
    addr: SocketAddr,
    slug: &str,
    rounds: usize,
) -> Result<(), Failure> {
    let (_, session, cookie) = admin_session(pool, slug).await?;
    let mut admin = Client::connect(addr, cookie.clone()).await?;
    let secret = service_token(&mut admin).await?;
    let mut by_cookie = Client::connect(addr, cookie).await?;
    let mut by_token = Client::bearer(addr, &secret).await?;

    let seeded = admin.send("GET", "/api/v1/users?limit=1", None, 200).await?;
    let seeded = seeded["items"][0]["id"].as_str().ok_or("no seeded user")?.to_owned();
    let endpoints = [
        ("GET /me", "/api/v1/me".to_owned()),
        ("GET /users/{id}", format!("/api/v1/users/{seeded}")),
        ("GET /users (first page of 50)", "/api/v1/users?limit=50".to_owned()),
    ];
    println!("\nA session cookie beside an API token, `{slug}`: {rounds} requests each.\n");
    println!("| endpoint | cookie median | cookie p95 | token median | token p95 | ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (label, path) in &endpoints {
        let cookie = measure!(rounds, by_cookie.send("GET", path, None, 200));
        let token = measure!(rounds, by_token.send("GET", path, None, 200));
        println!(
            "| {label} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} |",
            ms(median(&cookie)),
            ms(p95(&cookie)),
            ms(median(&token)),
            ms(p95(&token)),
            ms(median(&token)) / ms(median(&cookie)),
        );
    }

    println!("\nKeeping {BATCH} users in step by external id, `{slug}`, with the token.\n");
    println!("| run | one batch of {BATCH} | {BATCH} single PUTs | outcome |");
    println!("|---|---:|---:|---|");
    let run = &Uuid::new_v4().simple().to_string()[..8];
    for (label, department, expected) in [
        ("new users", "Sync", "created"),
        ("the same again", "Sync", "unchanged"),
        ("one field changed", "Synced", "updated"),
    ] {
        let round = |set| Round { run, set, department, expected };
        let batch = time_batch(&mut by_token, &round("b")).await?;
        let single = time_singles(&mut by_token, &round("s")).await?;
        println!(
            "| {label} | {:.2} s | {:.2} s | {BATCH} × `{expected}` |",
            batch.as_secs_f64(),
            single.as_secs_f64()
        );
    }
    sessions::end(pool, &session).await?;
    Ok(())
}

/// A role of the user permissions, a service account holding it, and a token of that account
/// with all of them; the token's secret.
async fn service_token(admin: &mut Client) -> Result<String, Failure> {
    let permissions = ["users.read", "users.create", "users.update", "users.suspend"];
    let name = format!("Bench sync {}", &Uuid::new_v4().simple().to_string()[..8]);
    let role = json!({"name": name, "permissions": permissions});
    let role = admin.send("POST", "/api/v1/roles", Some(json_body(&role)), 201).await?;
    let login = format!("bench.robot.{}", &Uuid::new_v4().simple().to_string()[..8]);
    let account = json!({
        "first_name": "Bench", "last_name": "Robot", "email": format!("{login}@bench.test"),
        "username": login, "user_type": "service", "console_access": false,
        "roles": [role["id"]], "password": {"mode": "none"},
    });
    let account = admin.send("POST", "/api/v1/users", Some(json_body(&account)), 201).await?;
    let id = account["user"]["id"].as_str().ok_or("no id in the created account")?;
    let form = json!({"name": "bench", "permissions": permissions});
    let path = format!("/api/v1/users/{id}/tokens");
    let token = admin.send("POST", &path, Some(json_body(&form)), 201).await?;
    Ok(token["secret"].as_str().ok_or("no secret in the created token")?.to_owned())
}

/// One round of a sync: the users of `set` in this run, with this department, each expected to
/// come back as `expected`.
struct Round<'a> {
    run: &'a str,
    set: &'static str,
    department: &'a str,
    expected: &'a str,
}

/// The user numbered `i` of the run, as an HR system would send them.
fn employee(run: &str, set: &str, i: usize, department: &str) -> (String, Value) {
    let login = format!("bench.sync.{run}.{set}{i}");
    let user = json!({
        "first_name": "Sync", "last_name": format!("Person {i}"),
        "email": format!("{login}@bench.test"), "username": login, "user_type": "agent",
        "department": department, "employee_code": format!("{run}-{set}-{i}"),
    });
    (format!("{run}-{set}-{i}"), user)
}

/// One batch of `BATCH` upserts; every item must come back as `expected`.
async fn time_batch(http: &mut Client, round: &Round<'_>) -> Result<Duration, Failure> {
    let Round { run, set, department, expected } = *round;
    let operations: Vec<Value> = (0..BATCH)
        .map(|i| {
            let (external_id, user) = employee(run, set, i, department);
            json!({"op": "upsert", "external_id": external_id, "user": user})
        })
        .collect();
    let body = json_body(&json!({ "operations": operations }));
    let start = Instant::now();
    let answer = http.send("POST", "/api/v1/users/batch", Some(body), 200).await?;
    let took = start.elapsed();
    let results = answer["results"].as_array().ok_or("no results in the batch's answer")?;
    let as_expected = results.iter().filter(|r| r["outcome"] == expected).count();
    if as_expected != BATCH {
        return Err(
            format!("{as_expected} of {BATCH} batch items were {expected}: {answer}").into()
        );
    }
    Ok(took)
}

/// `BATCH` single `PUT /users/external/{id}`, one at a time.
async fn time_singles(http: &mut Client, round: &Round<'_>) -> Result<Duration, Failure> {
    let Round { run, set, department, expected } = *round;
    let status = if expected == "created" { 201 } else { 200 };
    let start = Instant::now();
    for i in 0..BATCH {
        let (external_id, user) = employee(run, set, i, department);
        let path = format!("/api/v1/users/external/{external_id}");
        let answer = http.send("PUT", &path, Some(json_body(&user)), status).await?;
        if answer["outcome"] != expected {
            return Err(format!("{path}: {answer}").into());
        }
    }
    Ok(start.elapsed())
}
