//! Membership rules in SQL: a rule becomes a condition over `users u` (bound values only), which
//! decides who a team's rule members are. Applying a rule adds the users it matches who are not
//! members yet and removes the rule members it no longer matches; members added by hand stay.
//! The preview computes the same two sets without changing anything.

use serde_json::json;
use shared::account::UserRef;
use shared::audit::Action;
use shared::team::{Match, RuleField, RulePreview, Rules};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::backend::ServiceError;
use crate::backend::audit::{self, AuditActor, AuditEvent, Target};

/// The most names a preview lists of each set (the counts cover all).
pub const PREVIEW_NAMES: i64 = 50;

/// ` and (…)`: the rule as a condition over `u`.
fn push_rule(q: &mut QueryBuilder<'_, Postgres>, rules: &Rules) {
    let joiner = match rules.mode {
        Match::All => " and ",
        Match::Any => " or ",
    };
    q.push(" and (");
    for (i, c) in rules.conditions.iter().enumerate() {
        if i > 0 {
            q.push(joiner);
        }
        // `eq` has exactly one value (checked), so "= any" is equality for both operators.
        let lowered: Vec<String> = c.values.iter().map(|v| v.to_lowercase()).collect();
        match c.field {
            RuleField::Tag => {
                q.push("exists (select 1 from unnest(u.tags) t where lower(t) = any(");
                q.push_bind(lowered).push("))");
            }
            RuleField::UserType => {
                q.push("u.user_type = any(").push_bind(lowered).push(")");
            }
            field => {
                q.push("lower(u.").push(field.as_str()).push(") = any(").push_bind(lowered);
                q.push(")");
            }
        }
    }
    q.push(")");
}

/// Which users an application of a rule looks at.
#[derive(Clone, Copy, Debug)]
pub enum Among {
    /// Every user of the tenant.
    All,
    /// One user (just created or saved).
    User(Uuid),
    /// The users whose id is after `after` (from the first when none) up to `upto`: a batch of a
    /// background run.
    Batch { after: Option<Uuid>, upto: Uuid },
}

impl Among {
    /// ` and <column> …` for the users this covers.
    fn push(self, q: &mut QueryBuilder<'_, Postgres>, column: &'static str) {
        match self {
            Self::All => {}
            Self::User(user) => {
                q.push(" and ").push(column).push(" = ").push_bind(user);
            }
            Self::Batch { after, upto } => {
                if let Some(after) = after {
                    q.push(" and ").push(column).push(" > ").push_bind(after);
                }
                q.push(" and ").push(column).push(" <= ").push_bind(upto);
            }
        }
    }
}

/// `select u.id from users u where …`: the tenant's users the rule matches among `among`.
fn push_matching(q: &mut QueryBuilder<'_, Postgres>, tenant: Uuid, rules: &Rules, among: Among) {
    q.push("select u.id from users u where u.tenant_id = ").push_bind(tenant);
    among.push(q, "u.id");
    push_rule(q, rules);
}

/// Applies the rule to the memberships of the users `among`; returns how many members it added
/// and removed. `rules` none removes every rule member.
pub async fn apply(
    conn: &mut PgConnection,
    tenant: Uuid,
    team: Uuid,
    rules: Option<&Rules>,
    among: Among,
) -> Result<(i64, i64), ServiceError> {
    let mut q = QueryBuilder::<Postgres>::new("with matching as (");
    match rules {
        Some(rules) => push_matching(&mut q, tenant, rules, among),
        None => {
            q.push("select null::uuid as id where false");
        }
    }
    q.push(
        "), removed as (
             delete from team_members m where m.tenant_id = ",
    );
    q.push_bind(tenant).push(" and m.team_id = ").push_bind(team);
    q.push(" and m.source = 'rule' and m.user_id not in (select id from matching)");
    among.push(&mut q, "m.user_id");
    q.push(
        " returning m.user_id
         ), added as (
             insert into team_members (tenant_id, team_id, user_id, source)
             select ",
    );
    q.push_bind(tenant).push(", ").push_bind(team);
    q.push(
        ", s.id, 'rule' from matching s
              where not exists (select 1 from team_members m where m.tenant_id = ",
    );
    q.push_bind(tenant).push(" and m.team_id = ").push_bind(team);
    // A member added by hand meanwhile (committed after this statement's snapshot) stays one.
    q.push(
        " and m.user_id = s.id)
             on conflict (tenant_id, team_id, user_id) do nothing
             returning user_id
         )
         select (select count(*) from added), (select count(*) from removed)",
    );
    let counts: (i64, i64) = q.build_query_as().persistent(false).fetch_one(conn).await?;
    Ok(counts)
}

