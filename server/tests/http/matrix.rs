//! The authorization matrix. Every route of the JSON API (read from the router's own source, so
//! a route added without a row here fails the test) is called by every kind of caller —
//! anonymous, a user who must change their password, a holder of each system role, a holder of
//! a custom role of one permission, a supervisor with a reporting line, another tenant's
//! administrator, the platform superuser and one who has yet to add a second factor — against an object of the caller's tenant and one
//! of another tenant. The expected answer follows from the rules, not from a typed-in table: what
//! the caller holds (as `GET /me` reports it), whose tenant the object is in, and the
//! supervisor's line. Each refusal must change nothing, and a refusal for want of a permission
//! must write exactly one `access.refused`. Every server function is enumerated from the server
//! function registry and refuses an anonymous caller.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use shared::{Permission, Uuid};
use sqlx::PgPool;

use crate::{GOOD, add_user, app, arrange, cookie_for, enrol_totp, send};

/// The status and the body, as text.
async fn text(pool: PgPool, request: Request<Body>) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = app(pool).oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// What a route needs of its caller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Need {
    /// Anyone signed in, even with a password change pending.
    Session,
    /// Anyone signed in past a pending password change, even with a second factor to add
    /// (adding one is what it is for).
    Enrol,
    /// A settled session holding this permission.
    Holds(Permission),
    /// A settled session, whatever it holds (what it asks for is judged item by item).
    Settled,
    /// A platform superuser.
    Superuser,
    /// Nobody: the method is not offered (users are never deleted).
    Nobody,
}

/// What a route acts on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Object {
    /// Nothing by id (lists, creation).
    None,
    /// A user (`{id}` under /users, `{user}` under a team's members).
    User,
    /// A role or a team.
    Other,
}

pub(crate) struct Route {
    pub(crate) method: &'static str,
    /// With `{user}`, `{role}`, `{team}` for the objects' ids.
    pub(crate) path: &'static str,
    /// As the router spells it.
    pub(crate) pattern: &'static str,
    pub(crate) need: Need,
    pub(crate) object: Object,
    /// The status of a call that is allowed.
    pub(crate) ok: u16,
}

pub(crate) const fn route(
    method: &'static str,
    path: &'static str,
    pattern: &'static str,
    need: Need,
    object: Object,
    ok: u16,
) -> Route {
    Route { method, path, pattern, need, object, ok }
}

use Need::{Enrol, Holds, Nobody, Session, Settled, Superuser};
use Object::{None as Nothing, Other, User};
use Permission::*;

