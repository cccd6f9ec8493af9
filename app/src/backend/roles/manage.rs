//! The tenant's roles: listed with their member counts (from the counters the directory keeps),
//! and custom ones created, edited (with `version`: a stale edit answers 409) and deleted, each
//! in one transaction with its audit event. System roles are read-only.
//!
//! Nobody grants what they do not hold, and a role never grants a holder more than their user
//! type's ceiling: adding a permission that some holder's type may not hold is refused. Every
//! request loads its actor's permissions afresh, so a change applies from the holders' next
//! request.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use shared::FieldCode;
use shared::audit::Action;
use shared::role::{DeletedRole, Role, RoleForm, RoleUpdate, ValidRole};
use shared::{Permission, Permissions, UserType};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::backend::audit::{self, AuditActor, AuditEvent, Subject, Target};
use crate::backend::sessions::{self, Reached};
use crate::backend::{Ctx, ServiceError, tenancy};

/// Every role of the actor's tenant: system roles first, then by name.
pub async fn list(ctx: &mut Ctx<'_>) -> Result<Vec<Role>, ServiceError> {
    ctx.reading("roles.read", None);
    ctx.actor.require(Permission::RolesRead)?;
    fetch(ctx.conn, ctx.actor.tenant_id, None).await
}

/// One role of the actor's tenant.
pub async fn get(ctx: &mut Ctx<'_>, id: Uuid) -> Result<Role, ServiceError> {
    ctx.reading("roles.read", Some(Subject::Role(id)));
    ctx.actor.require(Permission::RolesRead)?;
    one(ctx.conn, ctx.actor.tenant_id, id).await
}

/// Creates a custom role.
pub async fn create(ctx: &mut Ctx<'_>, form: RoleForm) -> Result<Role, ServiceError> {
    ctx.attempting(Action::RoleCreated, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::RolesManage)?;
    let valid = form.validate().map_err(ServiceError::Validation)?;
    actor.may_grant(&valid.permissions, "permissions")?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let keys = keys(&valid.permissions);
    let id: Uuid = sqlx::query_scalar!(
        "insert into roles (tenant_id, name, description, permissions)
         values ($1, $2, $3, $4) returning id",
        tenant,
        valid.name,
        valid.description,
        &keys
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(ServiceError::taken)?;
    let role = one(&mut *conn, tenant, id).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "role", id, name: &role.name }),
        changes: audit::diff(&Value::Null, &snapshot(&role)),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::RoleCreated)
    };
    audit::record(&mut *conn, &event).await?;
    Ok(role)
}

/// Saves a custom role's name, description and permissions; its assignments stay.
pub async fn update(ctx: &mut Ctx<'_>, id: Uuid, update: RoleUpdate) -> Result<Role, ServiceError> {
    ctx.attempting(Action::RoleUpdated, Some(Subject::Role(id)));
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::RolesManage)?;
    let valid = update.form.validate().map_err(ServiceError::Validation)?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let before = editable(&mut *conn, tenant, id).await?;
    if before.version != update.version {
        return Err(ServiceError::Conflict(
            "Someone else changed this role; reload it to see their changes.".into(),
        ));
    }
    let held: Permissions = before.permissions.iter().copied().collect();
    let added: Permissions = valid.permissions.difference(&held).copied().collect();
    actor.may_grant(&added, "permissions")?;
    within_holders_ceilings(&mut *conn, tenant, id, &added).await?;
    if unchanged(&before, &valid) {
        return Ok(before);
    }
    if valid.permissions != held {
        sessions::require_outranks_all(&mut *conn, actor, Reached::Holders(id)).await?;
    }
    sqlx::query!(
        "update roles set name = $3, description = $4, permissions = $5,
                          version = version + 1, updated_at = now()
          where tenant_id = $1 and id = $2",
        tenant,
        id,
        valid.name,
        valid.description,
        &keys(&valid.permissions)
    )
    .execute(&mut *conn)
    .await
    .map_err(ServiceError::taken)?;
    let after = one(&mut *conn, tenant, id).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "role", id, name: &after.name }),
        changes: audit::diff(&snapshot(&before), &snapshot(&after)),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::RoleUpdated)
    };
    audit::record(&mut *conn, &event).await?;
    Ok(after)
}

