//! The page statement: keyset paging on the sort key plus the id, `limit + 1` rows at a time.

use chrono::{DateTime, Utc};
use shared::account::RoleRef;
use shared::directory::{Directory, SortField, UserPage, UserRow};
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::cursor::{Cursor, Key};
use super::stats::push_filters;
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

/// The sort key columns of an order (stored columns of `u`), and the text keys selected as
/// k1, k2.
fn key_columns(field: SortField) -> (&'static [&'static str], &'static str) {
    match field {
        SortField::Name => (
            &["u.last_name_key", "u.first_name_key"],
            "u.last_name_key as k1, u.first_name_key as k2",
        ),
        SortField::Email => (&["u.email_key"], "u.email_key as k1, null::text as k2"),
        SortField::LastLogin => (&["u.last_login_key"], "null::text as k1, null::text as k2"),
        SortField::CreatedAt => (&["u.created_at"], "null::text as k1, null::text as k2"),
    }
}

pub(super) async fn fetch_page(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    directory: &Directory,
    cursor: Option<&Cursor>,
) -> Result<UserPage, ServiceError> {
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
    let next_cursor = rows.last().filter(|_| has_next).map(|r| make(r, false));
    let prev_cursor = rows.first().filter(|_| has_prev).map(|r| make(r, true));
    let items = rows.into_iter().map(Row::into_item).collect::<Result<_, _>>()?;
    Ok(UserPage { items, next_cursor, prev_cursor, total: 0 })
}

/// The page statement: `limit + 1` rows from the cursor on (one extra tells whether more
/// follow), their roles aggregated only for those rows. `prefix` is `explain …` or empty.
pub(super) fn page_query(
    prefix: &'static str,
    tenant_id: Uuid,
    directory: &Directory,
    cursor: Option<&Cursor>,
) -> QueryBuilder<'static, Postgres> {
    let sort = directory.sort;
    // Walking back reads the rows before the cursor in reverse order; the caller turns them.
    let descending = sort.descending != cursor.is_some_and(|c| c.before);
    let (keys, selected) = key_columns(sort.field);
    let mut q = QueryBuilder::<Postgres>::new(prefix);
    q.push(
        "select p.*, (select coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name)
                                                order by lower(r.name)), '[]')
                        from user_roles ur join roles r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
                       where ur.tenant_id = ",
    );
    q.push_bind(tenant_id);
    q.push(
        " and ur.user_id = p.id) as roles
           from (select u.id, u.first_name, u.last_name, u.email, u.username, u.user_type, u.status,
                        coalesce(u.expires_at <= now(), false) as expired, u.last_login_at,
                        u.created_at, u.avatar_updated_at, ",
    );
    q.push(selected);
    q.push(" from users u");
    push_filters(&mut q, tenant_id, &directory.filters, true);
    if let Some(cursor) = cursor {
        q.push(" and (");
        q.push(keys.join(", "));
        q.push(if descending { ", u.id) < (" } else { ", u.id) > (" });
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
    q.push(" order by ");
    for key in keys {
        q.push(key).push(direction).push(", ");
    }
    q.push("u.id").push(direction);
    q.push(" limit ").push_bind(i64::from(directory.limit) + 1);
    q.push(") p order by ");
    let outer: &[&str] = match sort.field {
        SortField::Name => &["p.k1", "p.k2"],
        SortField::Email => &["p.k1"],
        SortField::LastLogin => &["coalesce(p.last_login_at, '-infinity'::timestamptz)"],
        SortField::CreatedAt => &["p.created_at"],
    };
    for key in outer {
        q.push(*key).push(direction).push(", ");
    }
    q.push("p.id").push(direction);
    q
}
