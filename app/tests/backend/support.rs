//! Helpers shared by the backend tests.

use app::backend::password::Passwords;
use app::backend::sessions::{ClientInfo, SessionPolicy};
use app::backend::{Actor, Services, roles, sessions, tenancy};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A connection that sees every tenant, for arranging and inspecting data directly: its changes
/// are deliberately not audited (arrangement, not the code under test, which the database holds
/// to an audit event per changing transaction). Detached from the pool: its session-wide
/// settings must never leak into connections the code under test uses.
pub async fn all_tenants(pool: &PgPool) -> PgConnection {
    let mut conn = pool.acquire().await.unwrap().detach();
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
    }
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
