//! The stat cards' statement, and the filters every directory statement shares.

use shared::directory::{Filters, INFIX_SEARCH_MIN, StatusFilter, UserStats};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::backend::ServiceError;

/// ` where …` over `u` for the filters (the status only when `with_status`): `users`, or
/// `user_search_in_tenant` (user_search as the application reads it, with the same columns)
/// when there is a search term.
pub(super) fn push_filters(
    q: &mut QueryBuilder<'_, Postgres>,
    tenant_id: Uuid,
    f: &Filters,
    with_status: bool,
) {
    q.push(" where u.tenant_id = ").push_bind(tenant_id);
    if let Some(line) = &f.within {
        q.push(" and u.id = any(").push_bind(line.clone()).push(")");
    }
    if let Some(status) = f.status.filter(|_| with_status) {
        q.push(" and ").push(status_condition(status));
    }
    if let Some(user_type) = f.user_type {
        q.push(" and u.user_type = ").push_bind(user_type.as_str());
    }
    if let Some(role) = f.role {
        q.push(
            " and exists (select 1 from user_roles ur
                           where ur.tenant_id = u.tenant_id and ur.user_id = u.id and ur.role_id = ",
        )
        .push_bind(role)
        .push(")");
    }
    if let Some(team) = f.team {
        q.push(
            " and exists (select 1 from team_members tm
                           where tm.tenant_id = u.tenant_id and tm.user_id = u.id and tm.team_id = ",
        )
        .push_bind(team)
        .push(")");
    }
    // Searches read user_search (see the statements' FROM), where LIKE and the key ranges may
    // use its indexes.
    if let Some(term) = &f.search {
        if term.chars().count() >= INFIX_SEARCH_MIN {
            // The trigram index answers LIKE '%term%' over every searchable field at once.
            let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            q.push(" and u.search_text like ").push_bind(format!("%{escaped}%"));
        } else {
            // Too short for trigrams: the start of a name, username or email, each an index
            // range from the term up to the term followed by the last code point.
            let end = format!("{term}\u{10FFFF}");
            for (i, key) in ["last_name_key", "first_name_key", "username_key", "email_key"]
                .into_iter()
                .enumerate()
            {
                q.push(if i == 0 { " and ((u." } else { " or (u." });
                q.push(key).push(" >= ").push_bind(term.clone());
                q.push(" and u.").push(key).push(" < ").push_bind(end.clone()).push(")");
            }
            q.push(")");
        }
    }
}

/// Which users a status card counts, over the columns `users` and `user_search` share.
pub(super) fn status_condition(status: StatusFilter) -> &'static str {
    match status {
        StatusFilter::Active => "status = 'active' and (expires_at is null or expires_at > now())",
        StatusFilter::Suspended => "status = 'suspended'",
        StatusFilter::Expired => "status = 'active' and expires_at <= now()",
        StatusFilter::NeverSignedIn => "last_login_at is null",
    }
}

/// The stat cards counted over the rows in scope, as `total` and one column per status (named
/// by [`StatusFilter::as_str`]); `over` is empty for plain aggregates or ` over ()` to count
/// every row of the result beside each.
pub(super) fn push_counts(q: &mut QueryBuilder<'_, Postgres>, over: &str) {
    q.push(format!("count(*){over} as total"));
    for status in StatusFilter::ALL {
        let (condition, name) = (status_condition(status), status.as_str());
        q.push(format!(", count(*) filter (where {condition}){over} as {name}"));
    }
}

/// The counts [`push_counts`] selects.
#[derive(sqlx::FromRow)]
pub(super) struct Counts {
    total: i64,
    active: i64,
    suspended: i64,
    expired: i64,
    never_signed_in: i64,
}

impl From<Counts> for UserStats {
    fn from(c: Counts) -> Self {
        UserStats {
            total: c.total,
            active: c.active,
            suspended: c.suspended,
            expired: c.expired,
            never_signed_in: c.never_signed_in,
        }
    }
}

/// The stat cards for `filters` (status aside).
pub(super) async fn fetch_stats(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    filters: &Filters,
) -> Result<UserStats, ServiceError> {
    let mut q = stats_query("", tenant_id, filters);
    // The counters' statements (a table, with or without a type: six in all) are prepared once
    // per connection; a count is planned afresh for its search term or line.
    let prepared = from_counters(filters);
    let counts: Counts = q.build_query_as().persistent(prepared).fetch_one(&mut *conn).await?;
    Ok(counts.into())
}

/// Whether the counters hold the stat cards for `filters`: not under a search, a supervisor's
/// line, or a role and a team together.
fn from_counters(filters: &Filters) -> bool {
    let counted = filters.role.is_none() || filters.team.is_none();
    filters.search.is_none() && filters.within.is_none() && counted
}

/// The stats statement: from the counters when they cover the filters, else by counting the
/// matching rows.
pub(super) fn stats_query(
    prefix: &'static str,
    tenant_id: Uuid,
    filters: &Filters,
) -> QueryBuilder<'static, Postgres> {
    if from_counters(filters) {
        return counters_query(prefix, tenant_id, filters);
    }
    let mut q = QueryBuilder::<Postgres>::new(prefix);
    q.push("select ");
    push_counts(&mut q, "");
    q.push(" from ");
    q.push(if filters.search.is_some() { "user_search_in_tenant u" } else { "users u" });
    push_filters(&mut q, tenant_id, filters, false);
    q
}

/// Sums the counter cells matching the filters (type, and a role or a team); a cell's expiry
/// instant ('infinity' for none) tells its active accounts' card: Active, or Expired once past.
fn counters_query(
    prefix: &'static str,
    tenant_id: Uuid,
    filters: &Filters,
) -> QueryBuilder<'static, Postgres> {
    let (table, member) = match (filters.role, filters.team) {
        (Some(role), _) => ("role_user_counts", Some(("role_id", role))),
        (_, Some(team)) => ("team_user_counts", Some(("team_id", team))),
        _ => ("user_counts", None),
    };
    let mut q = QueryBuilder::<Postgres>::new(prefix);
    q.push(
        "select coalesce(sum(c.users), 0)::bigint as total,
                coalesce(sum(c.users) filter (where c.status = 'active' and c.expires > now()), 0)::bigint
                    as active,
                coalesce(sum(c.users) filter (where c.status = 'suspended'), 0)::bigint as suspended,
                coalesce(sum(c.users) filter (where not c.signed_in), 0)::bigint as never_signed_in,
                coalesce(sum(c.users) filter (where c.status = 'active' and c.expires <= now()), 0)::bigint
                    as expired
           from ",
    );
    q.push(table).push(" c where c.tenant_id = ").push_bind(tenant_id);
    if let Some((column, id)) = member {
        q.push(" and c.").push(column).push(" = ").push_bind(id);
    }
    if let Some(user_type) = filters.user_type {
        q.push(" and c.user_type = ").push_bind(user_type.as_str());
    }
    q
}
