//! The manager hierarchy: each user's chain of managers and direct reports, no cycle even under
//! concurrent edits, and a supervisor's reach limited to their reporting line in the directory,
//! on user pages and in every action, whatever their roles say.

use app::backend::users::{self, directory};
use app::backend::{Actor, ServiceError};
use shared::account::{User, UserEdit};
use shared::directory::UserQuery;
use shared::user_form::PasswordChoice;
use shared::{Password, Uuid};
use sqlx::PgPool;

use crate::support::{actor, client, role_id, run, run_from, tenant_with_admin};
use crate::users::new_user;

/// Creates `name` (an agent unless given) reporting to `manager`, as `by`.
async fn report(
    pool: &PgPool,
    by: &Actor,
    name: &str,
    user_type: &str,
    manager: Option<Uuid>,
) -> User {
    let mut form = new_user(name, user_type);
    form.fields.manager_id = manager;
    form.password = PasswordChoice::Set { password: Password::new("a passphrase of their own") };
    form.must_change_password = false;
    run_from(pool, by, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await)
        .await
        .unwrap()
        .user
}

fn ids(users: &[shared::account::UserRef]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

roster_test! {
async fn each_user_shows_their_managers_up_to_the_top_and_their_direct_reports(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let ceo = report(&pool, &admin, "ceo", "supervisor", None).await;
    let cto = report(&pool, &admin, "cto", "supervisor", Some(ceo.id)).await;
    let dev = report(&pool, &admin, "dev", "agent", Some(cto.id)).await;
    report(&pool, &admin, "ops", "agent", Some(cto.id)).await;
    let dev = run(&pool, &admin, async |ctx| users::get(ctx, dev.id).await).await.unwrap();
    assert_eq!(ids(&dev.chain), ["cto", "ceo"]);
    assert!(dev.reports.is_empty());
    let cto = run(&pool, &admin, async |ctx| users::get(ctx, cto.id).await).await.unwrap();
    assert_eq!(ids(&cto.chain), ["ceo"]);
    // Both are named Grace Hopper: the order between them is their ids'.
    let mut reports = ids(&cto.reports);
    reports.sort_unstable();
    assert_eq!(reports, ["dev", "ops"]);
    assert!(run(&pool, &admin, async |ctx| users::get(ctx, ceo.id).await).await.unwrap().chain.is_empty());
}
}

roster_test! {
async fn concurrent_manager_edits_never_close_a_cycle(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let a = report(&pool, &admin, "ann", "agent", None).await;
    let b = report(&pool, &admin, "ben", "agent", None).await;
    // Each edit alone is fine; together they would make ann and ben each other's manager.
    let edit = |user: &User, manager: Uuid| {
        let mut fields = user.fields();
        fields.manager_id = Some(manager);
        UserEdit { version: user.version, fields }
    };
    let c = client("10.0.0.1");
    let (first, second) = tokio::join!(
        run_from(&pool, &admin, &c, async |ctx| users::update(ctx, a.id, edit(&a, b.id)).await),
        run_from(&pool, &admin, &c, async |ctx| users::update(ctx, b.id, edit(&b, a.id)).await),
    );
    let refused = [&first, &second]
        .iter()
        .filter(|r| matches!(r, Err(ServiceError::Validation(f)) if f["manager_id"] == ["cycle"]))
        .count();
    assert_eq!(
        (first.is_ok() as u8 + second.is_ok() as u8, refused),
        (1, 1),
        "{first:?} {second:?}"
    );
}
}

roster_test! {
async fn a_supervisor_sees_and_acts_only_on_their_reporting_line(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    // Sam supervises ada, who manages bob; cy is elsewhere. Sam is a user manager: by role he
    // could change anyone.
    let mut form = new_user("sam", "supervisor");
    form.fields.roles = vec![role_id(&pool, acme, "user_manager").await];
    form.password = PasswordChoice::Set { password: Password::new("a passphrase of their own") };
    form.must_change_password = false;
    let c = client("10.0.0.1");
    let sam = run_from(&pool, &admin, &c, async |ctx| users::create(ctx, form).await).await.unwrap().user;
    let ada = report(&pool, &admin, "ada", "agent", Some(sam.id)).await;
    let bob = report(&pool, &admin, "bob", "agent", Some(ada.id)).await;
    let cy = report(&pool, &admin, "cy", "agent", None).await;
    let sam = actor(&pool, acme, sam.id).await;

    // The directory and its counts: only the line, in SQL (the counters cover the whole tenant).
    let page = run(&pool, &sam, async |ctx| directory::list(ctx, &UserQuery::default()).await).await.unwrap();
    let mut names: Vec<&str> = page.items.iter().map(|u| u.username.as_str()).collect();
    names.sort_unstable();
    assert_eq!((names, page.total), (vec!["ada", "bob"], 2));
    let stats = run(&pool, &sam, async |ctx| directory::stats(ctx, &UserQuery::default()).await).await.unwrap();
    assert_eq!((stats.total, stats.active), (2, 2));
    let searched = run(&pool, &sam, async |ctx| directory::list(ctx, &shared::query::from_pairs(&[("q", "cy")])).await).await;
    assert!(searched.unwrap().items.is_empty());

    // Pages: their line and themselves; anyone else is not there.
    assert!(run(&pool, &sam, async |ctx| users::get(ctx, bob.id).await).await.is_ok());
    assert!(run(&pool, &sam, async |ctx| users::get(ctx, sam.user_id).await).await.is_ok());
    assert!(matches!(run(&pool, &sam, async |ctx| users::get(ctx, cy.id).await).await, Err(ServiceError::NotFound)));
    assert!(matches!(run(&pool, &sam, async |ctx| users::access(ctx, cy.id).await).await, Err(ServiceError::NotFound)));
    let picked = run(&pool, &sam, async |ctx| users::pick(ctx, "").await).await.unwrap();
    let mut picked: Vec<&str> = picked.iter().map(|u| u.username.as_str()).collect();
    picked.sort_unstable();
    assert_eq!(picked, ["ada", "bob", "sam"]);

    // Every action: the line yes, anyone else 404, with nothing changed.
    assert!(run_from(&pool, &sam, &c, async |ctx| users::suspend(ctx, bob.id).await).await.is_ok());
    assert!(run_from(&pool, &sam, &c, async |ctx| users::reactivate(ctx, bob.id).await).await.is_ok());
    assert!(matches!(run_from(&pool, &sam, &c, async |ctx| users::suspend(ctx, cy.id).await).await, Err(ServiceError::NotFound)));
    assert!(matches!(run_from(&pool, &sam, &c, async |ctx| users::reactivate(ctx, cy.id).await).await, Err(ServiceError::NotFound)));
    let reset = run_from(&pool, &sam, &c, async |ctx| users::reset_password(ctx, cy.id).await).await;
    assert!(matches!(reset, Err(ServiceError::NotFound)));
    let edit = UserEdit { version: cy.version, fields: cy.fields() };
    assert!(matches!(
        run_from(&pool, &sam, &c, async |ctx| users::update(ctx, cy.id, edit).await).await,
        Err(ServiceError::NotFound)
    ));
    assert_eq!(run(&pool, &admin, async |ctx| users::get(ctx, cy.id).await).await.unwrap().version, cy.version);

    // Whom they create or edit stays in the line: by default they report to the supervisor.
    let new = report(&pool, &sam, "dee", "agent", None).await;
    assert_eq!(new.manager.map(|m| m.id), Some(sam.user_id));
    let mut outside = new_user("eve", "agent");
    outside.fields.manager_id = Some(cy.id);
    let refused = run_from(&pool, &sam, &c, async |ctx| users::create(ctx, outside).await).await;
    assert!(
        matches!(refused, Err(ServiceError::Validation(f)) if f["manager_id"] == ["outside_your_line"])
    );
    let mut away = bob.fields();
    away.manager_id = None;
    let bob = run(&pool, &admin, async |ctx| users::get(ctx, bob.id).await).await.unwrap();
    let moved =
        run_from(&pool, &sam, &c, async |ctx| users::update(ctx, bob.id, UserEdit { version: bob.version, fields: away }).await)
            .await;
    assert!(
        matches!(moved, Err(ServiceError::Validation(f)) if f["manager_id"] == ["outside_your_line"])
    );
}
}