/// Every route but `POST /session` and `POST /session/second-factor` (with its `/passkey`):
/// signing in is the door itself; its own tests cover it.
pub(crate) const ROUTES: &[Route] = &[
    route("GET", "/me", "/me", Session, Nothing, 200),
    // A wrong current password: the route is open to the caller, the answer a field error.
    route("POST", "/me/password", "/me/password", Session, Nothing, 422),
    route("GET", "/me/sessions", "/me/sessions", Settled, Nothing, 200),
    // Every other session: the caller's own stays.
    route("DELETE", "/me/sessions", "/me/sessions", Settled, Nothing, 200),
    // A session that is not the caller's.
    route(
        "DELETE",
        "/me/sessions/00000000-0000-0000-0000-000000000000",
        "/me/sessions/{session}",
        Settled,
        Nothing,
        404,
    ),
    route("GET", "/me/second-factors", "/me/second-factors", Enrol, Nothing, 200),
    route("POST", "/me/second-factors/totp", "/me/second-factors/totp", Enrol, Nothing, 201),
    // An app being added that is not the caller's.
    route(
        "POST",
        "/me/second-factors/totp/00000000-0000-0000-0000-000000000000/confirm",
        "/me/second-factors/totp/{id}/confirm",
        Enrol,
        Nothing,
        404,
    ),
    route("POST", "/me/second-factors/passkey", "/me/second-factors/passkey", Enrol, Nothing, 201),
    // A passkey being registered that is not the caller's.
    route(
        "POST",
        "/me/second-factors/passkey/00000000-0000-0000-0000-000000000000/confirm",
        "/me/second-factors/passkey/{id}/confirm",
        Enrol,
        Nothing,
        404,
    ),
    route(
        "DELETE",
        "/me/second-factors/00000000-0000-0000-0000-000000000000",
        "/me/second-factors/{id}",
        Enrol,
        Nothing,
        404,
    ),
    // New recovery codes: a conflict for those without a second factor (see `expected`).
    route("POST", "/me/recovery-codes", "/me/recovery-codes", Enrol, Nothing, 200),
    route(
        "GET",
        "/settings/second-factor",
        "/settings/second-factor",
        Holds(TenantSettings),
        Nothing,
        200,
    ),
    route(
        "PUT",
        "/settings/second-factor",
        "/settings/second-factor",
        Holds(TenantSettings),
        Nothing,
        200,
    ),
    route("GET", "/audit", "/audit", Holds(AuditRead), Nothing, 200),
    route("GET", "/audit/export", "/audit/export", Holds(AuditRead), Nothing, 200),
    route("GET", "/permissions", "/permissions", Session, Nothing, 200),
    route("GET", "/roles", "/roles", Holds(RolesRead), Nothing, 200),
    route("POST", "/roles", "/roles", Holds(RolesManage), Nothing, 201),
    route("GET", "/roles/{role}", "/roles/{id}", Holds(RolesRead), Other, 200),
    route("PATCH", "/roles/{role}", "/roles/{id}", Holds(RolesManage), Other, 200),
    route("DELETE", "/roles/{role}", "/roles/{id}", Holds(RolesManage), Other, 200),
    route("GET", "/teams", "/teams", Holds(TeamsRead), Nothing, 200),
    route("POST", "/teams", "/teams", Holds(TeamsManage), Nothing, 201),
    route("POST", "/teams/preview", "/teams/preview", Holds(TeamsRead), Nothing, 200),
    route("GET", "/teams/{team}", "/teams/{id}", Holds(TeamsRead), Other, 200),
    route("PATCH", "/teams/{team}", "/teams/{id}", Holds(TeamsManage), Other, 200),
    route("DELETE", "/teams/{team}", "/teams/{id}", Holds(TeamsManage), Other, 204),
    route("POST", "/teams/{team}/preview", "/teams/{id}/preview", Holds(TeamsRead), Other, 200),
    route("GET", "/teams/{team}/members", "/teams/{id}/members", Holds(TeamsRead), Other, 200),
    route("POST", "/teams/{team}/members", "/teams/{id}/members", Holds(TeamsManage), User, 204),
    route(
        "DELETE",
        "/teams/{team}/members/{user}",
        "/teams/{id}/members/{user}",
        Holds(TeamsManage),
        User,
        204,
    ),
    route("GET", "/tenants", "/tenants", Superuser, Nothing, 200),
    route("POST", "/tenants", "/tenants", Superuser, Nothing, 201),
    route("GET", "/users", "/users", Holds(UsersRead), Nothing, 200),
    route("POST", "/users", "/users", Holds(UsersCreate), Nothing, 201),
    route("GET", "/users/stats", "/users/stats", Holds(UsersRead), Nothing, 200),
    route("GET", "/users/{user}", "/users/{id}", Holds(UsersRead), User, 200),
    route("PATCH", "/users/{user}", "/users/{id}", Holds(UsersUpdate), User, 200),
    route("DELETE", "/users/{user}", "/users/{id}", Nobody, User, 405),
    route("GET", "/users/{user}/access", "/users/{id}/access", Holds(UsersRead), User, 200),
    route("POST", "/users/{user}/suspend", "/users/{id}/suspend", Holds(UsersSuspend), User, 200),
    route(
        "POST",
        "/users/{user}/reactivate",
        "/users/{id}/reactivate",
        Holds(UsersSuspend),
        User,
        200,
    ),
    route(
        "POST",
        "/users/{user}/reset-password",
        "/users/{id}/reset-password",
        Holds(UsersResetPassword),
        User,
        200,
    ),
    route("GET", "/users/{user}/avatar", "/users/{id}/avatar", Holds(UsersRead), User, 200),
    // No such user yet: the form is refused, field by field, once the caller may create users.
    route(
        "PUT",
        "/users/external/matrix-1",
        "/users/external/{external_id}",
        Holds(UsersCreate),
        Nothing,
        422,
    ),
    // Each item is judged on its own; an empty batch changes nothing.
    route("POST", "/users/batch", "/users/batch", Settled, Nothing, 200),
    route("GET", "/users/{user}/tokens", "/users/{id}/tokens", Holds(UsersRead), User, 200),
    // The cell's user is no service account: the form is refused, field by field.
    route("POST", "/users/{user}/tokens", "/users/{id}/tokens", Holds(UsersUpdate), User, 422),
    // A token the user does not have.
    route(
        "DELETE",
        "/users/{user}/tokens/00000000-0000-0000-0000-000000000000",
        "/users/{id}/tokens/{token}",
        Holds(UsersUpdate),
        User,
        404,
    ),
    route("GET", "/users/{user}/sessions", "/users/{id}/sessions", Holds(UsersSuspend), User, 200),
    route(
        "DELETE",
        "/users/{user}/sessions",
        "/users/{id}/sessions",
        Holds(UsersSuspend),
        User,
        200,
    ),
    // A session the user does not have.
    route(
        "DELETE",
        "/users/{user}/sessions/00000000-0000-0000-0000-000000000000",
        "/users/{id}/sessions/{session}",
        Holds(UsersSuspend),
        User,
        404,
    ),
    route(
        "GET",
        "/users/{user}/second-factors",
        "/users/{id}/second-factors",
        Holds(UsersRead),
        User,
        200,
    ),
    route(
        "DELETE",
        "/users/{user}/second-factors",
        "/users/{id}/second-factors",
        Holds(UsersResetPassword),
        User,
        204,
    ),
    route("PUT", "/users/{user}/avatar", "/users/{id}/avatar", Holds(UsersUpdate), User, 204),
    // Last: it ends the caller's session.
    route("DELETE", "/session", "/session", Session, Nothing, 204),
];

