//! API tokens of service accounts: creating one (its secret shown once), listing and revoking
//! them. A bearer request is resolved in [`super::sessions::as_token_actor`].

use chrono::{Duration, Utc};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::json;
use shared::audit::Action;
use shared::token::{ApiToken, CreatedToken, NewTokenForm, PREFIX};
use shared::user::UnknownVariant;
use shared::{FieldCode, Permission, UserType, permission};
use sqlx::PgConnection;
use std::num::NonZeroU32;
use std::sync::Arc;
use uuid::Uuid;

use super::audit::{self, AuditActor, AuditEvent, Subject, Target};
use super::{Ctx, ServiceError, sessions};

/// How fast one API token may call: a steady rate with a burst on top, counted in this process
/// (each server process counts for itself). Keyed by the token's id, so only tokens that exist
/// take memory; a request over the rate is refused with the seconds to wait.
#[derive(Clone)]
pub struct TokenRate(Arc<DefaultKeyedRateLimiter<Uuid>>);

impl TokenRate {
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        Self(Arc::new(RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))))
    }

    /// `Throttled` when `token` has used its share for now.
    pub(crate) fn check(&self, token: Uuid) -> Result<(), ServiceError> {
        self.0.check_key(&token).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ServiceError::Throttled(wait.as_secs() + 1)
        })
    }
}

impl Default for TokenRate {
    /// 20 requests a second, 100 at once.
    fn default() -> Self {
        Self::new(NonZeroU32::MIN.saturating_add(19), NonZeroU32::MIN.saturating_add(99))
    }
}

/// Characters of the secret a list shows (`roster_` and six more).
const SHOWN: usize = PREFIX.len() + 6;

/// A token's secret as a program sends it (`roster_` and 256 random bits, base64url).
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

impl TokenSecret {
    /// A secret received in an `Authorization: Bearer` header.
    pub fn from_client(value: &str) -> Self {
        Self(value.to_owned())
    }

    fn generate() -> Self {
        Self(format!("{PREFIX}{}", sessions::random_secret()))
    }

    /// What is stored and looked up: SHA-256 of the whole secret.
    pub(crate) fn hash(&self) -> Vec<u8> {
        sessions::hash_secret(&self.0)
    }
}

/// Creates a token for the service account `user`: the permissions must be the account's own
/// and the creator's own; the secret is in the answer and nowhere else.
pub async fn create(
    ctx: &mut Ctx<'_>,
    user: Uuid,
    form: NewTokenForm,
) -> Result<CreatedToken, ServiceError> {
    ctx.attempting(Action::TokenCreated, Some(Subject::User(user)));
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::UsersUpdate)?;
    actor.require_reaches(user)?;
    let new = form.validate().map_err(ServiceError::Validation)?;
    let account = account(ctx.conn, actor.tenant_id, user).await?;
    actor.require_outranks(&account.permissions)?;
    if account.user_type != UserType::Service {
        return Err(ServiceError::field("user", FieldCode::ServiceAccount));
    }
    actor.may_grant(&new.permissions, "permissions")?;
    if !new.permissions.is_subset(&account.permissions.iter().copied().collect()) {
        return Err(ServiceError::field("permissions", FieldCode::BeyondYours));
    }
    if new.days.is_none() && !actor.superuser {
        return Err(ServiceError::field("never_expires", FieldCode::PlatformSuperusersOnly));
    }
    let secret = TokenSecret::generate();
    let expires_at = new.days.map(|days| Utc::now() + Duration::days(i64::from(days)));
    let keys: Vec<&str> = new.permissions.iter().map(|p| p.key()).collect();
    let row = sqlx::query!(
        "insert into api_tokens
             (tenant_id, user_id, name, token_hash, prefix, permissions, created_by, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id, created_at, expires_at",
        actor.tenant_id,
        user,
        new.name,
        secret.hash(),
        &secret.0[..SHOWN],
        &keys as &[&str],
        actor.user_id,
        expires_at
    )
    .fetch_one(&mut *ctx.conn)
    .await?;
    let token = ApiToken {
        id: row.id,
        name: new.name,
        prefix: secret.0[..SHOWN].to_owned(),
        permissions: new.permissions.into_iter().collect(),
        created_at: row.created_at,
        // As stored (to the microsecond), so the answer and the list agree.
        expires_at: row.expires_at,
        revoked_at: None,
        last_used_at: None,
        last_used_ip: None,
    };
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: user, name: &account.username }),
        details: json!({
            "token": { "id": token.id, "name": token.name, "prefix": token.prefix },
            "permissions": keys,
            "expires_at": token.expires_at,
        }),
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::TokenCreated)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(CreatedToken { token, secret: secret.0 })
}

