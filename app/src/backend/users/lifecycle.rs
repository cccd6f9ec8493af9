//! Suspending, reactivating and resetting a user's password: each ends the user's sessions where
//! it must and writes its audit event in the same transaction.

use serde_json::json;
use shared::account::{TemporaryPassword, User};
use shared::audit::Action;
use shared::{Permission, UserStatus};
use uuid::Uuid;

use super::super::audit::{self, AuditActor, AuditEvent, Subject, Target};
use super::super::password;
use super::super::sessions;
use super::super::{Ctx, ServiceError};
use super::{load, snapshot};

/// Suspends a user: they cannot sign in, and their sessions end at once.
pub async fn suspend(ctx: &mut Ctx<'_>, id: Uuid) -> Result<User, ServiceError> {
    ctx.attempting(Action::UserSuspended, Some(Subject::User(id)));
    let actor = ctx.actor;
    actor.require(Permission::UsersSuspend)?;
    actor.require_reaches(id)?;
    if id == actor.user_id {
        return Err(ServiceError::Refused("You cannot suspend yourself."));
    }
    set_status(ctx, id, UserStatus::Suspended, Action::UserSuspended).await
}

/// Lets a suspended user sign in again (unless their account has expired).
pub async fn reactivate(ctx: &mut Ctx<'_>, id: Uuid) -> Result<User, ServiceError> {
    ctx.attempting(Action::UserReactivated, Some(Subject::User(id)));
    let actor = ctx.actor;
    actor.require(Permission::UsersSuspend)?;
    actor.require_reaches(id)?;
    set_status(ctx, id, UserStatus::Active, Action::UserReactivated).await
}

/// Sets the user's status, recorded as `action`.
async fn set_status(
    ctx: &mut Ctx<'_>,
    id: Uuid,
    status: UserStatus,
    action: Action,
) -> Result<User, ServiceError> {
    let (actor, client) = (ctx.actor, ctx.client);
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let before = load(&mut *conn, tenant, id).await?.ok_or(ServiceError::NotFound)?;
    actor.require_outranks(&before.permissions)?;
    if before.status == status {
        return Ok(before);
    }
    sqlx::query!(
        "update users set status = $3, version = version + 1, updated_at = now()
          where tenant_id = $1 and id = $2",
        tenant,
        id,
        status.as_str()
    )
    .execute(&mut *conn)
    .await?;
    let ended = match status {
        UserStatus::Suspended => sessions::end_all(&mut *conn, tenant, id).await?,
        _ => 0,
    };
    let after = load(&mut *conn, tenant, id).await?.ok_or(ServiceError::NotFound)?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id, name: &after.username }),
        changes: audit::diff(&snapshot(&before), &snapshot(&after)),
        details: json!({"sessions_ended": ended}),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), action)
    };
    audit::record(conn, &event).await?;
    Ok(after)
}

/// Gives a user a new temporary password (returned once), which they must change at their next
/// sign-in; their sessions end.
pub async fn reset_password(
    ctx: &mut Ctx<'_>,
    id: Uuid,
) -> Result<TemporaryPassword, ServiceError> {
    ctx.attempting(Action::UserPasswordReset, Some(Subject::User(id)));
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::UsersResetPassword)?;
    actor.require_reaches(id)?;
    if id == actor.user_id {
        return Err(ServiceError::Refused("Change your own password from the account menu."));
    }
    let temporary = password::generate_temporary();
    let hash = ctx.services.passwords.hash(&temporary).await?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let before = load(&mut *conn, tenant, id).await?.ok_or(ServiceError::NotFound)?;
    actor.require_outranks(&before.permissions)?;
    sqlx::query!(
        "update users set password_hash = $3, must_change_password = true,
            password_changed_at = now(), version = version + 1, updated_at = now()
      where tenant_id = $1 and id = $2",
        tenant,
        id,
        hash
    )
    .execute(&mut *conn)
    .await?;
    let ended = sessions::end_all(&mut *conn, tenant, id).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id, name: &before.username }),
        changes: json!({
            "password": {"before": null, "after": "temporary password generated"},
            "must_change_password": {"before": before.must_change_password, "after": true},
        }),
        details: json!({"temporary": true, "sessions_ended": ended}),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::UserPasswordReset)
    };
    audit::record(conn, &event).await?;
    Ok(TemporaryPassword { temporary_password: temporary })
}