/// The (method, pattern) pairs the JSON API's router declares, read from its source.
fn declared_routes() -> Vec<(String, String)> {
    let source = include_str!("../../src/rest/mod.rs");
    let mut declared = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let (pattern, rest) = chunk.trim_start().trim_start_matches('"').split_once('"').unwrap();
        let rest = rest.split(".fallback(").next().unwrap();
        for method in ["get", "post", "patch", "put", "delete"] {
            let called = rest
                .match_indices(&format!("{method}("))
                .any(|(at, _)| !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
            if called {
                declared.push((method.to_uppercase(), pattern.to_owned()));
            }
        }
    }
    declared
}

#[test]
fn every_declared_route_has_a_row_and_every_row_a_route() {
    let mut declared = declared_routes();
    declared.retain(|(m, p)| !(m == "POST" && p.starts_with("/session")));
    declared.sort();
    let mut rows: Vec<(String, String)> =
        ROUTES.iter().map(|r| (r.method.to_owned(), r.pattern.to_owned())).collect();
    rows.sort();
    assert!(declared.len() > 30, "{declared:?}");
    let missing: Vec<_> = declared.iter().filter(|d| !rows.contains(d)).collect();
    let extra: Vec<_> = rows.iter().filter(|r| !declared.contains(r)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "no row: {missing:?}; no route: {extra:?}");
}

