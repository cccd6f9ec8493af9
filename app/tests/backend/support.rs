//! Helpers shared by the backend tests.

use app::backend::passkey::Passkeys;
use app::backend::password::Passwords;
use app::backend::sessions::{ClientInfo, SessionPolicy};
use app::backend::{Actor, Ctx, ServiceError, Services, context, roles, sessions, tenancy};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgConnection, PgPool};
use uuid::Uuid;

/// `connect` (a test's own database) as the role the server works as: `roster_app`, from
/// `ROSTER_TEST_APP_DATABASE_URL` (set by `./roster.sh test`), which owns nothing.
pub fn as_app(connect: PgConnectOptions) -> PgConnectOptions {
    as_role("ROSTER_TEST_APP_DATABASE_URL", &connect)
}

/// `connect` as the owner of the tables: `DATABASE_URL`, the role sqlx::test migrates with.
pub fn as_owner(connect: &PgConnectOptions) -> PgConnectOptions {
    as_role("DATABASE_URL", connect)
}

fn as_role(variable: &str, connect: &PgConnectOptions) -> PgConnectOptions {
    let url = std::env::var(variable)
        .unwrap_or_else(|_| panic!("{variable} is not set: run the tests with ./roster.sh test"));
    let role: PgConnectOptions = url.parse().unwrap();
    role.database(connect.get_database().unwrap())
}

/// A connection that sees every tenant, for arranging and inspecting data directly: its changes
/// are deliberately not audited (arrangement, not the code under test, which the database holds
/// to an audit event per changing transaction). It connects as the owner of the tables, the
/// only role for whom `roster.unaudited` means anything, on a connection of its own.
pub async fn all_tenants(pool: &PgPool) -> PgConnection {
    let mut conn = PgConnection::connect_with(&as_owner(&pool.connect_options())).await.unwrap();
    sqlx::query("set roster.all_tenants = 'on'").execute(&mut conn).await.unwrap();
    sqlx::query("set roster.unaudited = 'on'").execute(&mut conn).await.unwrap();
    conn
}

pub fn services(pool: &PgPool) -> Services {
    Services {
        pool: pool.clone(),
        passwords: Passwords::default(),
        sessions: SessionPolicy::default(),
        https: false,
        trusted_proxies: Vec::new(),
        token_rate: Default::default(),
        passkeys: Passkeys::new(&"http://localhost:3000".parse().unwrap()).unwrap(),
    }
}

/// Runs a use case as `actor`, as a front door would (one transaction, a refusal recorded), from
/// a test's address.
pub async fn run<T>(
    pool: &PgPool,
    actor: &Actor,
    work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    run_from(pool, actor, &client("10.0.0.9"), work).await
}

/// [`run`] from `client`.
pub async fn run_from<T>(
    pool: &PgPool,
    actor: &Actor,
    client: &ClientInfo,
    work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    context::run_as(&services(pool), actor, client, work).await
}

pub fn client(ip: &str) -> ClientInfo {
    ClientInfo { ip: ip.parse().ok(), user_agent: Some("tests".into()), request_id: None }
}

/// Inserts a tenant and returns its id.
pub async fn tenant(pool: &PgPool, slug: &str) -> Uuid {
    sqlx::query_scalar!("insert into tenants (slug, name) values ($1, $1) returning id", slug)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Inserts a user (type agent unless given) with an optional password; returns its id.
pub async fn user(
    pool: &PgPool,
    tenant: Uuid,
    username: &str,
    user_type: &str,
    password: Option<&str>,
) -> Result<Uuid, sqlx::Error> {
    let hash = match password {
        Some(clear) => {
            Some(Passwords::default().hash(&shared::Password::new(clear)).await.unwrap())
        }
        None => None,
    };
    let mut conn = all_tenants(pool).await;
    sqlx::query_scalar!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type, password_hash)
         values ($1, 'Test', $2, $2 || '@example.com', $2, $3, $4) returning id",
        tenant,
        username,
        user_type,
        hash
    )
    .fetch_one(&mut conn)
    .await
}

/// The constraint a database error violated.
pub fn violated_constraint(err: sqlx::Error) -> String {
    err.as_database_error().and_then(|e| e.constraint()).unwrap_or_default().to_owned()
}

/// A tenant with its system roles and a tenant admin (`admin`, no password); returns the
/// tenant and the admin as an actor.
pub async fn tenant_with_admin(pool: &PgPool, slug: &str) -> (Uuid, Actor) {
    let id = tenant(pool, slug).await;
    seed_roles(pool, id).await;
    let admin = user(pool, id, "admin", "tenant_admin", None).await.unwrap();
    (id, actor(pool, id, admin).await)
}

