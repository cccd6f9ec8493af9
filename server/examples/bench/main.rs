//! `cargo run --release -p server --example bench -- --tenant SLUG [--compare SLUG]`: the users
//! directory measured through the real HTTP endpoints against a seeded tenant, beside the bare SQL of the same statements on one
//! connection; with `--compare`, the single-user operations in both tenants side by side and
//! signing in under load ([`one_user`]); with `--programs`, a cookie beside a token and the
//! sync of 1,000 users by external id ([`programs`]).
//!
//! The server runs in this process on a loopback port with the production router; requests go
//! over one keep-alive HTTP/1.1 connection, one at a time, signed in as one of the tenant's
//! administrators (a session made for the run). For every case the table shows the endpoint's
//! and the bare SQL's median and p95, and the ratio of the endpoint's median to the bare SQL's
//! plus one loopback round trip (an unrouted API path, which touches no database).

use app::backend::Services;
use app::backend::passkey::Passkeys;
use app::backend::sessions::{self, ClientInfo, SessionPolicy};
use app::backend::tenancy;
use app::backend::users::directory;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::HeaderName;
use hyper_util::rt::TokioIo;
use leptos::config::LeptosOptions;
use server::config::DatabaseConfig;
use server::router::router;
use server::state::AppState;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

use self::cases::{Failure, cases, tenant_admin};

mod cases;

/// The benchmark's command line.
#[derive(Parser, Debug)]
struct Args {
    #[command(flatten)]
    db: DatabaseConfig,
    /// A seeded tenant with at least 50,000 users (the deep-paging case reads page 1,000).
    #[arg(long)]
    tenant: String,
    /// Measured requests per case (after five warm-up requests).
    #[arg(long, default_value_t = 200)]
    rounds: usize,
    /// A small seeded tenant (e.g. 1,000 users): the single-user operations are measured in
    /// both tenants side by side, then signing in under load in `--tenant`.
    #[arg(long)]
    compare: Option<String>,
    /// Skip the directory's cases (with `--compare`: only the single-user operations and load).
    #[arg(long)]
    no_directory: bool,
    /// Also measure what a program pays: the same reads with a cookie and with an API token,
    /// and a batch of 1,000 upserts beside 1,000 single ones.
    #[arg(long)]
    programs: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let args = Args::parse();
    let run = async {
        let pool = args.db.connect().await?;
        let options = server::commands::leptos_options()?;
        let parts = Parts {
            compare: args.compare.as_deref(),
            directory: !args.no_directory,
            programs: args.programs,
        };
        bench(pool, options, &args.tenant, args.rounds, parts).await
    };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

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
mod programs;

/// Which parts of the benchmark run besides the directory's cases.
struct Parts<'a> {
    /// The single-user operations beside this small tenant, and signing in under load.
    compare: Option<&'a str>,
    directory: bool,
    programs: bool,
}

/// Runs every case `rounds` times and prints the table (markdown) on standard output.
async fn bench(
    pool: PgPool,
    options: LeptosOptions,
    slug: &str,
    rounds: usize,
    parts: Parts<'_>,
) -> Result<(), Failure> {
    let (tenant_id, admin) = tenant_admin(&pool, slug).await?;
    let mut tx = tenancy::begin(&pool, tenant_id).await?;
    let (policy, client) = (SessionPolicy::default(), ClientInfo::default());
    let token = sessions::start(&mut tx, &policy, tenant_id, admin, &client).await?;
    tx.commit().await?;
    let services = Services {
        pool: pool.clone(),
        passwords: Default::default(),
        sessions: SessionPolicy::default(),
        https: false,
        trusted_proxies: Vec::new(),
        // A program's token is held to 20 requests a second in production; the measured
        // rounds go faster than that.
        token_rate: app::backend::tokens::TokenRate::new(NonZeroU32::MAX, NonZeroU32::MAX),
        passkeys: Passkeys::new(&"http://localhost:3000".parse()?)?,
    };
    let actor = sessions::resolve(&services, &token, &ClientInfo::default()).await?;
    // The bare SQL runs on this connection, entered into the tenant for the whole run.
    let mut conn = pool.acquire().await?;
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
    if let Some(small) = parts.compare {
        one_user::bench(&pool, addr, [slug, small], rounds).await?;
    }
    if parts.programs {
        programs::bench(&pool, addr, slug, rounds).await?;
    }
    if !parts.directory {
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

/// One keep-alive HTTP/1.1 connection to the server under test.
struct Client {
    sender: SendRequest<Full<Bytes>>,
    /// The credential every request carries: a session cookie or a bearer token, if any.
    credential: Option<(HeaderName, String)>,
    host: String,
}

impl Client {
    /// A connection whose requests carry `cookie` (none when it is empty).
    async fn connect(addr: SocketAddr, cookie: String) -> Result<Self, Failure> {
        let credential = (!cookie.is_empty()).then_some((hyper::header::COOKIE, cookie));
        Self::open(addr, credential).await
    }

    /// A connection whose requests carry `Authorization: Bearer {secret}`.
    async fn bearer(addr: SocketAddr, secret: &str) -> Result<Self, Failure> {
        Self::open(addr, Some((hyper::header::AUTHORIZATION, format!("Bearer {secret}")))).await
    }

    /// A connection without a credential from the loopback address `from` (127.0.0.0/8 is
    /// the machine's own): as another client of the server would connect.
    async fn connect_from(addr: SocketAddr, from: std::net::Ipv4Addr) -> Result<Self, Failure> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((from, 0)))?;
        Self::handshake(socket.connect(addr).await?, addr, None).await
    }

    async fn open(
        addr: SocketAddr,
        credential: Option<(HeaderName, String)>,
    ) -> Result<Self, Failure> {
        Self::handshake(TcpStream::connect(addr).await?, addr, credential).await
    }

    async fn handshake(
        stream: TcpStream,
        addr: SocketAddr,
        credential: Option<(HeaderName, String)>,
    ) -> Result<Self, Failure> {
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Self { sender, credential, host: addr.to_string() })
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
        if let Some((name, value)) = &self.credential {
            request = request.header(name, value);
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
