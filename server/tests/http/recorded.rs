//! The JSON API's answers, recorded: one fixed conversation with the API (every family of
//! routes, successes and refusals) whose answers must stay what `recorded.txt` holds, byte for
//! byte once ids, instants, secrets and cursors are masked. Reworking the backend must not
//! change what a client sees (the answers are compared as sent: field order and spacing
//! included); a change that means to, records the file again with
//! `ROSTER_RECORD=1` and shows the difference in its diff.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::{GOOD, acme_with_ada, add_user, app, cookie_for};

/// The conversation as recorded.
const RECORDED: &str = include_str!("recorded.txt");

/// Keys whose values are secrets or opaque, masked whatever they hold.
const MASKED_KEYS: [&str; 4] = ["temporary_password", "next_cursor", "prev_cursor", "request_id"];

/// A conversation: the router, who speaks, and the transcript with its masks.
struct Conversation {
    router: Router,
    transcript: String,
    /// Ids in the order they first appeared, so `<id 3>` names the same thing throughout.
    ids: HashMap<String, usize>,
}

impl Conversation {
    /// Sends one request (as `cookie`'s holder, or nobody) and records the answer; returns it.
    async fn say(
        &mut self,
        cookie: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "roster.test")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let body = body.map_or_else(Body::empty, |value| Body::from(value.to_string()));
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let raw = response.into_body().collect().await.unwrap().to_bytes();
        let raw = String::from_utf8(raw.to_vec()).unwrap();
        let who = cookie.map_or("anonymous", |c| if c.contains(ADA_MARK) { "ada" } else { "tom" });
        let path = self.mask_text(path);
        let masked = self.mask(&raw);
        writeln!(self.transcript, "{who}: {method} {path}\n{status}\n{masked}\n").unwrap();
        serde_json::from_str(&raw).unwrap_or_default()
    }

    /// The answer as sent, each string masked: the values of [`MASKED_KEYS`] by their key's
    /// name, ids and instants by [`Self::mask_text`]. (JSON is ASCII outside its strings.)
    fn mask(&mut self, raw: &str) -> String {
        let bytes = raw.as_bytes();
        let mut out = String::with_capacity(raw.len());
        let mut key: Option<&str> = None;
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] != b'"' {
                out.push(char::from(bytes[at]));
                at += 1;
                continue;
            }
            let mut end = at + 1;
            while bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let literal = &raw[at + 1..end];
            if raw[end + 1..].trim_start().starts_with(':') {
                key = Some(literal);
                out.push_str(&raw[at..=end]);
            } else {
                let masked = match key {
                    Some(name) if MASKED_KEYS.contains(&name) => format!("<{name}>"),
                    _ => self.mask_text(literal),
                };
                write!(out, "\"{masked}\"").unwrap();
            }
            at = end + 1;
        }
        out
    }

    /// Ids become `<id N>` and instants `<instant>`, inside paths and texts too.
    fn mask_text(&mut self, text: &str) -> String {
        if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
            return "<instant>".into();
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(found) = first_uuid(rest) {
            out.push_str(&rest[..found]);
            let id = rest[found..found + 36].to_owned();
            let next = self.ids.len() + 1;
            let n = *self.ids.entry(id).or_insert(next);
            write!(out, "<id {n}>").unwrap();
            rest = &rest[found + 36..];
        }
        out.push_str(rest);
        out
    }
}

/// Where the first UUID in `text` starts.
fn first_uuid(text: &str) -> Option<usize> {
    (0..text.len().saturating_sub(35)).find(|&at| {
        text.is_char_boundary(at)
            && text.get(at..at + 36).is_some_and(|part| uuid::Uuid::parse_str(part).is_ok())
    })
}