/// Gives a tenant its system roles.
pub async fn seed_roles(pool: &PgPool, tenant: Uuid) {
    roles::seed(&mut all_tenants(pool).await, tenant).await.unwrap();
}

/// A user (type and system role given) as an actor.
pub async fn member(pool: &PgPool, tenant: Uuid, name: &str, user_type: &str, role: &str) -> Actor {
    let id = user(pool, tenant, name, user_type, None).await.unwrap();
    sqlx::query!(
        "insert into user_roles (tenant_id, user_id, role_id)
         select $1, $2, id from roles where tenant_id = $1 and system_key = $3",
        tenant,
        id,
        role
    )
    .execute(&mut all_tenants(pool).await)
    .await
    .unwrap();
    actor(pool, tenant, id).await
}

/// A user as the Actor their session would resolve to.
pub async fn actor(pool: &PgPool, tenant: Uuid, user: Uuid) -> Actor {
    let mut tx = tenancy::begin(pool, tenant).await.unwrap();
    let actor = sessions::load_actor(&mut tx, tenant, user, chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    actor.expect("the user may use the console")
}

/// The id of a system role in a tenant.
pub async fn role_id(pool: &PgPool, tenant: Uuid, key: &str) -> Uuid {
    sqlx::query_scalar!(
        "select id from roles where tenant_id = $1 and system_key = $2",
        tenant,
        key
    )
    .fetch_one(&mut all_tenants(pool).await)
    .await
    .unwrap()
}

/// How many rows a table has across all tenants (to prove a failed change changed nothing).
pub async fn count(pool: &PgPool, table: &str) -> i64 {
    let sql = format!("select count(*) from {table}");
    sqlx::query_scalar(&sql).fetch_one(&mut all_tenants(pool).await).await.unwrap()
}

/// What every backend test must leave standing, checked across all tenants in one snapshot
/// after its body (`roster_test!` in main.rs); a failure names each broken invariant with a
/// few of its offending rows.
///
/// 1. The counters behind the stat cards (user_counts, role_user_counts, team_user_counts)
///    equal counts of the rows they stand for.
/// 2. user_search holds exactly one row per user, equal to `user_search_row` of that user.
/// 3. Every changed row has its audit event in the same transaction: that is checked by the
///    database itself, at every commit (the deferred constraint triggers `<table>_audited` of
///    migrations/20261125000001_audit.sql refuse the commit). Here: the triggers are still
///    there, enabled and deferred on every guarded table, and no database or role default
///    switches them off, so the guarantee cannot silently disappear.
/// 4. No live session (before its absolute end; the idle timeout is not counted on) belongs
///    to a user who may not use the console: suspended, expired, without console access, or a
///    service account. Suspension and revoked access delete the sessions; an expiry ends them
///    with it, as none outlives its account (sessions::create, users::update).
pub async fn invariants(connect: &PgConnectOptions) {
    // A connection of its own, as the owner (it reads user_search itself): the test may have
    // closed its pool, or left it busy.
    let mut conn = PgConnection::connect_with(&as_owner(connect)).await.unwrap();
    sqlx::query("set roster.all_tenants = 'on'").execute(&mut conn).await.unwrap();
    // One snapshot for every check: a background task still writing (a team rule run) shows
    // up committed whole or not at all.
    sqlx::query("begin isolation level repeatable read, read only")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut broken = Vec::new();
    for (name, sql) in INVARIANTS {
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "select offence from ({sql}) broken (offence) limit {}",
            SHOWN + 1
        ))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("checking that {name}: {e}"));
        if !rows.is_empty() {
            let more = if rows.len() > SHOWN { "\n    …and more" } else { "" };
            let shown = rows.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>();
            broken.push(format!("  {name}, but:\n    {}{more}", shown.join("\n    ")));
        }
    }
    sqlx::query("rollback").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    assert!(broken.is_empty(), "invariants broken after the test:\n{}", broken.join("\n"));
}

/// How many offending rows a failure shows per invariant.
const SHOWN: usize = 5;

