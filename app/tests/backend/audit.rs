//! The audit trail: the database refuses a change without its event, refused admin actions and
//! throttled sign-ins are recorded, failed changes record nothing, and the trail reads back by
//! actor, target, subject, action and date, a page at a time, only in its own tenant.

use app::backend::audit::{self, AuditActor, AuditEvent, trail};
use app::backend::auth::sign_in;
use app::backend::sessions::ClientInfo;
use app::backend::{Actor, ServiceError, tenancy, users};
use shared::Password;
use shared::audit::{AuditEntry, AuditPage, AuditQuery};
use shared::auth::SignInRequest;
use shared::user_form::PasswordChoice;
use sqlx::PgPool;

use crate::support::{
    all_tenants, client, count, member, run, run_from, services, tenant_with_admin,
};
use crate::users::new_user;

fn query(pairs: &[(&str, &str)]) -> AuditQuery {
    shared::query::from_pairs(pairs)
}

/// The trail as `actor` reads it under the `key=value` filters.
async fn events(
    pool: &PgPool,
    actor: &Actor,
    pairs: &[(&str, &str)],
) -> Result<AuditPage, ServiceError> {
    run(pool, actor, async |ctx| trail::list(ctx, &query(pairs)).await).await
}

/// The ids of every event under the filters, following `next_cursor` from page to page.
async fn walk(pool: &PgPool, actor: &Actor, pairs: &[(&str, &str)]) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = query(pairs);
        q.cursor = cursor.take();
        let page = run(pool, actor, async |ctx| trail::list(ctx, &q).await).await.unwrap();
        seen.extend(page.items.iter().map(|e| e.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
    }
}

fn actions(items: &[AuditEntry]) -> Vec<&str> {
    items.iter().map(|e| e.action.as_str()).collect()
}

roster_test! {
async fn the_database_refuses_to_commit_a_change_without_its_audit_event(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let role = crate::support::role_id(&pool, acme, "helpdesk").await;
    // Each statement names the helpdesk role ($1), so each can be bound alike.
    let statements = [
        "update users set position = 'Unrecorded' where username = 'admin' and $1 is not null",
        "update roles set description = 'Unrecorded' where id = $1",
        "insert into teams (tenant_id, name) select tenant_id, 'Unrecorded' from roles where id = $1",
        "insert into user_roles (tenant_id, user_id, role_id)
         select tenant_id, id, $1 from users where username = 'admin'",
    ];
    for sql in statements {
        let mut tx = tenancy::begin(&pool, acme).await.unwrap();
        let changed = sqlx::query(sql).bind(role).execute(&mut *tx).await.unwrap();
        assert_eq!(changed.rows_affected(), 1, "{sql}");
        let err = tx.commit().await.unwrap_err();
        assert!(err.to_string().contains("without an audit event"), "{sql}: {err}");
    }
    let unchanged: i64 =
        sqlx::query_scalar("select count(*) from users where position = 'Unrecorded'")
            .fetch_one(&mut all_tenants(&pool).await)
            .await
            .unwrap();
    assert_eq!(unchanged, 0);
    assert_eq!(count(&pool, "teams").await, 0);

    // The same change with its event commits, and so do several rows under one event.
    let mut tx = tenancy::begin(&pool, acme).await.unwrap();
    sqlx::query("update users set position = 'Recorded'").execute(&mut *tx).await.unwrap();
    let event = AuditEvent::new(acme, AuditActor::from(&admin), shared::audit::Action::UserUpdated);
    audit::record(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
}
}

roster_test! {
async fn a_failed_change_records_nothing_and_a_refused_one_records_the_refusal(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let recorded = count(&pool, "audit_events").await;

    // Bad input: a field error, no user, no event.
    let mut bad = new_user("ada", "agent");
    bad.fields.email = "not an email".into();
    let err = run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, bad).await).await;
    assert!(matches!(err, Err(ServiceError::Validation(_))), "{err:?}");
    assert_eq!(count(&pool, "audit_events").await, recorded);

    // A good one: one user, exactly one event.
    let ada =
        run_from(&pool, &admin, &client("10.0.0.1"), async |ctx| users::create(ctx, new_user("ada", "agent")).await)
            .await
            .unwrap()
            .user;
    assert_eq!(count(&pool, "audit_events").await, recorded + 1);

    // A read-only member tries to suspend her: 403, she stays active, the refusal is recorded.
    let reader = member(&pool, acme, "rita", "viewer", "read_only").await;
    let refused = run_from(&pool, &reader, &client("10.0.0.7"), async |ctx| users::suspend(ctx, ada.id).await).await;
    assert!(matches!(refused, Err(ServiceError::Forbidden)), "{refused:?}");
    let page = events(&pool, &admin, &[("action", "access.refused")]).await.unwrap();
    let [refusal] = page.items.as_slice() else { panic!("one refusal: {:?}", page.items) };
    assert_eq!(refusal.actor.id, Some(reader.user_id));
    assert_eq!(refusal.target.as_ref().map(|t| (t.id, t.name.as_str())), Some((ada.id, "ada")));
    assert_eq!(refusal.details["attempted"], "user.suspended");
    assert_eq!(refusal.source_ip.as_deref(), Some("10.0.0.7"));
    let still = run(&pool, &admin, async |ctx| users::get(ctx, ada.id).await).await.unwrap();
    assert_eq!(still.version, ada.version);
}
}

