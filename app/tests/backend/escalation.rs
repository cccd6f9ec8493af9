//! The holes of "Authorization you can prove", each written as the attack: nobody gains, by any
//! path, a permission their grantor does not hold (a user type's own permissions, roles, a
//! team's default role by hand or through a rule), nobody changes the access of a user they do
//! not outrank, and a supervisor's reporting line bounds every read and write. Each refusal
//! changes nothing and is recorded as `access.refused`.

use app::backend::audit::trail;
use app::backend::{Actor, ServiceError, roles, teams, users};
use shared::Uuid;
use shared::account::{User, UserEdit};
use shared::audit::AuditQuery;
use shared::role::{RoleForm, RoleUpdate};
use shared::team::{Condition, Match, RuleField, RuleOp, Rules, TeamForm, TeamUpdate};
use shared::user_form::PasswordChoice;
use shared::{Password, Permission};
use sqlx::PgPool;

use crate::support::{
    actor, all_tenants, client, count, member, run, run_from, tenant_with_admin, user,
};
use crate::users::new_user;

/// A custom role holding exactly `permissions`; returns its id.
async fn custom_role(pool: &PgPool, tenant: Uuid, name: &str, permissions: &[Permission]) -> Uuid {
    let keys: Vec<String> = permissions.iter().map(|p| p.key().to_owned()).collect();
    sqlx::query_scalar(
        "insert into roles (tenant_id, name, permissions) values ($1, $2, $3) returning id",
    )
    .bind(tenant)
    .bind(name)
    .bind(keys)
    .fetch_one(&mut all_tenants(pool).await)
    .await
    .unwrap()
}

