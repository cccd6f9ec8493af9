//! Creating and editing users: validation, uniqueness per tenant, role ceilings, the manager
//! hierarchy and optimistic concurrency, each with its audit event or none.

use app::backend::auth::sign_in;
use app::backend::{ServiceError, users};
use serde_json::json;
use shared::account::UserEdit;
use shared::auth::SignInRequest;
use shared::user_form::{NewUserForm, PasswordChoice, UserFields};
use shared::{Password, Permission};
use sqlx::PgPool;

use crate::support::{
    all_tenants, client, count, member, role_id, run, run_from, services, tenant_with_admin,
};

pub fn new_user(username: &str, user_type: &str) -> NewUserForm {
    NewUserForm {
        fields: UserFields {
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: format!("{username}@acme.test"),
            username: username.into(),
            ..UserFields::default()
        },
        user_type: user_type.into(),
        status: "active".into(),
        password: PasswordChoice::Generate,
        must_change_password: true,
    }
}

fn field_codes(err: ServiceError) -> Vec<(String, String)> {
    match err {
        ServiceError::Validation(fields) => fields
            .into_iter()
            .flat_map(|(k, codes)| codes.into_iter().map(move |c| (k.clone(), c)))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

roster_test! {
async fn a_created_user_signs_in_with_the_temporary_password_and_must_change_it(pool: PgPool) {
    let s = services(&pool);
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let roles = vec![role_id(&pool, admin.tenant_id, "helpdesk").await];
    let mut form = new_user("grace", "agent");
    form.fields.roles = roles.clone();
    form.fields.department = Some("Support".into());
    form.fields.phone = Some("+47 912 34 567".into());
    let created =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await).await.unwrap();
    let user = &created.user;
    let temporary = created.temporary_password.clone().expect("a generated password is returned");
    assert_eq!((user.username.as_str(), user.timezone.as_str()), ("grace", "UTC"));
    assert_eq!(user.phone.as_deref(), Some("+4791234567"));
    assert_eq!(user.roles.iter().map(|r| r.id).collect::<Vec<_>>(), roles);
    assert!(user.permissions.contains(&Permission::UsersResetPassword));
    assert!(user.must_change_password && user.version == 1 && !user.expired);

    let request = SignInRequest {
        tenant: "acme".into(),
        login: "grace@ACME.test".into(),
        password: temporary.clone(),
    };
    let signed =
        sign_in(&pool, &s.passwords, &s.sessions, &request, &client("10.0.0.2"))
            .await
            .and_then(app::backend::auth::SignInOutcome::signed_in)
            .unwrap();
    assert!(signed.me.must_change_password);

    let mut conn = all_tenants(&pool).await;
    let events = sqlx::query!(
        "select action, changes, actor_id from audit_events where target_id = $1 and action = 'user.created'",
        user.id
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_id, Some(admin.user_id));
    assert_eq!(events[0].changes["department"], json!({"before": null, "after": "Support"}));
    assert_eq!(events[0].changes["roles"]["after"], json!(["Helpdesk"]));
    assert!(!events[0].changes.to_string().contains(temporary.expose()), "never the password");
}
}

roster_test! {
async fn bad_input_reports_every_field_and_changes_nothing(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let (users_before, audit_before) =
        (count(&pool, "users").await, count(&pool, "audit_events").await);
    let mut form = new_user("x", "wizard");
    form.fields.email = "nope".into();
    form.fields.timezone = Some("Atlantis/Capital".into());
    form.fields.expires_at = Some("2001-01-01".into());
    form.password = PasswordChoice::Set { password: Password::new("password") };
    let err =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await).await.unwrap_err();
    assert_eq!(
        field_codes(err),
        pairs(&[
            ("email", "format"),
            ("expires_at", "past"),
            ("password", "too_short"),
            ("timezone", "unknown_timezone"),
            ("user_type", "unknown"),
            ("username", "length"),
        ])
    );
    assert_eq!(count(&pool, "users").await, users_before);
    assert_eq!(count(&pool, "audit_events").await, audit_before);
}
}

