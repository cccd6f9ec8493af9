//! A second factor over the JSON API: adding an authenticator app with a code `oathtool`
//! computes, signing in with it (a code once, a step either side), recovery codes, throttling,
//! the organisation's policy, an administrator's reset, and superusers, who must have one.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::{
    GOOD, acme_with_ada, add_user, app, arrange, call, cookie_for, enrol_totp, json_post,
    oath_code, send,
};

/// The `name=value` of the cookie `name` that `headers` set.
pub(crate) fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// Signs in with the password: the status, the body and the cookies set.
async fn password_step(pool: &PgPool, login: &str) -> (StatusCode, Value, HeaderMap) {
    let body = json!({"tenant": "acme", "login": login, "password": GOOD});
    let request = json_post("/api/v1/session").body(Body::from(body.to_string())).unwrap();
    let (status, headers, body) = send(app(pool.clone()), request).await;
    (status, body, headers)
}

/// The challenge cookie of a right password for an account with a second factor.
pub(crate) async fn challenge(pool: &PgPool, login: &str) -> String {
    let (status, body, headers) = password_step(pool, login).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "second_factor_required");
    assert!(set_cookie(&headers, "roster_session").is_none(), "no session before the code");
    set_cookie(&headers, "roster_sign_in").expect("the challenge cookie")
}

/// Offers `code` for the sign-in `challenge` holds: the status, the body and the session cookie.
async fn offer(pool: &PgPool, challenge: &str, code: &str) -> (StatusCode, Value, Option<String>) {
    let request = json_post("/api/v1/session/second-factor")
        .header(header::COOKIE, challenge)
        .body(Body::from(json!({"code": code}).to_string()))
        .unwrap();
    let (status, headers, body) = send(app(pool.clone()), request).await;
    (status, body, set_cookie(&headers, "roster_session"))
}