/// A user of `user_type` holding one custom role, as an actor (reporting to `manager`).
async fn holder(
    pool: &PgPool,
    tenant: Uuid,
    name: &str,
    user_type: &str,
    role: Uuid,
    manager: Option<Uuid>,
) -> Actor {
    let id = user(pool, tenant, name, user_type, None).await.unwrap();
    let mut conn = all_tenants(pool).await;
    sqlx::query("insert into user_roles (tenant_id, user_id, role_id) values ($1, $2, $3)")
        .bind(tenant)
        .bind(id)
        .bind(role)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("update users set manager_id = $3 where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(manager)
        .execute(&mut conn)
        .await
        .unwrap();
    actor(pool, tenant, id).await
}

/// The permissions a user holds now, as their next request would see them.
async fn holds(pool: &PgPool, tenant: Uuid, id: Uuid) -> Vec<Permission> {
    actor(pool, tenant, id).await.permissions.into_iter().collect()
}

/// The `access.refused` events of the tenant (newest first), as (actor, attempted).
async fn refusals(pool: &PgPool, admin: &Actor) -> Vec<(Option<Uuid>, String)> {
    let query = AuditQuery { action: Some("access.refused".into()), ..AuditQuery::default() };
    run(pool, admin, async |ctx| trail::list(ctx, &query).await)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| (e.actor.id, e.details["attempted"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

fn department_rule(department: &str) -> Option<Rules> {
    Some(Rules {
        mode: Match::All,
        conditions: vec![Condition {
            field: RuleField::Department,
            op: RuleOp::Eq,
            values: vec![department.to_owned()],
        }],
    })
}

fn refused_on(result: Result<impl std::fmt::Debug, ServiceError>, field: &str) {
    match result {
        Err(ServiceError::Validation(fields)) => assert!(
            fields.get(field).is_some_and(|codes| codes.iter().any(|c| c == "beyond_yours")),
            "{field}: {fields:?}"
        ),
        other => panic!("expected beyond_yours on {field}, got {other:?}"),
    }
}

/// Everything but the tenant's settings and roles: what a strong team's default role grants.
const POWER: [Permission; 8] = [
    Permission::UsersRead,
    Permission::UsersCreate,
    Permission::UsersUpdate,
    Permission::UsersSuspend,
    Permission::UsersResetPassword,
    Permission::TeamsRead,
    Permission::TeamsManage,
    Permission::AuditRead,
];

roster_test! {
async fn a_user_manager_cannot_create_a_tenant_admin(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let manager = member(&pool, acme, "uma", "agent", "user_manager").await;
    let before = count(&pool, "users").await;
    let mut form = new_user("backdoor", "tenant_admin");
    form.password = PasswordChoice::Set { password: Password::new("a passphrase I chose myself") };
    form.must_change_password = false;
    let created = run_from(&pool, &manager, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await).await;
    refused_on(created, "user_type");
    assert_eq!(count(&pool, "users").await, before);
    assert_eq!(refusals(&pool, &admin).await, [(Some(manager.user_id), "user.created".into())]);
    // Types that grant nothing by themselves stay open to them.
    let agent =
        run_from(&pool, &manager, &client("x"), async |ctx| users::create(ctx, new_user("ok", "agent")).await).await;
    assert!(agent.is_ok(), "{agent:?}");
}
}

roster_test! {
async fn a_team_manager_cannot_join_a_stronger_team_by_hand_or_by_its_rule(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let power = custom_role(&pool, acme, "Power", &POWER).await;
    let teams_only = custom_role(
        &pool,
        acme,
        "Teams",
        &[Permission::UsersRead, Permission::TeamsRead, Permission::TeamsManage],
    )
    .await;
    let tim = holder(&pool, acme, "tim", "agent", teams_only, None).await;
    let strong =
        TeamForm { name: "Strong".into(), default_role_id: Some(power), ..TeamForm::default() };
    let team = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, strong.clone()).await).await.unwrap();
    let had = holds(&pool, acme, tim.user_id).await;

    // By hand: himself, or anyone.
    let joined = run_from(&pool, &tim, &c, async |ctx| teams::add_member(ctx, team.id, tim.user_id).await).await;
    assert!(matches!(joined, Err(ServiceError::Denied(_))), "{joined:?}");
    assert_eq!(holds(&pool, acme, tim.user_id).await, had);

    // Through the rule, keeping the default role: the rule now matches him.
    sqlx::query("update users set department = 'Ops' where tenant_id = $1 and id = $2")
        .bind(acme)
        .bind(tim.user_id)
        .execute(&mut all_tenants(&pool).await)
        .await
        .unwrap();
    let update = TeamUpdate {
        form: TeamForm { rules: department_rule("Ops"), ..strong },
        version: team.version,
    };
    refused_on(run_from(&pool, &tim, &c, async |ctx| teams::update(ctx, team.id, update).await).await, "rules");
    assert_eq!(holds(&pool, acme, tim.user_id).await, had);
    assert!(run(&pool, &admin, async |ctx| teams::members(ctx, team.id).await).await.unwrap().is_empty());
    assert_eq!(refusals(&pool, &admin).await.len(), 2);
}
}

roster_test! {
async fn a_save_cannot_gain_a_stronger_teams_role_through_its_rule(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let power = custom_role(&pool, acme, "Power", &POWER).await;
    let form = TeamForm {
        name: "Ops".into(),
        default_role_id: Some(power),
        rules: department_rule("Ops"),
        ..TeamForm::default()
    };
    let team = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, form).await).await.unwrap();
    let uma = member(&pool, acme, "uma", "agent", "user_manager").await;
    let had = holds(&pool, acme, uma.user_id).await;

    // Their own department.
    let me = run(&pool, &uma, async |ctx| users::get(ctx, uma.user_id).await).await.unwrap();
    let refused = run_from(&pool, &uma, &c, async |ctx| users::update(ctx, me.id, moved_to(&me, "Ops")).await).await;
    refused_on(refused, "department");
    assert_eq!(holds(&pool, acme, uma.user_id).await, had);
    assert_eq!(run(&pool, &admin, async |ctx| users::get(ctx, me.id).await).await.unwrap().version, me.version);

    // Someone else's.
    let ada = run_from(&pool, &admin, &c, async |ctx| users::create(ctx, new_user("ada", "agent")).await)
        .await
        .unwrap()
        .user;
    let refused = run_from(&pool, &uma, &c, async |ctx| users::update(ctx, ada.id, moved_to(&ada, "Ops")).await).await;
    refused_on(refused, "department");

    // A new user the rule would pick up.
    let mut form = new_user("newbie", "agent");
    form.fields.department = Some("Ops".into());
    let before = count(&pool, "users").await;
    refused_on(run_from(&pool, &uma, &c, async |ctx| users::create(ctx, form).await).await, "department");
    assert_eq!(count(&pool, "users").await, before);

    assert!(run(&pool, &admin, async |ctx| teams::members(ctx, team.id).await).await.unwrap().is_empty());
    assert_eq!(refusals(&pool, &admin).await.len(), 3);

    // The administrator, who holds it all, may.
    run_from(&pool, &admin, &c, async |ctx| users::update(ctx, ada.id, moved_to(&ada, "Ops")).await).await.unwrap();
    assert_eq!(run(&pool, &admin, async |ctx| teams::members(ctx, team.id).await).await.unwrap().len(), 1);
}
}

