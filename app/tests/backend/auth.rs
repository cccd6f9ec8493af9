//! Signing in, sessions, throttling, forced password changes and tenant creation.

use app::backend::auth::{self, SignedIn};
use app::backend::sessions::{self, SessionToken};
use app::backend::{ServiceError, Services, tenants};
use shared::auth::{ChangePasswordRequest, SignInRequest};
use shared::tenant::NewTenantForm;
use shared::{ApiError, Password, Permission};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

use crate::support::{all_tenants, client, run, run_from, services, tenant, user};

const GOOD: &str = "a long and good passphrase";

fn request(tenant: &str, login: &str, password: &str) -> SignInRequest {
    SignInRequest { tenant: tenant.into(), login: login.into(), password: Password::new(password) }
}

async fn sign_in(s: &Services, req: &SignInRequest, ip: &str) -> Result<SignedIn, ServiceError> {
    auth::sign_in(&s.pool, &s.passwords, &s.sessions, req, &client(ip))
        .await
        .and_then(auth::SignInOutcome::signed_in)
}

async fn acme_with_ada(pool: &PgPool) -> (Uuid, Uuid) {
    let acme = tenant(pool, "acme").await;
    let ada = user(pool, acme, "ada", "agent", Some(GOOD)).await.unwrap();
    (acme, ada)
}

roster_test! {
async fn signing_in_by_username_or_email_starts_a_session(pool: PgPool) {
    let s = services(&pool);
    let (_, ada) = acme_with_ada(&pool).await;
    for login in ["ada", "ADA@example.com"] {
        let signed = sign_in(&s, &request("Acme", login, GOOD), "10.0.0.1").await.unwrap();
        assert_eq!(signed.me.id, ada);
        assert_eq!(signed.me.tenant.slug, "acme");
        let actor = sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.unwrap();
        assert_eq!(actor.user_id, ada);
        assert!(!actor.superuser);
    }
    let mut conn = all_tenants(&pool).await;
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar!("select token_hash from sessions").fetch_all(&mut conn).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|h| h.len() == 32), "only SHA-256 hashes are stored");
    let last_login = sqlx::query_scalar!("select last_login_at from users where id = $1", ada)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(last_login.is_some());
    let signed_in = sqlx::query_scalar!(
        r#"select count(*) as "n!" from audit_events where action = 'session.signed_in'"#
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(signed_in, 2);
}
}

