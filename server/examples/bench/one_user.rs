//! The single-user operations (sign-in, read, create, edit, suspend, reactivate, avatar,
//! password reset) through the real HTTP endpoints in a large and a small tenant side by side,
//! and signing in under load against the raw argon2id verification rate of the same run.
//!
//! Each tenant gets a user made for the run (an agent with a password the bench chooses) to
//! sign in as and to change; reads take a seeded user from the middle of the tenant.

use app::backend::password::{Passwords, generate_temporary};
use hyper::body::Bytes;
use serde_json::{Value, json};
use shared::Password;
use sqlx::PgPool;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

use super::{Client, Failure, WARM_UP, median, ms, p95, tenant_admin};
use app::backend::sessions::{self, ClientInfo, SessionPolicy, SessionToken};
use app::backend::tenancy;

/// Clients signing in at once in the load test.
const CLIENTS: usize = 32;
/// How long each turn of the load test (and of the raw verification) runs.
const SLICE: Duration = Duration::from_secs(2);
/// Turns of each.
const SLICES: u32 = 10;

/// A 1×1 PNG, the avatar uploaded.
const PNG: [u8; 70] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2,
    135, 1, 128, 235, 71, 186, 146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// What one tenant is measured with.
struct Tenant {
    slug: String,
    /// An administrator's session (ended after the run), and its cookie.
    token: SessionToken,
    admin: String,
    /// The run's own user: id, login and password.
    user: Uuid,
    login: String,
    password: Password,
    hash: String,
    /// A seeded user from the middle of the tenant.
    seeded: Uuid,
}

/// The operations, each `rounds` times (after warm-up), in each tenant; then the load test in
/// the first. Prints two markdown tables.
pub async fn bench(
    pool: &PgPool,
    addr: SocketAddr,
    slugs: [&str; 2],
    rounds: usize,
) -> Result<(), Failure> {
    let passwords = Passwords::default();
    let mut rows: Vec<(&str, [Vec<Duration>; 2])> = Vec::new();
    let mut sizes = [0_i64; 2];
    for (i, slug) in slugs.into_iter().enumerate() {
        let tenant = prepare(pool, addr, slug, &passwords).await?;
        sizes[i] = users_in(pool, slug).await?;
        let measured = measure_tenant(addr, &tenant, &passwords, rounds).await;
        sessions::end(pool, &tenant.token).await?;
        for (name, times) in measured? {
            match rows.iter_mut().find(|(n, _)| *n == name) {
                Some((_, both)) => both[i] = times,
                None => {
                    let mut both = [Vec::new(), Vec::new()];
                    both[i] = times;
                    rows.push((name, both));
                }
            }
        }
    }
    println!(
        "\nSingle-user operations: `{}` ({} users) beside `{}` ({} users), {rounds} requests each, \
         one at a time.\n",
        slugs[0], sizes[0], slugs[1], sizes[1]
    );
    println!(
        "| operation | {0} median | {0} p95 | {1} median | {1} p95 | ratio |",
        slugs[0], slugs[1]
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, [big, small]) in &rows {
        print_row(name, ms(median(big)), ms(p95(big)), ms(median(small)), ms(p95(small)));
    }
    // Sign-in less its argon2 time: what the tenant's size can change.
    let less =
        |times: &[Vec<Duration>; 2], raw: &[Vec<Duration>; 2], f: fn(&[Duration]) -> Duration| {
            [0, 1].map(|i| ms(f(&times[i])) - ms(f(&raw[i])))
        };
    let find = |name: &str| rows.iter().find(|(n, _)| *n == name).map(|(_, t)| t);
    if let (Some(sign_in), Some(verify)) = (find("sign-in"), find("argon2id verify (raw)")) {
        let (m, p) = (less(sign_in, verify, median), less(sign_in, verify, p95));
        print_row("sign-in less argon2id", m[0], p[0], m[1], p[1]);
    }

    load(pool, addr, slugs[0], &passwords, Addresses::Own).await?;
    load(pool, addr, slugs[0], &passwords, Addresses::Shared).await
}

fn print_row(name: &str, big_median: f64, big_p95: f64, small_median: f64, small_p95: f64) {
    println!(
        "| {name} | {big_median:.2} ms | {big_p95:.2} ms | {small_median:.2} ms | \
         {small_p95:.2} ms | {:.2} |",
        big_median / small_median
    );
}

async fn users_in(pool: &PgPool, slug: &str) -> Result<i64, Failure> {
    let (tenant_id, _) = tenant_admin(pool, slug).await?;
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let count: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(count)
}