pub(crate) async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&mut arrange(pool).await).await.unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_app_is_added_with_its_first_code_and_then_signs_in_once_per_code(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &cookie, None).await;
    assert_eq!(mine, json!({"factors": [], "recovery_codes_left": 0, "required": false}));

    // Adding: the key, shown once, as text and as a QR code of its otpauth:// address.
    let (status, started) =
        call(&pool, "POST", "/api/v1/me/second-factors/totp", &cookie, None).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let secret = started["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = started["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Roster%20%28Acme%29:ada?secret="), "{uri}");
    assert!(started["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let confirm =
        format!("/api/v1/me/second-factors/totp/{}/confirm", started["id"].as_str().unwrap());

    // A wrong first code adds nothing, and is recorded.
    let (status, wrong) =
        call(&pool, "POST", &confirm, &cookie, Some(json!({"code": "000000"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
    assert_eq!(wrong["fields"]["code"], json!(["wrong_code"]));
    let failed =
        "select count(*) from audit_events where action = 'second_factor.enrolment_failed'";
    assert_eq!(count(&pool, failed).await, 1);
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &cookie, None).await;
    assert_eq!(mine["factors"], json!([]));

    // The code oathtool computes from the key confirms it, with ten recovery codes.
    let first = oath_code(secret, 0);
    let body = json!({"code": first, "name": "Work phone"});
    let (status, confirmed) = call(&pool, "POST", &confirm, &cookie, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let codes = confirmed["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 19), "{codes:?}");
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &cookie, None).await;
    assert_eq!(mine["factors"][0]["name"], "Work phone");
    assert_eq!(mine["factors"][0]["kind"], "totp");
    assert_eq!(mine["recovery_codes_left"], 10);
    assert!(!mine.to_string().contains(secret), "the key is never shown again");

    // Signing in now takes the password, then a code. The first code was used by the
    // enrolment; the next step's is accepted, once.
    let waiting = challenge(&pool, "ada").await;
    let (status, body, session) = offer(&pool, &waiting, &first).await;
    assert_eq!(
        (status, body["fields"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!(["wrong_code"]))
    );
    assert!(session.is_none());
    let next = oath_code(secret, 1);
    let (status, body, session) = offer(&pool, &waiting, &next).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "ada");
    let session = session.expect("a session cookie");
    let me = Request::get("/api/v1/me").header(header::COOKIE, &session).body(Body::empty());
    assert_eq!(send(app(pool.clone()), me.unwrap()).await.0, StatusCode::OK);
    // The challenge is spent, and the same code does not open another.
    assert_eq!(offer(&pool, &waiting, &next).await.0, StatusCode::UNAUTHORIZED);
    let again = challenge(&pool, "ada").await;
    assert_eq!(offer(&pool, &again, &next).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // Two steps away is outside the window.
    assert_eq!(
        offer(&pool, &again, &oath_code(secret, 3)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Without the challenge cookie, a code opens nothing.
    assert_eq!(
        offer(&pool, "roster_sign_in=forged", &oath_code(secret, 2)).await.0,
        StatusCode::UNAUTHORIZED
    );

    let signed: Value = sqlx::query_scalar(
        "select details from audit_events where action = 'session.signed_in' order by occurred_at desc limit 1",
    )
    .fetch_one(&mut arrange(&pool).await)
    .await
    .unwrap();
    assert_eq!(signed["second_factor"], "totp");
    // No trace of the key in the trail.
    let trail: Vec<String> =
        sqlx::query_scalar("select details::text || changes::text from audit_events")
            .fetch_all(&mut arrange(&pool).await)
            .await
            .unwrap();
    assert!(trail.iter().all(|row| !row.contains(secret)), "{trail:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_recovery_code_signs_in_once_and_new_ones_replace_the_old(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    let (_, codes) = enrol_totp(&pool, &cookie).await;

    let waiting = challenge(&pool, "ada").await;
    // Typed as people do: upper case, without dashes.
    let typed = codes[0].replace('-', "").to_uppercase();
    let (status, body, _) = offer(&pool, &waiting, &typed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let used: Value = sqlx::query_scalar(
        "select details from audit_events where action = 'second_factor.recovery_code_used'",
    )
    .fetch_one(&mut arrange(&pool).await)
    .await
    .unwrap();
    assert_eq!(used["recovery_codes_left"], 9);
    let waiting = challenge(&pool, "ada").await;
    assert_eq!(
        offer(&pool, &waiting, &codes[0]).await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "used up"
    );

    // New codes: the old ones stop working.
    let (status, renewed) = call(&pool, "POST", "/api/v1/me/recovery-codes", &cookie, None).await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert_eq!(renewed["codes"].as_array().unwrap().len(), 10);
    assert_eq!(offer(&pool, &waiting, &codes[1]).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let fresh = renewed["codes"][0].as_str().unwrap();
    assert_eq!(offer(&pool, &waiting, fresh).await.0, StatusCode::OK);
    assert_eq!(count(&pool, "select count(*) from recovery_codes").await, 9);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn wrong_codes_end_the_wait_and_count_like_wrong_passwords(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    enrol_totp(&pool, &cookie).await;
    let waiting = challenge(&pool, "ada").await;
    for _ in 0..5 {
        let (status, body, _) = offer(&pool, &waiting, "999999").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    // The fifth ended the wait: the password is asked again.
    assert_eq!(offer(&pool, &waiting, "999999").await.0, StatusCode::UNAUTHORIZED);
    let failed = "select count(*) from audit_events
                   where action = 'session.sign_in_failed' and details->>'reason' = 'wrong_code'";
    assert_eq!(count(&pool, failed).await, 5);
    // The account's bucket counted them: the next password must wait.
    let (status, body, headers) = password_step(&pool, "ada").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(headers.contains_key(header::RETRY_AFTER));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_required_second_factor_comes_before_anything_but_adding_one(pool: PgPool) {
    sqlx::query("insert into tenants (slug, name) values ('acme', 'Acme')")
        .execute(&pool)
        .await
        .unwrap();
    add_user(&pool, "acme", "Ada", "Admin", "ada", "tenant_admin").await;
    add_user(&pool, "acme", "Vic", "Viewer", "vic", "viewer").await;
    let ada = cookie_for(&pool, "acme", "ada", GOOD).await;
    let vic = cookie_for(&pool, "acme", "vic", GOOD).await;

    // Only a holder of tenant.settings sets the policy; a bad one is a validation error.
    let policy = |p: &str| Some(json!({"policy": p}));
    let (status, _) =
        call(&pool, "PUT", "/api/v1/settings/second-factor", &vic, policy("everyone")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        call(&pool, "PUT", "/api/v1/settings/second-factor", &ada, policy("sometimes")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) =
        call(&pool, "PUT", "/api/v1/settings/second-factor", &ada, policy("administrators")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"policy": "administrators"})));
    let changed: Value = sqlx::query_scalar(
        "select changes from audit_events where action = 'tenant.settings_changed'",
    )
    .fetch_one(&mut arrange(&pool).await)
    .await
    .unwrap();
    assert_eq!(
        changed,
        json!({"second_factor_policy": {"before": "optional", "after": "administrators"}})
    );

    // The administrator's very next request: nothing but who they are and adding one.
    let (status, body) = call(&pool, "GET", "/api/v1/users", &ada, None).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::FORBIDDEN, json!("mfa_enrolment_required"))
    );
    let (_, me) = call(&pool, "GET", "/api/v1/me", &ada, None).await;
    assert_eq!(me["must_enrol_second_factor"], true);
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &ada, None).await;
    assert_eq!(mine["required"], true);
    // A viewer holds no administrator's permission: not asked.
    assert_eq!(call(&pool, "GET", "/api/v1/me/sessions", &vic, None).await.0, StatusCode::OK);

    enrol_totp(&pool, &ada).await;
    assert_eq!(call(&pool, "GET", "/api/v1/users", &ada, None).await.0, StatusCode::OK);

    // For everyone: the viewer too, until they add one.
    call(&pool, "PUT", "/api/v1/settings/second-factor", &ada, policy("everyone")).await;
    let (_, body) = call(&pool, "GET", "/api/v1/me/sessions", &vic, None).await;
    assert_eq!(body["error"], "mfa_enrolment_required");
    // Removing one's only factor under such a policy asks for a new one at once.
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &ada, None).await;
    let id = mine["factors"][0]["id"].as_str().unwrap();
    let (status, _) =
        call(&pool, "DELETE", &format!("/api/v1/me/second-factors/{id}"), &ada, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(count(&pool, "select count(*) from recovery_codes").await, 0, "gone with the last");
    let (_, body) = call(&pool, "GET", "/api/v1/users", &ada, None).await;
    assert_eq!(body["error"], "mfa_enrolment_required");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_reset_needs_to_outrank_and_ends_the_users_sessions(pool: PgPool) {
    for slug in ["acme", "globex"] {
        sqlx::query("insert into tenants (slug, name) values ($1, $1)")
            .bind(slug)
            .execute(&pool)
            .await
            .unwrap();
    }
    add_user(&pool, "acme", "Ada", "Admin", "ada", "tenant_admin").await;
    add_user(&pool, "acme", "Hal", "Helpdesk", "hal", "agent").await;
    add_user(&pool, "globex", "Gus", "Admin", "gus", "tenant_admin").await;
    let mut conn = arrange(&pool).await;
    let acme: shared::Uuid = sqlx::query_scalar("select id from tenants where slug = 'acme'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    app::backend::roles::seed(&mut conn, acme).await.unwrap();
    sqlx::query(
        "insert into user_roles (tenant_id, user_id, role_id)
         select u.tenant_id, u.id, r.id from users u join roles r on r.tenant_id = u.tenant_id
          where u.username = 'hal' and r.system_key = 'helpdesk'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let ada = cookie_for(&pool, "acme", "ada", GOOD).await;
    let hal = cookie_for(&pool, "acme", "hal", GOOD).await;
    let gus = cookie_for(&pool, "globex", "gus", GOOD).await;
    enrol_totp(&pool, &ada).await;
    let ada_id: String = sqlx::query_scalar("select id::text from users where username = 'ada'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let path = format!("/api/v1/users/{ada_id}/second-factors");

    // Others see which kinds, never the key.
    let (status, seen) = call(&pool, "GET", &path, &hal, None).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["factors"][0]["kind"], "totp");
    assert_eq!(
        call(&pool, "GET", &path, &gus, None).await.0,
        StatusCode::NOT_FOUND,
        "another tenant"
    );

    // The helpdesk may reset passwords but does not outrank an administrator: refused,
    // recorded, nothing removed.
    let (status, body) = call(&pool, "DELETE", &path, &hal, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let refused = "select count(*) from audit_events where action = 'access.refused'
                    and details->>'attempted' = 'second_factor.reset'";
    assert_eq!(count(&pool, refused).await, 1);
    assert_eq!(count(&pool, "select count(*) from second_factors").await, 1);
    assert_eq!(call(&pool, "DELETE", &path, &gus, None).await.0, StatusCode::NOT_FOUND);

    // An administrator who outranks her: everything goes, and her sessions end.
    add_user(&pool, "acme", "Bo", "Boss", "bo", "tenant_admin").await;
    let bo = cookie_for(&pool, "acme", "bo", GOOD).await;
    let (status, body) = call(&pool, "DELETE", &path, &bo, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(count(&pool, "select count(*) from second_factors").await, 0);
    assert_eq!(count(&pool, "select count(*) from recovery_codes").await, 0);
    assert_eq!(call(&pool, "GET", "/api/v1/me", &ada, None).await.0, StatusCode::UNAUTHORIZED);
    let reset: Value =
        sqlx::query_scalar("select details from audit_events where action = 'second_factor.reset'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(reset["removed"], json!(["totp"]));
    assert_eq!(reset["recovery_codes"], 10);
    // She signs in with her password alone again.
    assert_eq!(password_step(&pool, "ada").await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn superusers_must_have_a_second_factor(pool: PgPool) {
    let passwords = app::backend::password::Passwords::default();
    app::backend::bootstrap::create_superuser(
        &pool,
        &passwords,
        "root",
        &shared::Password::new(GOOD),
    )
    .await
    .unwrap();
    let root = cookie_for(&pool, "platform", "root", GOOD).await;
    let (status, body) = call(&pool, "GET", "/api/v1/tenants", &root, None).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::FORBIDDEN, json!("mfa_enrolment_required"))
    );
    // A program's token has no second factor to add.
    let (secret, _) = enrol_totp(&pool, &root).await;
    assert_eq!(call(&pool, "GET", "/api/v1/tenants", &root, None).await.0, StatusCode::OK);
    // And the next sign-in asks for it.
    let body = json!({"tenant": "platform", "login": "root", "password": GOOD});
    let request = json_post("/api/v1/session").body(Body::from(body.to_string())).unwrap();
    let (status, headers, _) = send(app(pool.clone()), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let waiting = set_cookie(&headers, "roster_sign_in").unwrap();
    assert_eq!(offer(&pool, &waiting, &oath_code(&secret, 1)).await.0, StatusCode::OK);
}

/// Calls the server function `endpoint` as the sign-in page does: a form, from the console's own
/// origin, with `cookie` if any. The status, the body and the cookies set.
async fn console(
    pool: &PgPool,
    endpoint: &str,
    form: &str,
    cookie: Option<&str>,
) -> (StatusCode, Value, HeaderMap) {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header(header::HOST, "roster.test")
        .header(header::ORIGIN, "http://roster.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let (status, headers, body) =
        send(app(pool.clone()), request.body(Body::from(form.to_owned())).unwrap()).await;
    (status, body, headers)
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_console_signs_in_in_two_steps_through_its_server_functions(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    let (secret, _) = enrol_totp(&pool, &cookie).await;
    let form = format!("tenant=acme&login=ada&password={}", GOOD.replace(' ', "+"));
    let (status, body, headers) = console(&pool, "auth/sign_in", &form, None).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::UNAUTHORIZED, json!("second_factor_required"))
    );
    assert!(set_cookie(&headers, "roster_session").is_none());
    let waiting = set_cookie(&headers, "roster_sign_in")
        .expect("the refusal still sets the challenge cookie");

    let code = format!("code={}", oath_code(&secret, 1));
    let (status, body, headers) = console(&pool, "auth/second_factor", &code, Some(&waiting)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], "ada");
    assert!(set_cookie(&headers, "roster_session").is_some());
    assert_eq!(
        set_cookie(&headers, "roster_sign_in").as_deref(),
        Some("roster_sign_in="),
        "cleared"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_session_left_open_cannot_swap_its_owners_second_factors(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    enrol_totp(&pool, &cookie).await;
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &cookie, None).await;
    let id = mine["factors"][0]["id"].as_str().unwrap().to_owned();
    // Whoever finds the session open an hour after its owner signed in…
    sqlx::query("update sessions set created_at = now() - interval '1 hour'")
        .execute(&mut arrange(&pool).await)
        .await
        .unwrap();
    let remove = format!("/api/v1/me/second-factors/{id}");
    let (status, body) = call(&pool, "DELETE", &remove, &cookie, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"].as_str().unwrap().contains("sign out and in again"), "{body}");
    let (status, _) = call(&pool, "POST", "/api/v1/me/recovery-codes", &cookie, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, started) = call(&pool, "POST", "/api/v1/me/second-factors/totp", &cookie, None).await;
    let confirm =
        format!("/api/v1/me/second-factors/totp/{}/confirm", started["id"].as_str().unwrap());
    let code = oath_code(started["secret"].as_str().unwrap(), 0);
    let (status, _) = call(&pool, "POST", &confirm, &cookie, Some(json!({"code": code}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // …changes nothing.
    assert_eq!(
        count(&pool, "select count(*) from second_factors where confirmed_at is not null").await,
        1
    );
    assert_eq!(count(&pool, "select count(*) from recovery_codes").await, 10);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn one_code_offered_twice_at_once_signs_in_once(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    let (secret, codes) = enrol_totp(&pool, &cookie).await;
    // Two sign-ins waiting, answered at the same moment with the same app code, then with the
    // same recovery code: the factor's lock and the code's deletion let one through each time.
    for code in [oath_code(&secret, 1), codes[0].clone()] {
        let (first, second) = (challenge(&pool, "ada").await, challenge(&pool, "ada").await);
        let (a, b) = tokio::join!(offer(&pool, &first, &code), offer(&pool, &second, &code));
        let statuses = [a.0, b.0];
        assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
        assert!(statuses.contains(&StatusCode::UNPROCESSABLE_ENTITY), "{statuses:?}");
    }
}
