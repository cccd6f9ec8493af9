//! Signing in, second step: after a right password, a code from the account's authenticator
//! app, one of its passkeys, or one of its recovery codes.
//!
//! The password step leaves a challenge: a random token in a short-lived cookie, its hash in
//! `sign_in_challenges`. It opens no session and grants nothing but offering a code, at most
//! [`MAX_FAILURES`] times within [`LIFETIME`]; then the password is asked again. Each code is
//! counted in the same throttle buckets as a password (the account's and the address's) before
//! it is checked, an app's code is accepted once (its time step must be later than the last one
//! accepted, under the factor's row lock), a passkey answers the one ceremony the challenge
//! started (its state is used up by the attempt), and a recovery code is deleted as it is used.

use chrono::{Duration, Utc};
use serde_json::json;
use shared::audit::Action;
use shared::password::TEMPORARY_PASSWORD_DAYS;
use shared::second_factor::{OfferedCode, PasskeyChallenge, SecondFactorAnswer};
use shared::{FieldCode, Uuid};
use sqlx::{PgConnection, PgPool};

use super::{Candidate, Failure, SignedIn, candidate_columns, record_failure, refusal, start};
use crate::backend::ServiceError;
use crate::backend::audit::{self, AuditActor, AuditEvent, Target};
use crate::backend::passkey::{self, Passkeys};
use crate::backend::second_factor::matching_step;
use crate::backend::sessions::{ClientInfo, SessionPolicy, hash_secret, random_secret};
use crate::backend::throttle::{self, Attempt, Key};

/// How long a right password waits for its second factor.
pub const LIFETIME: Duration = Duration::minutes(5);

/// Wrong codes a challenge takes before it ends.
pub const MAX_FAILURES: i32 = 5;

/// The token of a sign-in waiting for its second factor (in a cookie).
#[derive(Clone, PartialEq, Eq)]
pub struct ChallengeToken(String);

impl std::fmt::Debug for ChallengeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChallengeToken(<redacted>)")
    }
}

