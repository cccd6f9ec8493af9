//! The users directory: one query builder behind the page, the JSON API and the benchmark.
//!
//! Pages are keyset-paged on the sort key plus the id (see
//! migrations/20261124000001_directory.sql for the indexes each order and filter uses); the
//! stat cards read the counters the triggers keep, and count rows only when a search (or a
//! role and a team together) narrows the set beyond what the counters hold; under a search the
//! page statement counts them as it finds the matches. Every page carries its stat cards.

mod cursor;
mod page;
mod stats;

use shared::Permission;
use shared::directory::{Directory, UserPage, UserQuery, UserStats};
use sqlx::PgConnection;
use sqlx::types::Json;
use uuid::Uuid;

use self::cursor::Cursor;
use self::page::{Page, fetch_page, page_query};
use self::stats::{fetch_stats, stats_query};
use crate::backend::{Ctx, ServiceError};

/// A page of the actor's tenant's users.
pub async fn list(ctx: &mut Ctx<'_>, query: &UserQuery) -> Result<UserPage, ServiceError> {
    ctx.reading("users.read", None);
    ctx.actor.require(Permission::UsersRead)?;
    let (mut directory, cursor) = checked(query)?;
    directory.filters.within = ctx.actor.line.clone();
    page_with_total(ctx.conn, ctx.actor.tenant_id, &directory, cursor.as_ref()).await
}

/// The stat cards under the query's filters (its status, cursor and sort aside).
pub async fn stats(ctx: &mut Ctx<'_>, query: &UserQuery) -> Result<UserStats, ServiceError> {
    ctx.reading("users.read", None);
    ctx.actor.require(Permission::UsersRead)?;
    let (mut directory, _) = checked(query)?;
    directory.filters.within = ctx.actor.line.clone();
    fetch_stats(ctx.conn, ctx.actor.tenant_id, &directory.filters).await
}

/// The checked query and its decoded cursor.
fn checked(query: &UserQuery) -> Result<(Directory, Option<Cursor>), ServiceError> {
    let directory = query.check().map_err(ServiceError::Validation)?;
    let cursor =
        directory.cursor.as_deref().map(|c| Cursor::decode(c, directory.sort)).transpose()?;
    Ok((directory, cursor))
}

/// A page with its stat cards and the count of every row its filters match: counted by the page
/// statement under a search, else by the stat cards' statement (mostly the counters).
async fn page_with_total(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    directory: &Directory,
    cursor: Option<&Cursor>,
) -> Result<UserPage, ServiceError> {
    let page = fetch_page(conn, tenant_id, directory, cursor).await?;
    let stats = match page.counted {
        Some(stats) => stats,
        None => fetch_stats(conn, tenant_id, &directory.filters).await?,
    };
    let total = directory.filters.status.map_or(stats.total, |s| stats.count(s));
    let Page { items, next_cursor, prev_cursor, .. } = page;
    Ok(UserPage { items, next_cursor, prev_cursor, total, stats })
}

/// The statements a directory request runs, on `conn` as it is (already entered into the
/// tenant, no permission check): the benchmark's bare-SQL figures. `page` false runs only the
/// stat cards' statement, as `stats` does.
pub async fn run_statements(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    query: &UserQuery,
    page: bool,
) -> Result<(), ServiceError> {
    let (directory, cursor) = checked(query)?;
    if page {
        page_with_total(conn, tenant_id, &directory, cursor.as_ref()).await?;
    } else {
        fetch_stats(conn, tenant_id, &directory.filters).await?;
    }
    Ok(())
}

/// The plans (`EXPLAIN (FORMAT JSON)`) of the statements [`run_statements`] runs.
pub async fn explain(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    query: &UserQuery,
    page: bool,
) -> Result<Vec<serde_json::Value>, ServiceError> {
    let (directory, cursor) = checked(query)?;
    const EXPLAIN: &str = "explain (format json) ";
    let mut statements = vec![stats_query(EXPLAIN, tenant_id, &directory.filters)];
    if page {
        statements.push(page_query(EXPLAIN, tenant_id, &directory, cursor.as_ref()));
    }
    let mut plans = Vec::new();
    for mut q in statements {
        let plan: Json<serde_json::Value> =
            q.build_query_scalar().persistent(false).fetch_one(&mut *conn).await?;
        plans.push(plan.0);
    }
    Ok(plans)
}

#[cfg(test)]
mod fuzz;