/// An administrator's session, the run's own user (created through the API), and a seeded one.
async fn prepare(
    pool: &PgPool,
    addr: SocketAddr,
    slug: &str,
    passwords: &Passwords,
) -> Result<Tenant, Failure> {
    let (tenant_id, token, admin) = admin_session(pool, slug).await?;
    let mut http = Client::connect(addr, admin.clone()).await?;
    let (user, login, password) = bench_user(&mut http, "run").await?;
    let hash = password_hash(pool, tenant_id, user).await?;
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let seeded: Uuid = sqlx::query_scalar(
        "select id from users where username not like 'bench.%' order by id
          offset (select count(*) / 2 from users) limit 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    // One verification, so the dummy hash and the thread pool are warm like the server's.
    passwords.verify(&password, &hash).await?;
    Ok(Tenant { slug: slug.to_owned(), token, admin, user, login, password, hash, seeded })
}

/// A session of an administrator of `slug` made for the run: (tenant, token, cookie).
pub(super) async fn admin_session(
    pool: &PgPool,
    slug: &str,
) -> Result<(Uuid, SessionToken, String), Failure> {
    let (tenant_id, admin) = tenant_admin(pool, slug).await?;
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let (policy, client) = (SessionPolicy::default(), ClientInfo::default());
    let token = sessions::start(&mut tx, &policy, tenant_id, admin, &client).await?;
    tx.commit().await?;
    let cookie = format!("{}={}", app::web::cookie_name(false), token.expose());
    Ok((tenant_id, token, cookie))
}

/// The stored hash of a user's password.
async fn password_hash(pool: &PgPool, tenant_id: Uuid, user: Uuid) -> Result<String, Failure> {
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let hash: String = sqlx::query_scalar("select password_hash from users where id = $1")
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(hash)
}

/// Creates an agent with a password of the bench's choosing; (id, login, password).
async fn bench_user(http: &mut Client, tag: &str) -> Result<(Uuid, String, Password), Failure> {
    let login = format!("bench.{tag}.{}", &Uuid::new_v4().simple().to_string()[..12]);
    let password = generate_temporary();
    let form = json!({
        "first_name": "Bench", "last_name": "Run", "email": format!("{login}@bench.test"),
        "username": login, "user_type": "agent",
        "password": {"mode": "set", "password": password.expose()}, "must_change_password": false,
    });
    let created = http.send("POST", "/api/v1/users", Some(json_body(&form)), 201).await?;
    let id = created["user"]["id"].as_str().ok_or("no id in the created user")?.parse()?;
    Ok((id, login, password))
}

pub(super) fn json_body(value: &Value) -> (Bytes, &'static str) {
    (Bytes::from(value.to_string()), "application/json")
}

/// Every operation `rounds` times in one tenant, in an order that keeps each possible (the
/// reset, which changes the password, last).
async fn measure_tenant(
    addr: SocketAddr,
    t: &Tenant,
    passwords: &Passwords,
    rounds: usize,
) -> Result<Vec<(&'static str, Vec<Duration>)>, Failure> {
    let mut http = Client::connect(addr, t.admin.clone()).await?;
    let mut anonymous = Client::connect(addr, String::new()).await?;
    let credentials = json!({"tenant": t.slug, "login": t.login, "password": t.password.expose()});
    let mut results = Vec::new();
    results.push((
        "sign-in",
        measure!(
            rounds,
            anonymous.send("POST", "/api/v1/session", Some(json_body(&credentials)), 200)
        ),
    ));
    results
        .push(("argon2id verify (raw)", measure!(rounds, passwords.verify(&t.password, &t.hash))));
    let seeded = format!("/api/v1/users/{}", t.seeded);
    results.push(("read a user (GET)", measure!(rounds, http.send("GET", &seeded, None, 200))));
    let mut n = 0;
    results.push((
        "create a user (POST, generated password)",
        measure!(rounds, {
            n += 1;
            let login = format!("bench.c{n}.{}", &Uuid::new_v4().simple().to_string()[..8]);
            let form = json!({
                "first_name": "Bench", "last_name": "Created", "email": format!("{login}@bench.test"),
                "username": login, "user_type": "agent", "password": {"mode": "generate"},
            });
            http.send("POST", "/api/v1/users", Some(json_body(&form)), 201)
        }),
    ));
    let own = format!("/api/v1/users/{}", t.user);
    let mut version = http.send("GET", &own, None, 200).await?["version"].as_i64().unwrap_or(0);
    results.push((
        "edit a user (PATCH)",
        measure!(rounds, async {
            n += 1;
            let edit = json!({"version": version, "position": format!("Position {n}")});
            let saved = http.send("PATCH", &own, Some(json_body(&edit)), 200).await?;
            version = saved["version"].as_i64().ok_or("no version in the saved user")?;
            Ok::<(), Failure>(())
        }),
    ));
    let (suspend, reactivate) = (format!("{own}/suspend"), format!("{own}/reactivate"));
    let mut suspended = Vec::new();
    let mut reactivated = Vec::new();
    for round in 0..rounds + WARM_UP {
        let start = Instant::now();
        http.send("POST", &suspend, None, 200).await?;
        let middle = Instant::now();
        http.send("POST", &reactivate, None, 200).await?;
        if round >= WARM_UP {
            suspended.push(middle - start);
            reactivated.push(middle.elapsed());
        }
    }
    suspended.sort();
    reactivated.sort();
    results.push(("suspend", suspended));
    results.push(("reactivate", reactivated));
    let png = (Bytes::from_static(&PNG), "image/png");
    let avatar = format!("{own}/avatar");
    results.push((
        "upload an avatar (PUT)",
        measure!(rounds, http.send("PUT", &avatar, Some(png.clone()), 204)),
    ));
    let reset = format!("{own}/reset-password");
    results.push(("reset a password", measure!(rounds, http.send("POST", &reset, None, 200))));
    Ok(results)
}

/// Where the clients of the load test connect from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Addresses {
    /// Each from an address of its own, as people signing in from their own devices.
    Own,
    /// All from one address, as an office behind one router: every sign-in also counts against
    /// that address's throttle row, which they take turns to lock.
    Shared,
}