roster_test! {
async fn identifiers_are_unique_per_tenant_ignoring_case(pool: PgPool) {
    let (_, acme) = tenant_with_admin(&pool, "acme").await;
    let (_, globex) = tenant_with_admin(&pool, "globex").await;
    let mut first = new_user("grace", "agent");
    first.fields.external_id = Some("HR-1".into());
    first.fields.employee_code = Some("E1".into());
    run_from(&pool, &acme, &client("10.0.0.1"), async |ctx| users::create(ctx, first.clone()).await).await.unwrap();

    let mut again = new_user("GRACE", "agent");
    again.fields.email = "Grace@Acme.Test".into();
    again.fields.external_id = Some("hr-1".into());
    again.fields.employee_code = Some("e1".into());
    let err =
        run_from(&pool, &acme, &client("10.0.0.1"), async |ctx| users::create(ctx, again).await).await.unwrap_err();
    assert_eq!(
        field_codes(err),
        pairs(&[
            ("email", "taken"),
            ("employee_code", "taken"),
            ("external_id", "taken"),
            ("username", "taken")
        ])
    );
    // The same person in another tenant is someone else entirely.
    run_from(&pool, &globex, &client("10.0.0.1"), async |ctx| users::create(ctx, first).await).await.unwrap();
}
}

roster_test! {
async fn roles_stay_within_the_type_ceiling_and_the_actors_own_permissions(pool: PgPool) {
    let (tenant, admin) = tenant_with_admin(&pool, "acme").await;
    let manager = member(&pool, tenant, "manager", "supervisor", "user_manager").await;
    let administrator = role_id(&pool, tenant, "administrator").await;
    let user_manager = role_id(&pool, tenant, "user_manager").await;

    let mut viewer = new_user("viewer", "viewer");
    viewer.fields.roles = vec![user_manager];
    let err =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, viewer).await).await.unwrap_err();
    assert_eq!(field_codes(err), pairs(&[("roles", "above_ceiling")]));

    let mut escalation = new_user("crony", "tenant_admin");
    escalation.fields.roles = vec![administrator];
    let err = run_from(&pool, &manager, &client("10.0.0.1"), async |ctx| users::create(ctx, escalation).await)
        .await
        .unwrap_err();
    assert_eq!(field_codes(err), pairs(&[("roles", "beyond_yours")]));

    let mut unknown = new_user("ghost", "agent");
    unknown.fields.roles = vec![shared::Uuid::from_u128(42)];
    let err =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, unknown).await).await.unwrap_err();
    assert_eq!(field_codes(err), pairs(&[("roles", "unknown")]));
}
}

roster_test! {
async fn two_edits_of_one_version_one_wins_and_nothing_is_lost(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let user =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, new_user("grace", "agent")).await)
            .await
            .unwrap()
            .user;
    let edit = |department: &str| {
        let mut fields = user.fields();
        fields.department = Some(department.into());
        UserEdit { version: user.version, fields }
    };
    let (c1, c2) = (client("10.0.0.1"), client("10.0.0.2"));
    let (a, b) = tokio::join!(
        run_from(&pool, &admin, &c1, async |ctx| users::update(ctx, user.id, edit("Sales")).await),
        run_from(&pool, &admin, &c2, async |ctx| users::update(ctx, user.id, edit("Legal")).await),
    );
    let winner = match (&a, &b) {
        (Ok(_), Err(ServiceError::Conflict(_))) => "Sales",
        (Err(ServiceError::Conflict(_)), Ok(_)) => "Legal",
        other => panic!("exactly one edit must win: {other:?}"),
    };
    let stored = run(&pool, &admin, async |ctx| users::get(ctx, user.id).await).await.unwrap();
    assert_eq!((stored.department.as_deref(), stored.version), (Some(winner), 2));
    let updates = sqlx::query_scalar!(
        r#"select count(*) as "n!" from audit_events where target_id = $1 and action = 'user.updated'"#,
        user.id
    )
    .fetch_one(&mut all_tenants(&pool).await)
    .await
    .unwrap();
    assert_eq!(updates, 1, "one event, for the edit that was saved");

    // Saving unchanged fields records nothing and keeps the version.
    let same = UserEdit { version: stored.version, fields: stored.fields() };
    let unchanged = run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::update(ctx, user.id, same).await).await.unwrap();
    assert_eq!(unchanged.version, 2);
}
}

