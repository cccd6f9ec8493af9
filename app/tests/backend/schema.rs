//! Backend tests against a real PostgreSQL: each test gets a fresh, migrated database.
#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use app::backend::bootstrap::{FIRST_SUPERUSER, ensure_platform_superuser};
use app::backend::password::Passwords;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn first_start_creates_one_superuser_with_a_temporary_password(pool: PgPool) {
    let passwords = Passwords::default();
    let first = ensure_platform_superuser(&pool, &passwords).await.unwrap().expect("created");
    assert_eq!((first.tenant, first.username), ("platform", FIRST_SUPERUSER));

    let row = sqlx::query!(
        r#"select u.username, u.must_change_password, u.password_hash as "hash!",
                  u.xmin::text::bigint as "xmin!"
             from users u join tenants t on t.id = u.tenant_id
            where t.slug = 'platform'"#
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row.username, FIRST_SUPERUSER);
    assert!(row.must_change_password, "a temporary password must be changed at first sign-in");
    assert!(row.hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(passwords.verify(&first.password, &row.hash).await.unwrap());
    assert!(!row.hash.contains(first.password.expose()));

    // Exactly one audit event, from the very transaction that created the user, without the secret.
    let events = sqlx::query!(
        r#"select action, actor_kind, changes::text as "changes!",
                  (txid % 4294967296) as "txid!"
             from audit_events"#
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "user.created");
    assert_eq!(events[0].actor_kind, "system");
    assert_eq!(events[0].txid, row.xmin, "the event must come from the creating transaction");
    assert!(!events[0].changes.contains(first.password.expose()));
}

#[sqlx::test(migrations = "../migrations")]
async fn later_starts_and_racing_replicas_create_no_second_superuser(pool: PgPool) {
    let passwords = Passwords::default();
    let (a, b) = tokio::join!(
        ensure_platform_superuser(&pool, &passwords),
        ensure_platform_superuser(&pool, &passwords)
    );
    let created = [a.unwrap(), b.unwrap()].into_iter().flatten().count();
    assert_eq!(created, 1, "exactly one of two racing starts creates the superuser");
    assert!(ensure_platform_superuser(&pool, &passwords).await.unwrap().is_none());
    let users = sqlx::query_scalar!(r#"select count(*) as "n!" from users"#)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

async fn tenant(pool: &PgPool, slug: &str) -> Uuid {
    sqlx::query_scalar!("insert into tenants (slug, name) values ($1, $1) returning id", slug)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn insert_user(
    pool: &PgPool,
    tenant: Uuid,
    email: &str,
    username: &str,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type)
         values ($1, 'Ada', 'Lovelace', $2, $3, 'agent') returning id",
        tenant,
        email,
        username
    )
    .fetch_one(pool)
    .await
}

fn violated_constraint(err: sqlx::Error) -> String {
    err.as_database_error().and_then(|e| e.constraint()).unwrap_or_default().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn email_username_and_external_id_are_unique_per_tenant_ignoring_case(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    insert_user(&pool, acme, "ada@example.com", "ada").await.unwrap();

    let err = insert_user(&pool, acme, "ADA@Example.com", "ada2").await.unwrap_err();
    assert_eq!(violated_constraint(err), "users_email_key");
    let err = insert_user(&pool, acme, "other@example.com", "ADA").await.unwrap_err();
    assert_eq!(violated_constraint(err), "users_username_key");
    // Another tenant may use the same email and username.
    insert_user(&pool, globex, "ada@example.com", "ada").await.unwrap();

    let b = insert_user(&pool, acme, "b@example.com", "b").await.unwrap();
    let c = insert_user(&pool, acme, "c@example.com", "c").await.unwrap();
    sqlx::query!("update users set external_id = 'HR-1' where id = $1", b)
        .execute(&pool)
        .await
        .unwrap();
    let err = sqlx::query!("update users set external_id = 'hr-1' where id = $1", c)
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(violated_constraint(err), "users_external_id_key");
}

#[sqlx::test(migrations = "../migrations")]
async fn rows_cannot_reference_another_tenants_rows(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    let user = insert_user(&pool, acme, "ada@example.com", "ada").await.unwrap();
    let role = sqlx::query_scalar!(
        "insert into roles (tenant_id, name) values ($1, 'Globex role') returning id",
        globex
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    let err = sqlx::query!(
        "insert into user_roles (tenant_id, user_id, role_id) values ($1, $2, $3)",
        acme,
        user,
        role
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(violated_constraint(err), "user_roles_role_fkey");

    let other = insert_user(&pool, globex, "boss@example.com", "boss").await.unwrap();
    let err = sqlx::query!("update users set manager_id = $1 where id = $2", other, user)
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(violated_constraint(err), "users_manager_fkey");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_audit_trail_is_append_only(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    sqlx::query!(
        "insert into audit_events (tenant_id, actor_kind, action) values ($1, 'system', 'test.event')",
        acme
    )
    .execute(&pool)
    .await
    .unwrap();

    let statements = [
        "update audit_events set action = 'rewritten'",
        "delete from audit_events",
        "truncate audit_events",
    ];
    for statement in statements {
        let err = sqlx::query(statement).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
    let count = sqlx::query_scalar!(r#"select count(*) as "n!" from audit_events"#)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}
