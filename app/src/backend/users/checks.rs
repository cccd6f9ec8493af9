//! The rules a user change must pass that need the database: unique identifiers, assignable
//! roles, a manager without cycles, that the actor outranks the user they change, and that the
//! change grants nothing the actor does not hold.

use shared::FieldCode;
use shared::account::User;
use shared::error::Check;
use shared::team::{RuleField, Rules};
use shared::user_form::Profile;
use shared::{Permissions, UserType, permission};
use sqlx::PgConnection;
use sqlx::types::Json;
use uuid::Uuid;

use super::super::{Actor, ServiceError};

/// Records `taken` on every identifier another user of the tenant already has (ignoring case),
/// so all of them are reported at once. `except` is the user being edited.
pub async fn unique(
    conn: &mut PgConnection,
    check: &mut Check,
    tenant_id: Uuid,
    profile: &Profile,
    except: Option<Uuid>,
) -> Result<(), ServiceError> {
    // The stored lower-cased keys, which their unique indexes hold (see
    // migrations/20261201000003_lookup_keys.sql): lower() of a column would read the tenant.
    let taken = sqlx::query!(
        r#"select coalesce(bool_or(email_key = lower($3)), false) as "email!",
                  coalesce(bool_or(username_key = lower($4)), false) as "username!",
                  coalesce(bool_or(external_id_key = lower($5)), false) as "external_id!",
                  coalesce(bool_or(employee_code_key = lower($6)), false) as "employee_code!"
             from users
            where tenant_id = $1 and id is distinct from $2
              and (email_key = lower($3) or username_key = lower($4)
                   or external_id_key = lower($5) or employee_code_key = lower($6))"#,
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
            check.add(field, FieldCode::Taken);
        }
    }
    Ok(())
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
    // Shared locks until the save commits: a role edit in flight finishes first, and its new
    // permissions are the ones checked (a raced edit cannot slip a grant past the check).
    let found = sqlx::query!(
        "select id, permissions from roles where tenant_id = $1 and id = any($2) for share",
        actor.tenant_id,
        roles
    )
    .fetch_all(conn)
    .await?;
    if found.len() != roles.len() {
        check.add("roles", FieldCode::Unknown);
        return Ok(());
    }
    let ceiling = user_type.ceiling();
    let permissions = |keys: &[String]| permission::from_keys(keys);
    if found.iter().any(|r| !permissions(&r.permissions).is_subset(&ceiling)) {
        check.add("roles", FieldCode::AboveCeiling);
    }
    let escalates = found
        .iter()
        .filter(|r| newly_granted.contains(&r.id))
        .any(|r| !permissions(&r.permissions).is_subset(&actor.permissions));
    if escalates {
        check.add("roles", FieldCode::BeyondYours);
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
        check.add("manager_id", FieldCode::Unknown);
    } else if user.is_some_and(|id| chain.contains(&id)) {
        check.add("manager_id", FieldCode::Cycle);
    }
    Ok(())
}

/// A supervisor keeps whom they create or edit inside their reporting line: the manager must be
/// the supervisor or one of their reports.
pub fn in_line(check: &mut Check, actor: &Actor, manager: Option<Uuid>) {
    if let Some(line) = &actor.line
        && !manager.is_some_and(|m| m == actor.user_id || line.contains(&m))
    {
        check.add("manager_id", FieldCode::OutsideYourLine);
    }
}

/// Nobody grants, by any path, a permission they do not hold: whatever the saved user holds now
/// and did not hold before (`before`: none for a new user) must be held by the actor. Runs after
/// the save, inside its transaction, so the user type's own permissions, the roles and the
/// default role of every team a membership rule put the user in all count. The refusal names
/// what brought the gain: `user_type`, `roles`, or the fields the team's rule looks at.
pub async fn gains_yours(
    conn: &mut PgConnection,
    actor: &Actor,
    before: Option<&User>,
    after: &User,
) -> Result<(), ServiceError> {
    let had: Permissions = before.iter().flat_map(|u| u.permissions.iter().copied()).collect();
    let gained: Permissions = after
        .permissions
        .iter()
        .copied()
        .filter(|p| !had.contains(p) && !actor.permissions.contains(p))
        .collect();
    if gained.is_empty() {
        return Ok(());
    }
    let brings = |granted: &Permissions| !granted.is_disjoint(&gained);
    let mut check = Check::default();
    if brings(&after.user_type.inherent()) {
        check.add("user_type", FieldCode::BeyondYours);
    }
    let joined: Vec<Uuid> = after
        .teams
        .iter()
        .filter(|t| before.is_none_or(|b| !b.teams.iter().any(|h| h.id == t.id)))
        .map(|t| t.id)
        .collect();
    let teams = sqlx::query!(
        r#"select t.rules as "rules: Json<Rules>", r.permissions from teams t
             join roles r on r.tenant_id = t.tenant_id and r.id = t.default_role_id
            where t.tenant_id = $1 and t.id = any($2)"#,
        actor.tenant_id,
        &joined
    )
    .fetch_all(conn)
    .await?;
    for team in teams.iter().filter(|t| brings(&permission::from_keys(&t.permissions))) {
        let conditions = team.rules.iter().flat_map(|r| &r.0.conditions);
        for field in conditions.map(|c| c.field) {
            check.add(rule_field(field), FieldCode::BeyondYours);
        }
        if team.rules.is_none() {
            check.add("teams", FieldCode::BeyondYours);
        }
    }
    if check.is_clean() {
        // Nothing above explains it: the roles (also checked before the save).
        check.add("roles", FieldCode::BeyondYours);
    }
    check.finish(()).map_err(ServiceError::Validation)
}

/// The user form's field a rule condition looks at.
fn rule_field(field: RuleField) -> &'static str {
    match field {
        RuleField::Tag => "tags",
        other => other.as_str(),
    }
}
