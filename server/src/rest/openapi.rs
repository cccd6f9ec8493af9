//! The JSON API's contract: an OpenAPI 3.1 document made from the handlers' annotations and
//! the `shared` types themselves (their `openapi` feature), served at `/api/v1/openapi.json`.

use axum::Json;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{audit, auth, roles, second_factors, sessions, sync, teams, tenants, tokens, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster",
        description = "Roster's JSON API: the users, roles, teams and audit trail of an \
                       organisation. Sign in for a session cookie, or send a service account's \
                       API token as `Authorization: Bearer roster_…` (a request with an \
                       `Authorization` header is judged by it alone). Every error answers with \
                       the `ApiError` shape."
    ),
    servers((url = "/api/v1")),
    paths(
        auth::sign_in, auth::second_factor, auth::passkey_options, auth::sign_out, auth::me, auth::change_password,
        second_factors::mine, second_factors::start_totp, second_factors::confirm_totp,
        second_factors::start_passkey, second_factors::confirm_passkey,
        second_factors::remove_mine, second_factors::renew_recovery_codes,
        second_factors::of_user, second_factors::reset,
        second_factors::settings, second_factors::set_settings,
        sessions::mine, sessions::end_my_others, sessions::end_mine,
        sessions::of_user, sessions::end_all_of_user, sessions::end_one_of_user,
        audit::list, audit::export,
        roles::permissions, roles::list, roles::create, roles::get, roles::patch, roles::delete,
        teams::list, teams::create, teams::preview_new, teams::get, teams::patch, teams::delete,
        teams::preview, teams::members, teams::add_member, teams::remove_member,
        tenants::list, tenants::create,
        users::list, users::stats, users::create, users::get, users::patch, users::delete,
        users::suspend, users::reactivate, users::reset_password, users::put_avatar,
        users::get_avatar, users::access,
        tokens::list, tokens::create, tokens::revoke,
        sync::upsert, sync::batch,
    ),
    modifiers(&Credentials),
    security(("token" = []), ("session" = [])),
    tags(
        (name = "session", description = "Signing in and out, and who the caller is"),
        (name = "users", description = "The directory and each user's lifecycle"),
        (name = "sync", description = "Keeping Roster in step with another system by its ids"),
        (name = "tokens", description = "A service account's API tokens"),
        (name = "roles", description = "Roles and the permission catalogue"),
        (name = "teams", description = "Teams and their membership rules"),
        (name = "audit", description = "The audit trail"),
        (name = "tenants", description = "Organisations (platform superusers only)"),
        (name = "settings", description = "The organisation's settings"),
    )
)]
pub struct ApiDoc;

/// The two ways in: a service account's token, and a browser's session cookie.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("roster_…")
            .description(Some("A service account's API token (`roster_` and 43 characters)."))
            .build();
        components.add_security_scheme("token", SecurityScheme::Http(bearer));
        let cookie = ApiKeyValue::with_description(
            app::web::cookie_name(false),
            "The session cookie set by signing in (`__Host-roster_session` over https). A \
             request with it must come from Roster's own origin.",
        );
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
    }
}

/// Any failure: the status and `error` say which (401 unauthenticated, 403 forbidden, 404
/// not_found, 405, 409 conflict, 412, 422 validation with field errors, 429 throttled with
/// `Retry-After`, 503 unavailable, 500 internal).
#[derive(utoipa::IntoResponses)]
#[response(status = "default", description = "Refused or failed: `error` says why")]
pub struct Failure(#[to_schema] pub shared::ApiError);

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /api/docs`: the document as a readable reference (Redoc, served from this site: see
/// `api_docs_assets` in roster.sh). Its policy lets Redoc's own styles and search worker run,
/// and nothing from elsewhere.
pub async fn reference() -> impl IntoResponse {
    const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Roster API reference</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<redoc spec-url="/api/v1/openapi.json"></redoc>
<script src="/api-docs/redoc.standalone.js"></script>
</body>
</html>
"#;
    let policy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                  img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                  worker-src 'self' blob:; base-uri 'none'; frame-ancestors 'none'";
    ([(header::CONTENT_SECURITY_POLICY, policy)], Html(PAGE))
}