fn moved_to(user: &User, department: &str) -> UserEdit {
    let mut fields = user.fields();
    fields.department = Some(department.into());
    UserEdit { version: user.version, fields }
}

roster_test! {
async fn outranked_refusals_are_recorded(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let helpdesk = member(&pool, acme, "hal", "agent", "helpdesk").await;
    let refused = run_from(&pool, &helpdesk, &client("x"), async |ctx| users::reset_password(ctx, admin.user_id).await)
    .await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(
        refusals(&pool, &admin).await,
        [(Some(helpdesk.user_id), "user.password_reset".into())]
    );
}
}

roster_test! {
async fn a_supervisor_sees_nobody_outside_their_line_in_teams_or_the_trail(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let lead = custom_role(
        &pool,
        acme,
        "Lead",
        &[
            Permission::UsersRead,
            Permission::TeamsRead,
            Permission::TeamsManage,
            Permission::AuditRead,
        ],
    )
    .await;
    let sue = holder(&pool, acme, "sue", "supervisor", lead, None).await;
    let mut form = new_user("rex", "agent");
    form.fields.manager_id = Some(sue.user_id);
    form.fields.department = Some("Ops".into());
    let rex = run_from(&pool, &admin, &c, async |ctx| users::create(ctx, form).await).await.unwrap().user;
    let mut form = new_user("otto", "agent");
    form.fields.department = Some("Ops".into());
    let otto = run_from(&pool, &admin, &c, async |ctx| users::create(ctx, form).await).await.unwrap().user;
    let sue = actor(&pool, acme, sue.user_id).await; // her line now holds rex
    let team = TeamForm { name: "Ops".into(), ..TeamForm::default() };
    let team = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, team).await).await.unwrap();
    run_from(&pool, &admin, &c, async |ctx| teams::add_member(ctx, team.id, rex.id).await).await.unwrap();
    run_from(&pool, &admin, &c, async |ctx| teams::add_member(ctx, team.id, otto.id).await).await.unwrap();

    let names: Vec<String> = run(&pool, &sue, async |ctx| teams::members(ctx, team.id).await)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user.username)
        .collect();
    assert_eq!(names, ["rex"]);

    let preview = TeamForm { rules: department_rule("Ops"), ..TeamForm::default() };
    let preview = run(&pool, &sue, async |ctx| teams::preview(ctx, Some(team.id), preview).await).await;
    match preview {
        Ok(p) => assert!(p.adds.iter().all(|u| u.id != otto.id) && p.add_count <= 1, "{p:?}"),
        Err(e) => assert!(matches!(e, ServiceError::Forbidden), "{e:?}"),
    }

    let outsider = AuditQuery { subject: Some(otto.id.to_string()), ..AuditQuery::default() };
    let history = run(&pool, &sue, async |ctx| trail::list(ctx, &outsider).await).await;
    assert!(matches!(history, Err(ServiceError::NotFound)), "{history:?}");
    let everything = run(&pool, &sue, async |ctx| trail::list(ctx, &AuditQuery::default()).await).await.unwrap();
    assert!(
        everything.items.iter().all(|e| e.target.as_ref().is_none_or(|t| t.id != otto.id)),
        "{:?}",
        everything.items
    );
    assert!(everything.items.iter().any(|e| e.target.as_ref().is_some_and(|t| t.id == rex.id)));

    let moved = run_from(&pool, &sue, &c, async |ctx| teams::remove_member(ctx, team.id, otto.id).await).await;
    assert!(matches!(moved, Err(ServiceError::NotFound)), "{moved:?}");
    let other =
        run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, TeamForm { name: "B".into(), ..TeamForm::default() }).await)
            .await
            .unwrap();
    let added = run_from(&pool, &sue, &c, async |ctx| teams::add_member(ctx, other.id, otto.id).await).await;
    assert!(matches!(added, Err(ServiceError::NotFound)), "{added:?}");

    // The team holds otto, outside her line: renaming or deleting it reaches him too.
    let rename = TeamUpdate {
        form: TeamForm { name: "Renamed".into(), ..TeamForm::default() },
        version: run(&pool, &admin, async |ctx| teams::get(ctx, team.id).await).await.unwrap().version,
    };
    let renamed = run_from(&pool, &sue, &c, async |ctx| teams::update(ctx, team.id, rename).await).await;
    assert!(matches!(renamed, Err(ServiceError::Forbidden)), "{renamed:?}");
    let deleted = run_from(&pool, &sue, &c, async |ctx| teams::delete(ctx, team.id).await).await;
    assert!(matches!(deleted, Err(ServiceError::Forbidden)), "{deleted:?}");
    assert_eq!(run(&pool, &admin, async |ctx| teams::members(ctx, team.id).await).await.unwrap().len(), 2);
}
}

