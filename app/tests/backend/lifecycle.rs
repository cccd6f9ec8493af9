//! Suspending, reactivating, expiring and resetting users: sessions end, sign-in is refused,
//! other tenants' users are not there, and nobody acts above their own rank.

use app::backend::auth::{SignedIn, sign_in};
use app::backend::{ServiceError, Services, sessions, users};
use shared::auth::SignInRequest;
use shared::user_form::PasswordChoice;
use shared::{Password, UserStatus};
use sqlx::PgPool;

use crate::support::{all_tenants, client, member, run, run_from, services, tenant_with_admin};
use crate::users::new_user;

const PASSPHRASE: &str = "a long and unusual passphrase";

/// Creates `name` with a password of the admin's choosing and signs them in.
async fn signed_in_user(
    s: &Services,
    admin: &app::backend::Actor,
    name: &str,
) -> (shared::Uuid, SignedIn) {
    let mut form = new_user(name, "agent");
    form.password = PasswordChoice::Set { password: Password::new(PASSPHRASE) };
    form.must_change_password = false;
    let user =
        run_from(&s.pool, admin, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await)
            .await
            .unwrap()
            .user;
    (user.id, sign_in_as(s, name, PASSPHRASE).await.unwrap())
}

async fn sign_in_as(s: &Services, name: &str, password: &str) -> Result<SignedIn, ServiceError> {
    let request = SignInRequest {
        tenant: "acme".into(),
        login: name.into(),
        password: Password::new(password),
    };
    sign_in(&s.pool, &s.passwords, &s.sessions, &request, &client("10.0.0.9"))
        .await
        .and_then(app::backend::auth::SignInOutcome::signed_in)
}

roster_test! {
async fn suspension_ends_live_sessions_and_reactivation_lets_them_back(pool: PgPool) {
    let s = services(&pool);
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let (id, session) = signed_in_user(&s, &admin, "grace").await;
    assert!(sessions::resolve(&s, &session.token, &client("10.0.0.9")).await.is_ok());

    let suspended = run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::suspend(ctx, id).await).await.unwrap();
    assert_eq!((suspended.status, suspended.state_label()), (UserStatus::Suspended, "Suspended"));
    let next = sessions::resolve(&s, &session.token, &client("10.0.0.9")).await;
    assert!(matches!(next, Err(ServiceError::Unauthenticated)), "the live session ended");
    assert!(matches!(
        sign_in_as(&s, "grace", PASSPHRASE).await,
        Err(ServiceError::AccountUnavailable(_))
    ));

    // Suspending again changes nothing and records nothing.
    let again = run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::suspend(ctx, id).await).await.unwrap();
    assert_eq!(again.version, suspended.version);
    let actions = sqlx::query_scalar!(
        r#"select action as "action!" from audit_events where target_id = $1 and action like 'user.%' order by id"#,
        id
    )
    .fetch_all(&mut all_tenants(&pool).await)
    .await
    .unwrap();
    assert_eq!(actions, ["user.created", "user.suspended"]);

    run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::reactivate(ctx, id).await).await.unwrap();
    assert!(sign_in_as(&s, "grace", PASSPHRASE).await.is_ok());
}
}

roster_test! {
async fn an_expired_user_cannot_sign_in_and_shows_as_expired(pool: PgPool) {
    let s = services(&pool);
    let (tenant, admin) = tenant_with_admin(&pool, "acme").await;
    let (id, session) = signed_in_user(&s, &admin, "grace").await;
    // Her expiry passes (moved into the past by hand), and her session with it: no session
    // outlives its account (sessions::create, users::update).
    sqlx::query(
        "with expired as (
             update users set expires_at = now() - interval '1 minute'
              where tenant_id = $1 and id = $2 returning tenant_id, id, expires_at)
         update sessions s set expires_at = e.expires_at
           from expired e where s.tenant_id = e.tenant_id and s.user_id = e.id",
    )
    .bind(tenant)
    .bind(id)
    .execute(&mut all_tenants(&pool).await)
    .await
    .unwrap();
    let user = run(&pool, &admin, async |ctx| users::get(ctx, id).await).await.unwrap();
    assert!(user.expired);
    assert_eq!(user.state_label(), "Expired");
    assert!(sessions::resolve(&s, &session.token, &client("10.0.0.9")).await.is_err());
    assert!(matches!(
        sign_in_as(&s, "grace", PASSPHRASE).await,
        Err(ServiceError::AccountUnavailable(_))
    ));
    // The old expiry does not block editing other fields.
    let mut fields = user.fields();
    fields.branch = Some("Oslo".into());
    let edit = shared::account::UserEdit { version: user.version, fields };
    assert!(run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::update(ctx, id, edit).await).await.is_ok());
}
}

