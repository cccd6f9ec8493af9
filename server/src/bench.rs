//! `roster bench --tenant SLUG [--compare SLUG]`: the users directory measured through the real
//! HTTP endpoints against a seeded tenant, beside the bare SQL of the same statements on one
//! connection; with `--compare`, the single-user operations in both tenants side by side and
//! signing in under load ([`one_user`]).
//!
//! The server runs in this process on a loopback port with the production router; requests go
//! over one keep-alive HTTP/1.1 connection, one at a time, signed in as one of the tenant's
//! administrators (a session made for the run). For every case the table shows the endpoint's
//! and the bare SQL's median and p95, and the ratio of the endpoint's median to the bare SQL's
//! plus one loopback round trip (an unrouted API path, which touches no database).

use app::backend::sessions::{self, ClientInfo, SessionPolicy};
use app::backend::users::directory;
use app::backend::{Actor, Ctx, Services, context, tenancy};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use leptos::config::LeptosOptions;
use shared::directory::UserQuery;
use shared::query::from_query_string;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

use crate::router::router;
use crate::state::AppState;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Unmeasured rounds before each measurement (plans cached, pages in memory).
const WARM_UP: usize = 5;

/// Awaits `$op` (a fallible future) `WARM_UP` times, then `$rounds` times measured; evaluates
/// to the sorted times. A macro, not a function: the futures borrow the caller's connections.
macro_rules! measure {
    ($rounds:expr, $op:expr) => {{
        let mut times = Vec::with_capacity($rounds);
        for round in 0..$rounds + WARM_UP {
            let start = Instant::now();
            $op.await?;
            if round >= WARM_UP {
                times.push(start.elapsed());
            }
        }
        times.sort();
        times
    }};
}

mod one_user;

/// One measured case: the label, the query, and whether it is the stat cards' endpoint.
pub struct Case {
    pub label: String,
    pub query: UserQuery,
    pub stats: bool,
}

