//! Teams: listed with their member counts (the counters the directory keeps), created, edited
//! (`version`, 409 when stale) and deleted, members added and removed by hand, and membership
//! rules applied when they change (in the saving transaction) and whenever a user is saved.
//!
//! A team's default role is granted to every member: the editor must hold its permissions, and
//! it must be within the ceiling of every member's user type.

mod background;
mod rules;

pub use background::{BACKGROUND_FROM, resume, run as run_in_background};
pub use rules::{PREVIEW_NAMES, apply_for_user};

use rules::Among;
use shared::FieldCode;
use shared::audit::Action;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use shared::account::{RoleRef, UserRef};
use shared::team::{
    MemberSource, RulePreview, RuleRun, Rules, Team, TeamForm, TeamMember, TeamUpdate, ValidTeam,
};
use shared::{Permission, Permissions, UserType, permission};
use sqlx::PgConnection;
use sqlx::types::Json;
use uuid::Uuid;

use super::audit::{self, AuditActor, AuditEvent, Subject, Target};
use super::sessions::{self, ClientInfo, Reached};
use super::{Actor, Ctx, ServiceError, tenancy};

/// Every team of the actor's tenant, by name.
pub async fn list(ctx: &mut Ctx<'_>) -> Result<Vec<Team>, ServiceError> {
    ctx.reading("teams.read", None);
    ctx.actor.require(Permission::TeamsRead)?;
    fetch(ctx.conn, ctx.actor.tenant_id, None).await
}

/// One team.
pub async fn get(ctx: &mut Ctx<'_>, id: Uuid) -> Result<Team, ServiceError> {
    ctx.reading("teams.read", Some(Subject::Team(id)));
    ctx.actor.require(Permission::TeamsRead)?;
    one(ctx.conn, ctx.actor.tenant_id, id).await
}

/// A team's members by name, with how each came to be one: for a supervisor, only those in
/// their reporting line (and themselves).
pub async fn members(ctx: &mut Ctx<'_>, id: Uuid) -> Result<Vec<TeamMember>, ServiceError> {
    ctx.reading("teams.read", Some(Subject::Team(id)));
    let (actor, conn) = (ctx.actor, &mut *ctx.conn);
    actor.require(Permission::TeamsRead)?;
    let tenant = actor.tenant_id;
    one(conn, tenant, id).await?;
    let rows = sqlx::query!(
        r#"select u.id, u.first_name || ' ' || u.last_name as "name!", u.username, u.email,
                  m.source, m.created_at
             from team_members m join users u on u.tenant_id = m.tenant_id and u.id = m.user_id
            where m.tenant_id = $1 and m.team_id = $2
              and ($3::uuid[] is null or u.id = any($3) or u.id = $4)
            order by lower(u.last_name), lower(u.first_name), u.id"#,
        tenant,
        id,
        actor.line.as_deref(),
        actor.user_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TeamMember {
            user: UserRef { id: r.id, name: r.name, username: r.username, email: r.email },
            source: if r.source == "rule" { MemberSource::Rule } else { MemberSource::Manual },
            since: r.created_at,
        })
        .collect())
}

/// What saving `form` would do to the memberships of the team (`id`, or a new team). A rule
/// reaches the whole tenant, so supervisors, bound to their reporting line, neither preview
/// nor change one.
pub async fn preview(
    ctx: &mut Ctx<'_>,
    id: Option<Uuid>,
    form: TeamForm,
) -> Result<RulePreview, ServiceError> {
    ctx.reading("teams.read", id.map(Subject::Team));
    let actor = ctx.actor;
    actor.require(Permission::TeamsRead)?;
    whole_tenant(actor)?;
    let valid = form.validate().map_err(ServiceError::Validation)?;
    let (tenant, conn) = (actor.tenant_id, &mut *ctx.conn);
    if let Some(id) = id {
        one(conn, tenant, id).await?;
    }
    rules::preview(conn, tenant, id, valid.rules.as_ref()).await
}

