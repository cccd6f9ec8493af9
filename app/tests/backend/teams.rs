//! Teams: membership rules applied when a user is saved and when the rule changes (sources
//! right), the preview equal to what saving then does, members by hand, and the default role
//! held to the editor's permissions and every member's ceiling.

use app::backend::{Actor, ServiceError, teams, users};
use shared::account::User;
use shared::audit::AuditQuery;
use shared::team::{
    Condition, Match, MemberSource, RuleField, RuleOp, Rules, TeamForm, TeamUpdate,
};
use shared::{Permission, Uuid};
use sqlx::PgPool;

use crate::support::{all_tenants, client, member, role_id, run, run_from, tenant_with_admin};
use crate::users::new_user;

fn rule(mode: Match, conditions: &[(RuleField, RuleOp, &[&str])]) -> Option<Rules> {
    let conditions = conditions
        .iter()
        .map(|(field, op, values)| Condition {
            field: *field,
            op: *op,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        })
        .collect();
    Some(Rules { mode, conditions })
}

async fn person(pool: &PgPool, admin: &Actor, name: &str, department: &str, tags: &[&str]) -> User {
    let mut form = new_user(name, "agent");
    form.fields.department = Some(department.into());
    form.fields.tags = tags.iter().map(|t| (*t).to_owned()).collect();
    run_from(pool, admin, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await)
        .await
        .unwrap()
        .user
}

/// The team's members as (username, source), by username.
async fn roster(pool: &PgPool, admin: &Actor, team: Uuid) -> Vec<(String, MemberSource)> {
    let mut members: Vec<_> = run(pool, admin, async |ctx| teams::members(ctx, team).await)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.user.username, m.source))
        .collect();
    members.sort_by(|a, b| a.0.cmp(&b.0));
    members
}

fn named(list: &[(&str, MemberSource)]) -> Vec<(String, MemberSource)> {
    list.iter().map(|(n, s)| ((*n).to_owned(), *s)).collect()
}

