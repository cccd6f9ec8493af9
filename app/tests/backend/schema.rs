//! The schema's own guarantees: first-start bootstrap, uniqueness, no cross-tenant references,
//! an append-only audit trail, and row-level security.

use app::backend::bootstrap::{FIRST_SUPERUSER, ensure_platform_superuser};
use app::backend::password::Passwords;
use app::backend::tenancy;
use sqlx::PgPool;

use crate::support::{all_tenants, as_owner, tenant, user, violated_constraint};

roster_test! {
async fn first_start_creates_one_superuser_with_a_temporary_password(pool: PgPool) {
    let passwords = Passwords::default();
    let first = ensure_platform_superuser(&pool, &passwords).await.unwrap().expect("created");
    assert_eq!((first.tenant, first.username), ("platform", FIRST_SUPERUSER));

    let mut conn = all_tenants(&pool).await;
    let row = sqlx::query!(
        r#"select u.username, u.must_change_password, u.password_hash as "hash!",
                  u.xmin::text::bigint as "xmin!"
             from users u join tenants t on t.id = u.tenant_id
            where t.slug = 'platform'"#
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(row.username, FIRST_SUPERUSER);
    assert!(row.must_change_password, "a temporary password must be changed at first sign-in");
    assert!(row.hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(passwords.verify(&first.password, &row.hash).await.unwrap());

    // Exactly one audit event, from the very transaction that created the user, without the secret.
    let events = sqlx::query!(
        r#"select action, actor_kind, changes::text as "changes!",
                  (txid % 4294967296) as "txid!"
             from audit_events"#
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "user.created");
    assert_eq!(events[0].actor_kind, "system");
    assert_eq!(events[0].txid, row.xmin, "the event must come from the creating transaction");
    assert!(!events[0].changes.contains(first.password.expose()));
}
}

roster_test! {
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
        .fetch_one(&mut all_tenants(&pool).await)
        .await
        .unwrap();
    assert_eq!(users, 1);
}
}

roster_test! {
async fn email_username_and_external_id_are_unique_per_tenant_ignoring_case(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    user(&pool, acme, "ada", "agent", None).await.unwrap();

    let mut conn = all_tenants(&pool).await;
    let err = sqlx::query!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type)
         values ($1, 'A', 'B', 'someone.else@example.com', 'ADA', 'agent')",
        acme
    )
    .execute(&mut conn)
    .await
    .unwrap_err();
    assert_eq!(violated_constraint(err), "users_username_key");
    let err = sqlx::query!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type)
         values ($1, 'A', 'B', 'ADA@Example.com', 'other', 'agent')",
        acme
    )
    .execute(&mut conn)
    .await
    .unwrap_err();
    assert_eq!(violated_constraint(err), "users_email_key");
    // Another tenant may use the same email and username.
    user(&pool, globex, "ada", "agent", None).await.unwrap();

    let b = user(&pool, acme, "b", "agent", None).await.unwrap();
    let c = user(&pool, acme, "c", "agent", None).await.unwrap();
    sqlx::query!("update users set external_id = 'HR-1' where id = $1", b)
        .execute(&mut conn)
        .await
        .unwrap();
    let err = sqlx::query!("update users set external_id = 'hr-1' where id = $1", c)
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert_eq!(violated_constraint(err), "users_external_id_key");
}
}