/// Creates a team and adds the members its rule matches.
pub async fn create(ctx: &mut Ctx<'_>, form: TeamForm) -> Result<Team, ServiceError> {
    ctx.attempting(Action::TeamCreated, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::TeamsManage)?;
    let valid = form.validate().map_err(ServiceError::Validation)?;
    if valid.rules.is_some() {
        whole_tenant(actor)?;
    }
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    default_role_yours(&mut *conn, actor, valid.default_role_id, "default_role_id").await?;
    let id: Uuid = sqlx::query_scalar!(
        "insert into teams (tenant_id, name, description, default_role_id, rules)
         values ($1, $2, $3, $4, $5) returning id",
        tenant,
        valid.name,
        valid.description,
        valid.default_role_id,
        valid.rules.as_ref().map(Json) as _
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(ServiceError::taken)?;
    let (added, _, run) = match &valid.rules {
        Some(rules) => apply_or_schedule(&mut *conn, tenant, id, Some(rules)).await?,
        None => (0, 0, None),
    };
    members_within_ceiling(&mut *conn, tenant, id).await?;
    let team = one(&mut *conn, tenant, id).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "team", id, name: &team.name }),
        changes: audit::diff(&Value::Null, &snapshot(&team)),
        details: json!({ "rule_added": added, "in_background": run.is_some() }),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::TeamCreated)
    };
    audit::record(&mut *conn, &event).await?;
    if let Some(run) = run {
        ctx.after_commit(move |services| background::spawn(services.pool.clone(), tenant, id, run));
    }
    Ok(team)
}

/// Saves a team; a changed rule is applied to every user of the tenant in the same
/// transaction (what the preview showed).
pub async fn update(ctx: &mut Ctx<'_>, id: Uuid, update: TeamUpdate) -> Result<Team, ServiceError> {
    ctx.attempting(Action::TeamUpdated, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::TeamsManage)?;
    let valid = update.form.validate().map_err(ServiceError::Validation)?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let before = locked(&mut *conn, tenant, id).await?;
    all_in_line(&mut *conn, actor, id).await?;
    if before.version != update.version {
        return Err(ServiceError::Conflict(
            "Someone else changed this team; reload it to see their changes.".into(),
        ));
    }
    if unchanged(&before, &valid) {
        return Ok(before);
    }
    // Whoever the default role reaches anew must be given it by someone who holds it: a
    // new role for every member, or the same role for the members a new rule brings.
    let rules_changed = valid.rules != before.rules;
    if rules_changed {
        whole_tenant(actor)?;
    }
    let role_changed = valid.default_role_id != before.default_role.as_ref().map(|r| r.id);
    if role_changed {
        default_role_yours(&mut *conn, actor, valid.default_role_id, "default_role_id").await?;
    } else if rules_changed {
        default_role_yours(&mut *conn, actor, valid.default_role_id, "rules").await?;
    }
    // A new default role reaches every member; a new rule, those it removes.
    if role_changed || (rules_changed && valid.default_role_id.is_some()) {
        sessions::require_outranks_all(&mut *conn, actor, Reached::Members(id)).await?;
    }
    sqlx::query!(
        "update teams set name = $3, description = $4, default_role_id = $5, rules = $6,
                          version = version + 1, updated_at = now()
          where tenant_id = $1 and id = $2",
        tenant,
        id,
        valid.name,
        valid.description,
        valid.default_role_id,
        valid.rules.as_ref().map(Json) as _
    )
    .execute(&mut *conn)
    .await
    .map_err(ServiceError::taken)?;
    let (added, removed, run) = if rules_changed {
        apply_or_schedule(&mut *conn, tenant, id, valid.rules.as_ref()).await?
    } else {
        (0, 0, None)
    };
    // And those it adds (a background run in a large tenant adds them later, unchecked).
    if added > 0 && valid.default_role_id.is_some() {
        sessions::require_outranks_all(&mut *conn, actor, Reached::Members(id)).await?;
    }
    members_within_ceiling(&mut *conn, tenant, id).await?;
    let after = one(&mut *conn, tenant, id).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "team", id, name: &after.name }),
        changes: audit::diff(&snapshot(&before), &snapshot(&after)),
        details: json!({
            "rule_added": added,
            "rule_removed": removed,
            "in_background": run.is_some(),
        }),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::TeamUpdated)
    };
    audit::record(&mut *conn, &event).await?;
    if let Some(run) = run {
        ctx.after_commit(move |services| background::spawn(services.pool.clone(), tenant, id, run));
    }
    Ok(after)
}

