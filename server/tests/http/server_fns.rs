//! The authorization matrix of the server functions, the console's door to the same use cases as
//! the JSON API. Every server function in the registry has a row (a function added without one
//! fails the test) naming the REST route of its use case, whose rules it must follow, or — for
//! the few without one — its own requirement. Each is called by every caller of the REST matrix
//! on fresh objects of the caller's tenant and of another, with well-formed arguments, and must
//! answer as its twin does; a refusal must change nothing and, for want of a permission, write
//! exactly one `access.refused`.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use shared::Permission::UsersRead;
use shared::Uuid;
use sqlx::PgPool;

use super::matrix::{
    Caller, Need, Object, Objects, ROUTES, Route, callers, expected, objects, refusals, route,
    state,
};
use super::{GOOD, add_user, app, arrange, send};

/// Whose rules a server function follows.
enum Twin {
    /// The ROUTES row (method, pattern) that serves the same use case.
    Rest(&'static str, &'static str),
    /// No REST twin: what the function needs of its caller.
    Own(Need),
    /// Anyone, signed in or not: signing in, and what the pages ask before anyone is.
    Open,
}

struct Function {
    endpoint: &'static str,
    twin: Twin,
}

const fn rest(endpoint: &'static str, method: &'static str, pattern: &'static str) -> Function {
    Function { endpoint, twin: Twin::Rest(method, pattern) }
}

const fn own(endpoint: &'static str, need: Need) -> Function {
    Function { endpoint, twin: Twin::Own(need) }
}

/// Every server function, with a second row where one function serves two routes.
const FUNCTIONS: &[Function] = &[
    rest("audit/list", "GET", "/audit"),
    Function { endpoint: "auth/sign_in", twin: Twin::Open },
    Function { endpoint: "auth/remembered_tenant", twin: Twin::Open },
    // GET /me's use case, but it answers `null` to the anonymous (the shell asks it whether
    // anyone is signed in) where GET /me answers 401.
    Function { endpoint: "auth/me", twin: Twin::Open },
    rest("auth/change_password", "POST", "/me/password"),
    // Without the cookie of a sign-in waiting for its code: refused, whatever else is sent.
    Function { endpoint: "auth/second_factor", twin: Twin::Open },
    Function { endpoint: "auth/passkey_options", twin: Twin::Open },
    rest("second_factors/list", "GET", "/me/second-factors"),
    rest("second_factors/list", "GET", "/users/{id}/second-factors"),
    rest("second_factors/start_totp", "POST", "/me/second-factors/totp"),
    rest("second_factors/confirm_totp", "POST", "/me/second-factors/totp/{id}/confirm"),
    rest("second_factors/start_passkey", "POST", "/me/second-factors/passkey"),
    rest("second_factors/confirm_passkey", "POST", "/me/second-factors/passkey/{id}/confirm"),
    rest("second_factors/remove", "DELETE", "/me/second-factors/{id}"),
    rest("second_factors/remove", "DELETE", "/users/{id}/second-factors"),
    rest("second_factors/renew_codes", "POST", "/me/recovery-codes"),
    rest("second_factors/settings", "GET", "/settings/second-factor"),
    rest("second_factors/settings", "PUT", "/settings/second-factor"),
    rest("roles/list", "GET", "/roles"),
    rest("roles/get", "GET", "/roles/{id}"),
    rest("roles/create", "POST", "/roles"),
    rest("roles/update", "PATCH", "/roles/{id}"),
    rest("roles/delete", "DELETE", "/roles/{id}"),
    rest("teams/list", "GET", "/teams"),
    rest("teams/get", "GET", "/teams/{id}"),
    rest("teams/members", "GET", "/teams/{id}/members"),
    rest("teams/preview", "POST", "/teams/preview"),
    rest("teams/preview", "POST", "/teams/{id}/preview"),
    rest("teams/create", "POST", "/teams"),
    rest("teams/update", "PATCH", "/teams/{id}"),
    rest("teams/delete", "DELETE", "/teams/{id}"),
    rest("teams/add_member", "POST", "/teams/{id}/members"),
    rest("teams/remove_member", "DELETE", "/teams/{id}/members/{user}"),
    rest("sessions/list", "GET", "/me/sessions"),
    rest("sessions/list", "GET", "/users/{id}/sessions"),
    rest("sessions/end", "DELETE", "/me/sessions"),
    rest("sessions/end", "DELETE", "/me/sessions/{session}"),
    rest("sessions/end", "DELETE", "/users/{id}/sessions"),
    rest("sessions/end", "DELETE", "/users/{id}/sessions/{session}"),
    rest("tenants/list", "GET", "/tenants"),
    rest("tokens/list", "GET", "/users/{id}/tokens"),
    rest("tokens/create", "POST", "/users/{id}/tokens"),
    rest("tokens/revoke", "DELETE", "/users/{id}/tokens/{token}"),
    rest("tenants/create", "POST", "/tenants"),
    rest("users/list", "GET", "/users"),
    rest("users/get", "GET", "/users/{id}"),
    own("users/role_options", Need::Holds(UsersRead)),
    own("users/team_options", Need::Holds(UsersRead)),
    own("users/pick", Need::Holds(UsersRead)),
    rest("users/create", "POST", "/users"),
    rest("users/update", "PATCH", "/users/{id}"),
    rest("users/suspend", "POST", "/users/{id}/suspend"),
    rest("users/reactivate", "POST", "/users/{id}/reactivate"),
    rest("users/reset_password", "POST", "/users/{id}/reset-password"),
    rest("users/access", "GET", "/users/{id}/access"),
    // Last: it ends the caller's session.
    rest("auth/sign_out", "DELETE", "/session"),
];

