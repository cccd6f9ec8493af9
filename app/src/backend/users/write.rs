//! Creating and editing users.

use chrono::Utc;
use serde_json::{Value, json};
use shared::FieldCode;
use shared::account::{CreatedUser, User, UserEdit};
use shared::audit::Action;
use shared::error::Check;
use shared::user_form::{NewUserForm, PasswordChoice};
use shared::user_patch::UserPatch;
use shared::{Permission, TenantSlug, UserType};
use sqlx::types::Json;
use uuid::Uuid;

use super::super::audit::{self, AuditActor, AuditEvent, Subject, Target};
use super::super::password;
use super::super::sessions;
use super::super::{Ctx, ServiceError, teams};
use super::{checks, load, snapshot};

/// Creates a user with their roles, in one transaction with its audit event. A generated
/// temporary password is returned once; only its hash is stored.
#[tracing::instrument(skip_all)]
pub async fn create(ctx: &mut Ctx<'_>, form: NewUserForm) -> Result<CreatedUser, ServiceError> {
    ctx.attempting(Action::UserCreated, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::UsersCreate)?;
    let mut new = form.validate(Utc::now()).map_err(ServiceError::Validation)?;
    // A supervisor's new users report to them unless they name someone in their line.
    if actor.line.is_some() && new.profile.manager_id.is_none() {
        new.profile.manager_id = Some(actor.user_id);
    }
    let (clear, temporary) = match new.password {
        PasswordChoice::Generate => {
            let temporary = password::generate_temporary();
            (Some(temporary.clone()), Some(temporary))
        }
        PasswordChoice::Set { password } => (Some(password), None),
        PasswordChoice::None => (None, None),
    };
    let hash = match &clear {
        Some(clear) => Some(ctx.services.passwords.hash(clear).await?),
        None => None,
    };

    let p = &new.profile;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let mut check = Check::default();
    checks::unique(&mut *conn, &mut check, tenant, p, None).await?;
    checks::roles(&mut *conn, &mut check, actor, new.user_type, &p.roles, &p.roles).await?;
    checks::manager(&mut *conn, &mut check, tenant, None, p.manager_id).await?;
    checks::in_line(&mut check, actor, p.manager_id);
    if actor.tenant_slug == TenantSlug::PLATFORM && new.user_type != UserType::TenantAdmin {
        // The platform tenant holds its superusers and nobody else.
        check.add("user_type", FieldCode::PlatformSuperusersOnly);
    }
    check.finish(()).map_err(ServiceError::Validation)?;

    let id = sqlx::query_scalar!(
        "insert into users (tenant_id, first_name, last_name, email, username, phone, external_id,
                            employee_code, timezone, position, department, location, branch, tags,
                            manager_id, working_hours, user_type, status, console_access, expires_at,
                            password_hash, must_change_password, password_changed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8,
                 coalesce($9, (select timezone from tenants where id = $1)),
                 $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, now())
         returning id",
        tenant,
        p.first_name,
        p.last_name,
        p.email.as_str(),
        p.username.as_str(),
        p.phone.as_ref().map(|x| x.as_str()),
        p.external_id,
        p.employee_code,
        p.timezone.as_ref().map(|x| x.as_str()),
        p.position,
        p.department,
        p.location,
        p.branch,
        &p.tags,
        p.manager_id,
        (!p.working_hours.is_empty()).then(|| Json(&p.working_hours)) as _,
        new.user_type.as_str(),
        new.status.as_str(),
        p.console_access,
        p.expires_at,
        hash,
        new.must_change_password,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(ServiceError::taken)?;
    if !p.roles.is_empty() {
        set_roles(&mut *conn, tenant, id, &p.roles).await?;
    }
    teams::apply_for_user(&mut *conn, tenant, id, p.username.as_str()).await?;

    let user = load(&mut *conn, tenant, id).await?.ok_or(ServiceError::NotFound)?;
    checks::gains_yours(&mut *conn, actor, None, &user).await?;
    let mut changes = audit::diff(&Value::Null, &snapshot(&user));
    let how = match (&clear, &temporary) {
        (None, _) => "none",
        (Some(_), Some(_)) => "temporary password generated",
        (Some(_), None) => "password set",
    };
    changes["password"] = json!({"before": null, "after": how});
    let event = AuditEvent {
        target: Some(Target { kind: "user", id, name: &user.username }),
        changes,
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::UserCreated)
    };
    audit::record(conn, &event).await?;
    Ok(CreatedUser { user, temporary_password: temporary })
}