/// Applies a new rule to the whole tenant now, or in a large tenant records a background run
/// (returned, to be spawned once the caller's transaction has committed): (added, removed, run).
async fn apply_or_schedule(
    conn: &mut PgConnection,
    tenant: Uuid,
    team: Uuid,
    rules: Option<&Rules>,
) -> Result<(i64, i64, Option<Uuid>), ServiceError> {
    if background::is_large(conn, tenant).await? {
        return Ok((0, 0, Some(background::schedule(conn, tenant, team).await?)));
    }
    let (added, removed) = rules::apply(conn, tenant, team, rules, Among::All).await?;
    Ok((added, removed, None))
}

/// Deletes a team and its memberships.
pub async fn delete(ctx: &mut Ctx<'_>, id: Uuid) -> Result<(), ServiceError> {
    ctx.attempting(Action::TeamDeleted, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::TeamsManage)?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let team = locked(&mut *conn, tenant, id).await?;
    all_in_line(&mut *conn, actor, id).await?;
    if team.default_role.is_some() {
        sessions::require_outranks_all(&mut *conn, actor, Reached::Members(id)).await?;
    }
    let removed =
        sqlx::query!("delete from team_members where tenant_id = $1 and team_id = $2", tenant, id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    sqlx::query!("delete from teams where tenant_id = $1 and id = $2", tenant, id)
        .execute(&mut *conn)
        .await?;
    let event = AuditEvent {
        target: Some(Target { kind: "team", id, name: &team.name }),
        details: json!({ "members_removed": removed }),
        client: Some(client),
        ..AuditEvent::new(tenant, AuditActor::from(actor), Action::TeamDeleted)
    };
    audit::record(&mut *conn, &event).await?;
    Ok(())
}

/// Adds a user to a team by hand (a rule member becomes a manual one).
pub async fn add_member(ctx: &mut Ctx<'_>, id: Uuid, user: Uuid) -> Result<(), ServiceError> {
    ctx.attempting(Action::TeamMemberAdded, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::TeamsManage)?;
    actor.require_sees(user)?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let team = locked(&mut *conn, tenant, id).await?;
    let username = access_changed(&mut *conn, actor, &team, user)
        .await?
        .ok_or_else(|| ServiceError::field("user_id", FieldCode::Unknown))?;
    sqlx::query!(
        "insert into team_members (tenant_id, team_id, user_id, source) values ($1, $2, $3, 'manual')
         on conflict (tenant_id, team_id, user_id) do update set source = 'manual'",
        tenant,
        id,
        user
    )
    .execute(&mut *conn)
    .await?;
    members_within_ceiling(&mut *conn, tenant, id).await?;
    record_member(&mut *conn, actor, &team, Action::TeamMemberAdded, user, &username, client)
        .await?;
    Ok(())
}

/// Removes a member added by hand; rule members leave when the rule stops matching them.
pub async fn remove_member(ctx: &mut Ctx<'_>, id: Uuid, user: Uuid) -> Result<(), ServiceError> {
    ctx.attempting(Action::TeamMemberRemoved, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::TeamsManage)?;
    actor.require_sees(user)?;
    let tenant = actor.tenant_id;
    let conn = &mut *ctx.conn;
    let team = locked(&mut *conn, tenant, id).await?;
    let row = sqlx::query!(
        "select m.source, u.username from team_members m
           join users u on u.tenant_id = m.tenant_id and u.id = m.user_id
          where m.tenant_id = $1 and m.team_id = $2 and m.user_id = $3",
        tenant,
        id,
        user
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some((source, username)) = row.map(|r| (r.source, r.username)) else {
        return Err(ServiceError::NotFound);
    };
    access_changed(&mut *conn, actor, &team, user).await?;
    if source == "rule" {
        return Err(ServiceError::Refused(
            "This member comes from the team's rule; change the rule to remove them.",
        ));
    }
    sqlx::query!(
        "delete from team_members where tenant_id = $1 and team_id = $2 and user_id = $3",
        tenant,
        id,
        user
    )
    .execute(&mut *conn)
    .await?;
    record_member(&mut *conn, actor, &team, Action::TeamMemberRemoved, user, &username, client)
        .await?;
    Ok(())
}

async fn record_member(
    conn: &mut PgConnection,
    actor: &Actor,
    team: &Team,
    action: Action,
    user: Uuid,
    username: &str,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let event = AuditEvent {
        target: Some(Target { kind: "team", id: team.id, name: &team.name }),
        details: json!({ "user": username, "user_id": user, "by_hand": true }),
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), action)
    };
    audit::record(conn, &event).await?;
    Ok(())
}