roster_test! {
/// A session ends with its user's account: once the expiry has passed, extending it does not
/// revive a session begun before (as restoring console access does not, issue 14 hole 7).
async fn an_extended_expiry_does_not_revive_the_sessions_it_ended(pool: PgPool) {
    let s = services(&pool);
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let (id, session) = signed_in_user(&s, &admin, "grace").await;
    let expire_at = async |at: chrono::DateTime<chrono::Utc>| {
        let user = run(&pool, &admin, async |ctx| users::get(ctx, id).await).await.unwrap();
        let mut fields = user.fields();
        fields.expires_at = Some(at.to_rfc3339());
        let edit = shared::account::UserEdit { version: user.version, fields };
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::update(ctx, id, edit).await).await.unwrap();
    };
    expire_at(chrono::Utc::now() + chrono::Duration::seconds(2)).await;
    assert!(sessions::resolve(&s, &session.token, &client("10.0.0.9")).await.is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    // Expired now, and no request came meanwhile; then the account is extended.
    expire_at(chrono::Utc::now() + chrono::Duration::days(30)).await;
    let revived = sessions::resolve(&s, &session.token, &client("10.0.0.9")).await;
    assert!(matches!(revived, Err(ServiceError::Unauthenticated)), "revived: {revived:?}");
    assert!(sign_in_as(&s, "grace", PASSPHRASE).await.is_ok());
}
}

roster_test! {
async fn a_reset_password_is_temporary_and_ends_every_session(pool: PgPool) {
    let s = services(&pool);
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let (id, session) = signed_in_user(&s, &admin, "grace").await;
    let reset =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::reset_password(ctx, id).await).await.unwrap();
    assert!(sessions::resolve(&s, &session.token, &client("10.0.0.9")).await.is_err());
    assert!(matches!(
        sign_in_as(&s, "grace", PASSPHRASE).await,
        Err(ServiceError::Unauthenticated)
    ));
    let again = sign_in_as(&s, "grace", reset.temporary_password.expose()).await.unwrap();
    assert!(again.me.must_change_password);

    let event = sqlx::query!(
        "select changes, details from audit_events where target_id = $1 and action = 'user.password_reset'",
        id
    )
    .fetch_one(&mut all_tenants(&pool).await)
    .await
    .unwrap();
    assert_eq!(event.details["sessions_ended"], 1);
    let recorded = format!("{} {}", event.changes, event.details);
    assert!(!recorded.contains(reset.temporary_password.expose()), "never the password");
}
}

roster_test! {
async fn other_tenants_users_are_not_found_and_nobody_acts_above_their_rank(pool: PgPool) {
    let s = services(&pool);
    let (tenant, admin) = tenant_with_admin(&pool, "acme").await;
    let (_, outsider) = tenant_with_admin(&pool, "globex").await;
    let (id, _) = signed_in_user(&s, &admin, "grace").await;
    let c = client("10.0.0.1");

    assert!(matches!(run(&pool, &outsider, async |ctx| users::get(ctx, id).await).await, Err(ServiceError::NotFound)));
    assert!(matches!(run_from(&pool, &outsider, &c, async |ctx| users::suspend(ctx, id).await).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        run_from(&pool, &outsider, &c, async |ctx| users::reactivate(ctx, id).await).await,
        Err(ServiceError::NotFound)
    ));
    let reset = run_from(&pool, &outsider, &c, async |ctx| users::reset_password(ctx, id).await).await;
    assert!(matches!(reset, Err(ServiceError::NotFound)));

    assert!(matches!(
        run_from(&pool, &admin, &c, async |ctx| users::suspend(ctx, admin.user_id).await).await,
        Err(ServiceError::Refused(_))
    ));
    let helpdesk = member(&pool, tenant, "helpdesk", "agent", "helpdesk").await;
    let reset = run_from(&pool, &helpdesk, &c, async |ctx| users::reset_password(ctx, admin.user_id).await).await;
    assert!(matches!(reset, Err(ServiceError::Denied(_))), "a helpdesk cannot take over an admin");
    assert!(run_from(&pool, &helpdesk, &c, async |ctx| users::reset_password(ctx, id).await).await.is_ok());
    let viewer = member(&pool, tenant, "viewer", "viewer", "read_only").await;
    assert!(matches!(run_from(&pool, &viewer, &c, async |ctx| users::suspend(ctx, id).await).await, Err(ServiceError::Forbidden)));
    assert!(run(&pool, &viewer, async |ctx| users::get(ctx, id).await).await.is_ok());
}
}