/// The rules `function` follows, as a route `expected()` reads.
fn twin(function: &Function) -> Route {
    let (need, object) = match function.twin {
        Twin::Rest(method, pattern) => {
            let found = ROUTES.iter().find(|r| r.method == method && r.pattern == pattern);
            let r = found
                .unwrap_or_else(|| panic!("{}: no route {method} {pattern}", function.endpoint));
            return route(r.method, r.path, r.pattern, r.need, r.object, r.ok);
        }
        Twin::Own(need) => (need, Object::None),
        Twin::Open => (Need::Session, Object::None),
    };
    route("POST", function.endpoint, function.endpoint, need, object, 200)
}

#[test]
fn every_server_function_has_a_row_and_every_row_a_function() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let rows: BTreeSet<String> = FUNCTIONS.iter().map(|f| f.endpoint.to_owned()).collect();
    assert!(registered.len() >= 33, "{registered:?}");
    let missing: Vec<_> = registered.difference(&rows).collect();
    let extra: Vec<_> = rows.difference(&registered).collect();
    assert!(missing.is_empty() && extra.is_empty(), "no row: {missing:?}; no function: {extra:?}");
    for function in FUNCTIONS {
        twin(function); // every REST twin is a row of the REST matrix
    }
}

/// The arguments of a call, as the browser encodes them: URL-encoded fields, or JSON for the
/// functions declared with `input = Json`.
fn arguments(
    function: &Function,
    route: &Route,
    o: &Objects,
    tenant: &str,
    n: usize,
) -> (&'static str, String) {
    let form = |fields: &[(&str, String)]| {
        ("application/x-www-form-urlencoded", serde_urlencoded::to_string(fields).unwrap())
    };
    let json = |value: Value| ("application/json", value.to_string());
    let (user, role, team) = (o.user.to_string(), o.role.to_string(), o.team.to_string());
    let rules = json!({"match": "all", "conditions": [
        {"field": "department", "op": "eq", "values": ["Support"]}]});
    match function.endpoint {
        "audit/list" | "users/list" => json(json!({"query": {}})),
        "auth/sign_in" => {
            form(&[("tenant", "acme".into()), ("login", "ada".into()), ("password", GOOD.into())])
        }
        "auth/change_password" => form(&[
            ("current_password", "not the current password".into()),
            ("new_password", "a brand new passphrase".into()),
        ]),
        "roles/get" | "roles/delete" => form(&[("id", role)]),
        "roles/create" => {
            json(json!({"form": {"name": format!("New role {n}"), "permissions": []}}))
        }
        "roles/update" => json(json!({"id": role, "update": {
            "version": o.role_version, "name": format!("Renamed {n}"), "permissions": []}})),
        "teams/get" | "teams/members" | "teams/delete" => form(&[("id", team)]),
        "teams/preview" => {
            let id = route.pattern.contains("{id}").then_some(team);
            json(json!({"id": id, "form": {"name": "Preview", "rules": rules}}))
        }
        "teams/create" => json(json!({"form": {"name": format!("New team {n}")}})),
        "teams/update" => json(json!({"id": team, "update": {
            "version": o.team_version, "name": format!("Renamed {n}")}})),
        "teams/add_member" | "teams/remove_member" => form(&[("id", team), ("user", user)]),
        "tenants/create" => form(&[
            ("form[slug]", format!("org-{n}")),
            ("form[name]", "Org".into()),
            ("form[admin_first_name]", "A".into()),
            ("form[admin_last_name]", "B".into()),
            ("form[admin_email]", "a@org.test".into()),
            ("form[admin_username]", "ab".into()),
        ]),
        "users/pick" => form(&[("q", "obj".into())]),
        "tokens/list" => form(&[("user", user)]),
        "tokens/create" => {
            json(json!({"user": user, "form": {"name": "Sync", "permissions": ["users.read"]}}))
        }
        // The row's route names whose sessions, and which one (one the user does not have).
        "sessions/list" | "sessions/end" => {
            let mut fields = Vec::new();
            if route.pattern.contains("{id}") {
                fields.push(("user", user));
            }
            if route.pattern.contains("{session}") {
                fields.push(("session", "00000000-0000-0000-0000-000000000000".into()));
            }
            form(&fields)
        }
        "auth/second_factor" => form(&[("code", "123456".into())]),
        // The row's route names whose second factors (a user's, or the caller's own).
        "second_factors/list" | "second_factors/remove" if route.pattern.contains("/users/") => {
            form(&[("user", user)])
        }
        "second_factors/remove" => form(&[("id", NIL.into())]),
        "second_factors/confirm_passkey" => {
            form(&[("id", NIL.into()), ("name", String::new()), ("credential", "{}".into())])
        }
        "second_factors/confirm_totp" => form(&[
            ("id", NIL.into()),
            ("request[code]", "123456".into()),
            ("request[name]", String::new()),
        ]),
        "second_factors/settings" if route.method == "PUT" => {
            form(&[("change[policy]", "optional".into())])
        }
        "tokens/revoke" => {
            form(&[("user", user), ("token", "00000000-0000-0000-0000-000000000000".into())])
        }
        "users/create" => json(json!({"form": {
            "first_name": "New", "last_name": "Person", "email": format!("new{n}@acme.test"),
            "username": format!("new{n}"), "user_type": "agent", "status": "active",
            "password": {"mode": "generate"}, "must_change_password": true}})),
        // The whole edit form, as loaded, with one change (the JSON API takes just the change).
        "users/update" => json(json!({"id": user, "edit": {
            "version": o.user_version, "first_name": "Obj", "last_name": format!("obj{n}"),
            "email": format!("obj{n}@{tenant}.test"), "username": format!("obj{n}"),
            "position": "Chief"}})),
        "users/get"
        | "users/suspend"
        | "users/reactivate"
        | "users/reset_password"
        | "users/access" => form(&[("id", user)]),
        _ => form(&[]),
    }
}