roster_test! {
async fn rules_add_and_remove_members_on_save_and_on_rule_change(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    person(&pool, &admin, "ada", "Sales", &["night"]).await;
    let bob = person(&pool, &admin, "bob", "Support", &[]).await;
    let cy = person(&pool, &admin, "cy", "sales", &[]).await;
    use MemberSource::{Manual, Rule};

    // Creating the team applies its rule (ignoring case); a member added by hand stays one.
    let sales = rule(Match::All, &[(RuleField::Department, RuleOp::Eq, &["Sales"])]);
    let form = TeamForm { name: "Sales".into(), rules: sales, ..TeamForm::default() };
    let preview = run(&pool, &admin, async |ctx| teams::preview(ctx, None, form.clone()).await).await.unwrap();
    assert_eq!((preview.add_count, preview.remove_count), (2, 0));
    let team = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, form).await).await.unwrap();
    assert_eq!(team.members, 2);
    run_from(&pool, &admin, &c, async |ctx| teams::add_member(ctx, team.id, bob.id).await).await.unwrap();
    assert_eq!(
        roster(&pool, &admin, team.id).await,
        named(&[("ada", Rule), ("bob", Manual), ("cy", Rule)])
    );

    // Saving a user runs the rules: cy leaves Sales, and joins again.
    let edit = |user: &User, department: &str| {
        let mut fields = user.fields();
        fields.department = Some(department.into());
        shared::account::UserEdit { version: user.version, fields }
    };
    let cy = run_from(&pool, &admin, &c, async |ctx| users::update(ctx, cy.id, edit(&cy, "Marketing")).await).await.unwrap();
    assert!(cy.teams.is_empty());
    let cy = run_from(&pool, &admin, &c, async |ctx| users::update(ctx, cy.id, edit(&cy, "SALES")).await).await.unwrap();
    assert_eq!(cy.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Sales"]);
    let added = person(&pool, &admin, "dee", "Sales", &[]).await;
    assert_eq!(added.teams.len(), 1, "a new user joins at creation");

    // A rule change: the preview names exactly what saving does.
    let night = rule(Match::Any, &[(RuleField::Tag, RuleOp::In, &["night", "weekend"])]);
    let change = TeamForm { name: "Sales".into(), rules: night, ..TeamForm::default() };
    let preview = run(&pool, &admin, async |ctx| teams::preview(ctx, Some(team.id), change.clone()).await).await.unwrap();
    let names = |list: &[shared::account::UserRef]| {
        let mut names: Vec<String> = list.iter().map(|u| u.username.clone()).collect();
        names.sort();
        names
    };
    assert_eq!(
        (names(&preview.adds), names(&preview.removes)),
        (vec![], vec!["cy".to_owned(), "dee".to_owned()])
    );
    let team = run(&pool, &admin, async |ctx| teams::get(ctx, team.id).await).await.unwrap();
    let update = TeamUpdate { version: team.version, form: change };
    let saved = run_from(&pool, &admin, &c, async |ctx| teams::update(ctx, team.id, update.clone()).await).await.unwrap();
    assert_eq!(roster(&pool, &admin, team.id).await, named(&[("ada", Rule), ("bob", Manual)]));
    assert_eq!(saved.members, 2);
    let stale = run_from(&pool, &admin, &c, async |ctx| teams::update(ctx, team.id, update).await).await;
    assert!(matches!(stale, Err(ServiceError::Conflict(_))), "{stale:?}");

    // Rule members leave through the rule only; the trail names the system and the rule.
    let members = run(&pool, &admin, async |ctx| teams::members(ctx, team.id).await).await.unwrap();
    let ada_id = members.iter().find(|m| m.user.username == "ada").unwrap().user.id;
    let refused = run_from(&pool, &admin, &c, async |ctx| teams::remove_member(ctx, team.id, ada_id).await).await;
    assert!(matches!(refused, Err(ServiceError::Refused(_))), "{refused:?}");
    run_from(&pool, &admin, &c, async |ctx| teams::remove_member(ctx, team.id, bob.id).await).await.unwrap();
    let trail = run(&pool, &admin, async |ctx| app::backend::audit::trail::list(ctx, &AuditQuery { action: Some("team".into()), limit: Some(100), ..AuditQuery::default() }).await)
    .await
    .unwrap();
    let system: Vec<_> = trail.items.iter().filter(|e| e.actor.id.is_none()).collect();
    assert!(
        !system.is_empty()
            && system.iter().all(|e| e.details["rule"]
                .as_str()
                .is_some_and(|r| r.contains("Department is Sales")))
    );
}
}

roster_test! {
async fn a_default_role_stays_within_the_members_ceilings_and_the_editors_permissions(
    pool: PgPool,
) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let mut viewer = new_user("vic", "viewer");
    viewer.fields.department = Some("Audit".into());
    run_from(&pool, &admin, &c, async |ctx| users::create(ctx, viewer).await).await.unwrap();
    let audit = rule(Match::All, &[(RuleField::Department, RuleOp::Eq, &["Audit"])]);
    // A viewer may not hold what user managers do.
    let form = TeamForm {
        name: "Auditors".into(),
        default_role_id: Some(role_id(&pool, acme, "user_manager").await),
        rules: audit.clone(),
        ..TeamForm::default()
    };
    let refused = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, form).await).await;
    assert!(
        matches!(&refused, Err(ServiceError::Validation(f)) if f["default_role_id"] == ["above_ceiling"]),
        "{refused:?}"
    );
    assert!(run(&pool, &admin, async |ctx| teams::list(ctx).await).await.unwrap().is_empty(), "nothing was saved");
    let form = TeamForm {
        name: "Auditors".into(),
        default_role_id: Some(role_id(&pool, acme, "auditor").await),
        rules: audit,
        ..TeamForm::default()
    };
    let team = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, form).await).await.unwrap();
    assert_eq!((team.members, team.default_role.map(|r| r.name)), (1, Some("Auditor".to_owned())));

    // A supervisor holding the administrator role manages teams, but their type's ceiling
    // keeps tenant.settings from them: they cannot hand out a role that grants it.
    let lead = member(&pool, acme, "lea", "supervisor", "administrator").await;
    assert!(!lead.permissions.contains(&Permission::TenantSettings));
    let form = TeamForm {
        name: "Admins".into(),
        default_role_id: Some(role_id(&pool, acme, "administrator").await),
        ..TeamForm::default()
    };
    let beyond = run_from(&pool, &lead, &c, async |ctx| teams::create(ctx, form).await).await;
    assert!(
        matches!(&beyond, Err(ServiceError::Validation(f)) if f["default_role_id"] == ["beyond_yours"]),
        "{beyond:?}"
    );
}
}

