//! The audit trail over HTTP: what a run of sign-ins and password changes records, read back
//! through `GET /api/v1/audit` and its CSV export, and that no password, temporary or chosen,
//! reaches an audit row or a log line on the way.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use sqlx::PgPool;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use tracing_subscriber::fmt::MakeWriter;

use super::{GOOD, acme_with_ada, add_user, app, arrange, call, cookie_for, json_post, send};

/// Log lines, at every level, kept in memory.
#[derive(Clone, Default)]
pub(super) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// The log of the whole test binary, captured from the first call on. It is the global
    /// subscriber, not one scoped to the test's thread: tracing decides once per call site,
    /// for the whole process, whether anyone listens, and decides it on the thread that first
    /// reaches the site, so a sibling test (or the blocking pool hashing a password) reaching
    /// it without a subscriber would silence the site for this test too.
    pub(super) fn of_the_process() -> &'static Captured {
        static LOG: OnceLock<Captured> = OnceLock::new();
        LOG.get_or_init(|| {
            let logs = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(logs.clone())
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
            // Sites reached while the subscriber was being installed decided without it.
            tracing::callsite::rebuild_interest_cache();
            logs
        })
    }

    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn passwords_never_reach_the_trail_or_the_log_and_the_api_reads_the_trail(pool: PgPool) {
    let logs = Captured::of_the_process();
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Bo", "Boss", "boss", "tenant_admin").await;
    let boss = cookie_for(&pool, "acme", "boss", GOOD).await;
    let chosen = "the passphrase the admin chose";
    let new_user = json!({
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@acme.test",
        "username": "grace", "user_type": "agent", "status": "active",
        "password": {"mode": "set", "password": chosen}, "must_change_password": false,
    });
    let (status, created) = call(&pool, "POST", "/api/v1/users", &boss, Some(new_user)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let grace = created["user"]["id"].as_str().unwrap().to_owned();
    let reset = format!("/api/v1/users/{grace}/reset-password");
    let (status, answer) = call(&pool, "POST", &reset, &boss, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let temporary = answer["temporary_password"].as_str().unwrap().to_owned();
    let wrong = "not grace's passphrase at all";
    let failed = json!({"tenant": "acme", "login": "grace", "password": wrong});
    let request = json_post("/api/v1/session").body(Body::from(failed.to_string())).unwrap();
    assert_eq!(send(app(pool.clone()), request).await.0, StatusCode::UNAUTHORIZED);
    let grace_cookie = cookie_for(&pool, "acme", "grace", &temporary).await;
    let replaced = "grace's very own new passphrase";
    let change = json!({"current_password": temporary, "new_password": replaced});
    let (status, answer) =
        call(&pool, "POST", "/api/v1/me/password", &grace_cookie, Some(change)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");

    // Grace's history, newest first, through the API.
    let (status, page) =
        call(&pool, "GET", &format!("/api/v1/audit?subject={grace}"), &boss, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let actions: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "user.password_changed",
            "session.signed_in",
            "session.sign_in_failed",
            "user.password_reset",
            "user.created"
        ]
    );
    let changed = &page["items"][0];
    assert_eq!(changed["details"]["was_temporary"], true);
    assert_eq!(changed["actor"]["name"], "Grace Hopper");
    assert_eq!(page["items"][2]["details"]["reason"], "wrong_password");
    assert!(page["next_cursor"].is_null());

    // Filters are checked; the agent may not read the trail, and the refusal is not a change.
    let (status, bad) = call(&pool, "GET", "/api/v1/audit?from=soon", &boss, None).await;
    assert_eq!((status.as_u16(), &bad["fields"]["from"][0]), (422, &json!("invalid")));
    let ada = cookie_for(&pool, "acme", "ada", GOOD).await;
    assert_eq!(call(&pool, "GET", "/api/v1/audit", &ada, None).await.0, StatusCode::FORBIDDEN);

    // The export: a CSV download of the same events.
    let export = Request::get(format!("/api/v1/audit/export?subject={grace}"))
        .header(header::HOST, "roster.test")
        .header(header::COOKIE, &boss)
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app(pool.clone()), export).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"audit-acme-"), "{disposition}");
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let csv = String::from_utf8(body.to_vec()).unwrap();
    assert_eq!(csv.lines().next().unwrap().split(',').next(), Some("time"));
    assert_eq!(csv.matches("user.password_reset").count(), 1, "{csv}");

    // Not one secret anywhere: every audit row, every log line.
    let rows: Vec<String> = sqlx::query_scalar("select row_to_json(a)::text from audit_events a")
        .fetch_all(&mut arrange(&pool).await)
        .await
        .unwrap();
    let logged = logs.text();
    assert!(logged.contains("sign_in"), "the log was captured: {logged}");
    let cookie_value = boss.split_once('=').unwrap().1;
    for secret in [GOOD, chosen, temporary.as_str(), wrong, replaced, cookie_value] {
        assert!(!rows.iter().any(|row| row.contains(secret)), "{secret} is in the audit trail");
        assert!(!logged.contains(secret), "{secret} is in the log");
        assert!(!csv.contains(secret), "{secret} is in the export");
    }
}