struct Row {
    id: Uuid,
    name: String,
    description: String,
    role_id: Option<Uuid>,
    role_name: Option<String>,
    rules: Option<Json<Rules>>,
    members: i64,
    version: i64,
    updated_at: DateTime<Utc>,
    run_total: Option<i64>,
    run_done: Option<i64>,
    run_added: Option<i64>,
    run_removed: Option<i64>,
    run_finished: Option<bool>,
}

async fn fetch(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Option<Uuid>,
) -> Result<Vec<Team>, ServiceError> {
    // The left-joined role and run are absent for most teams (hence `?`).
    let rows = sqlx::query_as!(
        Row,
        r#"select t.id, t.name, t.description, r.id as "role_id?", r.name as "role_name?",
                  t.rules as "rules: Json<Rules>",
                  coalesce((select sum(c.users) from team_user_counts c
                             where c.tenant_id = t.tenant_id and c.team_id = t.id), 0)::bigint
                      as "members!",
                  t.version, t.updated_at, rr.total as "run_total?", rr.done as "run_done?",
                  rr.added as "run_added?", rr.removed as "run_removed?",
                  rr.finished_at is not null as "run_finished?"
             from teams t
             left join roles r on r.tenant_id = t.tenant_id and r.id = t.default_role_id
             left join team_rule_runs rr on rr.tenant_id = t.tenant_id and rr.team_id = t.id
            where t.tenant_id = $1 and ($2::uuid is null or t.id = $2)
            order by lower(t.name)"#,
        tenant,
        id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Team {
            id: r.id,
            name: r.name,
            description: r.description,
            default_role: r.role_id.zip(r.role_name).map(|(id, name)| RoleRef { id, name }),
            rules: r.rules.map(|j| j.0).filter(|rules| !rules.conditions.is_empty()),
            members: r.members,
            version: r.version,
            updated_at: r.updated_at,
            run: r.run_total.map(|total| RuleRun {
                total,
                done: r.run_done.unwrap_or_default(),
                added: r.run_added.unwrap_or_default(),
                removed: r.run_removed.unwrap_or_default(),
                finished: r.run_finished.unwrap_or_default(),
            }),
        })
        .collect())
}