/// Runs every case `rounds` times and prints the table (markdown) on standard output.
pub async fn bench(
    pool: PgPool,
    options: LeptosOptions,
    slug: &str,
    rounds: usize,
    compare: Option<&str>,
    directory: bool,
) -> Result<(), Failure> {
    let (tenant_id, admin) = tenant_admin(&pool, slug).await?;
    let mut conn = pool.acquire().await?;
    let token = sessions::create(
        &mut conn,
        &SessionPolicy::default(),
        tenant_id,
        admin,
        &ClientInfo::default(),
    )
    .await?;
    let services = Services {
        pool: pool.clone(),
        passwords: Default::default(),
        sessions: SessionPolicy::default(),
        https: false,
        trusted_proxies: Vec::new(),
    };
    let actor = sessions::resolve(&services, &token, &ClientInfo::default()).await?;
    // The bare SQL runs on this connection, entered into the tenant for the whole run.
    sqlx::query("select set_config('roster.tenant_id', $1, false)")
        .bind(tenant_id.to_string())
        .execute(&mut *conn)
        .await?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(AppState { leptos_options: options, services: services.clone() });
    tokio::spawn(async move {
        let _ =
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    if let Some(small) = compare {
        one_user::bench(&pool, addr, [slug, small], rounds).await?;
    }
    if !directory {
        sessions::end(&pool, &token).await?;
        return Ok(());
    }
    let cases = cases(&services, &actor, 1_000).await?;
    // Connected after the cases are ready: the server closes connections left idle.
    let cookie = format!("{}={}", app::web::cookie_name(false), token.expose());
    let mut http = Client::connect(addr, cookie).await?;
    let rtt = measure!(rounds, http.send("GET", "/api/v1/bench-round-trip", None, 404));
    println!("Users directory, tenant `{slug}`: {rounds} requests per case, one at a time.");
    println!("Loopback round trip (unrouted API path): median {:.2} ms\n", ms(median(&rtt)));
    println!("| case | endpoint median | endpoint p95 | bare SQL median | bare SQL p95 | ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    for case in &cases {
        let path = format!(
            "/api/v1/users{}?{}",
            if case.stats { "/stats" } else { "" },
            serde_urlencoded::to_string(&case.query)?
        );
        let endpoint = measure!(rounds, http.send("GET", &path, None, 200));
        let bare = measure!(
            rounds,
            directory::run_statements(&mut conn, tenant_id, &case.query, !case.stats)
        );
        let ratio = ms(median(&endpoint)) / (ms(median(&bare)) + ms(median(&rtt)));
        println!(
            "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {ratio:.2} |",
            case.label,
            ms(median(&endpoint)),
            ms(p95(&endpoint)),
            ms(median(&bare)),
            ms(p95(&bare)),
        );
    }
    sessions::end(&pool, &token).await?;
    Ok(())
}

/// An active administrator of the tenant `slug`, as an actor.
pub async fn admin_actor(pool: &PgPool, slug: &str) -> Result<Actor, Failure> {
    let (tenant_id, admin) = tenant_admin(pool, slug).await?;
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let actor = sessions::load_actor(&mut tx, tenant_id, admin, chrono::Utc::now()).await?;
    tx.commit().await?;
    actor.ok_or_else(|| "the administrator may not use the console".into())
}

/// The tenant's id and an active administrator to act as.
async fn tenant_admin(pool: &PgPool, slug: &str) -> Result<(Uuid, Uuid), Failure> {
    let missing = || format!("no tenant {slug:?} with an active administrator: run `roster seed`");
    let tenant: Uuid = sqlx::query_scalar("select id from tenants where slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await?
        .ok_or_else(missing)?;
    let mut tx = tenancy::begin(pool, tenant).await?;
    let admin: Option<Uuid> = sqlx::query_scalar(
        "select id from users
          where tenant_id = $1 and user_type = 'tenant_admin' and status = 'active'
            and expires_at is null and not must_change_password
          order by created_at limit 1",
    )
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((tenant, admin.ok_or_else(missing)?))
}

/// Every filter, every sort, deep paging (page `deep_page`), searches and the stat cards.
pub async fn cases(
    services: &Services,
    actor: &Actor,
    deep_page: usize,
) -> Result<Vec<Case>, Failure> {
    let mut tx = tenancy::begin(&services.pool, actor.tenant_id).await?;
    let role: Uuid = sqlx::query_scalar("select id from roles where system_key = 'auditor'")
        .fetch_one(&mut *tx)
        .await?;
    let team: Uuid = sqlx::query_scalar("select id from teams where name = 'Night shift'")
        .fetch_one(&mut *tx)
        .await?;
    // A rare term: one user's employee code, from the middle of the tenant.
    let rare: String = sqlx::query_scalar(
        "select lower(employee_code) from users where employee_code is not null order by employee_code
          offset (select count(*) / 2 from users where employee_code is not null) limit 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;

    let query = |pairs: &[(&str, &str)]| -> UserQuery {
        from_query_string(&serde_urlencoded::to_string(pairs).unwrap_or_default())
    };
    let case =
        |label: &str, query: UserQuery| Case { label: label.to_owned(), query, stats: false };
    let mut cases = vec![case("default page (by name)", UserQuery::default())];

    // The deep page: walk the cursors forward to it first.
    let mut deep = UserQuery::default();
    for _ in 1..deep_page {
        let list = async |ctx: &mut Ctx<'_>| directory::list(ctx, &deep).await;
        let page = context::run_as(services, actor, &ClientInfo::default(), list).await?;
        deep.cursor = Some(page.next_cursor.ok_or("too few pages: seed more users")?);
    }
    cases.push(case(&format!("page {deep_page} (cursor)"), deep));

    for status in ["active", "suspended", "expired", "never_signed_in"] {
        cases.push(case(&format!("status = {status}"), query(&[("status", status)])));
    }
    for user_type in ["supervisor", "service"] {
        cases.push(case(&format!("type = {user_type}"), query(&[("user_type", user_type)])));
    }
    let (role, team) = (role.to_string(), team.to_string());
    cases.push(case("role = Auditor", query(&[("role", &role)])));
    cases.push(case("team = Night shift", query(&[("team", &team)])));
    cases.push(case(
        "type = analyst + status = suspended",
        query(&[("user_type", "analyst"), ("status", "suspended")]),
    ));
    for sort in
        ["-name", "email", "-email", "last_login", "-last_login", "created_at", "-created_at"]
    {
        cases.push(case(&format!("sort = {sort}"), query(&[("sort", sort)])));
    }
    cases.push(case("search, common (\"garcia\")", query(&[("q", "garcia")])));
    cases.push(case(&format!("search, rare ({rare:?})"), query(&[("q", &rare)])));
    cases.push(case("search, 2 letters (\"ko\", prefix)", query(&[("q", "ko")])));
    cases.push(case(
        "search + status + sort",
        query(&[("q", "garcia"), ("status", "active"), ("sort", "-last_login")]),
    ));

    let stats = |label: &str, query: UserQuery| Case {
        label: format!("stat cards, {label}"),
        query,
        stats: true,
    };
    cases.push(stats("no filter", UserQuery::default()));
    cases.push(stats("type = agent", query(&[("user_type", "agent")])));
    cases.push(stats("role = Auditor", query(&[("role", &role)])));
    cases.push(stats("team = Night shift", query(&[("team", &team)])));
    cases.push(stats("search \"garcia\"", query(&[("q", "garcia")])));
    Ok(cases)
}

/// One keep-alive HTTP/1.1 connection to the server under test.
struct Client {
    sender: SendRequest<Full<Bytes>>,
    cookie: String,
    host: String,
}

impl Client {
    async fn connect(addr: SocketAddr, cookie: String) -> Result<Self, Failure> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Self { sender, cookie, host: addr.to_string() })
    }

    /// Sends a request (with a body and its content type, if any), reads the whole answer and
    /// checks the status; returns the answer as JSON (null when it is none).
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(Bytes, &'static str)>,
        expected: u16,
    ) -> Result<serde_json::Value, Failure> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.host);
        if !self.cookie.is_empty() {
            request = request.header(hyper::header::COOKIE, &self.cookie);
        }
        let (body, kind) = body.unwrap_or_default();
        if !kind.is_empty() {
            request = request.header(hyper::header::CONTENT_TYPE, kind);
        }
        let request = request.body(Full::new(body))?;
        // The connection takes a moment after a response to accept the next request.
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        if status != expected {
            let body = String::from_utf8_lossy(&body);
            return Err(format!("{method} {path}: {status} {body}").into());
        }
        Ok(serde_json::from_slice(&body).unwrap_or_default())
    }
}

fn median(sorted: &[Duration]) -> Duration {
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn p95(sorted: &[Duration]) -> Duration {
    sorted.get((sorted.len() * 95).div_ceil(100).saturating_sub(1)).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