/// What the rules say `caller` gets from `function`: its twin's answer, but that a server
/// function answers success with 200 where the JSON API says 201 or 204.
fn expected_of(
    function: &Function,
    route: &Route,
    caller: &Caller,
    tenant: &str,
    target: Uuid,
) -> (u16, &'static str) {
    if matches!(function.endpoint, "auth/second_factor" | "auth/passkey_options") {
        return (401, "unauthenticated");
    }
    if matches!(function.twin, Twin::Open) {
        return (200, "");
    }
    match expected(route, caller, tenant, target) {
        (status, "") if status < 300 => (200, ""),
        answer => answer,
    }
}

/// Calls `function` as the browser does: a POST from the console's own origin, with the caller's
/// session cookie.
async fn call(
    router: &Router,
    endpoint: &str,
    caller: &Caller,
    (kind, body): (&str, String),
) -> (u16, Value) {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header(header::HOST, "roster.test")
        .header(header::ORIGIN, "http://roster.test")
        .header(header::CONTENT_TYPE, kind)
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = &caller.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let (status, _, answer) = send(router.clone(), request.body(Body::from(body)).unwrap()).await;
    (status.as_u16(), answer)
}

/// One call of the matrix: a caller, and objects of their tenant (`own`, acme) or of another.
struct Cell<'a> {
    caller: &'a Caller,
    own: bool,
    /// acme when `own`, globex otherwise.
    tenant: &'static str,
    /// Numbers the cell's objects and the names it creates.
    n: usize,
    /// Fresh for the cell, so that an allowed write changes nothing another cell finds; nil ids
    /// for a function that acts on nothing.
    objects: Objects,
}