/// Saves the edit form. The version must be the stored one (else 409, nothing saved); an edit
/// that changes nothing records nothing.
#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn update(ctx: &mut Ctx<'_>, id: Uuid, edit: UserEdit) -> Result<User, ServiceError> {
    ctx.attempting(Action::UserUpdated, Some(Subject::User(id)));
    save(ctx, id, edit).await
}

/// Saves an edit (see [`update`]); its caller names the attempt.
async fn save(ctx: &mut Ctx<'_>, id: Uuid, edit: UserEdit) -> Result<User, ServiceError> {
    ctx.actor.require(Permission::UsersUpdate)?;
    ctx.actor.require_sees(id)?;
    let before = load(ctx.conn, ctx.actor.tenant_id, id).await?.ok_or(ServiceError::NotFound)?;
    save_loaded(ctx, before, edit).await
}

/// Saves an edit of `before`, the user as just loaded by a caller that has checked that the
/// actor holds `users.update` and sees the user.
pub(super) async fn save_loaded(
    ctx: &mut Ctx<'_>,
    before: User,
    edit: UserEdit,
) -> Result<User, ServiceError> {
    let (actor, client) = (ctx.actor, ctx.client);
    let (tenant, id) = (actor.tenant_id, before.id);
    let conn = &mut *ctx.conn;
    actor.require_outranks(&before.permissions)?;
    if edit.version != before.version {
        return Err(stale());
    }
    let p =
        edit.fields.validate(Utc::now(), before.expires_at).map_err(ServiceError::Validation)?;
    let mut check = Check::default();
    checks::unique(&mut *conn, &mut check, tenant, &p, Some(id)).await?;
    let added: Vec<Uuid> =
        p.roles.iter().copied().filter(|r| !before.roles.iter().any(|h| h.id == *r)).collect();
    checks::roles(&mut *conn, &mut check, actor, before.user_type, &p.roles, &added).await?;
    if p.manager_id != before.manager.as_ref().map(|m| m.id) {
        checks::manager(&mut *conn, &mut check, tenant, Some(id), p.manager_id).await?;
        checks::in_line(&mut check, actor, p.manager_id);
    }
    if p.console_access && before.user_type == UserType::Service {
        check.add("console_access", FieldCode::ServiceAccount);
    }
    if !p.console_access && id == actor.user_id {
        check.add("console_access", FieldCode::OwnAccess);
    }
    check.finish(()).map_err(ServiceError::Validation)?;

    let saved = sqlx::query!(
        "update users set first_name = $4, last_name = $5, email = $6, username = $7, phone = $8,
                external_id = $9, employee_code = $10, timezone = coalesce($11, timezone),
                position = $12, department = $13, location = $14, branch = $15, tags = $16,
                manager_id = $17, working_hours = $18, console_access = $19, expires_at = $20,
                version = version + 1, updated_at = now()
          where tenant_id = $1 and id = $2 and version = $3",
        tenant,
        id,
        edit.version,
        p.first_name,
        p.last_name,
        p.email.as_str(),
        p.username.as_str(),
        p.phone.as_ref().map(|x| x.as_str()),
        p.external_id,
        p.employee_code,
        p.timezone.as_ref().map(|x| x.as_str()),
        p.position,
        p.department,
        p.location,
        p.branch,
        &p.tags,
        p.manager_id,
        (!p.working_hours.is_empty()).then(|| Json(&p.working_hours)) as _,
        p.console_access,
        p.expires_at,
    )
    .execute(&mut *conn)
    .await
    .map_err(ServiceError::taken)?;
    if saved.rows_affected() == 0 {
        return Err(stale());
    }
    let mut held: Vec<Uuid> = before.roles.iter().map(|r| r.id).collect();
    held.sort();
    if held != p.roles {
        set_roles(&mut *conn, tenant, id, &p.roles).await?;
    }
    teams::apply_for_user(&mut *conn, tenant, id, p.username.as_str()).await?;

    let after = load(&mut *conn, tenant, id).await?.ok_or(ServiceError::NotFound)?;
    checks::gains_yours(&mut *conn, actor, Some(&before), &after).await?;
    // Whoever can no longer sign in loses the sessions they have: restoring the access later
    // must not revive them.
    let shut_out = |u: &User| !u.console_access || u.expired;
    let sessions_ended = if shut_out(&after) && !shut_out(&before) {
        sessions::end_all(&mut *conn, tenant, id).await?
    } else {
        // The others end with the account: extending an expiry once it has passed does not
        // revive them either.
        if let Some(at) = after.expires_at {
            sessions::end_by(&mut *conn, tenant, id, at).await?;
        }
        0
    };
    if id == actor.user_id {
        let keeps = |perm| !actor.permissions.contains(&perm) || after.permissions.contains(&perm);
        if !keeps(Permission::UsersUpdate) || !keeps(Permission::RolesManage) {
            return Err(ServiceError::Refused(
                "You cannot remove your own administrative permissions; ask another administrator.",
            ));
        }
    }
    let changes = audit::diff(&snapshot(&before), &snapshot(&after));
    if changes.as_object().is_none_or(|c| c.is_empty()) {
        ctx.discard(); // nothing changed: the transaction rolls back, the version stays
        return Ok(before);
    }
    let event = AuditEvent {
        target: Some(Target { kind: "user", id, name: &after.username }),
        changes,
        details: if sessions_ended > 0 {
            json!({ "sessions_ended": sessions_ended })
        } else {
            json!({})
        },
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::UserUpdated)
    };
    audit::record(conn, &event).await?;
    Ok(after)
}