#[test]
fn the_openapi_document_has_every_route_and_only_those() {
    use utoipa::OpenApi as _;
    let document = serde_json::to_value(server::rest::openapi::ApiDoc::openapi()).unwrap();
    let mut documented: Vec<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().unwrap().keys();
            methods.map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut declared = declared_routes();
    declared.sort();
    assert_eq!(documented, declared);
    assert_eq!(document["openapi"], "3.1.0");
    let schemes = document["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes.keys().collect::<Vec<_>>(), ["session", "token"]);
}

/// A caller as the matrix sees them.
pub(crate) struct Caller {
    pub(crate) name: String,
    pub(crate) cookie: Option<String>,
    pub(crate) permissions: Vec<Permission>,
    pub(crate) superuser: bool,
    pub(crate) must_change: bool,
    /// Must add a second factor before anything else.
    pub(crate) must_enrol: bool,
    /// Has a second factor.
    pub(crate) second_factor: bool,
    /// A supervisor's reporting line; `None`: the whole tenant.
    pub(crate) line: Option<Vec<Uuid>>,
    /// The caller's tenant.
    pub(crate) tenant: String,
}

/// The objects one cell acts on: fresh for each cell, so that allowed writes do not change
/// what the next cell finds.
pub(crate) struct Objects {
    pub(crate) user: Uuid,
    pub(crate) user_version: i64,
    pub(crate) role: Uuid,
    pub(crate) role_version: i64,
    pub(crate) team: Uuid,
    pub(crate) team_version: i64,
}

const PNG: [u8; 70] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2,
    135, 1, 128, 235, 71, 186, 146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// A user (with an avatar), a role and a team with the user in it, in `slug`, named `n`.
pub(crate) async fn objects(conn: &mut sqlx::PgConnection, slug: &str, n: usize) -> Objects {
    let user: (Uuid, i64) = sqlx::query_as(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type)
         select id, 'Obj', $2, $2 || '@' || $1 || '.test', $2, 'agent' from tenants where slug = $1
         returning id, version",
    )
    .bind(slug)
    .bind(format!("obj{n}"))
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into user_avatars (tenant_id, user_id, content_type, image)
         select tenant_id, id, 'image/png', $2 from users where id = $1",
    )
    .bind(user.0)
    .bind(PNG.to_vec())
    .execute(&mut *conn)
    .await
    .unwrap();
    let role: (Uuid, i64) = sqlx::query_as(
        "insert into roles (tenant_id, name, permissions)
         select id, $2, '{}' from tenants where slug = $1 returning id, version",
    )
    .bind(slug)
    .bind(format!("Role {n}"))
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let team: (Uuid, i64) = sqlx::query_as(
        "insert into teams (tenant_id, name) select id, $2 from tenants where slug = $1
         returning id, version",
    )
    .bind(slug)
    .bind(format!("Team {n}"))
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into team_members (tenant_id, team_id, user_id, source)
         select tenant_id, $1, $2, 'manual' from teams where id = $1",
    )
    .bind(team.0)
    .bind(user.0)
    .execute(&mut *conn)
    .await
    .unwrap();
    Objects {
        user: user.0,
        user_version: user.1,
        role: role.0,
        role_version: role.1,
        team: team.0,
        team_version: team.1,
    }
}

/// The body a call of `route` sends.
fn body(route: &Route, o: &Objects, n: usize) -> Option<Body> {
    let json = |value: Value| Some(Body::from(value.to_string()));
    let rule = json!({"match": "all", "conditions": [
        {"field": "department", "op": "eq", "values": ["Support"]}]});
    match (route.method, route.pattern) {
        ("POST", "/me/password") => json(json!({
            "current_password": "not the current password",
            "new_password": "a brand new passphrase",
        })),
        ("POST", "/roles") => json(json!({"name": format!("New role {n}"), "permissions": []})),
        ("PATCH", "/roles/{id}") => json(
            json!({"version": o.role_version, "name": format!("Renamed {n}"), "permissions": []}),
        ),
        ("POST", "/teams") => json(json!({"name": format!("New team {n}")})),
        ("POST", "/teams/preview" | "/teams/{id}/preview") => {
            json(json!({"name": "Preview", "rules": rule}))
        }
        ("PATCH", "/teams/{id}") => {
            json(json!({"version": o.team_version, "name": format!("Renamed {n}")}))
        }
        ("POST", "/teams/{id}/members") => json(json!({"user_id": o.user})),
        ("POST", "/tenants") => json(json!({
            "slug": format!("org-{n}"), "name": "Org", "admin_first_name": "A",
            "admin_last_name": "B", "admin_email": "a@org.test", "admin_username": "ab",
        })),
        ("POST", "/users") => json(json!({
            "first_name": "New", "last_name": "Person", "email": format!("new{n}@acme.test"),
            "username": format!("new{n}"), "user_type": "agent", "status": "active",
            "password": {"mode": "generate"}, "must_change_password": true,
        })),
        ("PATCH", "/users/{id}") => json(json!({"version": o.user_version, "position": "Chief"})),
        ("POST", "/users/{id}/tokens") => {
            json(json!({"name": "Sync", "permissions": ["users.read"]}))
        }
        ("PUT", "/users/{id}/avatar") => Some(Body::from(PNG.to_vec())),
        ("PUT", "/users/external/{external_id}") => json(json!({"shoe_size": 44})),
        ("POST", "/users/batch") => json(json!({"operations": []})),
        ("POST", "/me/second-factors/totp/{id}/confirm") => json(json!({"code": "123456"})),
        ("POST", "/me/second-factors/passkey/{id}/confirm") => json(json!({"credential": {}})),
        ("PUT", "/settings/second-factor") => json(json!({"policy": "optional"})),
        _ => None,
    }
}