/// Deletes a custom role: its holders lose it and teams that gave it by default give none, all
/// in one transaction.
pub async fn delete(ctx: &mut Ctx<'_>, id: Uuid) -> Result<DeletedRole, ServiceError> {
    ctx.attempting(Action::RoleDeleted, Some(Subject::Role(id)));
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::RolesManage)?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let role = editable(&mut *conn, tenant, id).await?;
    sessions::require_outranks_all(&mut *conn, actor, Reached::Holders(id)).await?;
    let removed =
        sqlx::query!("delete from user_roles where tenant_id = $1 and role_id = $2", tenant, id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    let cleared = sqlx::query!(
        "update teams set default_role_id = null, updated_at = now()
          where tenant_id = $1 and default_role_id = $2",
        tenant,
        id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!("delete from roles where tenant_id = $1 and id = $2", tenant, id)
        .execute(&mut *conn)
        .await?;
    let deleted =
        DeletedRole { assignments_removed: removed as i64, teams_cleared: cleared as i64 };
    let event = AuditEvent {
        target: Some(Target { kind: "role", id, name: &role.name }),
        changes: audit::diff(
            &snapshot(&role),
            &json!({"name": null, "description": null, "permissions": null}),
        ),
        details: json!(deleted),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::RoleDeleted)
    };
    audit::record(&mut *conn, &event).await?;
    Ok(deleted)
}

struct Row {
    id: Uuid,
    name: String,
    description: String,
    permissions: Vec<String>,
    is_system: bool,
    members: i64,
    version: i64,
    updated_at: DateTime<Utc>,
}

/// The tenant's roles (or the one with `id`), with their direct holders counted.
async fn fetch(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Option<Uuid>,
) -> Result<Vec<Role>, ServiceError> {
    let rows = sqlx::query_as!(
        Row,
        r#"select r.id, r.name, r.description, r.permissions, r.is_system, r.version, r.updated_at,
                  coalesce((select sum(c.users) from role_user_counts c
                             where c.tenant_id = r.tenant_id and c.role_id = r.id), 0)::bigint
                      as "members!"
             from roles r
            where r.tenant_id = $1 and ($2::uuid is null or r.id = $2)
            order by r.is_system desc, lower(r.name)"#,
        tenant,
        id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Role {
            id: r.id,
            name: r.name,
            description: r.description,
            // Keys no longer in the catalogue are left out rather than failing the request.
            permissions: r.permissions.iter().filter_map(|k| k.parse().ok()).collect(),
            is_system: r.is_system,
            members: r.members,
            version: r.version,
            updated_at: r.updated_at,
        })
        .collect())
}

async fn one(conn: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Role, ServiceError> {
    fetch(conn, tenant, Some(id)).await?.into_iter().next().ok_or(ServiceError::NotFound)
}

/// The role, locked for the rest of the transaction; system roles are refused.
async fn editable(conn: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Role, ServiceError> {
    tenancy::lock(conn, "roles", tenant, id).await?;
    let role = one(conn, tenant, id).await?;
    if role.is_system {
        return Err(ServiceError::Refused(
            "System roles are read-only; create a custom role with the permissions you need.",
        ));
    }
    Ok(role)
}

/// Permissions added to a role must be within the ceiling of every user type that holds it, by
/// assignment or through a team's default role.
async fn within_holders_ceilings(
    conn: &mut PgConnection,
    tenant: Uuid,
    role: Uuid,
    added: &Permissions,
) -> Result<(), ServiceError> {
    if added.is_empty() {
        return Ok(());
    }
    let types: Vec<String> = sqlx::query_scalar!(
        "select distinct u.user_type from users u
          where u.tenant_id = $1
            and (u.id in (select user_id from user_roles where tenant_id = $1 and role_id = $2)
                 or u.id in (select m.user_id from team_members m
                               join teams t on t.tenant_id = m.tenant_id and t.id = m.team_id
                              where t.tenant_id = $1 and t.default_role_id = $2))",
        tenant,
        role
    )
    .fetch_all(conn)
    .await?;
    let too_high = types
        .iter()
        .filter_map(|t| t.parse::<UserType>().ok())
        .any(|t| !added.is_subset(&t.ceiling()));
    if too_high {
        Err(ServiceError::field("permissions", FieldCode::HoldersAboveCeiling))
    } else {
        Ok(())
    }
}

fn unchanged(role: &Role, valid: &ValidRole) -> bool {
    role.name == valid.name
        && role.description == valid.description
        && role.permissions.iter().copied().collect::<Permissions>() == valid.permissions
}

fn keys(permissions: &Permissions) -> Vec<String> {
    permissions.iter().map(|p| p.key().to_owned()).collect()
}

/// What the audit diff compares.
fn snapshot(role: &Role) -> Value {
    let permissions: Vec<&str> = role.permissions.iter().map(|p| p.key()).collect();
    json!({"name": role.name, "description": role.description, "permissions": permissions})
}