roster_test! {
async fn throttled_sign_ins_are_recorded_without_what_was_typed(pool: PgPool) {
    let s = services(&pool);
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let request = SignInRequest {
        tenant: "acme".into(),
        login: "admin".into(),
        password: Password::new("a wrong but long password"),
    };
    let mut throttled = false;
    for _ in 0..12 {
        let answer = sign_in(&pool, &s.passwords, &s.sessions, &request, &client("10.0.0.3")).await;
        if matches!(answer, Err(ServiceError::Throttled(_))) {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "repeated failures are throttled");
    let page = events(&pool, &admin, &[("action", "session.sign_in_failed")]).await.unwrap();
    let reasons: Vec<&str> =
        page.items.iter().filter_map(|e| e.details.get("reason")?.as_str()).collect();
    assert_eq!(reasons.first(), Some(&"throttled"), "newest first: {reasons:?}");
    assert!(reasons[1..].iter().all(|r| *r == "wrong_password"), "{reasons:?}");
    let stored: Vec<String> = sqlx::query_scalar("select row_to_json(a)::text from audit_events a")
        .fetch_all(&mut all_tenants(&pool).await)
        .await
        .unwrap();
    assert!(stored.iter().all(|row| !row.contains("a wrong but long password")));
}
}

roster_test! {
async fn the_trail_filters_pages_and_stays_in_its_tenant(pool: PgPool) {
    let (acme, admin) = tenant_with_admin(&pool, "acme").await;
    let (_, globex_admin) = tenant_with_admin(&pool, "globex").await;
    let helper = member(&pool, acme, "hana", "agent", "user_manager").await;
    let c = client("10.0.0.1");
    let mut created = Vec::new();
    for name in ["ada", "alan", "grace"] {
        let mut form = new_user(name, "agent");
        form.password = PasswordChoice::Generate;
        created.push(run_from(&pool, &admin, &c, async |ctx| users::create(ctx, form).await).await.unwrap().user);
    }
    let ada = created[0].id;
    run_from(&pool, &helper, &c, async |ctx| users::suspend(ctx, ada).await).await.unwrap();
    run_from(&pool, &admin, &c, async |ctx| users::reactivate(ctx, ada).await).await.unwrap();
    run_from(&pool, &globex_admin, &c, async |ctx| users::create(ctx, new_user("ada", "agent")).await).await.unwrap();

    let all = run(&pool, &admin, async |ctx| trail::list(ctx, &AuditQuery::default()).await).await.unwrap();
    assert_eq!(
        actions(&all.items),
        ["user.reactivated", "user.suspended", "user.created", "user.created", "user.created"],
        "acme's events only, newest first"
    );
    let suspended = &all.items[1];
    let status = suspended.changes.iter().find(|c| c.field == "status").unwrap();
    assert_eq!(
        (status.before.as_str(), status.after.as_str()),
        (Some("active"), Some("suspended"))
    );

    let by_helper = events(&pool, &admin, &[("actor", &helper.user_id.to_string())]).await.unwrap();
    assert_eq!(actions(&by_helper.items), ["user.suspended"]);
    let about_ada = events(&pool, &admin, &[("target", &ada.to_string())]).await.unwrap();
    assert_eq!(actions(&about_ada.items), ["user.reactivated", "user.suspended", "user.created"]);
    // Hana's history: what she did (there is nothing about her: she was arranged, not created).
    let hana = events(&pool, &admin, &[("subject", &helper.user_id.to_string())]).await.unwrap();
    assert_eq!(actions(&hana.items), ["user.suspended"]);
    let family = events(&pool, &admin, &[("action", "user"), ("limit", "100")]).await.unwrap();
    assert_eq!(family.items.len(), 5);
    let today = chrono::Utc::now().date_naive().to_string();
    let dated = events(&pool, &admin, &[("from", &today), ("to", &today)]).await.unwrap();
    assert_eq!(dated.items.len(), 5);
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    assert!(events(&pool, &admin, &[("from", &tomorrow)]).await.unwrap().items.is_empty());
    // Another tenant's user is nobody here.
    let globex_target =
        events(&pool, &globex_admin, &[("target", &ada.to_string())]).await.unwrap();
    assert!(globex_target.items.is_empty());

    // A page at a time: every event once, in the same order, for the whole trail (two a page)
    // and for Ada's history (one a page, through both of its walks).
    assert_eq!(
        walk(&pool, &admin, &[("limit", "2")]).await,
        all.items.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    let history = events(&pool, &admin, &[("subject", &ada.to_string())]).await.unwrap();
    assert_eq!(actions(&history.items), ["user.reactivated", "user.suspended", "user.created"]);
    let one_by_one = walk(&pool, &admin, &[("subject", &ada.to_string()), ("limit", "1")]).await;
    assert_eq!(one_by_one, history.items.iter().map(|e| e.id).collect::<Vec<_>>());

    // Only holders of audit.read; bad filters are field errors.
    let denied = run(&pool, &helper, async |ctx| trail::list(ctx, &AuditQuery::default()).await).await;
    assert!(matches!(denied, Err(ServiceError::Forbidden)));
    let bad = events(&pool, &admin, &[("actor", "ada"), ("action", "user.deleted")]).await;
    let Err(ServiceError::Validation(fields)) = bad else { panic!("{bad:?}") };
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["action", "actor"]);
    let forged = events(&pool, &admin, &[("cursor", "bm90LWEtY3Vyc29y")]).await;
    assert!(matches!(forged, Err(ServiceError::Validation(f)) if f.contains_key("cursor")));
}
}

roster_test! {
async fn the_export_holds_every_matching_event_as_csv(pool: PgPool) {
    let (_, admin) = tenant_with_admin(&pool, "acme").await;
    let c = client("10.0.0.1");
    let ada = run_from(&pool, &admin, &c, async |ctx| users::create(ctx, new_user("ada", "agent")).await)
        .await
        .unwrap()
        .user;
    // The user agent is the client's to choose: a formula in it must stay text.
    let hostile = ClientInfo { user_agent: Some("=HYPERLINK(\"http://evil\")".into()), ..c };
    run_from(&pool, &admin, &hostile, async |ctx| users::suspend(ctx, ada.id).await).await.unwrap();
    let csv =
        run(&pool, &admin, async |ctx| trail::export(ctx, &query(&[("target", &ada.id.to_string()), ("limit", "1")])).await)
            .await
            .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "time");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "the page limit does not cut the export");
    assert_eq!(&rows[0][3], "user.suspended");
    assert!(rows[0][7].contains("status: active → suspended"), "{:?}", &rows[0][7]);
    assert_eq!(&rows[0][10], "'=HYPERLINK(\"http://evil\")", "a formula stays text");
    assert_eq!(&rows[1][3], "user.created");
}
}