/// What the rules say `caller` gets from `route` on the objects of `tenant`: the status and
/// error code (empty for success).
pub(crate) fn expected(
    route: &Route,
    caller: &Caller,
    tenant: &str,
    target: Uuid,
) -> (u16, &'static str) {
    let ok = (route.ok, "");
    if route.need == Nobody {
        return (405, "method_not_allowed");
    }
    if caller.cookie.is_none() {
        return if route.pattern == "/session" { ok } else { (401, "unauthenticated") };
    }
    if route.need == Session {
        return ok;
    }
    if caller.must_change {
        return (403, "password_change_required");
    }
    if route.need == Enrol {
        // Recovery codes stand in for a second factor: none without one.
        if route.pattern == "/me/recovery-codes" && !caller.second_factor {
            return (409, "conflict");
        }
        return ok;
    }
    if caller.must_enrol {
        return (403, "mfa_enrolment_required");
    }
    match route.need {
        Settled => return ok,
        Superuser if !caller.superuser => return (403, "forbidden"),
        Holds(p) if !caller.permissions.contains(&p) => return (403, "forbidden"),
        _ => {}
    }
    // A membership rule reaches the whole tenant: never a supervisor's to preview.
    if route.pattern.ends_with("/preview") && caller.line.is_some() {
        return (403, "forbidden");
    }
    // Objects by id: only in the caller's tenant, and for a supervisor only in their line.
    if route.object != Nothing && caller.tenant != tenant {
        return (404, "not_found");
    }
    let outside_line = caller.line.as_ref().is_some_and(|line| !line.contains(&target));
    if route.object == User && outside_line {
        return (404, "not_found");
    }
    // A team's edit or deletion reaches every member; the cell's team holds the cell's user.
    let team_write = matches!(route.method, "PATCH" | "DELETE") && route.pattern == "/teams/{id}";
    if team_write && outside_line {
        return (403, "forbidden");
    }
    // The platform tenant holds superusers only: an agent cannot be created there.
    if route.pattern == "/users" && route.method == "POST" && caller.superuser {
        return (422, "validation");
    }
    ok
}

/// What a refusal must leave as it was: every tenant's users, roles, teams, memberships,
/// avatars, tenants (and their settings), second factors, recovery codes and audit events (but
/// the refusals themselves), counted and versioned.
pub(crate) async fn state(conn: &mut sqlx::PgConnection) -> Vec<i64> {
    sqlx::query_scalar(
        "select array[(select count(*) from users),
                      (select coalesce(sum(version), 0)::bigint from users),
                      (select count(*) from roles),
                      (select coalesce(sum(version), 0)::bigint from roles),
                      (select count(*) from user_roles), (select count(*) from teams),
                      (select coalesce(sum(version), 0)::bigint from teams),
                      (select count(*) from team_members), (select count(*) from user_avatars),
                      (select count(*) from tenants),
                      (select coalesce(sum(version), 0)::bigint from tenants),
                      (select count(*) from second_factors where confirmed_at is not null),
                      (select count(*) from recovery_codes),
                      (select count(*) from audit_events where action <> 'access.refused')]",
    )
    .fetch_one(conn)
    .await
    .unwrap()
}