/// The tokens of a service account, newest first, revoked ones included.
pub async fn list(ctx: &mut Ctx<'_>, user: Uuid) -> Result<Vec<ApiToken>, ServiceError> {
    ctx.reading("users.read", Some(Subject::User(user)));
    ctx.actor.require(Permission::UsersRead)?;
    ctx.actor.require_sees(user)?;
    account(ctx.conn, ctx.actor.tenant_id, user).await?;
    let rows = sqlx::query!(
        r#"select id, name, prefix, permissions, created_at, expires_at, revoked_at,
                  last_used_at, host(last_used_ip) as last_used_ip
             from api_tokens where tenant_id = $1 and user_id = $2
            order by created_at desc"#,
        ctx.actor.tenant_id,
        user
    )
    .fetch_all(&mut *ctx.conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ApiToken {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            permissions: permission::from_keys(&r.permissions).into_iter().collect(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
            last_used_ip: r.last_used_ip,
        })
        .collect())
}

/// Revokes a token: the next request with it is refused. Revoking a revoked token changes
/// nothing.
pub async fn revoke(ctx: &mut Ctx<'_>, user: Uuid, token: Uuid) -> Result<(), ServiceError> {
    ctx.attempting(Action::TokenRevoked, Some(Subject::User(user)));
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require(Permission::UsersUpdate)?;
    actor.require_reaches(user)?;
    let account = account(ctx.conn, actor.tenant_id, user).await?;
    actor.require_outranks(&account.permissions)?;
    let revoked = sqlx::query!(
        "update api_tokens set revoked_at = now()
          where tenant_id = $1 and user_id = $2 and id = $3 and revoked_at is null
          returning name, prefix",
        actor.tenant_id,
        user,
        token
    )
    .fetch_optional(&mut *ctx.conn)
    .await?;
    let Some(revoked) = revoked else {
        return known(ctx.conn, actor.tenant_id, user, token).await;
    };
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: user, name: &account.username }),
        details: json!({ "token": { "id": token, "name": revoked.name, "prefix": revoked.prefix } }),
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::TokenRevoked)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(())
}

/// `Ok` for a token of the account that was revoked already; otherwise 404.
async fn known(
    conn: &mut PgConnection,
    tenant: Uuid,
    user: Uuid,
    token: Uuid,
) -> Result<(), ServiceError> {
    let exists = sqlx::query_scalar!(
        r#"select exists (select from api_tokens
                           where tenant_id = $1 and user_id = $2 and id = $3) as "exists!""#,
        tenant,
        user,
        token
    )
    .fetch_one(conn)
    .await?;
    if exists { Ok(()) } else { Err(ServiceError::NotFound) }
}

/// The account a token belongs to: its username, type and effective permissions.
struct Account {
    username: String,
    user_type: UserType,
    permissions: Vec<Permission>,
}

async fn account(
    conn: &mut PgConnection,
    tenant: Uuid,
    user: Uuid,
) -> Result<Account, ServiceError> {
    let row = sqlx::query!(
        "select username, user_type from users where tenant_id = $1 and id = $2",
        tenant,
        user
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let user_type: UserType =
        row.user_type.parse().map_err(|e: UnknownVariant| ServiceError::Internal(e.to_string()))?;
    let granted = sessions::granted_permissions(conn, tenant, user).await?;
    Ok(Account {
        username: row.username,
        user_type,
        permissions: permission::effective(user_type, granted).into_iter().collect(),
    })
}