roster_test! {
async fn the_manager_chain_never_closes_a_cycle(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let create = |name: &str, manager| {
        let mut form = new_user(name, "agent");
        form.fields.manager_id = manager;
        run_from(&pool, &admin, &c, async |ctx| users::create(ctx, form).await)
    };
    let top = create("top", None).await.unwrap().user;
    let middle = create("middle", Some(top.id)).await.unwrap().user;
    let bottom = create("bottom", Some(middle.id)).await.unwrap().user;
    assert_eq!(bottom.manager.as_ref().map(|m| m.id), Some(middle.id));

    let mut fields = top.fields();
    fields.manager_id = Some(bottom.id);
    let edit = UserEdit { version: top.version, fields: fields.clone() };
    let err = run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::update(ctx, top.id, edit).await).await.unwrap_err();
    assert_eq!(field_codes(err), pairs(&[("manager_id", "cycle")]));
    fields.manager_id = Some(top.id);
    let edit = UserEdit { version: top.version, fields };
    let err = run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::update(ctx, top.id, edit).await).await.unwrap_err();
    assert_eq!(field_codes(err), pairs(&[("manager_id", "cycle")]));
}
}

roster_test! {
async fn a_patch_changes_only_what_it_names_and_never_the_user_type(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let mut form = new_user("grace", "agent");
    form.fields.position = Some("Engineer".into());
    let user =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, form).await).await.unwrap().user;

    let c = client("10.0.0.1");
    let err =
        run_from(&pool, &admin, &c, async |ctx| users::patch(ctx, user.id, json!({"version": 1, "user_type": "viewer"})).await)
            .await;
    assert_eq!(field_codes(err.unwrap_err()), pairs(&[("user_type", "immutable")]));
    let err =
        run_from(&pool, &admin, &c, async |ctx| users::patch(ctx, user.id, json!({"version": 1, "status": "suspended"})).await)
            .await;
    assert_eq!(field_codes(err.unwrap_err()), pairs(&[("status", "unknown_field")]));
    let err = run_from(&pool, &admin, &c, async |ctx| users::patch(ctx, user.id, json!({"department": "Sales"})).await).await;
    assert_eq!(field_codes(err.unwrap_err()), pairs(&[("version", "required")]));

    let patched = run_from(&pool, &admin, &c, async |ctx| users::patch(ctx, user.id, json!({"version": 1, "department": "Sales", "position": null})).await)
    .await
    .unwrap();
    assert_eq!((patched.department.as_deref(), patched.position.as_deref()), (Some("Sales"), None));
    assert_eq!((patched.first_name.as_str(), patched.version), ("Grace", 2));
    let stale =
        run_from(&pool, &admin, &c, async |ctx| users::patch(ctx, user.id, json!({"version": 1, "branch": "Oslo"})).await).await;
    assert!(matches!(stale, Err(ServiceError::Conflict(_))));
}
}

roster_test! {
async fn an_admin_cannot_remove_their_own_administrative_permissions(pool: PgPool) {
    let (tenant, _) = tenant_with_admin(&pool, "acme").await;
    let manager = member(&pool, tenant, "boss", "supervisor", "administrator").await;
    let me = run(&pool, &manager, async |ctx| users::get(ctx, manager.user_id).await).await.unwrap();
    let mut fields = me.fields();
    fields.roles.clear();
    let edit = UserEdit { version: me.version, fields };
    let refused = run_from(&pool, &manager, &client("10.0.0.1"), async |ctx| users::update(ctx, me.id, edit).await).await;
    assert!(matches!(refused, Err(ServiceError::Refused(_))), "{refused:?}");
    assert_eq!(run(&pool, &manager, async |ctx| users::get(ctx, me.id).await).await.unwrap().roles.len(), 1);
}
}

roster_test! {
/// The manager picker finds people by the start of a last name, first name, username, email or
/// "first last", ignoring case, and treats what is typed as text, not as a pattern.
async fn the_picker_finds_people_by_the_start_of_what_names_them(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    for name in ["ada", "adam", "grace"] {
        crate::support::user(&pool, acme, name, "agent", None).await.unwrap();
    }
    let picked = async |q: &str| -> Vec<String> {
        let mut names: Vec<String> =
            run(&pool, &admin, async |ctx| users::pick(ctx, q).await).await.unwrap().into_iter().map(|u| u.username).collect();
        names.sort_unstable();
        names
    };
    assert_eq!(picked("ADA").await, ["ada", "adam"]);
    assert_eq!(picked("adam").await, ["adam"]);
    assert_eq!(picked("test gr").await, ["grace"], "first and last name");
    assert_eq!(picked("grace@exa").await, ["grace"], "email");
    assert_eq!(picked("nobody").await, Vec::<String>::new());
    assert_eq!(picked("%").await, Vec::<String>::new(), "no wildcard");
    assert_eq!(picked("_da").await, Vec::<String>::new(), "no wildcard");
    assert_eq!(picked("").await.len(), 4, "everyone, the admin included");
}
}