impl ChallengeToken {
    /// Wraps a token received from a client.
    pub fn from_client(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The cookie value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Opens the challenge of `user`, whose password was right, in the sign-in's transaction
/// (entered into their tenant).
pub(super) async fn open(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
) -> Result<ChallengeToken, sqlx::Error> {
    let token = ChallengeToken(random_secret());
    sqlx::query!(
        "insert into sign_in_challenges (token_hash, tenant_id, user_id, expires_at)
         values ($1, $2, $3, $4)",
        hash_secret(&token.0),
        tenant_id,
        user,
        Utc::now() + LIFETIME
    )
    .execute(conn)
    .await?;
    Ok(token)
}

/// `POST /api/v1/session/second-factor/passkey`: the options for `navigator.credentials.get()`
/// with the passkeys of the account `challenge` waits for; their state replaces any earlier
/// ceremony of the challenge's. `Conflict` when the account has no passkey.
#[tracing::instrument(skip_all)]
pub async fn passkey_options(
    pool: &PgPool,
    passkeys: &Passkeys,
    challenge: &ChallengeToken,
) -> Result<PasskeyChallenge, ServiceError> {
    let hash = hash_secret(&challenge.0);
    let mut tx = pool.begin().await?;
    let found = sqlx::query!(
        r#"select tenant_id, user_id,
                  set_config('roster.tenant_id', tenant_id::text, true) as "entered!"
             from sign_in_challenges where token_hash = $1 and expires_at > now() for update"#,
        hash
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::Unauthenticated)?;
    let (options, state) =
        passkey::sign_in_options(passkeys, &mut tx, found.tenant_id, found.user_id).await?;
    sqlx::query!(
        "update sign_in_challenges set passkey_state = $2 where token_hash = $1",
        hash,
        state
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(options)
}

/// `POST /api/v1/session/second-factor`: finishes the sign-in `challenge` holds with `answer`.
/// A wrong code is `code: wrong_code`, a refused passkey `passkey: key_refused` (after
/// [`MAX_FAILURES`] of them the challenge ends and the next answer is `Unauthenticated`); every
/// failure is recorded as a failed sign-in.
///
/// One transaction, committed whatever the outcome: a failure's count and record must stay,
/// and no slow hash runs while it holds the throttle's rows.
#[tracing::instrument(skip_all)]
pub async fn complete_sign_in(
    pool: &PgPool,
    passkeys: &Passkeys,
    policy: &SessionPolicy,
    challenge: &ChallengeToken,
    answer: &SecondFactorAnswer,
    client: &ClientInfo,
) -> Result<SignedIn, ServiceError> {
    let offered = answer.offered().map_err(ServiceError::Validation)?;
    let now = Utc::now();
    let hash = hash_secret(&challenge.0);
    let mut tx = pool.begin().await?;
    // The challenge, entering its tenant in the same statement (it has no policy: it is found
    // by its hash before a tenant is entered, as a session is).
    let found = sqlx::query!(
        r#"select tenant_id, user_id, expires_at, failures, passkey_state,
                  set_config('roster.tenant_id', tenant_id::text, true) as "entered!"
             from sign_in_challenges where token_hash = $1 for update"#,
        hash
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(found) = found.filter(|c| c.expires_at > now) else {
        sqlx::query!("delete from sign_in_challenges where token_hash = $1", hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(ServiceError::Unauthenticated);
    };
    let user: Candidate =
        sqlx::query_as(concat!(candidate_columns!(), "where tenant_id = $1 and id = $2"))
            .bind(found.tenant_id)
            .bind(found.user_id)
            .bind(TEMPORARY_PASSWORD_DAYS)
            .fetch_one(&mut *tx)
            .await?;
    let mut keys = vec![Key::user(user.id)];
    keys.extend(client.ip.map(Key::address));
    let counted = match throttle::attempt(&mut tx, &keys, now).await? {
        Attempt::Counted(counted) => counted,
        Attempt::Refused { retry_after, record } => {
            if let Some(suppressed) = record {
                let failure = Failure { reason: "throttled", suppressed: Some(suppressed) };
                record_failure(&mut tx, user.tenant_id, Some(&user), failure, client).await?;
            }
            tx.commit().await?;
            return Err(ServiceError::Throttled(retry_after));
        }
    };
    let suppressed = (counted.suppressed > 0).then_some(counted.suppressed);
    let ceremony = Ceremony { passkeys, state: found.passkey_state };
    let Some(method) = check(&mut tx, &user, &offered, ceremony, client).await? else {
        let ended = found.failures + 1 >= MAX_FAILURES;
        // A passkey ceremony is answered once, rightly or not.
        let sql = if ended {
            "delete from sign_in_challenges where token_hash = $1"
        } else {
            "update sign_in_challenges set failures = failures + 1, passkey_state = null
              where token_hash = $1"
        };
        sqlx::query(sql).bind(&hash).execute(&mut *tx).await?;
        let (reason, refused) = match offered {
            OfferedCode::Passkey(_) => {
                ("passkey_refused", ServiceError::field("passkey", FieldCode::KeyRefused))
            }
            _ => ("wrong_code", ServiceError::field("code", FieldCode::WrongCode)),
        };
        let failure = Failure { reason, suppressed };
        record_failure(&mut tx, user.tenant_id, Some(&user), failure, client).await?;
        tx.commit().await?;
        return Err(refused);
    };
    sqlx::query!("delete from sign_in_challenges where token_hash = $1", hash)
        .execute(&mut *tx)
        .await?;
    // The account may have been suspended since the password was checked.
    if let Some((reason, message)) = refusal(&user) {
        let failure = Failure { reason, suppressed };
        record_failure(&mut tx, user.tenant_id, Some(&user), failure, client).await?;
        throttle::succeeded(&mut tx, &counted).await?;
        tx.commit().await?;
        return Err(ServiceError::AccountUnavailable(message));
    }
    let mut details = json!({ "second_factor": method });
    if let Some(n) = suppressed {
        details["suppressed"] = json!(n);
    }
    let signed = start(&mut tx, policy, &user, details, client, now).await?;
    throttle::succeeded(&mut tx, &counted).await?;
    tx.commit().await?;
    Ok(signed)
}

/// The passkey ceremony a challenge started, if any, and the relying party that checks it.
struct Ceremony<'a> {
    passkeys: &'a Passkeys,
    state: Option<serde_json::Value>,
}

/// Checks the code offered against `user`'s second factors: which kind it passed as, if any.
/// An app's code moves its factor's last accepted step forward; a passkey's assertion must
/// answer the challenge's ceremony; a recovery code is used up, and recorded with how many are
/// left.
async fn check(
    conn: &mut PgConnection,
    user: &Candidate,
    offered: &OfferedCode,
    ceremony: Ceremony<'_>,
    client: &ClientInfo,
) -> Result<Option<&'static str>, ServiceError> {
    match offered {
        OfferedCode::Totp(code) => {
            let apps = sqlx::query!(
                r#"select id, secret as "secret!", last_step from second_factors
                    where tenant_id = $1 and user_id = $2 and kind = 'totp'
                      and confirmed_at is not null
                    order by id
                    for update"#,
                user.tenant_id,
                user.id
            )
            .fetch_all(&mut *conn)
            .await?;
            let now = Utc::now();
            for app in apps {
                if let Some(step) = matching_step(&app.secret, code, app.last_step, now)? {
                    sqlx::query!(
                        "update second_factors set last_step = $3, last_used_at = now()
                          where tenant_id = $1 and id = $2",
                        user.tenant_id,
                        app.id,
                        step
                    )
                    .execute(&mut *conn)
                    .await?;
                    return Ok(Some("totp"));
                }
            }
            Ok(None)
        }
        OfferedCode::Passkey(assertion) => {
            let Ceremony { passkeys, state } = ceremony;
            let signed =
                passkey::verify(passkeys, conn, user.tenant_id, user.id, state, assertion).await?;
            Ok(signed.then_some("passkey"))
        }
        OfferedCode::Recovery(code) => {
            let used = sqlx::query!(
                r#"with used as (delete from recovery_codes
                                  where tenant_id = $1 and user_id = $2 and code_hash = $3
                                  returning 1)
                   select (select count(*) from used) as "used!",
                          (select count(*) from recovery_codes
                            where tenant_id = $1 and user_id = $2) as "before!""#,
                user.tenant_id,
                user.id,
                hash_secret(code)
            )
            .fetch_one(&mut *conn)
            .await?;
            if used.used == 0 {
                return Ok(None);
            }
            // The count was read from the snapshot before the delete.
            let left = used.before - 1;
            let event = AuditEvent {
                target: Some(Target { kind: "user", id: user.id, name: &user.username }),
                details: json!({ "recovery_codes_left": left }),
                client: Some(client),
                ..AuditEvent::new(user.tenant_id, AuditActor::Anonymous, Action::RecoveryCodeUsed)
            };
            audit::record(conn, &event).await?;
            Ok(Some("recovery_code"))
        }
    }
}