roster_test! {
/// A background run of a team's rule and a member added by hand, forced to be in flight
/// together (both wait on a table lock the test holds, then go at once): both finish, in
/// whichever order they write, and the user ends up a member by hand.
async fn a_background_run_racing_a_manual_add_both_finish(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let ops = rule(Match::All, &[(RuleField::Department, RuleOp::Eq, &["Ops"])]);
    let form = TeamForm { name: "Ops".into(), rules: ops, ..TeamForm::default() };
    let team = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, form).await).await.unwrap().id;
    const ROUNDS: usize = 8;
    for round in 0..ROUNDS {
        // Someone the rule matches who is not a member yet (moved by hand, rules not run).
        let user = person(&pool, &admin, &format!("p{round}"), "Later", &[]).await.id;
        let mut owner = all_tenants(&pool).await;
        sqlx::query("update users set department = 'Ops' where id = $1")
            .bind(user)
            .execute(&mut owner)
            .await
            .unwrap();
        let run: Uuid = sqlx::query_scalar(
            "insert into team_rule_runs (tenant_id, team_id, total) values ($1, $2, 0)
             on conflict (tenant_id, team_id) do update set run_id = gen_random_uuid(),
                    finished_at = null
             returning run_id",
        )
        .bind(acme)
        .bind(team)
        .fetch_one(&mut owner)
        .await
        .unwrap();

        sqlx::query("begin").execute(&mut owner).await.unwrap();
        sqlx::query("lock table team_members in exclusive mode").execute(&mut owner).await.unwrap();
        let by_hand = tokio::spawn({
            let (pool, admin, c) = (pool.clone(), admin.clone(), c.clone());
            async move { run_from(&pool, &admin, &c, async |ctx| teams::add_member(ctx, team, user).await).await }
        });
        let by_rule = tokio::spawn({
            let pool = pool.clone();
            async move { teams::run_in_background(&pool, acme, team, run, 5_000).await }
        });
        wait_for_waiters(&mut owner, 2).await;
        sqlx::query("commit").execute(&mut owner).await.unwrap();
        let (by_hand, by_rule) = (by_hand.await.unwrap(), by_rule.await.unwrap());
        assert!(by_hand.is_ok() && by_rule.is_ok(), "round {round}: {by_hand:?}, {by_rule:?}");
        let source: String = sqlx::query_scalar(
            "select source from team_members
              where tenant_id = $1 and team_id = $2 and user_id = $3",
        )
        .bind(acme)
        .bind(team)
        .bind(user)
        .fetch_one(&mut owner)
        .await
        .unwrap();
        assert_eq!(source, "manual", "round {round}");
    }
}
}

/// Waits until `n` other sessions wait for a lock on team_members.
async fn wait_for_waiters(conn: &mut sqlx::PgConnection, n: i64) {
    for _ in 0..500 {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_locks
              where relation = 'team_members'::regclass and not granted",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        if waiting >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{n} sessions never waited for team_members together");
}