roster_test! {
async fn only_superusers_exist_in_the_platform_tenant(pool: PgPool) {
    let platform: Uuid = sqlx::query_scalar("select id from tenants where slug = 'platform'")
        .fetch_one(&mut all_tenants(&pool).await)
        .await
        .unwrap();
    let root = user(&pool, platform, "root", "tenant_admin", None).await.unwrap();
    let root = actor(&pool, platform, root).await;
    assert!(root.superuser);
    // Arranged past the rule (as a hand-run session could): an agent there is no superuser.
    let stray = user(&pool, platform, "stray", "agent", None).await.unwrap();
    assert!(!actor(&pool, platform, stray).await.superuser);
    // And no such user can be made through Roster.
    let made =
        run_from(&pool, &root, &client("x"), async |ctx| users::create(ctx, new_user("helper", "agent")).await).await;
    assert!(made.is_err(), "{made:?}");
}
}

roster_test! {
async fn revoking_console_access_ends_sessions_for_good(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let s = crate::support::services(&pool);
    let c = client("10.0.0.1");
    let mut form = new_user("ada", "agent");
    form.password = PasswordChoice::Set { password: Password::new("a passphrase of her own") };
    form.must_change_password = false;
    let ada = run_from(&pool, &admin, &c, async |ctx| users::create(ctx, form).await).await.unwrap().user;
    let request = shared::auth::SignInRequest {
        tenant: "acme".into(),
        login: "ada".into(),
        password: Password::new("a passphrase of her own"),
    };
    let signed =
        app::backend::auth::sign_in(&pool, &s.passwords, &s.sessions, &request, &c)
            .await
            .and_then(app::backend::auth::SignInOutcome::signed_in)
            .unwrap();
    assert!(app::backend::sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.is_ok());

    let access = |user: &User, on: bool| {
        let mut fields = user.fields();
        fields.console_access = on;
        UserEdit { version: user.version, fields }
    };
    let cut = run_from(&pool, &admin, &c, async |ctx| users::update(ctx, ada.id, access(&ada, false)).await).await.unwrap();
    assert_eq!(count(&pool, "sessions").await, 0, "{acme}");
    run_from(&pool, &admin, &c, async |ctx| users::update(ctx, ada.id, access(&cut, true)).await).await.unwrap();
    let revived = app::backend::sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await;
    assert!(revived.is_err(), "the old cookie works again: {revived:?}");
}
}

