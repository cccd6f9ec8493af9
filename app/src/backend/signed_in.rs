//! Where a user is signed in: their live sessions, to see and to end. Anyone sees and ends
//! their own; an administrator who may suspend a user sees and ends theirs. `sessions` has no
//! row-level security (a request finds its session by hash before any tenant is entered), so
//! every statement here names the actor's tenant itself.

use chrono::Utc;
use serde_json::json;
use shared::Permission;
use shared::audit::Action;
use shared::session::{SessionInfo, SessionsEnded};
use uuid::Uuid;

use super::audit::{self, AuditActor, AuditEvent, Subject, Target};
use super::users::load;
use super::{Ctx, ServiceError};

/// The actor's own live sessions, the most recently used first (at most 200: nobody reads
/// more, and signing in again and again must not make the answer grow without bound); the one
/// of this request is marked `current`.
pub async fn mine(ctx: &mut Ctx<'_>) -> Result<Vec<SessionInfo>, ServiceError> {
    ctx.actor.require_settled()?;
    list(ctx, ctx.actor.user_id).await
}

/// Ends one of the actor's own sessions (this one too: that signs them out).
pub async fn end_mine(ctx: &mut Ctx<'_>, session: Uuid) -> Result<SessionsEnded, ServiceError> {
    ctx.actor.require_settled()?;
    let actor = ctx.actor;
    end(ctx, actor.user_id, &actor.username, Some(session)).await
}

/// Ends every session of the actor's but the one of this request.
pub async fn end_my_others(ctx: &mut Ctx<'_>) -> Result<SessionsEnded, ServiceError> {
    ctx.actor.require_settled()?;
    let actor = ctx.actor;
    end(ctx, actor.user_id, &actor.username, None).await
}

/// A user's live sessions, for whoever may suspend them.
pub async fn of_user(ctx: &mut Ctx<'_>, user: Uuid) -> Result<Vec<SessionInfo>, ServiceError> {
    ctx.reading("users.suspend", Some(Subject::User(user)));
    may_end(ctx, user).await?;
    list(ctx, user).await
}

/// Ends one of a user's sessions, or all of them (the actor's own current one aside), for
/// whoever may suspend them.
pub async fn end_of_user(
    ctx: &mut Ctx<'_>,
    user: Uuid,
    session: Option<Uuid>,
) -> Result<SessionsEnded, ServiceError> {
    ctx.attempting(Action::SessionsEnded, Some(Subject::User(user)));
    let username = may_end(ctx, user).await?;
    end(ctx, user, &username, session).await
}

/// What ending another's sessions takes: the standing to suspend them. Their username, for the
/// audit trail.
async fn may_end(ctx: &mut Ctx<'_>, user: Uuid) -> Result<String, ServiceError> {
    let actor = ctx.actor;
    actor.require(Permission::UsersSuspend)?;
    actor.require_reaches(user)?;
    let target = load(ctx.conn, actor.tenant_id, user).await?.ok_or(ServiceError::NotFound)?;
    actor.require_outranks(&target.permissions)?;
    Ok(target.username)
}

async fn list(ctx: &mut Ctx<'_>, user: Uuid) -> Result<Vec<SessionInfo>, ServiceError> {
    let idle = ctx.services.sessions.idle;
    let rows = sqlx::query!(
        r#"select id, user_agent, host(source_ip) as address, created_at, last_seen_at, expires_at
             from sessions
            where tenant_id = $1 and user_id = $2 and expires_at > now() and last_seen_at > $3
            order by last_seen_at desc, created_at desc
            limit 200"#,
        ctx.actor.tenant_id,
        user,
        Utc::now() - idle
    )
    .fetch_all(&mut *ctx.conn)
    .await?;
    let current = ctx.actor.session;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (browser, os) = describe(r.user_agent.as_deref().unwrap_or_default());
            SessionInfo {
                id: r.id,
                browser,
                os,
                address: r.address,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
                current: current == Some(r.id),
            }
        })
        .collect())
}

/// Ends the session `which` of `user` (named `username` in the trail), or all of theirs but the
/// actor's current one, with its audit event. Ending one that is not theirs (or not there any
/// more) is 404 and changes nothing.
async fn end(
    ctx: &mut Ctx<'_>,
    user: Uuid,
    username: &str,
    which: Option<Uuid>,
) -> Result<SessionsEnded, ServiceError> {
    ctx.attempting(Action::SessionsEnded, Some(Subject::User(user)));
    let (actor, client) = (ctx.actor, ctx.client);
    let keep = if which.is_none() { actor.session } else { None };
    let ended: Vec<Uuid> = sqlx::query_scalar(
        "delete from sessions
          where tenant_id = $1 and user_id = $2
            and ($3::uuid is null or id = $3) and ($4::uuid is null or id <> $4)
          returning id",
    )
    .bind(actor.tenant_id)
    .bind(user)
    .bind(which)
    .bind(keep)
    .fetch_all(&mut *ctx.conn)
    .await?;
    if which.is_some() && ended.is_empty() {
        return Err(ServiceError::NotFound);
    }
    if ended.is_empty() {
        return Ok(SessionsEnded { ended: 0 });
    }
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: user, name: username }),
        details: json!({
            "sessions_ended": ended.len(),
            "sessions": ended,
            "own": user == actor.user_id,
        }),
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::SessionsEnded)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(SessionsEnded { ended: ended.len() as u64 })
}

/// The browser (with its major version) and the operating system a user agent names.
fn describe(user_agent: &str) -> (String, String) {
    const UNKNOWN: &str = woothee::woothee::VALUE_UNKNOWN;
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let Some(found) = parsed else {
        return ("Unknown browser".into(), "Unknown system".into());
    };
    let browser = match (found.name, found.version.split('.').next().unwrap_or_default()) {
        (UNKNOWN, _) => "Unknown browser".to_owned(),
        // A program's HTTP library: its name is what woothee calls the version (`curl`).
        ("HTTP Library", library) if !library.is_empty() => library.to_owned(),
        (name, "" | UNKNOWN) => name.to_owned(),
        (name, major) => format!("{name} {major}"),
    };
    // A version that is a number, and not already in the name ("Windows 10" reports "NT 10.0").
    let numbered = |v: &str| v.starts_with(|c: char| c.is_ascii_digit());
    let os = match (found.os, found.os_version.as_ref()) {
        (UNKNOWN, _) => "Unknown system".to_owned(),
        (os, version) if numbered(version) && !os.ends_with(version) => format!("{os} {version}"),
        (os, _) => os.to_owned(),
    };
    (browser, os)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn user_agents_read_as_browser_and_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome), ("Chrome 131".into(), "Linux".into()));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                    Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86";
        assert_eq!(describe(edge).1, "Windows 10");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        let (browser, os) = describe(iphone);
        assert_eq!(browser, "Safari 17");
        assert!(os.starts_with("iPhone"), "{os}");
        assert_eq!(describe(""), ("Unknown browser".into(), "Unknown system".into()));
        assert_eq!(describe("curl/8.5.0"), ("curl".into(), "Unknown system".into()));
    }
}
