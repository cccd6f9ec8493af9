//! Signing in and out, the signed-in user, and changing one's own password.
//!
//! A wrong password, an unknown user and an unknown organisation get the same answer after the
//! same work (one argon2 verification, the same throttle writes). Only after a correct password
//! does the answer say that an account is suspended, expired or without console access.

use chrono::Utc;
use serde_json::json;
use shared::auth::{ChangePasswordRequest, Me, SignInRequest, TenantRef};
use shared::{Password, TenantSlug, UserType};
use sqlx::PgPool;
use uuid::Uuid;

use super::actor::Actor;
use super::audit::{self, AuditActor, AuditEvent, Target};
use super::password::Passwords;
use super::sessions::{self, ClientInfo, SessionPolicy, SessionToken};
use super::throttle::{self, Key};
use super::{ServiceError, tenancy};

/// A successful sign-in: who, and the token for the session cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub me: Me,
    pub token: SessionToken,
}

struct Candidate {
    id: Uuid,
    username: String,
    hash: Option<String>,
    status: String,
    console_access: bool,
    user_type: String,
    expired: bool,
}

/// Checks the credentials and starts a session.
#[tracing::instrument(skip_all, fields(tenant = %request.tenant))]
pub async fn sign_in(
    pool: &PgPool,
    passwords: &Passwords,
    policy: &SessionPolicy,
    request: &SignInRequest,
    client: &ClientInfo,
) -> Result<SignedIn, ServiceError> {
    required_fields(request)?;
    let now = Utc::now();
    let mut keys = vec![Key::account(&request.tenant, &request.login)];
    keys.extend(client.ip.map(Key::address));
    // Every path does the same work: one lookup of the tenant, one of the user (against a
    // tenant that matches nothing when the organisation is unknown), one argon2 verification,
    // the throttle writes and one audit event (unknown organisations are recorded in the
    // platform's trail, without what was typed).
    let slug = request.tenant.parse::<TenantSlug>().map(String::from).unwrap_or_default();
    let ids = sqlx::query!(
        r#"select (select id from tenants where slug = $1) as "tenant?",
                  (select id from tenants where slug = $2) as "platform!""#,
        slug,
        TenantSlug::PLATFORM
    )
    .fetch_one(pool)
    .await?;
    let trail = ids.tenant.unwrap_or(ids.platform);
    // A throttled attempt is recorded and refused before any password is checked.
    for key in &keys {
        if let Some(seconds) = throttle::blocked_for(pool, key, now).await? {
            record_failure(pool, trail, None, "throttled", client).await?;
            return Err(ServiceError::Throttled(seconds));
        }
    }
    let candidate = find_candidate(pool, ids.tenant.unwrap_or(Uuid::nil()), &request.login).await?;
    let password_ok = match candidate.as_ref().and_then(|c| c.hash.as_deref()) {
        Some(hash) => passwords.verify(&request.password, hash).await?,
        None => passwords.verify_nothing(&request.password).await?,
    };

    let (Some(tenant_id), Some(user), true) = (ids.tenant, &candidate, password_ok) else {
        for key in &keys {
            throttle::record_failure(pool, key, now).await?;
        }
        let reason = match (ids.tenant, &candidate) {
            (None, _) => "unknown_tenant",
            (Some(_), None) => "unknown_user",
            (Some(_), Some(_)) => "wrong_password",
        };
        record_failure(pool, trail, candidate.as_ref(), reason, client).await?;
        return Err(ServiceError::Unauthenticated);
    };
    throttle::record_success(pool, &keys[0]).await?;

    if let Some(reason) = refusal(user) {
        record_failure(pool, tenant_id, Some(user), reason.0, client).await?;
        return Err(ServiceError::AccountUnavailable(reason.1));
    }

    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let token = sessions::create(&mut tx, policy, tenant_id, user.id, client).await?;
    sqlx::query!(
        "update users set last_login_at = now() where tenant_id = $1 and id = $2",
        tenant_id,
        user.id
    )
    .execute(&mut *tx)
    .await?;
    let actor = sessions::load_actor(&mut tx, tenant_id, user.id, now)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: user.id, name: &user.username }),
        client: Some(client),
        ..AuditEvent::new(tenant_id, AuditActor::from(&actor), "session.signed_in")
    };
    audit::record(&mut tx, &event).await?;
    let me = me_in(&mut tx, &actor).await?;
    tx.commit().await?;
    Ok(SignedIn { me, token })
}

fn required_fields(request: &SignInRequest) -> Result<(), ServiceError> {
    let mut fields = shared::FieldErrors::new();
    for (name, value) in [
        ("tenant", request.tenant.as_str()),
        ("login", request.login.as_str()),
        ("password", request.password.expose()),
    ] {
        if value.trim().is_empty() {
            fields.insert(name.to_owned(), vec!["required".to_owned()]);
        }
    }
    if fields.is_empty() { Ok(()) } else { Err(ServiceError::Validation(fields)) }
}

