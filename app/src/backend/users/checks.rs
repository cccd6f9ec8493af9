//! The rules a user change must pass that need the database: unique identifiers, assignable
//! roles, a manager without cycles, and that the actor outranks the user they change.

use shared::error::Check;
use shared::user_form::Profile;
use shared::{Permission, UserType, permission};
use sqlx::PgConnection;
use uuid::Uuid;

use super::super::{Actor, ServiceError};

/// The unique indexes on users and the field each one protects.
const UNIQUE: [(&str, &str); 4] = [
    ("users_email_key", "email"),
    ("users_username_key", "username"),
    ("users_external_id_key", "external_id"),
    ("users_employee_code_key", "employee_code"),
];

/// Records `taken` on every identifier another user of the tenant already has (ignoring case),
/// so all of them are reported at once. `except` is the user being edited.
pub async fn unique(
    conn: &mut PgConnection,
    check: &mut Check,
    tenant_id: Uuid,
    profile: &Profile,
    except: Option<Uuid>,
) -> Result<(), ServiceError> {
    let taken = sqlx::query!(
        r#"select coalesce(bool_or(lower(email) = lower($3)), false) as "email!",
                  coalesce(bool_or(lower(username) = lower($4)), false) as "username!",
                  coalesce(bool_or(lower(external_id) = lower($5)), false) as "external_id!",
                  coalesce(bool_or(lower(employee_code) = lower($6)), false) as "employee_code!"
             from users
            where tenant_id = $1 and id is distinct from $2
              and (lower(email) = lower($3) or lower(username) = lower($4)
                   or lower(external_id) = lower($5) or lower(employee_code) = lower($6))"#,
        tenant_id,
        except,
        profile.email.as_str(),
        profile.username.as_str(),
        profile.external_id,
        profile.employee_code,
    )
    .fetch_one(conn)
    .await?;
    for (is_taken, field) in [
        (taken.email, "email"),
        (taken.username, "username"),
        (taken.external_id, "external_id"),
        (taken.employee_code, "employee_code"),
    ] {
        if is_taken {
            check.add(field, "taken");
        }
    }
    Ok(())
}

/// A unique violation that slipped past [`unique`] (a concurrent insert) as a field error.
pub fn unique_violation(err: sqlx::Error) -> ServiceError {
    let constraint = err.as_database_error().and_then(|e| e.constraint()).unwrap_or_default();
    match UNIQUE.iter().find(|(name, _)| *name == constraint) {
        Some((_, field)) => ServiceError::field(field, "taken"),
        None => err.into(),
    }
}

/// Roles given to a user must exist in the tenant, stay within the user type's ceiling, and
/// grant nothing the actor does not hold (`newly_granted`: roles the user does not have yet).
pub async fn roles(
    conn: &mut PgConnection,
    check: &mut Check,
    actor: &Actor,
    user_type: UserType,
    roles: &[Uuid],
    newly_granted: &[Uuid],
) -> Result<(), ServiceError> {
    let found = sqlx::query!(
        "select id, permissions from roles where tenant_id = $1 and id = any($2)",
        actor.tenant_id,
        roles
    )
    .fetch_all(conn)
    .await?;
    if found.len() != roles.len() {
        check.add("roles", "unknown");
        return Ok(());
    }
    let ceiling = user_type.ceiling();
    let permissions = |keys: &[String]| permission::from_keys(keys);
    if found.iter().any(|r| !permissions(&r.permissions).is_subset(&ceiling)) {
        check.add("roles", "above_ceiling");
    }
    let escalates = found
        .iter()
        .filter(|r| newly_granted.contains(&r.id))
        .any(|r| !permissions(&r.permissions).is_subset(&actor.permissions));
    if escalates {
        check.add("roles", "beyond_yours");
    }
    Ok(())
}

/// The manager must be a user of the tenant and must not report (directly or not) to the user.
/// Hierarchy changes of one tenant are serialised by an advisory lock held to the end of the
/// transaction, so two concurrent edits cannot close a cycle between them.
pub async fn manager(
    conn: &mut PgConnection,
    check: &mut Check,
    tenant_id: Uuid,
    user: Option<Uuid>,
    manager: Option<Uuid>,
) -> Result<(), ServiceError> {
    let Some(manager) = manager else { return Ok(()) };
    sqlx::query_scalar!(
        r#"select 1 as "locked!" from pg_advisory_xact_lock(hashtextextended($1, 7))"#,
        tenant_id.to_string()
    )
    .fetch_one(&mut *conn)
    .await?;
    let chain = sqlx::query_scalar!(
        r#"with recursive up(id, depth) as (
               select id, 0 from users where tenant_id = $1 and id = $2
               union all
               select u.manager_id, up.depth + 1 from users u join up on u.id = up.id
                where u.tenant_id = $1 and u.manager_id is not null and up.depth < 10000
           )
           select id as "id!" from up"#,
        tenant_id,
        manager
    )
    .fetch_all(conn)
    .await?;
    if chain.is_empty() {
        check.add("manager_id", "unknown");
    } else if user.is_some_and(|id| chain.contains(&id)) {
        check.add("manager_id", "cycle");
    }
    Ok(())
}

/// A supervisor keeps whom they create or edit inside their reporting line: the manager must be
/// the supervisor or one of their reports.
pub fn in_line(check: &mut Check, actor: &Actor, manager: Option<Uuid>) {
    if let Some(line) = &actor.line
        && !manager.is_some_and(|m| m == actor.user_id || line.contains(&m))
    {
        check.add("manager_id", "outside_your_line");
    }
}

/// The actor may change a user only when they hold every permission that user holds: a helpdesk
/// cannot reset an administrator's password and sign in as them.
pub fn outranks(actor: &Actor, target: &[Permission]) -> Result<(), ServiceError> {
    if target.iter().all(|p| actor.permissions.contains(p)) {
        Ok(())
    } else {
        Err(ServiceError::Refused("You cannot change a user who holds permissions you do not."))
    }
}