roster_test! {
async fn an_assignment_racing_a_role_edit_is_checked_against_the_edited_role(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let uma = member(&pool, acme, "uma", "agent", "user_manager").await;
    let desk = custom_role(&pool, acme, "Desk", &[Permission::UsersRead]).await;
    for round in 0..3 {
        // A role edit in flight: it holds the role's row and will add a permission uma lacks.
        let mut edit = all_tenants(&pool).await;
        sqlx::query("begin").execute(&mut edit).await.unwrap();
        sqlx::query(
            "update roles set permissions = '{users.read,audit.read}', version = version + 1
              where id = $1",
        )
        .bind(desk)
        .execute(&mut edit)
        .await
        .unwrap();
        let mut form = new_user(&format!("raced{round}"), "agent");
        form.fields.roles = vec![desk];
        let (pool2, uma2) = (pool.clone(), uma.clone());
        let assignment = tokio::spawn(async move {
            run_from(&pool2, &uma2, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await).await
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !assignment.is_finished(),
            "round {round}: the assignment did not wait for the edit"
        );
        sqlx::query("commit").execute(&mut edit).await.unwrap();
        refused_on(assignment.await.unwrap(), "roles");
        // Back to what uma may give, for the next round.
        sqlx::query("update roles set permissions = '{users.read}' where id = $1")
            .bind(desk)
            .execute(&mut all_tenants(&pool).await)
            .await
            .unwrap();
    }
    assert!(refusals(&pool, &admin).await.len() == 3);
}
}

roster_test! {
/// A team's default role and a role's permissions reach everyone who holds them: changing the
/// role, taking it away or deleting the team or the role changes the access of each, so the
/// actor must outrank every one of them.
async fn a_change_reaching_many_needs_outranking_each_of_them(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let viewer =
        custom_role(&pool, acme, "Viewer", &[Permission::UsersRead, Permission::TeamsRead]).await;
    let read = [Permission::UsersRead, Permission::TeamsRead];
    let teams_only = [&read[..], &[Permission::TeamsManage]].concat();
    let teams_only = custom_role(&pool, acme, "Teams", &teams_only).await;
    let roles_only = [&read[..], &[Permission::RolesManage]].concat();
    let roles_only = custom_role(&pool, acme, "Roles", &roles_only).await;
    let tim = holder(&pool, acme, "tim", "agent", teams_only, None).await;
    // Agents may not hold roles.manage: a supervisor (of nobody) edits roles.
    let rita = holder(&pool, acme, "rita", "supervisor", roles_only, None).await;
    let uma = member(&pool, acme, "uma", "agent", "user_manager").await;
    let readers =
        TeamForm { name: "Readers".into(), default_role_id: Some(viewer), ..TeamForm::default() };
    let team = run_from(&pool, &admin, &c, async |ctx| teams::create(ctx, readers.clone()).await).await.unwrap();
    run_from(&pool, &admin, &c, async |ctx| teams::add_member(ctx, team.id, uma.user_id).await).await.unwrap();
    let team = run(&pool, &admin, async |ctx| teams::get(ctx, team.id).await).await.unwrap();
    let uma_had = holds(&pool, acme, uma.user_id).await;
    let refused = |result: Result<_, ServiceError>| {
        assert!(matches!(result, Err(ServiceError::Denied(_))), "{result:?}");
    };

    // The team: its default role taken away, or the team deleted, reaches uma.
    let without_role = TeamUpdate {
        form: TeamForm { default_role_id: None, ..readers.clone() },
        version: team.version,
    };
    refused(run_from(&pool, &tim, &c, async |ctx| teams::update(ctx, team.id, without_role.clone()).await).await.map(drop));
    refused(run_from(&pool, &tim, &c, async |ctx| teams::delete(ctx, team.id).await).await);
    // The role: fewer permissions, or deleted, reaches uma through the team.
    let narrowed = RoleUpdate {
        version: 1,
        form: RoleForm {
            name: "Viewer".into(),
            description: String::new(),
            permissions: vec!["users.read".into()],
        },
    };
    refused(run_from(&pool, &rita, &c, async |ctx| roles::update(ctx, viewer, narrowed.clone()).await).await.map(drop));
    refused(run_from(&pool, &rita, &c, async |ctx| roles::delete(ctx, viewer).await).await.map(drop));
    assert_eq!(holds(&pool, acme, uma.user_id).await, uma_had);
    let kept = run(&pool, &admin, async |ctx| teams::get(ctx, team.id).await).await.unwrap();
    assert_eq!((kept.version, kept.default_role.map(|r| r.id)), (team.version, Some(viewer)));
    let attempted: Vec<String> =
        refusals(&pool, &admin).await.into_iter().map(|(_, a)| a).collect();
    assert_eq!(attempted, ["role.deleted", "role.updated", "team.deleted", "team.updated"]);

    // Without uma in the team, they outrank everyone it reaches: nobody.
    run_from(&pool, &admin, &c, async |ctx| teams::remove_member(ctx, team.id, uma.user_id).await).await.unwrap();
    run_from(&pool, &rita, &c, async |ctx| roles::update(ctx, viewer, narrowed).await).await.unwrap();
    let team = run(&pool, &admin, async |ctx| teams::get(ctx, team.id).await).await.unwrap();
    let without_role = TeamUpdate { version: team.version, ..without_role };
    run_from(&pool, &tim, &c, async |ctx| teams::update(ctx, team.id, without_role).await).await.unwrap();
}
}