/// `PATCH /api/v1/users/{id}` with only the changed fields: they are laid over the stored user
/// and saved like the edit form. The body is judged only after the actor is allowed to edit,
/// so a refusal is a refusal whatever was sent.
pub async fn patch(ctx: &mut Ctx<'_>, id: Uuid, body: Value) -> Result<User, ServiceError> {
    ctx.attempting(Action::UserUpdated, Some(Subject::User(id)));
    ctx.actor.require(Permission::UsersUpdate)?;
    ctx.actor.require_sees(id)?;
    let patch = UserPatch::from_json(body).map_err(ServiceError::Validation)?;
    // What the edit starts from; users.update needs no users.read (the save answers with the
    // whole user anyway).
    let current = load(ctx.conn, ctx.actor.tenant_id, id).await?.ok_or(ServiceError::NotFound)?;
    let version = patch.version;
    save(ctx, id, UserEdit { version, fields: patch.apply(current.fields()) }).await
}

/// Makes `roles` exactly the user's roles.
async fn set_roles(
    conn: &mut sqlx::PgConnection,
    tenant: Uuid,
    user: Uuid,
    roles: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from user_roles where tenant_id = $1 and user_id = $2 and role_id <> all($3)",
        tenant,
        user,
        roles
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into user_roles (tenant_id, user_id, role_id)
         select $1, $2, unnest($3::uuid[]) on conflict do nothing",
        tenant,
        user,
        roles
    )
    .execute(conn)
    .await?;
    Ok(())
}

fn stale() -> ServiceError {
    ServiceError::Conflict(
        "Someone else changed this user after you opened it. Reload to see their changes.".into(),
    )
}
