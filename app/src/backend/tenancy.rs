//! Transactions that name their tenant, so Postgres row-level security can refuse any other
//! tenant's rows (see migrations/20261123000002_auth.sql).

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// A transaction in which only `tenant_id`'s rows are visible and writable.
pub async fn begin(
    pool: &PgPool,
    tenant_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // One round trip: BEGIN and entering the tenant as one simple query (a Uuid formats as hex
    // digits and dashes only, so it is safe to write into the statement).
    pool.begin_with(format!("begin; select set_config('roster.tenant_id', '{tenant_id}', true)"))
        .await
}

/// Locks one row of a tenant table (`roles`, `teams`…) until the transaction ends, so
/// concurrent edits of it queue up. `no key update`, the lock an update that keeps the key
/// takes: rows that merely reference this one (a membership a background rule run inserts,
/// whose foreign key check takes `key share`) are not held up, which with `for update` could
/// deadlock against this transaction's own writes to them.
pub async fn lock(
    conn: &mut PgConnection,
    table: &'static str,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<(), sqlx::Error> {
    let sql = format!("select 1 from {table} where tenant_id = $1 and id = $2 for no key update");
    sqlx::query(&sql).bind(tenant_id).bind(id).execute(conn).await?;
    Ok(())
}

/// Switches an open transaction to `tenant_id` (e.g. right after creating that tenant).
pub async fn enter(conn: &mut sqlx::PgConnection, tenant_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(
        r#"select set_config('roster.tenant_id', $1, true) as "set!""#,
        tenant_id.to_string()
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// A transaction that sees every tenant, for the owner of the tables only (bulk loads): for the
/// application role `roster.all_tenants` means nothing, and what it needs across tenants it
/// reads through functions made for it (migrations/20261201000002_database_roles.sql).
pub async fn begin_all_tenants(
    pool: &PgPool,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!(r#"select set_config('roster.all_tenants', 'on', true) as "set!""#)
        .fetch_one(&mut *tx)
        .await?;
    Ok(tx)
}

/// Whether the connected role could switch off the database's guards: a superuser, a role
/// with BYPASSRLS, or the owner of the tables (or a member of it), which may disable the audit
/// triggers and row-level security it is held to. The server refuses to serve as such a role.
pub async fn guards_switchable(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select (rolsuper or rolbypassrls
                   or pg_has_role(current_user, (select relowner from pg_class
                                                  where oid = 'users'::regclass), 'USAGE'))
                  as "switchable!"
             from pg_roles where rolname = current_user"#
    )
    .fetch_one(pool)
    .await
}