roster_test! {
async fn rows_cannot_reference_another_tenants_rows(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    let ada = user(&pool, acme, "ada", "agent", None).await.unwrap();
    let boss = user(&pool, globex, "boss", "agent", None).await.unwrap();
    let mut conn = all_tenants(&pool).await;
    let role = sqlx::query_scalar!(
        "insert into roles (tenant_id, name) values ($1, 'Globex role') returning id",
        globex
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();

    let err = sqlx::query!(
        "insert into user_roles (tenant_id, user_id, role_id) values ($1, $2, $3)",
        acme,
        ada,
        role
    )
    .execute(&mut conn)
    .await
    .unwrap_err();
    assert_eq!(violated_constraint(err), "user_roles_role_fkey");

    let err = sqlx::query!("update users set manager_id = $1 where id = $2", boss, ada)
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert_eq!(violated_constraint(err), "users_manager_fkey");
}
}

roster_test! {
async fn the_audit_trail_is_append_only(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let mut conn = all_tenants(&pool).await;
    sqlx::query!(
        "insert into audit_events (tenant_id, actor_kind, action) values ($1, 'system', 'test.event')",
        acme
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let statements = [
        "update audit_events set action = 'rewritten'",
        "delete from audit_events",
        "truncate audit_events",
    ];
    for statement in statements {
        let err = sqlx::query(statement).execute(&mut conn).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
    let count = sqlx::query_scalar!(r#"select count(*) as "n!" from audit_events"#)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 1);
}
}

roster_test! {
async fn row_level_security_hides_other_tenants_even_without_a_filter(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    user(&pool, acme, "ada", "agent", None).await.unwrap();
    user(&pool, globex, "gus", "agent", None).await.unwrap();

    // No tenant named: nothing at all.
    let none = sqlx::query_scalar!(r#"select count(*) as "n!" from users"#)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(none, 0);

    // In acme, a query that forgets its tenant filter still sees only acme.
    let mut tx = tenancy::begin(&pool, acme).await.unwrap();
    let names =
        sqlx::query_scalar!("select username from users").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(names, ["ada"]);
    let updated = sqlx::query!("update users set position = 'x'").execute(&mut *tx).await.unwrap();
    assert_eq!(updated.rows_affected(), 1, "only acme's row can be changed");
    // Writing a row into another tenant is refused.
    let err = sqlx::query!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type)
         values ($1, 'E', 'Vil', 'e@x.io', 'evil', 'agent')",
        globex
    )
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
}
}

/// An audit event of the tenant `$1`.
const TEST_EVENT: &str =
    "insert into audit_events (tenant_id, actor_kind, action) values ($1, 'system', 'test.event')";

/// The SQLSTATE of a failed statement.
fn sqlstate(err: &sqlx::Error) -> String {
    err.as_database_error().and_then(|e| e.code()).map(|code| code.into_owned()).unwrap_or_default()
}

roster_test! {
/// The role the server works as owns nothing: whatever SQL it runs, it cannot disable
/// row-level security or the audit guards, or rewrite the audit trail. Each statement is what
/// the server could do when it connected as the owner of the tables.
async fn the_working_role_cannot_switch_off_its_guards_or_rewrite_the_trail(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    user(&pool, acme, "ada", "agent", None).await.unwrap();
    let mut owner = all_tenants(&pool).await;
    sqlx::query(TEST_EVENT).bind(acme).execute(&mut owner).await.unwrap();
    let as_owner = PgPool::connect_with(as_owner(&pool.connect_options())).await.unwrap();
    assert!(tenancy::guards_switchable(&as_owner).await.unwrap());
    assert!(!tenancy::guards_switchable(&pool).await.unwrap(), "the tests' pool is roster_app's");

    let statements = [
        "alter table users disable row level security",
        "alter table users no force row level security",
        "drop policy users_tenant_isolation on users",
        "alter table users disable trigger users_audited",
        "alter table audit_events disable trigger all",
        "drop trigger audit_events_append_only on audit_events",
        "create or replace function roster_unaudited() returns boolean language sql as 'select true'",
        "update audit_events set action = 'rewritten'",
        "delete from audit_events",
        "truncate audit_events",
        "truncate users cascade",
        "select count(*) from user_search",
        "create table smuggled (secret text)",
        // A token's tenant is written only with the token: none can be moved to another.
        "insert into api_token_tenants values ('\\x00', gen_random_uuid())",
        "update api_token_tenants set tenant_id = gen_random_uuid()",
        "delete from api_token_tenants",
        "set role roster",
        "alter role roster_app bypassrls",
        "do $$ begin execute format('alter database %I set roster.unaudited = ''on''',
                                    current_database()); end $$",
    ];
    const INSUFFICIENT_PRIVILEGE: &str = "42501";
    for statement in statements {
        let mut tx = tenancy::begin(&pool, acme).await.unwrap();
        let err = sqlx::query(statement).execute(&mut *tx).await.unwrap_err();
        assert_eq!(sqlstate(&err), INSUFFICIENT_PRIVILEGE, "{statement}: {err}");
    }
    let events: i64 =
        sqlx::query_scalar("select count(*) from audit_events where action = 'test.event'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(events, 1);
}
}

roster_test! {
/// The settings that skip the audit guard (bulk loads, hand-run maintenance) and the note the
/// guard once kept in a setting are no way around it for the working role: a change without an
/// audit event does not commit, and user_search stays in step (checked by the invariants).
async fn no_setting_lets_the_working_role_change_rows_unaudited(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let ada = user(&pool, acme, "ada", "agent", None).await.unwrap();
    let dodges = [
        "select set_config('roster.unaudited', 'on', true)",
        "select set_config('roster.bulk_load', 'on', true)",
        "select set_config('roster.audited_txid', txid_current()::text, true)",
    ];
    for dodge in dodges {
        let mut tx = tenancy::begin(&pool, acme).await.unwrap();
        sqlx::query(dodge).execute(&mut *tx).await.unwrap();
        sqlx::query("update users set last_name = 'Dodged' where id = $1")
            .bind(ada)
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = tx.commit().await.unwrap_err();
        assert!(err.to_string().contains("without an audit event"), "{dodge}: {err}");
    }
    let last_name: String = sqlx::query_scalar("select last_name from users where id = $1")
        .bind(ada)
        .fetch_one(&mut all_tenants(&pool).await)
        .await
        .unwrap();
    assert_eq!(last_name, "ada");

    // An audited change under roster.bulk_load commits, and still reaches user_search.
    let mut tx = tenancy::begin(&pool, acme).await.unwrap();
    let bulk_load = "select set_config('roster.bulk_load', 'on', true)";
    sqlx::query(bulk_load).execute(&mut *tx).await.unwrap();
    sqlx::query(TEST_EVENT).bind(acme).execute(&mut *tx).await.unwrap();
    sqlx::query("update users set last_name = 'Loaded' where id = $1")
        .bind(ada)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = tenancy::begin(&pool, acme).await.unwrap();
    let key: String =
        sqlx::query_scalar("select last_name_key from user_search_in_tenant where id = $1")
            .bind(ada)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(key, "loaded");
}
}

roster_test! {
/// The working role reads user_search only through user_search_in_tenant, which shows the
/// transaction's tenant and nothing without one, whatever the statement forgets to filter.
async fn the_search_rows_the_working_role_reads_are_its_tenants(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    user(&pool, acme, "ada", "agent", None).await.unwrap();
    user(&pool, globex, "gus", "agent", None).await.unwrap();
    let sql = "select username_key from user_search_in_tenant order by 1";
    let none: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
    assert!(none.is_empty(), "{none:?}");
    let mut tx = tenancy::begin(&pool, acme).await.unwrap();
    let seen: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *tx).await.unwrap();
    assert_eq!(seen, ["ada"]);
}
}

roster_test! {
/// Every tenant at once is the owner's: for the working role, roster.all_tenants shows nothing
/// more, and what it needs across tenants comes from the two functions made for it.
async fn no_setting_shows_the_working_role_every_tenant(pool: PgPool) {
    let acme = tenant(&pool, "acme").await;
    let globex = tenant(&pool, "globex").await;
    user(&pool, acme, "ada", "agent", None).await.unwrap();
    user(&pool, globex, "gus", "agent", None).await.unwrap();
    let mut tx = tenancy::begin(&pool, acme).await.unwrap();
    sqlx::query("select set_config('roster.all_tenants', 'on', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    for table in ["users", "user_search_in_tenant", "user_counts", "audit_events"] {
        let tenants: i64 = sqlx::query_scalar(&format!(
            "select count(distinct tenant_id) from {table}"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert!(tenants <= 1, "{table}: rows of {tenants} tenants");
    }
    let counted: Vec<(sqlx::types::Uuid, i64)> =
        sqlx::query_as("select tenant_id, users from roster_tenant_user_counts() order by users")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(counted.len(), 2, "the tenant list's counts span tenants: {counted:?}");
}
}