/// Marks ada's cookie in the transcript's "who" column (cookies themselves are random).
const ADA_MARK: &str = "; who=ada";

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_api_answers_as_recorded(pool: PgPool) {
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Tom", "Admin", "tom", "tenant_admin").await;
    let tom = cookie_for(&pool, "acme", "tom", GOOD).await;
    let ada = format!("{}{ADA_MARK}", cookie_for(&pool, "acme", "ada", GOOD).await);
    let mut c =
        Conversation { router: app(pool.clone()), transcript: String::new(), ids: HashMap::new() };
    let (tom, ada) = (Some(tom.as_str()), Some(ada.as_str()));

    c.say(None, "GET", "/api/v1/me", None).await;
    c.say(tom, "GET", "/api/v1/me", None).await;
    c.say(tom, "GET", "/api/v1/permissions", None).await;
    c.say(ada, "GET", "/api/v1/users", None).await;

    // Roles and teams.
    let role = json!({"name": "Desk", "description": "Front desk", "permissions": ["users.read"]});
    let role = c.say(tom, "POST", "/api/v1/roles", Some(role)).await;
    let role_id = role["id"].as_str().unwrap().to_owned();
    c.say(tom, "POST", "/api/v1/roles", Some(json!({"name": "", "permissions": ["nope"]}))).await;
    let rename =
        json!({"version": role["version"], "name": "Front desk", "permissions": ["users.read"]});
    c.say(tom, "PATCH", &format!("/api/v1/roles/{role_id}"), Some(rename)).await;
    c.say(tom, "GET", "/api/v1/roles", None).await;
    let team = json!({"name": "Night", "default_role_id": role_id,
                      "rules": {"match": "all", "conditions": [
                          {"field": "department", "op": "eq", "values": ["Ops"]}]}});
    let team = c.say(tom, "POST", "/api/v1/teams", Some(team)).await;
    let team_id = team["id"].as_str().unwrap().to_owned();

    // A user's life.
    let grace = json!({
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@acme.test",
        "username": "grace", "user_type": "agent", "department": "Ops",
        "roles": [role_id], "password": {"mode": "generate"},
    });
    let created = c.say(tom, "POST", "/api/v1/users", Some(grace)).await;
    let grace = created["user"]["id"].as_str().unwrap().to_owned();
    let bad = json!({"first_name": "", "last_name": "X", "email": "not an email",
                     "username": "grace", "user_type": "wizard"});
    c.say(tom, "POST", "/api/v1/users", Some(bad)).await;
    let user = c.say(tom, "GET", &format!("/api/v1/users/{grace}"), None).await;
    let edit = json!({"version": user["version"], "position": "Chief", "department": "Sales"});
    c.say(tom, "PATCH", &format!("/api/v1/users/{grace}"), Some(edit.clone())).await;
    c.say(tom, "PATCH", &format!("/api/v1/users/{grace}"), Some(edit)).await;
    c.say(tom, "GET", &format!("/api/v1/users/{grace}/access"), None).await;
    c.say(tom, "POST", &format!("/api/v1/users/{grace}/suspend"), None).await;
    c.say(ada, "POST", &format!("/api/v1/users/{grace}/reactivate"), None).await;
    c.say(tom, "POST", &format!("/api/v1/users/{grace}/reactivate"), None).await;
    c.say(tom, "POST", &format!("/api/v1/users/{grace}/reset-password"), None).await;
    c.say(tom, "GET", "/api/v1/users?sort=-name&status=active", None).await;
    c.say(tom, "GET", "/api/v1/users/stats?q=gra", None).await;
    c.say(tom, "GET", &format!("/api/v1/users/{}", uuid::Uuid::nil()), None).await;

    // Teams by hand, and the trail of it all.
    c.say(
        tom,
        "POST",
        &format!("/api/v1/teams/{team_id}/members"),
        Some(json!({"user_id": grace})),
    )
    .await;
    c.say(tom, "GET", &format!("/api/v1/teams/{team_id}/members"), None).await;
    c.say(tom, "DELETE", &format!("/api/v1/teams/{team_id}/members/{grace}"), None).await;
    c.say(tom, "GET", "/api/v1/teams", None).await;
    c.say(tom, "GET", "/api/v1/audit?action=user.updated", None).await;
    c.say(tom, "DELETE", &format!("/api/v1/roles/{role_id}"), None).await;
    c.say(tom, "DELETE", "/api/v1/session", None).await;
    c.say(tom, "GET", "/api/v1/me", None).await;

    if std::env::var_os("ROSTER_RECORD").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/http/recorded.txt");
        std::fs::write(path, &c.transcript).unwrap();
        return;
    }
    if c.transcript != RECORDED {
        let first = c
            .transcript
            .lines()
            .zip(RECORDED.lines())
            .position(|(now, then)| now != then)
            .unwrap_or_else(|| c.transcript.lines().count().min(RECORDED.lines().count()));
        let around = |text: &str| {
            text.lines().skip(first.saturating_sub(3)).take(8).collect::<Vec<_>>().join("\n")
        };
        panic!(
            "the API answers differently from tests/http/recorded.txt from line {}:\nnow:\n{}\nrecorded:\n{}\n\
             (ROSTER_RECORD=1 records it again, when the change is meant)",
            first + 1,
            around(&c.transcript),
            around(RECORDED)
        );
    }
}
