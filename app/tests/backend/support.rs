//! Helpers shared by the backend tests.

use app::backend::Services;
use app::backend::password::Passwords;
use app::backend::sessions::{ClientInfo, SessionPolicy};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A connection that sees every tenant, for arranging and inspecting data directly. Detached
/// from the pool: its session-wide setting must never leak into connections the code under test
/// uses (the application itself only sets tenants per transaction).
pub async fn all_tenants(pool: &PgPool) -> PgConnection {
    let mut conn = pool.acquire().await.unwrap().detach();
    sqlx::query("set roster.all_tenants = 'on'").execute(&mut conn).await.unwrap();
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
