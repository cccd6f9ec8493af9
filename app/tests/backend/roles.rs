//! Custom roles: created, edited and deleted with their audit events, effective from their
//! holders' next request, never above a holder's ceiling or the editor's own permissions, and
//! system roles read-only.

use app::backend::{Actor, ServiceError, roles, users};
use shared::audit::AuditQuery;
use shared::role::{RoleForm, RoleUpdate};
use shared::user_form::PasswordChoice;
use shared::{Password, Permission, Uuid};
use sqlx::PgPool;

use crate::support::{
    actor, all_tenants, client, member, role_id, run, run_from, tenant_with_admin,
};
use crate::users::new_user;

fn form(name: &str, permissions: &[Permission]) -> RoleForm {
    RoleForm {
        name: name.into(),
        description: "For the tests".into(),
        permissions: permissions.iter().map(|p| p.key().to_owned()).collect(),
    }
}

fn field_error(result: Result<impl std::fmt::Debug, ServiceError>, field: &str) -> String {
    match result {
        Err(ServiceError::Validation(fields)) => fields[field].join(","),
        other => panic!("expected a field error on {field}, got {other:?}"),
    }
}

/// A user of the given type holding `role`, as the actor their next request would resolve to.
async fn holder(pool: &PgPool, admin: &Actor, name: &str, user_type: &str, role: Uuid) -> Actor {
    let mut user = new_user(name, user_type);
    user.fields.roles = vec![role];
    user.password = PasswordChoice::Set { password: Password::new("a passphrase of their own") };
    user.must_change_password = false;
    let created =
        run_from(pool, admin, &client("10.0.0.1"), async |ctx| users::create(ctx, user).await)
            .await;
    actor(pool, admin.tenant_id, created.unwrap().user.id).await
}

roster_test! {
async fn a_custom_role_is_created_edited_and_deleted_and_its_holders_follow(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let desk = form("Password desk", &[Permission::UsersRead, Permission::UsersResetPassword]);
    let role = run_from(&pool, &admin, &c, async |ctx| roles::create(ctx, desk).await).await.unwrap();
    assert_eq!((role.is_system, role.members, role.version), (false, 0, 1));
    let again = run_from(&pool, &admin, &c, async |ctx| roles::create(ctx, form("PASSWORD DESK", &[])).await).await;
    assert_eq!(field_error(again, "name"), "role_name_taken");

    let ada = holder(&pool, &admin, "ada", "agent", role.id).await;
    assert!(ada.permissions.contains(&Permission::UsersResetPassword));
    let listed = run(&pool, &admin, async |ctx| roles::list(ctx).await).await.unwrap();
    assert!(listed[..5].iter().all(|r| r.is_system), "system roles first");
    let listed = listed.iter().find(|r| r.id == role.id).unwrap();
    assert_eq!(listed.members, 1);

    // Renamed, one permission swapped: Ada's next request sees exactly the new set.
    let edit = RoleUpdate {
        version: role.version,
        form: form("Account desk", &[Permission::UsersRead, Permission::UsersSuspend]),
    };
    let edited = run_from(&pool, &admin, &c, async |ctx| roles::update(ctx, role.id, edit.clone()).await).await.unwrap();
    assert_eq!((edited.name.as_str(), edited.version, edited.members), ("Account desk", 2, 1));
    let next = actor(&pool, acme, ada.user_id).await;
    assert!(next.permissions.contains(&Permission::UsersSuspend));
    assert!(!next.permissions.contains(&Permission::UsersResetPassword));
    let stale = run_from(&pool, &admin, &c, async |ctx| roles::update(ctx, role.id, edit).await).await;
    assert!(matches!(stale, Err(ServiceError::Conflict(_))), "{stale:?}");

    let deleted = run_from(&pool, &admin, &c, async |ctx| roles::delete(ctx, role.id).await).await.unwrap();
    assert_eq!((deleted.assignments_removed, deleted.teams_cleared), (1, 0));
    assert!(actor(&pool, acme, ada.user_id).await.permissions.is_empty());
    assert!(matches!(run(&pool, &admin, async |ctx| roles::get(ctx, role.id).await).await, Err(ServiceError::NotFound)));

    let trail = run(&pool, &admin, async |ctx| app::backend::audit::trail::list(ctx, &AuditQuery { target: Some(role.id.to_string()), ..AuditQuery::default() }).await)
    .await
    .unwrap();
    let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["role.deleted", "role.updated", "role.created"]);
    let renamed = trail.items[1].changes.iter().find(|c| c.field == "name").unwrap();
    assert_eq!(
        (renamed.before.as_str(), renamed.after.as_str()),
        (Some("Password desk"), Some("Account desk"))
    );
    assert_eq!(trail.items[0].details["assignments_removed"], 1);
}
}