pub(crate) async fn refusals(conn: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar("select count(*) from audit_events where action = 'access.refused'")
        .fetch_one(conn)
        .await
        .unwrap()
}

/// Signs `login` of `slug` in and reads what they hold.
async fn caller(pool: &PgPool, name: &str, slug: &str, login: &str) -> Caller {
    let cookie = cookie_for(pool, slug, login, GOOD).await;
    let me = Request::get("/api/v1/me").header(header::COOKIE, &cookie).body(Body::empty());
    let (status, _, me) = send(app(pool.clone()), me.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{name}: {me}");
    let permissions = me["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().parse().unwrap())
        .collect();
    Caller {
        name: name.to_owned(),
        cookie: Some(cookie),
        permissions,
        superuser: me["superuser"] == true,
        must_change: me["must_change_password"] == true,
        must_enrol: me["must_enrol_second_factor"] == true,
        second_factor: false,
        line: None,
        tenant: slug.to_owned(),
    }
}

/// Gives `login` of acme the system role `key` (or a custom role holding `custom`).
async fn grant(pool: &PgPool, login: &str, key: Option<&str>, custom: &[Permission]) {
    let mut conn = arrange(pool).await;
    let role: Uuid = match key {
        Some(key) => sqlx::query_scalar(
            "select r.id from roles r join tenants t on t.id = r.tenant_id
              where t.slug = 'acme' and r.system_key = $1",
        )
        .bind(key)
        .fetch_one(&mut conn)
        .await
        .unwrap(),
        None => {
            let keys: Vec<&str> = custom.iter().map(|p| p.key()).collect();
            sqlx::query_scalar(
                "insert into roles (tenant_id, name, permissions)
                 select id, 'Only ' || $1, $2 from tenants where slug = 'acme' returning id",
            )
            .bind(keys.join(","))
            .bind(keys)
            .fetch_one(&mut conn)
            .await
            .unwrap()
        }
    };
    sqlx::query(
        "insert into user_roles (tenant_id, user_id, role_id)
         select tenant_id, id, $2 from users where username = $1
            and tenant_id = (select id from tenants where slug = 'acme')",
    )
    .bind(login)
    .bind(role)
    .execute(&mut conn)
    .await
    .unwrap();
}

pub(crate) async fn callers(pool: &PgPool) -> Vec<Caller> {
    for slug in ["acme", "globex"] {
        let sql = "insert into tenants (slug, name) values ($1, $1)";
        sqlx::query(sql).bind(slug).execute(&mut arrange(pool).await).await.unwrap();
        app::backend::roles::seed(
            &mut arrange(pool).await,
            sqlx::query_scalar("select id from tenants where slug = $1")
                .bind(slug)
                .fetch_one(&mut arrange(pool).await)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    }
    app::backend::bootstrap::create_superuser(
        pool,
        &app::backend::password::Passwords::default(),
        "root",
        &shared::Password::new(GOOD),
    )
    .await
    .unwrap();
    let mut callers = vec![Caller {
        name: "anonymous".into(),
        cookie: None,
        permissions: Vec::new(),
        superuser: false,
        must_change: false,
        must_enrol: false,
        second_factor: false,
        line: None,
        tenant: String::new(),
    }];
    add_user(pool, "acme", "Fay", "Forced", "fay", "tenant_admin").await;
    sqlx::query("update users set must_change_password = true where username = 'fay'")
        .execute(&mut arrange(pool).await)
        .await
        .unwrap();
    callers.push(caller(pool, "must change password", "acme", "fay").await);
    for key in ["administrator", "user_manager", "helpdesk", "auditor", "read_only"] {
        add_user(pool, "acme", "Role", key, key, "agent").await;
        grant(pool, key, Some(key), &[]).await;
        callers.push(caller(pool, key, "acme", key).await);
    }
    for permission in Permission::ALL {
        // The type whose ceiling lets the one permission through.
        let user_type = match permission {
            TenantSettings => "tenant_admin",
            RolesManage => "supervisor",
            _ => "agent",
        };
        let login = permission.key().replace('.', "_");
        add_user(pool, "acme", "Only", &login, &login, user_type).await;
        grant(pool, &login, None, &[permission]).await;
        let mut one = caller(pool, &format!("only {}", permission.key()), "acme", &login).await;
        if user_type == "supervisor" {
            one.line = Some(Vec::new());
        }
        callers.push(one);
    }
    // A supervisor holding everything a supervisor may, with one report.
    add_user(pool, "acme", "Sue", "Supervisor", "sue", "supervisor").await;
    grant(pool, "sue", Some("administrator"), &[]).await;
    add_user(pool, "acme", "Rex", "Report", "rex", "agent").await;
    let rex: Uuid = sqlx::query_scalar(
        "update users set manager_id = (select id from users where username = 'sue')
          where username = 'rex' returning id",
    )
    .fetch_one(&mut arrange(pool).await)
    .await
    .unwrap();
    let mut sue = caller(pool, "supervisor", "acme", "sue").await;
    sue.line = Some(vec![rex]);
    callers.push(sue);
    add_user(pool, "globex", "Gus", "Admin", "gus", "tenant_admin").await;
    callers.push(caller(pool, "another tenant's admin", "globex", "gus").await);
    // Superusers must have a second factor: one has added it, the other not yet.
    let mut root = caller(pool, "superuser", "platform", "root").await;
    enrol_totp(pool, root.cookie.as_deref().unwrap()).await;
    (root.must_enrol, root.second_factor) = (false, true);
    callers.push(root);
    app::backend::bootstrap::create_superuser(
        pool,
        &app::backend::password::Passwords::default(),
        "newroot",
        &shared::Password::new(GOOD),
    )
    .await
    .unwrap();
    let newroot = caller(pool, "superuser without a second factor", "platform", "newroot").await;
    assert!(newroot.must_enrol);
    callers.push(newroot);
    callers
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_route_answers_every_caller_by_the_rules_and_refusals_change_nothing(pool: PgPool) {
    let callers = callers(&pool).await;
    let mut conn = arrange(&pool).await;
    let router = app(pool.clone());
    let mut n = 0;
    let mut failures = Vec::new();
    for route in ROUTES {
        for caller in &callers {
            // Objects in acme, and in globex (another tenant for all but its own admin).
            for own in [true, false] {
                if route.object == Nothing && !own {
                    continue; // nothing to point at in another tenant
                }
                n += 1;
                let tenant = if own { "acme" } else { "globex" };
                let o = &objects(&mut conn, tenant, n).await;
                let path = format!(
                    "/api/v1{}",
                    route
                        .path
                        .replace("{user}", &o.user.to_string())
                        .replace("{role}", &o.role.to_string())
                        .replace("{team}", &o.team.to_string())
                );
                let (status, code) = expected(route, caller, tenant, o.user);
                let before = (state(&mut conn).await, refusals(&mut conn).await);
                let mut request = Request::builder()
                    .method(route.method)
                    .uri(&path)
                    .header(header::HOST, "roster.test");
                if let Some(cookie) = &caller.cookie {
                    request = request.header(header::COOKIE, cookie);
                }
                let request = match body(route, o, n) {
                    Some(body) => {
                        let image = route.pattern.ends_with("/avatar");
                        let kind = if image { "image/png" } else { "application/json" };
                        request.header(header::CONTENT_TYPE, kind).body(body)
                    }
                    None => request.body(Body::empty()),
                };
                let (got, _, answer) = send(router.clone(), request.unwrap()).await;
                let got_code = answer["error"].as_str().unwrap_or_default();
                let cell = format!(
                    "{} {} as {} ({})",
                    route.method,
                    path,
                    caller.name,
                    if own { "own" } else { "other" }
                );
                if got.as_u16() != status || (!code.is_empty() && got_code != code) {
                    failures.push(format!("{cell}: expected {status} {code}, got {got} {answer}"));
                    continue;
                }
                if status == route.ok {
                    continue;
                }
                let after = (state(&mut conn).await, refusals(&mut conn).await);
                if after.0 != before.0 {
                    failures.push(format!(
                        "{cell}: the refusal changed {:?} -> {:?}",
                        before.0, after.0
                    ));
                }
                let recorded = after.1 - before.1;
                let should = i64::from(code == "forbidden");
                if recorded != should {
                    failures.push(format!(
                        "{cell}: {recorded} access.refused recorded, expected {should}"
                    ));
                }
            }
        }
    }
    assert!(n > 1000, "{n} cells");
    assert!(failures.is_empty(), "{} of {n} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

/// Every server function the registry holds, called anonymously with well-formed arguments,
/// answers 401 — but the few meant for people not signed in.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_server_function_refuses_an_anonymous_caller(pool: PgPool) {
    let id = Uuid::new_v4().to_string();
    let public = [
        "auth/sign_in",
        "auth/second_factor",
        "auth/remembered_tenant",
        "auth/me",
        "auth/sign_out",
    ];
    let mut seen = 0;
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let endpoint = path.trim_start_matches("/api/");
        let form = |fields: &[(&str, &str)]| {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            ("application/x-www-form-urlencoded", body.join("&"))
        };
        let json = |value: Value| ("application/json", value.to_string());
        let (kind, body) = match endpoint {
            "audit/list" | "users/list" => json(json!({"query": {}})),
            "roles/create" => json(json!({"form": {"name": "X", "permissions": []}})),
            "roles/update" => json(json!({"id": id, "update": {"version": 1, "name": "X"}})),
            "teams/create" => json(json!({"form": {"name": "X"}})),
            "teams/update" => json(json!({"id": id, "update": {"version": 1, "name": "X"}})),
            "teams/preview" => json(json!({"id": id, "form": {"name": "X"}})),
            "users/create" => json(json!({"form": {
                "first_name": "A", "last_name": "B", "email": "a@b.test", "username": "ab",
                "user_type": "agent", "status": "active", "password": {"mode": "generate"},
                "must_change_password": true}})),
            "users/update" => json(json!({"id": id, "edit": {"version": 1,
                "first_name": "A", "last_name": "B", "email": "a@b.test", "username": "ab"}})),
            "auth/sign_in" => form(&[("tenant", "acme"), ("login", "x"), ("password", "y")]),
            "auth/change_password" => {
                form(&[("current_password", "a"), ("new_password", "b"), ("confirm", "b")])
            }
            "teams/add_member" | "teams/remove_member" => form(&[("id", &id), ("user", &id)]),
            "tenants/create" => form(&[
                ("form[slug]", "x"),
                ("form[name]", "x"),
                ("form[admin_first_name]", "x"),
                ("form[admin_last_name]", "x"),
                ("form[admin_email]", "x"),
                ("form[admin_username]", "x"),
            ]),
            "users/pick" => form(&[("q", "a")]),
            "auth/second_factor" => form(&[("code", "123456")]),
            "second_factors/confirm_totp" => {
                form(&[("id", &id), ("request[code]", "123456"), ("request[name]", "")])
            }
            "second_factors/confirm_passkey" => {
                form(&[("id", &id), ("name", ""), ("credential", "{}")])
            }
            "tokens/list" => form(&[("user", &id)]),
            "tokens/revoke" => form(&[("user", &id), ("token", &id)]),
            "tokens/create" => {
                json(json!({"user": id, "form": {"name": "X", "permissions": ["users.read"]}}))
            }
            _ => form(&[("id", &id)]),
        };
        let request = Request::post(path)
            .header(header::HOST, "roster.test")
            .header(header::CONTENT_TYPE, kind)
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body))
            .unwrap();
        let response = text(pool.clone(), request).await;
        seen += 1;
        if public.contains(&endpoint) {
            assert!(!response.1.contains("\"internal\""), "{path}: {}", response.1);
            continue;
        }
        assert!(
            response.1.contains("unauthenticated"),
            "{path}: an anonymous call got {} {}",
            response.0,
            response.1
        );
    }
    assert!(seen >= 33, "{seen} server functions");
}