async fn find_candidate(
    pool: &PgPool,
    tenant_id: Uuid,
    login: &str,
) -> Result<Option<Candidate>, sqlx::Error> {
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    // Usernames cannot contain '@' and emails must, so at most one user matches.
    let candidate = sqlx::query_as!(
        Candidate,
        r#"select id, username, password_hash as hash, status, console_access, user_type,
                  coalesce(expires_at <= now(), false) as "expired!"
             from users
            where tenant_id = $1 and (lower(username) = lower($2) or lower(email) = lower($2))"#,
        tenant_id,
        login.trim()
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(candidate)
}

/// Why a user with the right password still may not sign in: (reason code, message).
fn refusal(user: &Candidate) -> Option<(&'static str, &'static str)> {
    let service = user.user_type.parse::<UserType>().is_ok_and(|t| !t.may_use_console());
    if user.status != "active" {
        Some(("suspended", "This account is suspended. Ask an administrator to reactivate it."))
    } else if user.expired {
        Some(("expired", "This account has expired. Ask an administrator to extend it."))
    } else if !user.console_access || service {
        Some(("no_console_access", "This account cannot sign in to the console."))
    } else {
        None
    }
}

async fn record_failure(
    pool: &PgPool,
    tenant_id: Uuid,
    user: Option<&Candidate>,
    reason: &str,
    client: &ClientInfo,
) -> Result<(), sqlx::Error> {
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    let event = AuditEvent {
        target: user.map(|u| Target { kind: "user", id: u.id, name: &u.username }),
        details: json!({ "reason": reason }),
        client: Some(client),
        ..AuditEvent::new(tenant_id, AuditActor::Anonymous, "session.sign_in_failed")
    };
    audit::record(&mut tx, &event).await?;
    tx.commit().await
}

/// Ends the session behind the token (sign-out); unknown tokens are fine.
pub async fn sign_out(
    pool: &PgPool,
    policy: &SessionPolicy,
    token: &SessionToken,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    // A session that has already ended still signs out cleanly; only a live one is audited.
    let actor = sessions::resolve(pool, policy, token).await.ok();
    sessions::end(pool, token).await?;
    if let Some(actor) = &actor {
        let mut tx = tenancy::begin(pool, actor.tenant_id).await?;
        let event = AuditEvent {
            client: Some(client),
            ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), "session.signed_out")
        };
        audit::record(&mut tx, &event).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// `GET /api/v1/me`: allowed even while a password change is pending (the UI needs it).
pub async fn me(pool: &PgPool, actor: &Actor) -> Result<Me, ServiceError> {
    let mut tx = tenancy::begin(pool, actor.tenant_id).await?;
    let me = me_in(&mut tx, actor).await?;
    tx.commit().await?;
    Ok(me)
}

async fn me_in(conn: &mut sqlx::PgConnection, actor: &Actor) -> Result<Me, ServiceError> {
    let row = sqlx::query!(
        "select u.email, u.first_name, u.last_name, t.name as tenant_name
           from users u join tenants t on t.id = u.tenant_id
          where u.tenant_id = $1 and u.id = $2",
        actor.tenant_id,
        actor.user_id
    )
    .fetch_one(conn)
    .await?;
    Ok(Me {
        id: actor.user_id,
        tenant: TenantRef {
            id: actor.tenant_id,
            slug: actor.tenant_slug.clone(),
            name: row.tenant_name,
        },
        username: actor.username.clone(),
        email: row.email,
        first_name: row.first_name,
        last_name: row.last_name,
        user_type: actor.user_type,
        superuser: actor.superuser,
        permissions: actor.permissions.iter().copied().collect(),
        must_change_password: actor.must_change_password,
    })
}

/// `POST /api/v1/me/password`: needs the current password; ends every session of the user and
/// starts a fresh one for this browser.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn change_password(
    pool: &PgPool,
    passwords: &Passwords,
    policy: &SessionPolicy,
    actor: &Actor,
    request: &ChangePasswordRequest,
    client: &ClientInfo,
) -> Result<SessionToken, ServiceError> {
    let mut tx = tenancy::begin(pool, actor.tenant_id).await?;
    let row = sqlx::query!(
        "select email, password_hash, must_change_password from users
          where tenant_id = $1 and id = $2 for update",
        actor.tenant_id,
        actor.user_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let current_ok = match row.password_hash.as_deref() {
        Some(hash) => passwords.verify(&request.current_password, hash).await?,
        None => false,
    };
    if !current_ok {
        return Err(ServiceError::field("current_password", "wrong"));
    }
    check_new_password(
        &request.new_password,
        &request.current_password,
        &actor.username,
        &row.email,
    )?;
    let hash = passwords.hash(&request.new_password).await?;
    sqlx::query!(
        "update users set password_hash = $3, must_change_password = false,
                          password_changed_at = now(), updated_at = now(), version = version + 1
          where tenant_id = $1 and id = $2",
        actor.tenant_id,
        actor.user_id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = sessions::end_all(&mut tx, actor.tenant_id, actor.user_id).await?;
    let token = sessions::create(&mut tx, policy, actor.tenant_id, actor.user_id, client).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: actor.user_id, name: &actor.username }),
        changes: json!({ "password": { "before": "set", "after": "changed" } }),
        details: json!({ "was_temporary": row.must_change_password, "sessions_ended": ended }),
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), "user.password_changed")
    };
    audit::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(token)
}

fn check_new_password(
    new: &Password,
    current: &Password,
    username: &str,
    email: &str,
) -> Result<(), ServiceError> {
    shared::password::check(new, &[username, email])
        .map_err(|e| ServiceError::field("new_password", e.code()))?;
    if new == current {
        return Err(ServiceError::field("new_password", "unchanged"));
    }
    Ok(())
}