/// `CLIENTS` clients, each on its own connection and as its own user, sign in again and again;
/// as many tasks verify argon2id hashes through the same bounded pool of verification threads
/// the server uses. The two take turns, `SLICES` slices of `SLICE` each, so that both meet the
/// same machine (a shared host's speed drifts by 10 % within a minute). Prints both rates.
async fn load(
    pool: &PgPool,
    addr: SocketAddr,
    slug: &str,
    passwords: &Passwords,
    addresses: Addresses,
) -> Result<(), Failure> {
    let (tenant_id, token, admin) = admin_session(pool, slug).await?;
    let mut http = Client::connect(addr, admin).await?;
    let mut users = Vec::new();
    for i in 0..CLIENTS {
        users.push(bench_user(&mut http, &format!("load{i}")).await?);
    }
    let hash = password_hash(pool, tenant_id, users[0].0).await?;
    let mut clients = Vec::new();
    for (i, (_, login, password)) in users.iter().enumerate() {
        let mut client = match addresses {
            Addresses::Own => Client::connect_from(addr, Ipv4Addr::new(127, 0, 1, i as u8)).await?,
            Addresses::Shared => Client::connect(addr, String::new()).await?,
        };
        let body = json!({"tenant": slug, "login": login, "password": password.expose()});
        // Warms the connection, and the server's pool with it.
        client.send("POST", "/api/v1/session", Some(json_body(&body)), 200).await?;
        clients.push((client, body));
    }
    let (mut signed_in, mut errors, mut verified) = (0, 0, 0);
    let (mut signing, mut raw) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..SLICES {
        let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (mut client, body) in clients.drain(..) {
            let (done, failed) = (done.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                while started.elapsed() < SLICE {
                    match client.send("POST", "/api/v1/session", Some(json_body(&body)), 200).await
                    {
                        Ok(_) => done.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
                (client, body)
            }));
        }
        for task in tasks {
            clients.push(task.await?);
        }
        signing += started.elapsed();
        (signed_in, errors) =
            (signed_in + done.load(Ordering::Relaxed), errors + failed.load(Ordering::Relaxed));

        let count = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let password = users[0].2.clone();
        let mut workers = Vec::new();
        for _ in 0..CLIENTS {
            let (count, passwords, password, hash) =
                (count.clone(), passwords.clone(), password.clone(), hash.clone());
            workers.push(tokio::spawn(async move {
                while started.elapsed() < SLICE {
                    passwords.verify(&password, &hash).await?;
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), Failure>(())
            }));
        }
        for worker in workers {
            worker.await??;
        }
        raw += started.elapsed();
        verified += count.load(Ordering::Relaxed);
    }
    sessions::end(pool, &token).await?;
    let rate = signed_in as f64 / signing.as_secs_f64();
    let raw = verified as f64 / raw.as_secs_f64();
    let from = match addresses {
        Addresses::Own => "each from an address of its own",
        Addresses::Shared => "all from one address",
    };
    println!(
        "\nSigning in under load, `{slug}`: {CLIENTS} clients, each its own connection and user, \
         {from}, for {} s, in turns of {} s with as long of raw verification.\n",
        (SLICE * SLICES).as_secs(),
        SLICE.as_secs()
    );
    println!("| measure | figure |\n|---|---:|");
    println!("| sign-ins per second | {rate:.1} |");
    println!("| failed sign-ins | {errors} |");
    println!(
        "| raw argon2id verifications per second ({CLIENTS} tasks, same thread pool) | {raw:.1} |"
    );
    println!("| sign-ins as a share of raw verifications | {:.1} % |", 100.0 * rate / raw);
    Ok(())
}