/// Each invariant as what it claims and a query of the rows that break it (one text per row).
const INVARIANTS: [(&str, &str); 4] = [
    (
        "the user counters equal real counts",
        // Cells as kept, and as recount_users computes them (the same grouping, in every
        // tenant); a cell of 0 stands for no users. Either side's extra rows are the difference.
        "with kept (counter, tenant_id, group_id, user_type, status, signed_in, expires, users) as (
             select 'user_counts', tenant_id, null::uuid, user_type, status, signed_in, expires,
                    users
               from user_counts where users <> 0
             union all
             select 'role_user_counts', tenant_id, role_id, user_type, status, signed_in, expires,
                    users
               from role_user_counts where users <> 0
             union all
             select 'team_user_counts', tenant_id, team_id, user_type, status, signed_in, expires,
                    users
               from team_user_counts where users <> 0
         ), counted as (
             select 'user_counts', tenant_id, null::uuid, user_type, status,
                    last_login_at is not null, coalesce(expires_at, 'infinity'), count(*)
               from users group by 1, 2, 3, 4, 5, 6, 7
             union all
             select 'role_user_counts', u.tenant_id, ur.role_id, u.user_type, u.status,
                    u.last_login_at is not null, coalesce(u.expires_at, 'infinity'), count(*)
               from user_roles ur join users u on u.tenant_id = ur.tenant_id and u.id = ur.user_id
              group by 1, 2, 3, 4, 5, 6, 7
             union all
             select 'team_user_counts', u.tenant_id, tm.team_id, u.user_type, u.status,
                    u.last_login_at is not null, coalesce(u.expires_at, 'infinity'), count(*)
               from team_members tm join users u on u.tenant_id = tm.tenant_id and u.id = tm.user_id
              group by 1, 2, 3, 4, 5, 6, 7
         )
         select format('%s: %s', d.side, row(d.counter, d.tenant_id, d.group_id, d.user_type,
                       d.status, d.signed_in, d.expires, d.users))
           from (select 'kept', * from (table kept except all table counted) k
                 union all
                 select 'counted', * from (table counted except all table kept) c)
                d (side, counter, tenant_id, group_id, user_type, status, signed_in, expires, users)
          order by d.counter, d.tenant_id, d.group_id, d.user_type, d.status, d.signed_in,
                   d.expires, d.side",
    ),
    (
        "user_search matches users",
        "with expected as (select r.* from users u, lateral user_search_row(u) r)
         select format('%s: %s', d.side, d.found)
           from (select 'users say', e.tenant_id, e.id, row(e.*)
                   from (table expected except table user_search) e
                 union all
                 select 'user_search says', s.tenant_id, s.id, row(s.*)
                   from (table user_search except table expected) s) d (side, tenant_id, id, found)
          order by d.tenant_id, d.id, d.side",
    ),
    (
        "every guarded table keeps its deferred audit trigger, and nothing switches it off",
        // The WHEN condition skips rows under roster.bulk_load and roster.unaudited, which only
        // a transaction or session may set, never a database or role default.
        "select format('%s: %s', t, coalesce(
                    (select format('%s [tgenabled %s]', pg_get_triggerdef(tg.oid), tg.tgenabled)
                       from pg_trigger tg
                      where tg.tgrelid = t::regclass and tg.tgname = t || '_audited'),
                    'no trigger ' || t || '_audited'))
           from unnest(array['users', 'user_avatars', 'roles', 'user_roles', 'teams',
                             'team_members']) t
          where not exists (
                    select from pg_trigger tg
                     where tg.tgrelid = t::regclass and tg.tgname = t || '_audited'
                       and tg.tgenabled in ('O', 'A') and tg.tgconstraint <> 0
                       and tg.tgdeferrable and tg.tginitdeferred
                       and tg.tgfoid = 'roster_require_audit'::regproc
                       -- for each row (1), after insert (4), delete (8) and update (16)
                       and tg.tgtype & (1 | 2 | 4 | 8 | 16 | 64) = 1 | 4 | 8 | 16)
         union all
         select format('default setting %s (database %s, role %s)', s.setting,
                       coalesce(d.datname, 'any'), coalesce(r.rolname, 'any'))
           from pg_db_role_setting c
           left join pg_database d on d.oid = c.setdatabase
           left join pg_roles r on r.oid = c.setrole,
                unnest(c.setconfig) s (setting)
          where s.setting ilike 'roster.unaudited=%' or s.setting ilike 'roster.bulk_load=%'",
    ),
    (
        "no live session belongs to a user who may not use the console",
        "select format('session of %s/%s (%s, %s, console access %s, expires %s) until %s',
                       u.tenant_id, u.username, u.user_type, u.status, u.console_access,
                       coalesce(u.expires_at::text, 'never'), s.expires_at)
           from sessions s join users u on u.tenant_id = s.tenant_id and u.id = s.user_id
          where s.expires_at > now()
            and (u.status <> 'active' or u.expires_at <= now() or not u.console_access
                 or u.user_type = 'service')
          order by u.tenant_id, u.username, s.expires_at",
    ),
];
