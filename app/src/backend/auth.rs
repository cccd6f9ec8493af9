//! Signing in and out, the signed-in user, and changing one's own password
//! ([`password_change`]).
//!
//! A wrong password, an unknown user and an unknown organisation get the same answer after the
//! same work (one argon2 verification, the same throttle writes). Only after a correct password
//! does the answer say that an account is suspended, expired, without console access or signing
//! in with an expired temporary password.

use chrono::Utc;
use serde_json::json;
use shared::audit::Action;
use shared::auth::{Me, SignInRequest, TenantRef};
use shared::error::{Check, holds_control};
use shared::password::TEMPORARY_PASSWORD_DAYS;
use shared::{FieldCode, TenantSlug, UserType};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::actor::Actor;
use super::audit::{self, AuditActor, AuditEvent, Target};
use super::password::Passwords;
use super::sessions::{self, ClientInfo, SessionPolicy, SessionToken};
use super::throttle::{self, Attempt, Key};
use super::{Ctx, ServiceError, Services, tenancy};

mod password_change;
pub mod second_step;
pub use password_change::change_password;
pub use second_step::{ChallengeToken, complete_sign_in, passkey_options};

/// A successful sign-in: who, and the token for the session cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub me: Me,
    pub token: SessionToken,
}

/// What a right password leads to.
#[derive(Debug)]
pub enum SignInOutcome {
    /// Signed in.
    SignedIn(Box<SignedIn>),
    /// The account has a second factor: the sign-in waits for it
    /// ([`second_step::complete_sign_in`]), held by this token (a short-lived cookie).
    SecondFactor(ChallengeToken),
}