async fn one(conn: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Team, ServiceError> {
    fetch(conn, tenant, Some(id)).await?.into_iter().next().ok_or(ServiceError::NotFound)
}

/// The team, locked for the rest of the transaction.
async fn locked(conn: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Team, ServiceError> {
    tenancy::lock(conn, "teams", tenant, id).await?;
    one(conn, tenant, id).await
}

/// The default role must exist in the tenant and grant nothing the editor does not hold
/// (else `beyond_yours` on `field`: what brought the role to new members).
async fn default_role_yours(
    conn: &mut PgConnection,
    actor: &Actor,
    role: Option<Uuid>,
    field: &str,
) -> Result<(), ServiceError> {
    let Some(role) = role else { return Ok(()) };
    let granted = role_permissions(conn, actor.tenant_id, role)
        .await?
        .ok_or_else(|| ServiceError::field("default_role_id", FieldCode::Unknown))?;
    actor.may_grant(&granted, field)
}

/// What a role of the tenant grants, share-locked until the transaction ends: a role edit in
/// flight finishes first, so its new permissions are the ones checked. `None`: no such role.
async fn role_permissions(
    conn: &mut PgConnection,
    tenant: Uuid,
    role: Uuid,
) -> Result<Option<Permissions>, sqlx::Error> {
    let keys: Option<Vec<String>> = sqlx::query_scalar!(
        "select permissions from roles where tenant_id = $1 and id = $2 for share",
        tenant,
        role
    )
    .fetch_optional(conn)
    .await?;
    Ok(keys.map(|keys| permission::from_keys(&keys)))
}

/// A manual membership change of `user` in `team` changes their access when the team has a
/// default role: the actor must hold that role's permissions and outrank the user. Returns the
/// user's username, `None` when the tenant has no such user.
async fn access_changed(
    conn: &mut PgConnection,
    actor: &Actor,
    team: &Team,
    user: Uuid,
) -> Result<Option<String>, ServiceError> {
    let row = sqlx::query!(
        "select username, user_type from users where tenant_id = $1 and id = $2",
        actor.tenant_id,
        user
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some((username, user_type)) = row.map(|r| (r.username, r.user_type)) else {
        return Ok(None);
    };
    if let Some(role) = &team.default_role {
        let granted = role_permissions(conn, actor.tenant_id, role.id)
            .await?
            .ok_or_else(|| ServiceError::Internal("a team's default role is missing".into()))?;
        if !granted.is_subset(&actor.permissions) {
            return Err(ServiceError::Denied(
                "This team's default role grants permissions you do not hold.",
            ));
        }
        let user_type: UserType =
            user_type.parse().map_err(|e| ServiceError::Internal(format!("{e}")))?;
        let granted = sessions::granted_permissions(conn, actor.tenant_id, user).await?;
        let holds: Vec<Permission> =
            permission::effective(user_type, granted).into_iter().collect();
        actor.require_outranks(&holds)?;
    }
    Ok(Some(username))
}

/// A supervisor edits or deletes only a team whose members are all in their reporting line (or
/// themselves): the change reaches every member.
async fn all_in_line(
    conn: &mut PgConnection,
    actor: &Actor,
    team: Uuid,
) -> Result<(), ServiceError> {
    let Some(line) = &actor.line else { return Ok(()) };
    let outsiders: bool = sqlx::query_scalar!(
        r#"select exists (select 1 from team_members
                           where tenant_id = $1 and team_id = $2
                             and user_id <> all($3) and user_id <> $4) as "outsiders!""#,
        actor.tenant_id,
        team,
        line,
        actor.user_id
    )
    .fetch_one(conn)
    .await?;
    if outsiders { Err(ServiceError::Forbidden) } else { Ok(()) }
}

/// Refuses supervisors: what reaches the whole tenant (a membership rule) is beyond their line.
fn whole_tenant(actor: &Actor) -> Result<(), ServiceError> {
    if actor.line.is_some() { Err(ServiceError::Forbidden) } else { Ok(()) }
}

/// Every member's user type may hold what the team's default role grants.
async fn members_within_ceiling(
    conn: &mut PgConnection,
    tenant: Uuid,
    team: Uuid,
) -> Result<(), ServiceError> {
    let rows = sqlx::query!(
        "select distinct u.user_type, r.permissions
           from teams t
           join roles r on r.tenant_id = t.tenant_id and r.id = t.default_role_id
           join team_members m on m.tenant_id = t.tenant_id and m.team_id = t.id
           join users u on u.tenant_id = m.tenant_id and u.id = m.user_id
          where t.tenant_id = $1 and t.id = $2",
        tenant,
        team
    )
    .fetch_all(conn)
    .await?;
    let above = rows.iter().any(|r| {
        let granted = permission::from_keys(&r.permissions);
        r.user_type.parse::<UserType>().is_ok_and(|t| !granted.is_subset(&t.ceiling()))
    });
    if above {
        Err(ServiceError::field("default_role_id", FieldCode::AboveCeiling))
    } else {
        Ok(())
    }
}

fn unchanged(team: &Team, valid: &ValidTeam) -> bool {
    team.name == valid.name
        && team.description == valid.description
        && team.default_role.as_ref().map(|r| r.id) == valid.default_role_id
        && team.rules == valid.rules
}

/// What the audit diff compares.
fn snapshot(team: &Team) -> Value {
    json!({
        "name": team.name,
        "description": team.description,
        "default_role": team.default_role.as_ref().map(|r| &r.name),
        "rules": team.rules.as_ref().map(Rules::describe),
    })
}
