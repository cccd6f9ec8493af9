//! Users: reading one, the pickers of the user form, and (in the submodules) creating, editing,
//! suspending, reactivating and resetting. Every use case checks the actor's permission first and
//! works inside a transaction entered into the actor's tenant, so other tenants' users answer 404.

mod access;
pub mod avatar;
mod checks;
pub mod directory;
mod lifecycle;
pub mod sync;
mod write;

pub use access::access;
pub use lifecycle::{reactivate, reset_password, suspend};
pub use write::{create, patch, update};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use shared::account::{RoleOption, RoleRef, TeamRef, User, UserRef};
use shared::profile::WorkingHours;
use shared::{Permission, permission};
use sqlx::PgConnection;
use sqlx::types::Json;
use uuid::Uuid;

use super::audit::Subject;
use super::sessions::granted_keys;
use super::{Ctx, ServiceError};

/// One user of the actor's tenant.
pub async fn get(ctx: &mut Ctx<'_>, id: Uuid) -> Result<User, ServiceError> {
    ctx.reading("users.read", Some(Subject::User(id)));
    ctx.actor.require(Permission::UsersRead)?;
    ctx.actor.require_sees(id)?;
    load(ctx.conn, ctx.actor.tenant_id, id).await?.ok_or(ServiceError::NotFound)
}

/// The tenant's roles, for the role picker of the user form.
pub async fn role_options(ctx: &mut Ctx<'_>) -> Result<Vec<RoleOption>, ServiceError> {
    ctx.reading("users.read", None);
    ctx.actor.require(Permission::UsersRead)?;
    let rows = sqlx::query!(
        "select id, name, description, permissions, is_system from roles
          where tenant_id = $1 order by is_system desc, lower(name)",
        ctx.actor.tenant_id
    )
    .fetch_all(&mut *ctx.conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RoleOption {
            id: r.id,
            name: r.name,
            description: r.description,
            permissions: r.permissions.iter().filter_map(|k| k.parse().ok()).collect(),
            is_system: r.is_system,
        })
        .collect())
}

/// The tenant's teams by name, for the directory's team filter.
pub async fn team_options(ctx: &mut Ctx<'_>) -> Result<Vec<TeamRef>, ServiceError> {
    ctx.reading("users.read", None);
    ctx.actor.require(Permission::UsersRead)?;
    let teams = sqlx::query_as!(
        TeamRef,
        "select id, name from teams where tenant_id = $1 order by lower(name)",
        ctx.actor.tenant_id
    )
    .fetch_all(&mut *ctx.conn)
    .await?;
    Ok(teams)
}

/// Up to ten users whose name, username or email starts with `q` (the manager picker): for a
/// supervisor, only themselves and their reporting line.
pub async fn pick(ctx: &mut Ctx<'_>, q: &str) -> Result<Vec<UserRef>, ServiceError> {
    ctx.reading("users.read", None);
    let actor = ctx.actor;
    actor.require(Permission::UsersRead)?;
    // Prefixes as ranges of the stored lower-cased keys, which their indexes hold (lower() or
    // LIKE on a column would read the whole tenant under row-level security): the start of a
    // last name, first name, username or email, or of "first last".
    let term = q.trim();
    let (first, last) = term.split_once(' ').map_or((term, ""), |(f, l)| (f, l.trim_start()));
    let users = sqlx::query_as!(
        UserRef,
        r#"with term (t, f, l, top) as (select lower($2), lower($3), lower($4), chr(1114111))
           select u.id, u.first_name || ' ' || u.last_name as "name!", u.username, u.email
             from users u, term
            where u.tenant_id = $1
              and ($5::uuid[] is null or u.id = any($5) or u.id = $6)
              and ((u.last_name_key >= t and u.last_name_key < t || top)
                   or (u.first_name_key >= t and u.first_name_key < t || top)
                   or (u.username_key >= t and u.username_key < t || top)
                   or (u.email_key >= t and u.email_key < t || top)
                   or (l <> '' and u.first_name_key = f
                       and u.last_name_key >= l and u.last_name_key < l || top))
            order by u.last_name_key, u.first_name_key, u.id
            limit 10"#,
        actor.tenant_id,
        term,
        first,
        last,
        actor.line.as_deref(),
        actor.user_id
    )
    .fetch_all(&mut *ctx.conn)
    .await?;
    Ok(users)
}

/// A user as [`load`] reads them, in one statement.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    username: String,
    phone: Option<String>,
    external_id: Option<String>,
    employee_code: Option<String>,
    timezone: String,
    position: Option<String>,
    department: Option<String>,
    location: Option<String>,
    branch: Option<String>,
    tags: Vec<String>,
    working_hours: Option<Json<WorkingHours>>,
    user_type: String,
    status: String,
    console_access: bool,
    expires_at: Option<DateTime<Utc>>,
    must_change_password: bool,
    last_login_at: Option<DateTime<Utc>>,
    has_avatar: bool,
    expired: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    manager: Option<Json<UserRef>>,
    roles: Json<Vec<RoleRef>>,
    teams: Json<Vec<TeamRef>>,
    chain: Json<Vec<UserRef>>,
    reports: Json<Vec<UserRef>>,
    granted: Vec<String>,
}