roster_test! {
async fn the_sixth_consecutive_failure_waits_and_the_hourly_cap_refuses(pool: PgPool) {
    let s = services(&pool);
    let (_, ada) = acme_with_ada(&pool).await;
    for _ in 0..5 {
        let err = sign_in(&s, &request("acme", "ada", "wrong but long enough"), "10.0.0.3").await;
        assert!(matches!(err, Err(ServiceError::Unauthenticated)));
    }
    let sixth = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.3").await;
    assert!(matches!(sixth, Err(ServiceError::Throttled(s)) if s >= 1), "{sixth:?}");
    let api = ApiError::from(sixth.unwrap_err());
    assert_eq!(api.error.http_status(), 429);
    assert!(api.retry_after.is_some());

    // Once the wait is over, a success resets the account's counter.
    sqlx::query!("update auth_throttle set blocked_until = null").execute(&pool).await.unwrap();
    sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.3").await.unwrap();
    let left = sqlx::query_scalar!(
        r#"select count(*) as "n!" from auth_throttle where scope = 'account'"#
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0);

    // At the hourly cap even the right password is refused until the hour is over.
    let _ = sign_in(&s, &request("acme", "ada", "wrong but long enough"), "10.0.0.4").await;
    let raised = sqlx::query!(
        "update auth_throttle set window_failures = 100, blocked_until = null
          where scope = 'account'"
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(raised.rows_affected(), 1);
    let key: String = sqlx::query_scalar!("select key from auth_throttle where scope = 'account'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(key, format!("user:{ada}"), "an account's bucket is its id, never what was typed");
    let capped = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.4").await;
    assert!(matches!(capped, Err(ServiceError::Throttled(s)) if s > 3000), "{capped:?}");
}
}

roster_test! {
async fn only_a_correct_password_learns_why_an_account_cannot_sign_in(pool: PgPool) {
    let s = services(&pool);
    let (acme, ada) = acme_with_ada(&pool).await;
    let bot = user(&pool, acme, "bot", "service", Some(GOOD)).await.unwrap();
    let mut conn = all_tenants(&pool).await;
    sqlx::query!("update users set status = 'suspended' where id = $1", ada)
        .execute(&mut conn)
        .await
        .unwrap();

    let wrong = sign_in(&s, &request("acme", "ada", "wrong but long enough"), "10.0.0.5").await;
    assert!(matches!(wrong, Err(ServiceError::Unauthenticated)));
    let right = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.5").await;
    assert!(matches!(right, Err(ServiceError::AccountUnavailable(m)) if m.contains("suspended")));

    sqlx::query!(
        "update users set status = 'active', expires_at = now() - interval '1 day' where id = $1",
        ada
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let expired = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.5").await;
    assert!(matches!(expired, Err(ServiceError::AccountUnavailable(m)) if m.contains("expired")));

    let service = sign_in(&s, &request("acme", "bot", GOOD), "10.0.0.5").await;
    assert!(matches!(service, Err(ServiceError::AccountUnavailable(_))), "{bot}");
}
}

roster_test! {
async fn suspension_ends_a_live_session_at_its_next_request(pool: PgPool) {
    let s = services(&pool);
    let (acme, ada) = acme_with_ada(&pool).await;
    let signed = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.6").await.unwrap();
    let mut conn = all_tenants(&pool).await;
    sqlx::query!("update users set status = 'suspended' where id = $1", ada)
        .execute(&mut conn)
        .await
        .unwrap();
    let next = sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await;
    assert!(matches!(next, Err(ServiceError::Unauthenticated)));
    // And ending all sessions removes them outright.
    sqlx::query!("update users set status = 'active' where id = $1", ada)
        .execute(&mut conn)
        .await
        .unwrap();
    let mut tx = app::backend::tenancy::begin(&pool, acme).await.unwrap();
    assert_eq!(sessions::end_all(&mut tx, acme, ada).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert!(sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.is_err());
    let forged = SessionToken::from_client("not-a-real-token");
    assert!(sessions::resolve(&s, &forged, &client("10.0.0.9")).await.is_err());
}
}

roster_test! {
async fn a_superuser_creates_a_tenant_whose_admin_must_change_the_temporary_password(pool: PgPool) {
    let s = services(&pool);
    let first = app::backend::bootstrap::ensure_platform_superuser(&pool, &s.passwords)
        .await
        .unwrap()
        .unwrap();
    let root = sign_in(&s, &request("platform", "admin", first.password.expose()), "10.0.0.7")
        .await
        .unwrap();
    assert!(root.me.must_change_password);
    let root_actor = sessions::resolve(&s, &root.token, &client("10.0.0.9")).await.unwrap();
    let form = NewTenantForm {
        slug: "northwind".into(),
        name: "Northwind Traders".into(),
        admin_first_name: "Nancy".into(),
        admin_last_name: "Davolio".into(),
        admin_email: "nancy@northwind.test".into(),
        admin_username: "nancy".into(),
    };
    // Nothing but a password change until the temporary password is replaced.
    let blocked =
        run_from(&pool, &root_actor, &client("10.0.0.7"), async |ctx| tenants::create(ctx, form.clone()).await).await;
    assert!(matches!(blocked, Err(ServiceError::PasswordChangeRequired)));

    let change = ChangePasswordRequest {
        current_password: first.password.clone(),
        new_password: Password::new("the platform's own passphrase"),
    };
    let token = auth::change_password(
        &pool,
        &s.passwords,
        &s.sessions,
        &root_actor,
        &change,
        &client("10.0.0.7"),
    )
    .await
    .unwrap();
    assert!(sessions::resolve(&s, &root.token, &client("10.0.0.9")).await.is_err(), "old session ended");
    let root_actor = sessions::resolve(&s, &token, &client("10.0.0.9")).await.unwrap();
    assert!(root_actor.superuser && !root_actor.must_change_password);
    // Then a second factor, which superusers must have (added over HTTP in the server's tests;
    // arranged here).
    assert!(root_actor.must_enrol_second_factor);
    let blocked =
        run_from(&pool, &root_actor, &client("10.0.0.7"), async |ctx| tenants::create(ctx, form.clone()).await).await;
    assert!(matches!(blocked, Err(ServiceError::MfaEnrolmentRequired)));
    sqlx::query(
        "insert into second_factors (tenant_id, user_id, kind, name, secret, confirmed_at)
         values ($1, $2, 'totp', 'Phone', '\\x000102030405060708090a0b0c0d0e0f10111213', now())",
    )
    .bind(root_actor.tenant_id)
    .bind(root_actor.user_id)
    .execute(&mut all_tenants(&pool).await)
    .await
    .unwrap();
    let root_actor = sessions::resolve(&s, &token, &client("10.0.0.9")).await.unwrap();
    assert!(!root_actor.must_enrol_second_factor);

    let created =
        run_from(&pool, &root_actor, &client("10.0.0.7"), async |ctx| tenants::create(ctx, form.clone()).await)
            .await
            .unwrap();
    assert_eq!(created.tenant.slug, "northwind");
    let again = run_from(&pool, &root_actor, &client("10.0.0.7"), async |ctx| tenants::create(ctx, form).await).await;
    assert!(matches!(again, Err(ServiceError::Validation(f)) if f["slug"] == ["taken"]));
    let listed = run(&pool, &root_actor, async |ctx| tenants::list(ctx).await).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| (t.slug.as_str(), t.user_count)).collect::<Vec<_>>(),
        [("northwind", 1)]
    );

    let nancy = sign_in(
        &s,
        &request("northwind", "nancy", created.temporary_password.expose()),
        "10.0.0.8",
    )
    .await
    .unwrap();
    assert!(nancy.me.must_change_password);
    assert_eq!(nancy.me.permissions.len(), Permission::ALL.len(), "tenant admins hold everything");
    let nancy_actor = sessions::resolve(&s, &nancy.token, &client("10.0.0.9")).await.unwrap();
    assert!(matches!(
        nancy_actor.require(Permission::UsersRead),
        Err(ServiceError::PasswordChangeRequired)
    ));
    // Tenant admins are not platform superusers.
    let refused = run(&pool, &nancy_actor, async |ctx| tenants::list(ctx).await).await;
    assert!(matches!(refused, Err(ServiceError::PasswordChangeRequired | ServiceError::Forbidden)));

    // The new tenant has its five system roles, the admin holds Administrator, all audited.
    let mut conn = all_tenants(&pool).await;
    let roles = sqlx::query_scalar!(
        "select r.system_key from roles r where r.tenant_id = $1 order by r.system_key",
        created.tenant.id
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(roles.len(), 5);
    let actions = sqlx::query_scalar!(
        "select action from audit_events where tenant_id = $1 order by id",
        created.tenant.id
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(actions, ["user.created", "tenant.created", "session.signed_in"]);
}
}

roster_test! {
async fn a_new_password_must_pass_the_policy_and_the_current_one_must_be_right(pool: PgPool) {
    let s = services(&pool);
    acme_with_ada(&pool).await;
    let signed = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.9").await.unwrap();
    let actor = sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.unwrap();
    let attempt = |current: &str, new: &str| ChangePasswordRequest {
        current_password: Password::new(current),
        new_password: Password::new(new),
    };
    let cases = [
        (attempt("not the current one", "a brand new passphrase"), "current_password", "wrong"),
        (attempt(GOOD, "short"), "new_password", "too_short"),
        (attempt(GOOD, "123456789012345"), "new_password", "common"),
        (attempt(GOOD, "ada@example.com"), "new_password", "same_as_identity"),
        (attempt(GOOD, GOOD), "new_password", "unchanged"),
    ];
    for (req, field, code) in cases {
        let err = auth::change_password(
            &pool,
            &s.passwords,
            &s.sessions,
            &actor,
            &req,
            &client("10.0.0.9"),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, ServiceError::Validation(f) if f[field] == [code]),
            "{field}/{code}: {err:?}"
        );
    }
    // Nothing changed: the old password still works and the session is alive.
    assert!(sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.is_ok());
    sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.9").await.unwrap();
}
}

roster_test! {
async fn a_request_keeps_its_session_alive_and_an_idle_one_ends(pool: PgPool) {
    let s = services(&pool);
    acme_with_ada(&pool).await;
    let signed = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.9").await.unwrap();
    let mut conn = all_tenants(&pool).await;
    let idle_for = async |conn: &mut PgConnection| -> f64 {
        sqlx::query_scalar("select extract(epoch from now() - last_seen_at)::float8 from sessions")
            .fetch_one(conn)
            .await
            .unwrap()
    };
    // Seen five minutes ago: the next request touches the session, and the touch is committed
    // (read back on another connection).
    sqlx::query("update sessions set last_seen_at = now() - interval '5 minutes'")
        .execute(&mut conn)
        .await
        .unwrap();
    sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.unwrap();
    assert!(idle_for(&mut conn).await < 10.0);
    // Past the idle timeout: the session is refused and gone.
    let idle = format!(
        "update sessions set last_seen_at = now() - interval '{} seconds'",
        s.sessions.idle.num_seconds() + 1
    );
    sqlx::query(&idle).execute(&mut conn).await.unwrap();
    let refused = sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await;
    assert!(matches!(refused, Err(ServiceError::Unauthenticated)), "{refused:?}");
    let left: i64 =
        sqlx::query_scalar("select count(*) from sessions").fetch_one(&mut conn).await.unwrap();
    assert_eq!(left, 0);
}
}

roster_test! {
/// A request's writes commit with it and roll back with its error, and a request dropped midway
/// (its client gone) leaves no transaction open on a pooled connection. The pool has one
/// connection, so every request reuses (or replaces) the one before's; a connection of its own
/// watches.
async fn a_request_commits_or_rolls_back_whole_and_a_dropped_one_leaves_no_transaction(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let pool = options.max_connections(1).connect_with(connect.clone()).await.unwrap();
    let mut watcher = PgConnection::connect_with(&connect).await.unwrap();
    sqlx::query("set roster.all_tenants = 'on'").execute(&mut watcher).await.unwrap();
    let s = services(&pool);
    acme_with_ada(&pool).await;
    let signed = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.9").await.unwrap();
    let request = async |agent: &'static str, fail: bool| {
        sessions::as_actor(&s, &signed.token, &client("10.0.0.9"), async |ctx| {
            let update = sqlx::query("update sessions set user_agent = $1").bind(agent);
            update.execute(&mut *ctx.conn).await?;
            if fail { Err(ServiceError::Forbidden) } else { Ok(()) }
        })
        .await
    };
    let agent = async |watcher: &mut PgConnection| -> String {
        sqlx::query_scalar("select user_agent from sessions").fetch_one(watcher).await.unwrap()
    };
    request("kept", false).await.unwrap();
    assert!(matches!(request("refused", true).await, Err(ServiceError::Forbidden)));
    assert_eq!(agent(&mut watcher).await, "kept");

    let from = client("10.0.0.9");
    let dropped = sessions::as_actor(&s, &signed.token, &from, async |ctx| {
        sqlx::query("update sessions set user_agent = 'dropped'").execute(&mut *ctx.conn).await?;
        std::future::pending::<Result<(), ServiceError>>().await
    });
    let timeout = tokio::time::timeout(Duration::from_millis(200), dropped).await;
    assert!(timeout.is_err(), "the request should still be waiting");
    // Its connection is closed (in the background), not pooled inside the transaction.
    let mut open = 1;
    for _ in 0..50 {
        open = sqlx::query_scalar::<_, i64>(
            "select count(*) from pg_stat_activity
              where datname = current_database() and state like 'idle in transaction%'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(open, 0, "a pooled connection was left inside a transaction");
    request("after", false).await.unwrap();
    assert_eq!(agent(&mut watcher).await, "after");
}
}

roster_test! {
/// Hole 7: a temporary password nobody replaced stays a way in forever. Past its validity it is
/// refused (after the right password, like other unavailable accounts) and the refusal recorded.
async fn an_expired_temporary_password_is_refused_and_a_fresh_one_works(pool: PgPool) {
    let s = services(&pool);
    let (_, ada) = acme_with_ada(&pool).await;
    let mut conn = all_tenants(&pool).await;
    let set_at = async |conn: &mut PgConnection, temporary: bool, days_ago: i32| {
        sqlx::query(
            "update users set must_change_password = $2,
                              password_changed_at = now() - make_interval(days => $3)
              where id = $1",
        )
        .bind(ada)
        .bind(temporary)
        .bind(days_ago)
        .execute(conn)
        .await
        .unwrap();
    };
    set_at(&mut conn, true, 8).await;
    let expired = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.10").await;
    assert!(
        matches!(&expired, Err(ServiceError::AccountUnavailable(m)) if m.contains("administrator")),
        "{expired:?}"
    );
    let reasons: Vec<String> = sqlx::query_scalar(
        "select details->>'reason' from audit_events where action = 'session.sign_in_failed'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(reasons, ["temporary_password_expired"]);
    // A wrong password still learns nothing about it.
    let wrong = sign_in(&s, &request("acme", "ada", "wrong but long enough"), "10.0.0.10").await;
    assert!(matches!(wrong, Err(ServiceError::Unauthenticated)), "{wrong:?}");

    set_at(&mut conn, true, 6).await;
    let fresh = sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.10").await.unwrap();
    assert!(fresh.me.must_change_password);
    // A password the user chose does not expire.
    set_at(&mut conn, false, 400).await;
    sign_in(&s, &request("acme", "ada", GOOD), "10.0.0.10").await.unwrap();
}
}
