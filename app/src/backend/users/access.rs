//! Why a user holds each permission: the roles given to them, their teams' default roles and
//! their user type, each checked against the type's ceiling (see `shared::access`).

use shared::Permission;
use shared::access::{Grant, UserAccess};
use shared::{Permissions, UserType};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::backend::audit::Subject;
use crate::backend::{Ctx, ServiceError};

struct Source {
    role_id: Uuid,
    role_name: String,
    permissions: Vec<String>,
    team_id: Option<Uuid>,
    team_name: Option<String>,
}

/// Every permission of the catalogue for one user of the actor's tenant, with its grants.
pub async fn access(ctx: &mut Ctx<'_>, id: Uuid) -> Result<UserAccess, ServiceError> {
    ctx.reading("users.read", Some(Subject::User(id)));
    ctx.actor.require(Permission::UsersRead)?;
    ctx.actor.require_sees(id)?;
    load(ctx.conn, ctx.actor.tenant_id, id).await
}

async fn load(conn: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<UserAccess, ServiceError> {
    let user_type: String = sqlx::query_scalar!(
        "select user_type from users where tenant_id = $1 and id = $2",
        tenant,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let user_type: UserType =
        user_type.parse().map_err(|e| ServiceError::Internal(format!("{e}")))?;
    // A union's columns are not known to be non-null: the role's are (both halves read them
    // from roles), the team's only in the second half.
    let sources = sqlx::query_as!(
        Source,
        r#"select r.id as "role_id!", r.name as "role_name!", r.permissions as "permissions!",
                  null::uuid as "team_id?", null::text as "team_name?"
             from user_roles ur join roles r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
            where ur.tenant_id = $1 and ur.user_id = $2
           union all
           select r.id, r.name, r.permissions, t.id, t.name
             from team_members m
             join teams t on t.tenant_id = m.tenant_id and t.id = m.team_id
             join roles r on r.tenant_id = t.tenant_id and r.id = t.default_role_id
            where m.tenant_id = $1 and m.user_id = $2
            order by 2, 5 nulls first"#,
        tenant,
        id
    )
    .fetch_all(conn)
    .await?;
    let granted: Vec<(Grant, Permissions)> = sources
        .into_iter()
        .map(|s| {
            let permissions = shared::permission::from_keys(&s.permissions);
            let grant = match (s.team_id, s.team_name) {
                (Some(id), Some(name)) => {
                    Grant::Team { id, name, role_id: s.role_id, role_name: s.role_name }
                }
                _ => Grant::Role { id: s.role_id, name: s.role_name },
            };
            (grant, permissions)
        })
        .collect();
    Ok(UserAccess::build(user_type, &granted))
}
