//! The typed client (`shared::client`, the `client` feature) against the real server on a socket:
//! each call's answer is read into the shared wire types, so these tests prove that the types a
//! program compiles against are the shapes the server sends.

use std::net::SocketAddr;

use axum::http::StatusCode;
use serde_json::json;
use shared::client::{Client, Error, TryStreamExt, upsert_operation};
use shared::directory::UserQuery;
use shared::sync::{Operation, Outcome, UserUpsert};
use shared::token::NewTokenForm;
use shared::user_form::{NewUserForm, PasswordChoice, UserFields};
use shared::user_patch::UserPatch;
use shared::{ErrorCode, Password, Permission, UserStatus, UserType, Uuid};
use sqlx::PgPool;

use super::tokens::service_account;
use crate::{GOOD, add_user, app, call};

/// What the service account of these tests holds (and its token with it).
const PERMISSIONS: [&str; 8] = [
    "users.read",
    "users.create",
    "users.update",
    "users.suspend",
    "users.reset_password",
    "roles.read",
    "teams.read",
    "audit.read",
];

/// The server on an ephemeral port of this machine; its base URL.
async fn serve(pool: &PgPool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = app(pool.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    format!("http://{address}")
}

/// Acme with Ada, Tom (tenant admin) and the service account "hr" holding [`PERMISSIONS`]; the
/// server's URL, Tom signed in through the client, hr's id, and a token of hr's made by Tom.
async fn hr_with_token(pool: &PgPool) -> (String, Client, Uuid, Client) {
    let (_, hr) = service_account(pool, &PERMISSIONS).await;
    let hr: Uuid = hr.parse().unwrap();
    let base = serve(pool).await;
    let tom = Client::sign_in(&base, "acme", "tom", &Password::new(GOOD)).await.unwrap();
    let me = tom.me().await.unwrap();
    assert_eq!((me.username.as_str(), me.user_type), ("tom", UserType::TenantAdmin));

    let form = NewTokenForm {
        name: "HR feed".into(),
        permissions: PERMISSIONS.map(str::to_owned).to_vec(),
        ..NewTokenForm::default()
    };
    let created = tom.create_token(hr, &form).await.unwrap();
    assert!(created.secret.starts_with("roster_"));
    // Listed as made, never with the secret.
    let listed = tom.tokens(hr).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&created.token));
    let program = Client::with_token(&base, &created.secret).unwrap();
    (base, tom, hr, program)
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_program_reads_pages_and_manages_users_with_its_token(pool: PgPool) {
    let (_, tom, _, hr) = hr_with_token(&pool).await;
    for (first, username) in [("Bea", "bea"), ("Cy", "cy"), ("Di", "di"), ("Ed", "ed")] {
        add_user(&pool, "acme", first, "Staff", username, "agent").await;
    }
    let me = hr.me().await.unwrap();
    assert_eq!(me.user_type, UserType::Service);
    assert!(me.permissions.contains(&Permission::AuditRead));

    // Pages of two, followed to the end: every user once.
    let query = UserQuery { limit: Some(2), ..UserQuery::default() };
    let first = hr.users(&query).await.unwrap();
    assert_eq!((first.items.len(), first.total), (2, 7), "ada, tom, hr and four more");
    assert!(first.next_cursor.is_some());
    let all: Vec<_> = hr.all_users(query).try_collect().await.unwrap();
    let mut ids: Vec<Uuid> = all.iter().map(|row| row.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7);

    let ada_row = all.iter().find(|row| row.username == "ada").unwrap();
    let ada = hr.user(ada_row.id).await.unwrap();
    assert_eq!((ada.email.as_str(), ada.status), ("ada@acme.test", UserStatus::Active));

    // An edit at the read version goes through; the same edit again is stale: 409.
    let edit = UserPatch {
        version: ada.version,
        department: Some(Some("Research".into())),
        ..UserPatch::default()
    };
    let edited = hr.update_user(ada.id, &edit).await.unwrap();
    assert_eq!((edited.department.as_deref(), edited.version), (Some("Research"), ada.version + 1));
    match hr.update_user(ada.id, &edit).await {
        Err(Error::Api { status: 409, error }) => assert_eq!(error.error, ErrorCode::Conflict),
        other => panic!("a stale version is a 409: {other:?}"),
    }

    let suspended = hr.suspend(ada.id).await.unwrap();
    assert_eq!(suspended.status, UserStatus::Suspended);
    assert_eq!(hr.reactivate(ada.id).await.unwrap().status, UserStatus::Active);
    let reset = hr.reset_password(ada.id).await.unwrap();
    assert_eq!(reset.temporary_password.chars(), 27, "4 groups of 6");
    let access = hr.access(ada.id).await.unwrap();
    assert_eq!(access.user_type, UserType::Agent);
    assert_eq!(access.permissions.len(), Permission::ALL.len());

    // Creating: the generated password comes back once; a taken email is a field error.
    let grace = NewUserForm {
        fields: UserFields {
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: "grace@acme.test".into(),
            username: "grace".into(),
            ..UserFields::default()
        },
        user_type: "agent".into(),
        status: "active".into(),
        password: PasswordChoice::Generate,
        must_change_password: true,
    };
    let created = hr.create_user(&grace).await.unwrap();
    assert!(created.temporary_password.is_some() && created.user.must_change_password);
    let taken = hr.create_user(&grace).await.unwrap_err();
    assert_eq!(taken.status(), Some(422));
    assert_eq!(taken.field_errors().unwrap()["email"], ["taken"]);

    // Signing out ends Tom's session: his client is then refused.
    tom.sign_out().await.unwrap();
    let refused = tom.me().await.unwrap_err();
    assert_eq!((refused.status(), refused.code()), (Some(401), Some(ErrorCode::Unauthenticated)));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_program_syncs_by_external_id_and_reads_roles_teams_and_audit(pool: PgPool) {
    let (_, tom, hr_id, hr) = hr_with_token(&pool).await;
    let grace = UserUpsert {
        fields: UserPatch {
            first_name: Some("Grace".into()),
            last_name: Some("Hopper".into()),
            email: Some("grace@acme.test".into()),
            username: Some("grace".into()),
            ..UserPatch::default()
        },
        user_type: Some("agent".into()),
        ..UserUpsert::default()
    };
    // An external id with characters that must be encoded in the address.
    let created = hr.upsert("HR/17?ä#1", &grace, None).await.unwrap();
    assert_eq!(created.outcome, Outcome::Created);
    assert_eq!(created.user.external_id.as_deref(), Some("HR/17?ä#1"));
    let again = hr.upsert("HR/17?ä#1", &grace, None).await.unwrap();
    assert_eq!((again.outcome, again.user.version), (Outcome::Unchanged, created.user.version));
    let moved = UserUpsert {
        fields: UserPatch { department: Some(Some("Navy".into())), ..UserPatch::default() },
        ..UserUpsert::default()
    };
    let stale = hr.upsert("HR/17?ä#1", &moved, Some(created.user.version + 5)).await.unwrap_err();
    assert_eq!((stale.status(), stale.code()), (Some(412), Some(ErrorCode::PreconditionFailed)));
    let updated = hr.upsert("HR/17?ä#1", &moved, Some(created.user.version)).await.unwrap();
    assert_eq!(updated.outcome, Outcome::Updated);

    // A batch whose bad item fails alone, with its field errors; a retry gets the same answer.
    let bad = UserUpsert {
        fields: UserPatch { username: Some("not a username @".into()), ..grace.fields.clone() },
        ..grace.clone()
    };
    let alan = UserUpsert {
        fields: UserPatch {
            first_name: Some("Alan".into()),
            last_name: Some("Turing".into()),
            email: Some("alan@acme.test".into()),
            username: Some("alan".into()),
            ..UserPatch::default()
        },
        ..grace.clone()
    };
    let items = [
        upsert_operation("E-2", &alan, None),
        upsert_operation("E-3", &bad, None),
        Operation::Suspend { external_id: "hr/17?Ä#1".into() },
    ];
    let answer = hr.batch(&items, Some("sync-2024-06-01")).await.unwrap();
    let statuses: Vec<u16> = answer.results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 422, 200]);
    assert_eq!((answer.created, answer.updated, answer.failed), (1, 1, 1));
    let error = answer.results[1].error.as_ref().unwrap();
    assert_eq!(
        (error.error, &error.fields["username"]),
        (ErrorCode::Validation, &vec!["characters".to_owned()])
    );
    assert_eq!(hr.batch(&items, Some("sync-2024-06-01")).await.unwrap(), answer);
    let odd_key = hr.batch(&items, Some("line\nbreak")).await.unwrap_err();
    assert!(matches!(odd_key, Error::Usage(_)), "{odd_key:?}");

    // Roles and teams, as the program reads them.
    let roles = hr.roles().await.unwrap();
    let sync = roles.iter().find(|role| role.name == "Sync").unwrap();
    assert_eq!(hr.role(sync.id).await.unwrap(), *sync);
    assert_eq!(sync.permissions.len(), PERMISSIONS.len());
    let (status, team) = call(
        &pool,
        "POST",
        "/api/v1/teams",
        &cookie(&pool).await,
        Some(json!({"name": "Night shift"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team_id: Uuid = team["id"].as_str().unwrap().parse().unwrap();
    let member = json!({"user_id": created.user.id});
    let uri = format!("/api/v1/teams/{team_id}/members");
    assert_eq!(
        call(&pool, "POST", &uri, &cookie(&pool).await, Some(member)).await.0,
        StatusCode::NO_CONTENT
    );
    let teams = hr.teams().await.unwrap();
    assert_eq!(teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Night shift"]);
    assert_eq!(hr.team(team_id).await.unwrap().members, 1);
    let members = hr.team_members(team_id).await.unwrap();
    assert_eq!(members.iter().map(|m| m.user.id).collect::<Vec<_>>(), [created.user.id]);

    // The trail: the program's own writes, newest first, a page at a time.
    let query = shared::audit::AuditQuery {
        action: Some("user".into()),
        limit: Some(2),
        ..Default::default()
    };
    let page = hr.audit(&query).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.items.iter().all(|event| event.action.starts_with("user.")), "{:?}", page.items);
    assert_eq!(page.items[0].action, "user.suspended", "the batch's suspension is the latest");
    let next = shared::audit::AuditQuery { cursor: page.next_cursor.clone(), ..query };
    assert!(hr.audit(&next).await.unwrap().items[0].id < page.items[1].id);

    // Revoked, the token is refused at once.
    let token = tom.tokens(hr_id).await.unwrap()[0].id;
    tom.revoke_token(hr_id, token).await.unwrap();
    let refused = hr.me().await.unwrap_err();
    assert_eq!((refused.status(), refused.code()), (Some(401), Some(ErrorCode::Unauthenticated)));
}

/// Tom's session cookie, for arranging what the client does not offer (teams).
async fn cookie(pool: &PgPool) -> String {
    crate::cookie_for(pool, "acme", "tom", GOOD).await
}