roster_test! {
async fn roles_stay_within_ceilings_and_the_editors_own_permissions(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let reader = run_from(&pool, &admin, &c, async |ctx| roles::create(ctx, form("Reader", &[Permission::UsersRead])).await).await;
    let reader = reader.unwrap();
    holder(&pool, &admin, "vic", "viewer", reader.id).await;
    // A viewer holds it: a write permission is above a viewer's ceiling.
    let upgrade = RoleUpdate {
        version: reader.version,
        form: form("Reader", &[Permission::UsersRead, Permission::UsersSuspend]),
    };
    let refused = run_from(&pool, &admin, &c, async |ctx| roles::update(ctx, reader.id, upgrade).await).await;
    assert_eq!(field_error(refused, "permissions"), "holders_above_ceiling");

    // A supervisor who manages roles cannot grant what they do not hold themselves.
    let role_admin = run_from(&pool, &admin, &c, async |ctx| roles::create(ctx, form("Role admin", &[Permission::RolesRead, Permission::RolesManage])).await)
    .await
    .unwrap();
    let sam = holder(&pool, &admin, "sam", "supervisor", role_admin.id).await;
    let beyond =
        run_from(&pool, &sam, &c, async |ctx| roles::create(ctx, form("Suspenders", &[Permission::UsersSuspend])).await).await;
    assert_eq!(field_error(beyond, "permissions"), "beyond_yours");
    assert!(
        run_from(&pool, &sam, &c, async |ctx| roles::create(ctx, form("Role readers", &[Permission::RolesRead])).await)
            .await
            .is_ok()
    );

    // System roles are read-only, for everyone.
    let helpdesk = role_id(&pool, acme, "helpdesk").await;
    let system = run(&pool, &admin, async |ctx| roles::get(ctx, helpdesk).await).await.unwrap();
    let rename = RoleUpdate { version: system.version, form: form("Help", &[]) };
    assert!(matches!(
        run_from(&pool, &admin, &c, async |ctx| roles::update(ctx, helpdesk, rename).await).await,
        Err(ServiceError::Refused(_))
    ));
    assert!(matches!(
        run_from(&pool, &admin, &c, async |ctx| roles::delete(ctx, helpdesk).await).await,
        Err(ServiceError::Refused(_))
    ));

    // Without roles.manage: 403, recorded; another tenant's role is not there.
    let manager = member(&pool, acme, "uma", "agent", "user_manager").await;
    let forbidden = run_from(&pool, &manager, &c, async |ctx| roles::delete(ctx, reader.id).await).await;
    assert!(matches!(forbidden, Err(ServiceError::Forbidden)), "{forbidden:?}");
    let refusals = run(&pool, &admin, async |ctx| app::backend::audit::trail::list(ctx, &AuditQuery { action: Some("access.refused".into()), ..AuditQuery::default() }).await)
    .await
    .unwrap();
    assert_eq!(refusals.items[0].target.as_ref().map(|t| t.name.as_str()), Some("Reader"));
    assert_eq!(refusals.items[0].details["attempted"], "role.deleted");
    let (_, globex_admin) = tenant_with_admin(&pool, "globex").await;
    assert!(matches!(
        run(&pool, &globex_admin, async |ctx| roles::get(ctx, reader.id).await).await,
        Err(ServiceError::NotFound)
    ));
    let delete = run_from(&pool, &globex_admin, &c, async |ctx| roles::delete(ctx, reader.id).await).await;
    assert!(matches!(delete, Err(ServiceError::NotFound)), "{delete:?}");
}
}

roster_test! {
async fn access_names_every_grant_and_what_the_ceiling_holds_back(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let desk = form("Desk", &[Permission::UsersRead, Permission::UsersResetPassword]);
    let desk = run_from(&pool, &admin, &c, async |ctx| roles::create(ctx, desk).await).await.unwrap();
    let leads = form("Leads", &[Permission::RolesRead, Permission::RolesManage]);
    let leads = run_from(&pool, &admin, &c, async |ctx| roles::create(ctx, leads).await).await.unwrap();
    let ada = holder(&pool, &admin, "ada", "agent", desk.id).await;
    // Arranged directly: teams have no use cases yet.
    let mut conn = all_tenants(&pool).await;
    sqlx::query(
        "with t as (insert into teams (tenant_id, name, default_role_id)
                    values ($1, 'Night shift', $2) returning id)
         insert into team_members (tenant_id, team_id, user_id) select $1, id, $3 from t",
    )
    .bind(acme)
    .bind(leads.id)
    .bind(ada.user_id)
    .execute(&mut conn)
    .await
    .unwrap();

    let access = run(&pool, &admin, async |ctx| users::access(ctx, ada.user_id).await).await.unwrap();
    let of = |p: Permission| access.permissions.iter().find(|a| a.permission == p).unwrap();
    assert!(of(Permission::UsersRead).held);
    assert_eq!(access.explain(Permission::UsersResetPassword), "Yes, through role Desk.");
    assert_eq!(
        access.explain(Permission::RolesRead),
        "Yes, through team Night shift (role Leads)."
    );
    let manage = of(Permission::RolesManage);
    assert!(manage.above_ceiling && !manage.held, "agents cannot manage roles: {manage:?}");
    assert!(!of(Permission::AuditRead).held && of(Permission::AuditRead).grants.is_empty());
    // The same set the sessions use.
    let held: Vec<Permission> =
        access.permissions.iter().filter(|a| a.held).map(|a| a.permission).collect();
    let session = actor(&pool, acme, ada.user_id).await;
    assert_eq!(held, session.permissions.iter().copied().collect::<Vec<_>>());

    let (_, globex_admin) = tenant_with_admin(&pool, "globex").await;
    let elsewhere = run(&pool, &globex_admin, async |ctx| users::access(ctx, ada.user_id).await).await;
    assert!(matches!(elsewhere, Err(ServiceError::NotFound)), "{elsewhere:?}");
}
}