/// What [`apply`] of `rules` to the whole team would do, without doing it.
pub async fn preview(
    conn: &mut PgConnection,
    tenant: Uuid,
    team: Option<Uuid>,
    rules: Option<&Rules>,
) -> Result<RulePreview, ServiceError> {
    let team = team.unwrap_or(Uuid::nil());
    let side = async |conn: &mut PgConnection,
                      adding: bool|
           -> Result<(Vec<UserRef>, i64), ServiceError> {
        let mut q = QueryBuilder::<Postgres>::new("with matching as (");
        match rules {
            Some(rules) => push_matching(&mut q, tenant, rules, Among::All),
            None => {
                q.push("select null::uuid as id where false");
            }
        }
        q.push("), picked as (select u.id, u.first_name || ' ' || u.last_name as name, u.username, u.email, u.last_name, u.first_name from users u where u.tenant_id = ");
        q.push_bind(tenant);
        if adding {
            q.push(" and u.id in (select id from matching) and not exists (select 1 from team_members m where m.tenant_id = u.tenant_id and m.team_id = ");
            q.push_bind(team).push(" and m.user_id = u.id)");
        } else {
            q.push(" and u.id not in (select id from matching) and exists (select 1 from team_members m where m.tenant_id = u.tenant_id and m.source = 'rule' and m.team_id = ");
            q.push_bind(team).push(" and m.user_id = u.id)");
        }
        q.push(
            ") select id, name, username, email, (select count(*) from picked) as total
                 from picked order by lower(last_name), lower(first_name), id limit ",
        );
        q.push_bind(PREVIEW_NAMES);
        let rows: Vec<(Uuid, String, String, String, i64)> =
            q.build_query_as().persistent(false).fetch_all(conn).await?;
        let total = rows.first().map_or(0, |r| r.4);
        let names = rows
            .into_iter()
            .map(|(id, name, username, email, _)| UserRef { id, name, username, email })
            .collect();
        Ok((names, total))
    };
    let (adds, add_count) = side(conn, true).await?;
    let (removes, remove_count) = side(conn, false).await?;
    Ok(RulePreview { adds, removes, add_count, remove_count })
}

/// Runs every rule of the tenant for one user who was just created or saved, and records what
/// changed as the system's doing, naming the rule.
pub async fn apply_for_user(
    conn: &mut PgConnection,
    tenant: Uuid,
    user: Uuid,
    username: &str,
) -> Result<(), ServiceError> {
    // `!`: only teams with a rule are read.
    let teams = sqlx::query!(
        r#"select id, name, rules as "rules!: sqlx::types::Json<Rules>" from teams
            where tenant_id = $1 and rules is not null
              and jsonb_array_length(rules -> 'conditions') > 0"#,
        tenant
    )
    .fetch_all(&mut *conn)
    .await?;
    for (team, name, rules) in teams.into_iter().map(|t| (t.id, t.name, t.rules)) {
        let (added, removed) = apply(conn, tenant, team, Some(&rules.0), Among::User(user)).await?;
        if added + removed == 0 {
            continue;
        }
        let action = if added > 0 { Action::TeamMemberAdded } else { Action::TeamMemberRemoved };
        let event = AuditEvent {
            target: Some(Target { kind: "team", id: team, name: &name }),
            details: json!({ "user": username, "user_id": user, "rule": rules.0.describe() }),
            ..AuditEvent::new(tenant, AuditActor::System, action)
        };
        audit::record(conn, &event).await?;
    }
    Ok(())
}