/// `users m` as a [`UserRef`].
macro_rules! user_ref {
    () => {
        "jsonb_build_object('id', m.id, 'name', m.first_name || ' ' || m.last_name,
                            'username', m.username, 'email', m.email)"
    };
}

/// Loads a user with their manager, roles, teams, effective permissions, managers up to the
/// top and direct reports (by name, at most 500), in one statement. Must run in a transaction
/// entered into `tenant_id`.
pub(crate) async fn load(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<User>, ServiceError> {
    // The chain's depth bound only guards against a cycle that slipped past the saving checks.
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "select u.id, u.first_name, u.last_name, u.email, u.username, u.phone, u.external_id,
                u.employee_code, u.timezone, u.position, u.department, u.location, u.branch,
                u.tags, u.working_hours, u.user_type, u.status, u.console_access, u.expires_at,
                u.must_change_password, u.last_login_at,
                u.avatar_updated_at is not null as has_avatar,
                coalesce(u.expires_at <= now(), false) as expired,
                u.created_at, u.updated_at, u.version,
                (select ",
        user_ref!(),
        " from users m where m.tenant_id = u.tenant_id and m.id = u.manager_id) as manager,
                (select coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name)
                                           order by lower(r.name)), '[]')
                   from user_roles ur join roles r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
                  where ur.tenant_id = u.tenant_id and ur.user_id = u.id) as roles,
                (select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name)
                                           order by lower(t.name)), '[]')
                   from team_members tm join teams t on t.tenant_id = tm.tenant_id and t.id = tm.team_id
                  where tm.tenant_id = u.tenant_id and tm.user_id = u.id) as teams,
                (with recursive up(id, depth) as (
                     select u.manager_id, 1 where u.manager_id is not null
                     union all
                     select x.manager_id, up.depth + 1 from users x join up on x.id = up.id
                      where x.tenant_id = u.tenant_id and x.manager_id is not null
                        and up.depth < 100)
                 select coalesce(jsonb_agg(",
        user_ref!(),
        " order by up.depth), '[]')
                   from up join users m on m.tenant_id = u.tenant_id and m.id = up.id) as chain,
                (select coalesce(jsonb_agg(",
        user_ref!(),
        " order by lower(m.last_name), lower(m.first_name), m.id), '[]')
                   from (select * from users x where x.tenant_id = u.tenant_id and x.manager_id = u.id
                          order by lower(x.last_name), lower(x.first_name), x.id
                          limit 500) m) as reports, ",
        granted_keys!(),
        " as granted
           from users u
          where u.tenant_id = $1 and u.id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let corrupt = |e: shared::user::UnknownVariant| ServiceError::Internal(e.to_string());
    let user_type = row.user_type.parse().map_err(corrupt)?;
    // Keys no longer in the catalogue are ignored rather than failing the request.
    let granted = row.granted.iter().filter_map(|k| k.parse().ok());
    Ok(Some(User {
        id: row.id,
        first_name: row.first_name,
        last_name: row.last_name,
        email: row.email,
        username: row.username,
        phone: row.phone,
        external_id: row.external_id,
        employee_code: row.employee_code,
        timezone: row.timezone,
        position: row.position,
        department: row.department,
        location: row.location,
        branch: row.branch,
        tags: row.tags,
        manager: row.manager.map(|m| m.0),
        chain: row.chain.0,
        reports: row.reports.0,
        working_hours: row.working_hours.map(|h| h.0).unwrap_or_default(),
        user_type,
        status: row.status.parse().map_err(corrupt)?,
        expired: row.expired,
        console_access: row.console_access,
        expires_at: row.expires_at,
        must_change_password: row.must_change_password,
        last_login_at: row.last_login_at,
        has_avatar: row.has_avatar,
        roles: row.roles.0,
        teams: row.teams.0,
        permissions: permission::effective(user_type, granted).into_iter().collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    }))
}

/// The audited view of a user: the fields an event's before/after values are taken from.
/// Never a secret.
pub(crate) fn snapshot(user: &User) -> Value {
    json!({
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "username": user.username,
        "phone": user.phone,
        "external_id": user.external_id,
        "employee_code": user.employee_code,
        "timezone": user.timezone,
        "position": user.position,
        "department": user.department,
        "location": user.location,
        "branch": user.branch,
        "tags": user.tags,
        "manager": user.manager.as_ref().map(|m| &m.name),
        "working_hours": user.working_hours,
        "user_type": user.user_type,
        "status": user.status,
        "console_access": user.console_access,
        "expires_at": user.expires_at,
        "must_change_password": user.must_change_password,
        "roles": user.roles.iter().map(|r| &r.name).collect::<Vec<_>>(),
    })
}