/// The cells of `route`'s row, their objects made in one transaction (one commit for the row
/// rather than one per insert: most of the test's time otherwise).
async fn cells<'a>(
    conn: &mut sqlx::PgConnection,
    route: &Route,
    callers: &'a [Caller],
    n: &mut usize,
) -> Vec<Cell<'a>> {
    use sqlx::Connection;
    let mut tx = conn.begin().await.unwrap();
    let mut cells = Vec::new();
    for caller in callers {
        // Objects in acme, and in globex (another tenant for all but its own admin).
        for own in [true, false] {
            if route.object == Object::None && !own {
                continue; // nothing to point at in another tenant
            }
            *n += 1;
            let tenant = if own { "acme" } else { "globex" };
            let fresh = match route.object {
                Object::None => NO_OBJECTS,
                _ => objects(&mut tx, tenant, *n).await,
            };
            cells.push(Cell { caller, own, tenant, n: *n, objects: fresh });
        }
    }
    tx.commit().await.unwrap();
    cells
}

/// An id that names nothing.
const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// The objects of a cell whose function acts on none.
const NO_OBJECTS: Objects = Objects {
    user: Uuid::nil(),
    user_version: 0,
    role: Uuid::nil(),
    role_version: 0,
    team: Uuid::nil(),
    team_version: 0,
};

/// Server functions answer a refusal with the status of its code, as the JSON API does (the
/// router's `server_fn_error_status`; server_fn itself answers 500 to every error), so the status
/// is compared as well as the body's code.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_server_function_answers_every_caller_as_its_rest_twin_does(pool: PgPool) {
    let callers = callers(&pool).await;
    add_user(&pool, "acme", "Ada", "Lovelace", "ada", "agent").await; // whom auth/sign_in signs in
    let mut conn = arrange(&pool).await;
    let router = app(pool.clone());
    let mut n = 0;
    let mut failures = Vec::new();
    for function in FUNCTIONS {
        let route = twin(function);
        for cell in cells(&mut conn, &route, &callers, &mut n).await {
            let (o, tenant) = (&cell.objects, cell.tenant);
            let (status, code) = expected_of(function, &route, cell.caller, tenant, o.user);
            let refused = !code.is_empty();
            let before = if refused {
                Some((state(&mut conn).await, refusals(&mut conn).await))
            } else {
                None
            };
            let arguments = arguments(function, &route, o, tenant, cell.n);
            let (got, answer) = call(&router, function.endpoint, cell.caller, arguments).await;
            let got_code = answer["error"].as_str().unwrap_or_default();
            let side = if cell.own { "own" } else { "other" };
            let name = format!(
                "{} ({} {}) as {} ({side})",
                function.endpoint, route.method, route.pattern, cell.caller.name
            );
            if got != status || (refused && got_code != code) {
                failures.push(format!("{name}: expected {status} {code}, got {got} {answer}"));
                continue;
            }
            let Some(before) = before else { continue };
            let after = (state(&mut conn).await, refusals(&mut conn).await);
            if after.0 != before.0 {
                failures
                    .push(format!("{name}: the refusal changed {:?} -> {:?}", before.0, after.0));
            }
            let recorded = after.1 - before.1;
            let should = i64::from(code == "forbidden");
            if recorded != should {
                failures
                    .push(format!("{name}: {recorded} access.refused recorded, expected {should}"));
            }
        }
    }
    assert!(n > 1000, "{n} cells");
    assert!(failures.is_empty(), "{} of {n} cells wrong:\n{}", failures.len(), failures.join("\n"));
}