impl SignInOutcome {
    /// The session, when the sign-in is complete; `SecondFactorRequired` when it waits.
    pub fn signed_in(self) -> Result<SignedIn, ServiceError> {
        match self {
            Self::SignedIn(signed) => Ok(*signed),
            Self::SecondFactor(_) => Err(ServiceError::SecondFactorRequired),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Candidate {
    tenant_id: Uuid,
    id: Uuid,
    username: String,
    hash: Option<String>,
    status: String,
    console_access: bool,
    user_type: String,
    expired: bool,
    temporary_expired: bool,
    /// Whether they have a confirmed second factor.
    second_factor: bool,
}

/// The columns a [`Candidate`] is read from, over `users`.
macro_rules! candidate_columns {
    () => {
        // A temporary password is one its holder must change; it expires
        // TEMPORARY_PASSWORD_DAYS (the last parameter) after it was set.
        "select tenant_id, id, username, password_hash as hash, status, console_access, user_type,
                coalesce(expires_at <= now(), false) as expired,
                coalesce(must_change_password
                         and password_changed_at <= now() - make_interval(days => $3),
                         false) as temporary_expired,
                exists(select 1 from second_factors f
                        where f.tenant_id = users.tenant_id and f.user_id = users.id
                          and f.confirmed_at is not null) as second_factor
           from users "
    };
}
use candidate_columns;

/// Checks the credentials and starts a session.
///
/// Begins and commits its own transactions, two on success: it runs before anyone is signed
/// in, and the throttle's count (and a refusal's audit event) must stay committed while the
/// password is verified and when sign-in fails.
#[tracing::instrument(skip_all, fields(tenant = %request.tenant))]
pub async fn sign_in(
    pool: &PgPool,
    passwords: &Passwords,
    policy: &SessionPolicy,
    request: &SignInRequest,
    client: &ClientInfo,
) -> Result<SignInOutcome, ServiceError> {
    required_fields(request)?;
    let now = Utc::now();
    // Every path does the same work: one lookup of the tenant, one of the user (against a
    // tenant that matches nothing when the organisation is unknown), the throttle's count, one
    // argon2 verification and one audit event (unknown organisations are recorded in the
    // platform's trail, without what was typed).
    let slug = request.tenant.parse::<TenantSlug>().map(String::from).unwrap_or_default();
    // The first transaction finds who it may be and counts the attempt. Its commit releases the
    // throttle's rows at once, but need not wait for the disk: a crash in the next moments could
    // forget this count, and a crash is nothing an attacker can call up at will.
    let mut tx = pool.begin_with("begin; set local synchronous_commit = off").await?;
    let ids = sqlx::query!(
        r#"select tenant as "tenant?", platform as "platform!",
                  set_config('roster.tenant_id', coalesce(tenant, $3)::text, true) as "entered!"
             from (select (select id from tenants where slug = $1) as tenant,
                          (select id from tenants where slug = $2) as platform) ids"#,
        slug,
        TenantSlug::PLATFORM,
        Uuid::nil(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let trail = ids.tenant.unwrap_or(ids.platform);
    let entered = ids.tenant.unwrap_or(Uuid::nil());
    let candidate = find_candidate(&mut tx, entered, &request.login).await?;
    // One bucket per account, whichever of its identifiers was typed.
    let mut keys = vec![match &candidate {
        Some(user) => Key::user(user.id),
        None => Key::typed(&request.tenant, &request.login),
    }];
    keys.extend(client.ip.map(Key::address));
    // Counted before the password is checked; a throttled attempt is refused right here.
    let counted = match throttle::attempt(&mut tx, &keys, now).await? {
        Attempt::Counted(counted) => counted,
        Attempt::Refused { retry_after, record } => {
            if let Some(suppressed) = record {
                tenancy::enter(&mut tx, trail).await?;
                let failure = Failure { reason: "throttled", suppressed: Some(suppressed) };
                record_failure(&mut tx, trail, candidate.as_ref(), failure, client).await?;
            }
            tx.commit().await?;
            return Err(ServiceError::Throttled(retry_after));
        }
    };
    tx.commit().await?;
    let suppressed = (counted.suppressed > 0).then_some(counted.suppressed);
    let password_ok = match candidate.as_ref().and_then(|c| c.hash.as_deref()) {
        Some(hash) => passwords.verify(&request.password, hash).await?,
        None => passwords.verify_nothing(&request.password).await?,
    };

    let (Some(tenant_id), Some(user), true) = (ids.tenant, &candidate, password_ok) else {
        let reason = match (ids.tenant, &candidate) {
            (None, _) => "unknown_tenant",
            (Some(_), None) => "unknown_user",
            (Some(_), Some(_)) => "wrong_password",
        };
        let failure = Failure { reason, suppressed };
        let mut tx = tenancy::begin(pool, trail).await?;
        record_failure(&mut tx, trail, candidate.as_ref(), failure, client).await?;
        tx.commit().await?;
        return Err(ServiceError::Unauthenticated);
    };

    // The second transaction takes the count back and, unless the account is unavailable,
    // starts the session, or the wait for its second factor. The throttle's rows come last: one
    // of them (the address's) is shared by every sign-in from that address, and its lock is
    // held until the commit.
    let mut tx = tenancy::begin(pool, tenant_id).await?;
    if let Some((reason, message)) = refusal(user) {
        let failure = Failure { reason, suppressed };
        record_failure(&mut tx, tenant_id, Some(user), failure, client).await?;
        throttle::succeeded(&mut tx, &counted).await?;
        tx.commit().await?;
        return Err(ServiceError::AccountUnavailable(message));
    }
    let outcome = if user.second_factor {
        let token = second_step::open(&mut tx, tenant_id, user.id).await?;
        SignInOutcome::SecondFactor(token)
    } else {
        let details = suppressed.map_or_else(|| json!({}), |n| json!({ "suppressed": n }));
        let signed = start(&mut tx, policy, user, details, client, now).await?;
        SignInOutcome::SignedIn(Box::new(signed))
    };
    throttle::succeeded(&mut tx, &counted).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Starts the session of `user`, who has proven who they are, with its `session.signed_in`
/// event carrying `details`.
async fn start(
    tx: &mut PgConnection,
    policy: &SessionPolicy,
    user: &Candidate,
    details: serde_json::Value,
    client: &ClientInfo,
    now: chrono::DateTime<Utc>,
) -> Result<SignedIn, ServiceError> {
    let (token, actor) =
        sessions::start_signed_in(tx, policy, user.tenant_id, user.id, client, now).await?;
    let actor = actor.ok_or(ServiceError::Unauthenticated)?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: user.id, name: &user.username }),
        details,
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(&actor), Action::SessionSignedIn)
    };
    audit::record(tx, &event).await?;
    Ok(SignedIn { me: me_of(&actor), token })
}

fn required_fields(request: &SignInRequest) -> Result<(), ServiceError> {
    let mut check = Check::default();
    for (name, value) in [
        ("tenant", request.tenant.as_str()),
        ("login", request.login.as_str()),
        ("password", request.password.expose()),
    ] {
        if value.trim().is_empty() {
            check.add(name, FieldCode::Required);
        } else if name != "password" && holds_control(value) {
            check.add(name, FieldCode::ControlCharacters);
        }
    }
    check.finish(()).map_err(ServiceError::Validation)
}

/// The user `login` names in `tenant_id` (which the transaction is entered into), if any.
async fn find_candidate(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    login: &str,
) -> Result<Option<Candidate>, sqlx::Error> {
    // Usernames cannot contain '@' and emails must, so at most one user matches.
    sqlx::query_as(concat!(
        candidate_columns!(),
        "where tenant_id = $1 and (username_key = lower($2) or email_key = lower($2))"
    ))
    .bind(tenant_id)
    .bind(login.trim())
    .bind(TEMPORARY_PASSWORD_DAYS)
    .fetch_optional(conn)
    .await
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
    } else if user.temporary_expired {
        Some((
            "temporary_password_expired",
            "This temporary password has expired. Ask an administrator for a new one.",
        ))
    } else {
        None
    }
}

/// Why a password check failed, for the audit trail.
#[derive(Clone, Copy)]
struct Failure {
    reason: &'static str,
    /// Throttled attempts on the same keys that were not recorded one by one (see
    /// [`throttle`]): always given on a throttled attempt's event, on others when there were any.
    suppressed: Option<i32>,
}

impl Failure {
    fn details(self) -> serde_json::Value {
        match self.suppressed {
            Some(n) => json!({ "reason": self.reason, "suppressed": n }),
            None => json!({ "reason": self.reason }),
        }
    }
}

/// Records a failed sign-in in `tenant_id`'s trail, in the transaction entered into it.
async fn record_failure(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Option<&Candidate>,
    failure: Failure,
    client: &ClientInfo,
) -> Result<(), sqlx::Error> {
    let event = AuditEvent {
        target: user.map(|u| Target { kind: "user", id: u.id, name: &u.username }),
        details: failure.details(),
        client: Some(client),
        ..AuditEvent::new(tenant_id, AuditActor::Anonymous, Action::SessionSignInFailed)
    };
    audit::record(conn, &event).await
}

/// Ends the session behind the token (sign-out); unknown tokens are fine.
pub async fn sign_out(
    services: &Services,
    token: &SessionToken,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let pool = &services.pool;
    // A session that has already ended still signs out cleanly; only a live one is audited.
    let actor = sessions::resolve(services, token, client).await.ok();
    sessions::end(pool, token).await?;
    if let Some(actor) = &actor {
        let mut tx = tenancy::begin(pool, actor.tenant_id).await?;
        let event = AuditEvent {
            client: Some(client),
            ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::SessionSignedOut)
        };
        audit::record(&mut tx, &event).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// `GET /api/v1/me`: allowed even while a password change is pending (the UI needs it).
pub async fn me(ctx: &mut Ctx<'_>) -> Result<Me, ServiceError> {
    Ok(me_of(ctx.actor))
}

/// The signed-in user as the UI shows them: as read with the session, in the request's first
/// round trip.
fn me_of(actor: &Actor) -> Me {
    Me {
        id: actor.user_id,
        tenant: TenantRef {
            id: actor.tenant_id,
            slug: actor.tenant_slug.clone(),
            name: actor.tenant_name.clone(),
        },
        username: actor.username.clone(),
        email: actor.email.clone(),
        first_name: actor.first_name.clone(),
        last_name: actor.last_name.clone(),
        user_type: actor.user_type,
        superuser: actor.superuser,
        permissions: actor.permissions.iter().copied().collect(),
        must_change_password: actor.must_change_password,
        must_enrol_second_factor: actor.must_enrol_second_factor,
    }
}
