//! Changing one's own password. The current password is checked like a sign-in: counted in the
//! account's throttle bucket before it is verified, refused while that bucket waits, and every
//! failure recorded (`user.password_change_failed`), since whoever holds a session could
//! otherwise use the check to guess the password.

use chrono::Utc;
use serde_json::json;
use shared::FieldCode;
use shared::Password;
use shared::audit::Action;
use shared::auth::ChangePasswordRequest;
use sqlx::PgPool;

use super::Failure;
use crate::backend::actor::Actor;
use crate::backend::audit::{self, AuditActor, AuditEvent, Target};
use crate::backend::password::Passwords;
use crate::backend::sessions::{self, ClientInfo, SessionPolicy, SessionToken};
use crate::backend::throttle::{self, Attempt, Key};
use crate::backend::{ServiceError, tenancy};

/// `POST /api/v1/me/password`: needs the current password; ends every session of the user and
/// starts a fresh one for this browser.
///
/// Commits a failed check's throttle count and audit event on their own, while the change itself
/// (its own transaction) rolls back.
#[tracing::instrument(skip_all, fields(user = %actor.user_id))]
pub async fn change_password(
    pool: &PgPool,
    passwords: &Passwords,
    policy: &SessionPolicy,
    actor: &Actor,
    request: &ChangePasswordRequest,
    client: &ClientInfo,
) -> Result<SessionToken, ServiceError> {
    // The same bucket as signing in to this account.
    let mut tx = pool.begin().await?;
    let attempt = throttle::attempt(&mut tx, &[Key::user(actor.user_id)], Utc::now()).await?;
    tx.commit().await?;
    let counted = match attempt {
        Attempt::Counted(counted) => counted,
        Attempt::Refused { retry_after, record } => {
            if let Some(suppressed) = record {
                let failure = Failure { reason: "throttled", suppressed: Some(suppressed) };
                record_failure(pool, actor, failure, client).await?;
            }
            return Err(ServiceError::Throttled(retry_after));
        }
    };
    let suppressed = (counted.suppressed > 0).then_some(counted.suppressed);
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
        tx.rollback().await?;
        let failure = Failure { reason: "wrong_password", suppressed };
        record_failure(pool, actor, failure, client).await?;
        return Err(ServiceError::field("current_password", FieldCode::Wrong));
    }
    // Committed on its own: a new password refused below still took the count back.
    throttle::succeeded(&mut *pool.acquire().await?, &counted).await?;
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
    let token = sessions::start(&mut tx, policy, actor.tenant_id, actor.user_id, client).await?;
    let mut details = json!({ "was_temporary": row.must_change_password, "sessions_ended": ended });
    if let Some(n) = suppressed {
        details["suppressed"] = json!(n);
    }
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: actor.user_id, name: &actor.username }),
        changes: json!({ "password": { "before": "set", "after": "changed" } }),
        details,
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::UserPasswordChanged)
    };
    audit::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(token)
}

/// Records a failed current-password check in a transaction of its own.
async fn record_failure(
    pool: &PgPool,
    actor: &Actor,
    failure: Failure,
    client: &ClientInfo,
) -> Result<(), sqlx::Error> {
    let mut tx = tenancy::begin(pool, actor.tenant_id).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: actor.user_id, name: &actor.username }),
        details: failure.details(),
        client: Some(client),
        ..AuditEvent::new(
            actor.tenant_id,
            AuditActor::from(actor),
            Action::UserPasswordChangeFailed,
        )
    };
    audit::record(&mut tx, &event).await?;
    tx.commit().await
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
        return Err(ServiceError::field("new_password", FieldCode::Unchanged));
    }
    Ok(())
}
