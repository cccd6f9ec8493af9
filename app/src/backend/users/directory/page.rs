//! The page statement: keyset paging on the sort key plus the id, `limit + 1` rows at a time.

use chrono::{DateTime, Utc};
use shared::account::RoleRef;
use shared::directory::{Directory, SortField, StatusFilter, UserRow, UserStats};
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::cursor::{Cursor, Key};
use super::stats::{push_counts, push_filters, status_condition};
use crate::backend::ServiceError;

/// A directory row with its sort key, as selected.
#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    username: String,
    user_type: String,
    status: String,
    expired: bool,
    roles: Json<Vec<RoleRef>>,
    last_login_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    avatar_updated_at: Option<DateTime<Utc>>,
    k1: Option<String>,
    k2: Option<String>,
    /// Under a search, the stat cards of every match, counted in the same scan (see
    /// [`push_counts`]); otherwise not selected.
    #[sqlx(default)]
    count_total: Option<i64>,
    #[sqlx(default)]
    count_active: Option<i64>,
    #[sqlx(default)]
    count_suspended: Option<i64>,
    #[sqlx(default)]
    count_expired: Option<i64>,
    #[sqlx(default)]
    count_never_signed_in: Option<i64>,
}

impl Row {
    fn key(&self, field: SortField) -> Key {
        match field {
            SortField::Name => {
                Key::Name(self.k1.clone().unwrap_or_default(), self.k2.clone().unwrap_or_default())
            }
            SortField::Email => Key::Email(self.k1.clone().unwrap_or_default()),
            SortField::LastLogin => Key::Time(self.last_login_at),
            SortField::CreatedAt => Key::Time(Some(self.created_at)),
        }
    }

    fn stats(&self) -> Option<UserStats> {
        Some(UserStats {
            total: self.count_total?,
            active: self.count_active?,
            suspended: self.count_suspended?,
            expired: self.count_expired?,
            never_signed_in: self.count_never_signed_in?,
        })
    }

    fn into_item(self) -> Result<UserRow, ServiceError> {
        let corrupt = |e: shared::user::UnknownVariant| ServiceError::Internal(e.to_string());
        Ok(UserRow {
            id: self.id,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            username: self.username,
            user_type: self.user_type.parse().map_err(corrupt)?,
            status: self.status.parse().map_err(corrupt)?,
            expired: self.expired,
            roles: self.roles.0,
            last_login_at: self.last_login_at,
            created_at: self.created_at,
            avatar_updated_at: self.avatar_updated_at,
        })
    }
}

/// The sort key columns of an order (stored in users and user_search alike), and the text keys
/// selected as k1, k2 from the page `p`.
fn key_columns(field: SortField) -> (&'static [&'static str], &'static str) {
    match field {
        SortField::Name => {
            (&["last_name_key", "first_name_key"], "p.last_name_key as k1, p.first_name_key as k2")
        }
        SortField::Email => (&["email_key"], "p.email_key as k1, null::text as k2"),
        SortField::LastLogin => (&["last_login_key"], "null::text as k1, null::text as k2"),
        SortField::CreatedAt => (&["created_at"], "null::text as k1, null::text as k2"),
    }
}

/// The rows of a page with the cursors either side of it.
pub(super) struct Page {
    pub items: Vec<UserRow>,
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
    /// Under a search, the stat cards of every match, counted by the page statement.
    pub counted: Option<UserStats>,
}

/// A page of `directory` from `cursor` on.
pub(super) async fn fetch_page(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    directory: &Directory,
    cursor: Option<&Cursor>,
) -> Result<Page, ServiceError> {
    let sort = directory.sort;
    let mut q = page_query("", tenant_id, directory, cursor);
    let mut rows: Vec<Row> = q.build_query_as().persistent(false).fetch_all(&mut *conn).await?;
    let backwards = cursor.is_some_and(|c| c.before);
    let more = rows.len() > directory.limit as usize;
    rows.truncate(directory.limit as usize);
    if backwards {
        rows.reverse();
    }
    let make = |row: &Row, before: bool| {
        Cursor { sort: sort.to_param(), before, key: row.key(sort.field), id: row.id }.encode()
    };
    // Forward: more rows follow when one extra came back, and rows precede when we came from a
    // cursor. Backward: the other way round.
    let (has_next, has_prev) = if backwards { (true, more) } else { (more, cursor.is_some()) };
    let counted = rows.first().and_then(Row::stats);
    let next_cursor = rows.last().filter(|_| has_next).map(|r| make(r, false));
    let prev_cursor = rows.first().filter(|_| has_prev).map(|r| make(r, true));
    let items = rows.into_iter().map(Row::into_item).collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor, prev_cursor, counted })
}

