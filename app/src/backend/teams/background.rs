//! Applying a rule change to a large tenant in the background: the saving transaction only
//! records the rule and a run (`team_rule_runs`); a task then applies the rule to a batch of
//! users per transaction, in id order, counting its progress, while the run is still the team's
//! current one (a newer rule change starts a newer run, and the older one stops at its next
//! batch). Applying a rule is idempotent, so an unfinished run is simply started again when
//! Roster starts.

use serde_json::json;
use shared::audit::Action;
use shared::team::Rules;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::rules::{self, Among};
use crate::backend::audit::{self, AuditActor, AuditEvent, Target};
use crate::backend::{ServiceError, tenancy};

/// Tenants with more users than this have rule changes applied in the background.
pub const BACKGROUND_FROM: i64 = 20_000;
/// Users per transaction of a background run.
pub const BATCH: i64 = 5_000;

/// Whether a rule change in this tenant is applied in the background (from the counters).
pub(super) async fn is_large(conn: &mut PgConnection, tenant: Uuid) -> Result<bool, ServiceError> {
    let users: i64 = sqlx::query_scalar!(
        r#"select coalesce(sum(users), 0)::bigint as "users!"
             from user_counts where tenant_id = $1"#,
        tenant
    )
    .fetch_one(conn)
    .await?;
    Ok(users > BACKGROUND_FROM)
}

/// Records a new run of the team's rule (replacing any earlier one) in the caller's transaction;
/// returns its id for [`spawn`] once that transaction has committed.
pub(super) async fn schedule(
    conn: &mut PgConnection,
    tenant: Uuid,
    team: Uuid,
) -> Result<Uuid, ServiceError> {
    let run: Uuid = sqlx::query_scalar!(
        "insert into team_rule_runs (tenant_id, team_id, total)
         values ($1, $2, (select count(*) from users where tenant_id = $1))
         on conflict (tenant_id, team_id) do update
            set run_id = gen_random_uuid(), started_at = now(), finished_at = null,
                total = excluded.total, done = 0, added = 0, removed = 0
         returning run_id",
        tenant,
        team
    )
    .fetch_one(conn)
    .await?;
    Ok(run)
}

/// Runs [`run`] on its own task; failures are logged (the run stays unfinished and is started
/// again when Roster restarts).
pub fn spawn(pool: PgPool, tenant: Uuid, team: Uuid, run_id: Uuid) {
    tokio::spawn(async move {
        if let Err(err) = run(&pool, tenant, team, run_id, BATCH).await {
            tracing::error!(%team, error = %err, "applying a team rule in the background failed");
        }
    });
}

/// Applies the team's current rule to every user of the tenant, `batch` users per
/// transaction, as long as `run_id` is the team's current run.
pub async fn run(
    pool: &PgPool,
    tenant: Uuid,
    team: Uuid,
    run_id: Uuid,
    batch: i64,
) -> Result<(), ServiceError> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut tx = tenancy::begin(pool, tenant).await?;
        let current = sqlx::query!(
            r#"select r.run_id, t.rules as "rules: Json<Rules>", t.name
                 from team_rule_runs r
                 join teams t on t.tenant_id = r.tenant_id and t.id = r.team_id
                where r.tenant_id = $1 and r.team_id = $2
                  for update of r"#,
            tenant,
            team
        )
        .fetch_optional(&mut *tx)
        .await?;
        let current = current.map(|r| (r.run_id, r.rules, r.name));
        let Some((current, rule, name)) = current.filter(|(id, ..)| *id == run_id) else {
            return Ok(()); // superseded, or the team is gone
        };
        let rule = rule.map(|r| r.0).filter(|r| !r.conditions.is_empty());
        let ids: Vec<Uuid> = sqlx::query_scalar!(
            "select id from users where tenant_id = $1 and ($2::uuid is null or id > $2)
              order by id limit $3",
            tenant,
            after,
            batch
        )
        .fetch_all(&mut *tx)
        .await?;
        let Some(&upto) = ids.last() else {
            sqlx::query!(
                "update team_rule_runs set finished_at = now()
                  where tenant_id = $1 and team_id = $2 and run_id = $3",
                tenant,
                team,
                current
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(());
        };
        let among = Among::Batch { after, upto };
        let (added, removed) = rules::apply(&mut tx, tenant, team, rule.as_ref(), among).await?;
        sqlx::query!(
            "update team_rule_runs set done = done + $3, added = added + $4, removed = removed + $5
              where tenant_id = $1 and team_id = $2",
            tenant,
            team,
            ids.len() as i64,
            added,
            removed
        )
        .execute(&mut *tx)
        .await?;
        if added + removed > 0 {
            let event = AuditEvent {
                target: Some(Target { kind: "team", id: team, name: &name }),
                details: json!({
                    "rule": rule.as_ref().map(Rules::describe),
                    "added": added,
                    "removed": removed,
                    "batch_of_users": ids.len(),
                }),
                ..AuditEvent::new(tenant, AuditActor::System, Action::TeamRuleApplied)
            };
            audit::record(&mut tx, &event).await?;
        }
        tx.commit().await?;
        after = Some(upto);
    }
}

/// Starts again every run left unfinished (by a restart); returns how many.
pub async fn resume(pool: &PgPool) -> Result<usize, ServiceError> {
    // Every tenant's: through the one function that may read them all (see
    // migrations/20261201000002_database_roles.sql).
    // A set-returning function's columns are never known to be non-null; these never are null
    // (the table's are not null).
    let runs = sqlx::query!(
        r#"select tenant_id as "tenant_id!", team_id as "team_id!", run_id as "run_id!"
             from roster_unfinished_team_runs()"#
    )
    .fetch_all(pool)
    .await?;
    for r in &runs {
        spawn(pool.clone(), r.tenant_id, r.team_id, r.run_id);
    }
    Ok(runs.len())
}