/// The page statement: `limit + 1` rows from the cursor on (one extra tells whether more
/// follow), read from users or, under a search, from user_search (where every match is also
/// counted for the stat cards, before the status and the cursor narrow them); the users'
/// details and roles are then joined to those rows only. `prefix` is `explain …` or empty.
pub(super) fn page_query(
    prefix: &'static str,
    tenant_id: Uuid,
    directory: &Directory,
    cursor: Option<&Cursor>,
) -> QueryBuilder<'static, Postgres> {
    let sort = directory.sort;
    let searching = directory.filters.search.is_some();
    // Walking back reads the rows before the cursor in reverse order; the caller turns them.
    let descending = sort.descending != cursor.is_some_and(|c| c.before);
    let (keys, selected) = key_columns(sort.field);
    let mut q = QueryBuilder::<Postgres>::new(prefix);
    q.push(
        "select x.id, x.first_name, x.last_name, x.email, x.username, x.user_type, x.status,
                coalesce(x.expires_at <= now(), false) as expired, x.last_login_at, x.created_at,
                x.avatar_updated_at, ",
    );
    q.push(selected);
    if searching {
        q.push(", p.total as count_total");
        for name in StatusFilter::ALL.map(StatusFilter::as_str) {
            q.push(format!(", p.{name} as count_{name}"));
        }
    }
    q.push(
        ", (select coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name)
                                      order by lower(r.name)), '[]')
              from user_roles ur join roles r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
             where ur.tenant_id = ",
    );
    q.push_bind(tenant_id);
    q.push(
        " and ur.user_id = p.id) as roles
           from (select m.* from (select u.id, u.last_name_key, u.first_name_key, u.email_key,
                                         u.last_login_key, u.created_at",
    );
    let mut conjunction = " where ";
    if searching {
        q.push(", u.status, u.expires_at, u.last_login_at, ");
        push_counts(&mut q, " over ()");
        q.push(" from user_search_in_tenant u");
        push_filters(&mut q, tenant_id, &directory.filters, false);
        q.push(") m");
        if let Some(status) = directory.filters.status {
            q.push(" where ").push(status_condition(status));
            conjunction = " and ";
        }
    } else {
        q.push(" from users u");
        push_filters(&mut q, tenant_id, &directory.filters, true);
        q.push(") m");
    }
    if let Some(cursor) = cursor {
        q.push(conjunction).push("(m.");
        q.push(keys.join(", m."));
        q.push(if descending { ", m.id) < (" } else { ", m.id) > (" });
        match &cursor.key {
            Key::Name(last, first) => {
                q.push_bind(last.clone()).push(", ").push_bind(first.clone());
            }
            Key::Email(email) => {
                q.push_bind(email.clone());
            }
            // Never signed in is the key column's -infinity (a literal: functions of the
            // bound value would keep the condition out of the index, see the migration).
            Key::Time(None) => {
                q.push("'-infinity'::timestamptz");
            }
            Key::Time(Some(at)) => {
                q.push_bind(*at);
            }
        }
        q.push(", ").push_bind(cursor.id).push(")");
    }
    let direction = if descending { " desc" } else { "" };
    let order = |q: &mut QueryBuilder<'static, Postgres>, alias: &str| {
        q.push(" order by ");
        for key in keys {
            q.push(alias).push(*key).push(direction).push(", ");
        }
        q.push(alias).push("id").push(direction);
    };
    order(&mut q, "m.");
    q.push(" limit ").push_bind(i64::from(directory.limit) + 1);
    q.push(") p join users x on x.tenant_id = ").push_bind(tenant_id).push(" and x.id = p.id");
    order(&mut q, "p.");
    q
}
