//! Second factors: adding an authenticator app (one-time codes, RFC 6238, by totp-rs) with its
//! recovery codes, removing them, an administrator's reset, and the organisation's policy of
//! who must have one. Checking a code at sign-in is [`super::auth::second_step`].
//!
//! An app's shared key is shown once, when it is added, and kept for checking codes; no answer,
//! log or audit event carries it afterwards. Recovery codes carry 80 random bits, so their
//! SHA-256 is all that is kept, as for tokens.

use chrono::{DateTime, Utc};
use rand::Rng as _;
use rand::rngs::OsRng;
use serde_json::json;
use shared::audit::Action;
use shared::second_factor::{
    ConfirmTotp, RECOVERY_ALPHABET, RECOVERY_CODE_LEN, RECOVERY_CODES, RecoveryCodes, SecondFactor,
    SecondFactorAdded, SecondFactorKind, SecondFactorPolicy, SecondFactorSettings, SecondFactors,
    TotpEnrolment, normal_totp, show_recovery_code,
};
use shared::{FieldCode, Permission, TenantSlug, UserType};
use sqlx::PgConnection;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use super::audit::{self, AuditActor, AuditEvent, Subject, Target};
use super::sessions::{self, hash_secret};
use super::users::load;
use super::{Ctx, ServiceError, tenancy};

/// A new app's shared key: 160 bits, the length RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// The time step of the codes, in seconds.
const STEP: u64 = 30;

/// The actor's own second factors.
pub async fn mine(ctx: &mut Ctx<'_>) -> Result<SecondFactors, ServiceError> {
    require_own(ctx)?;
    let actor = ctx.actor;
    let required = actor.second_factor_required;
    list(ctx.conn, actor.tenant_id, actor.user_id, required).await
}

/// Starts adding an authenticator app: a new shared key, shown this once as text and as a QR
/// code. It signs nobody in until [`confirm_totp`] sees a first code from it; an earlier
/// unconfirmed one of the actor's is dropped.
pub async fn start_totp(ctx: &mut Ctx<'_>) -> Result<TotpEnrolment, ServiceError> {
    require_own(ctx)?;
    let actor = ctx.actor;
    let mut secret = vec![0u8; SECRET_BYTES];
    OsRng.fill(&mut secret[..]);
    let totp = app_totp(secret.clone(), &actor.tenant_name, &actor.username)?;
    let id = pending(ctx, SecondFactorKind::Totp, Some(secret), None).await?;
    let uri = totp.get_url();
    Ok(TotpEnrolment { id, secret: totp.get_secret_base32(), qr_svg: qr_svg(&uri)?, uri })
}

/// Finishes adding an authenticator app with a code it shows. The first second factor comes
/// with recovery codes, shown this once. A wrong code changes nothing but is recorded.
pub async fn confirm_totp(
    ctx: &mut Ctx<'_>,
    id: Uuid,
    request: &ConfirmTotp,
) -> Result<SecondFactorAdded, ServiceError> {
    require_own(ctx)?;
    ctx.actor.require_recent_sign_in()?;
    ctx.attempting(Action::SecondFactorEnrolled, None);
    let name = request.checked_name().map_err(ServiceError::Validation)?;
    let actor = ctx.actor;
    let pending = sqlx::query!(
        r#"select secret as "secret!" from second_factors
            where tenant_id = $1 and user_id = $2 and id = $3 and kind = 'totp'
              and confirmed_at is null
            for update"#,
        actor.tenant_id,
        actor.user_id,
        id
    )
    .fetch_optional(&mut *ctx.conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let code = normal_totp(&request.code).unwrap_or_default();
    let Some(step) = matching_step(&pending.secret, &code, None, Utc::now())? else {
        enrolment_failed(ctx, SecondFactorKind::Totp).await?;
        return Err(ServiceError::field("code", FieldCode::WrongCode));
    };
    let factor = sqlx::query!(
        "update second_factors set confirmed_at = now(), name = $4, last_step = $5
          where tenant_id = $1 and user_id = $2 and id = $3
          returning created_at",
        actor.tenant_id,
        actor.user_id,
        id,
        name,
        step
    )
    .fetch_one(&mut *ctx.conn)
    .await?;
    let factor = SecondFactor {
        id,
        kind: SecondFactorKind::Totp,
        name,
        created_at: factor.created_at,
        last_used_at: None,
    };
    enrolled(ctx, factor).await
}

/// A factor of `kind` the actor is adding, waiting for its confirmation, with its app's key
/// (`secret`) or its registration's state (`ceremony`); an earlier one of theirs of that kind
/// still waiting is dropped. Its id.
pub(super) async fn pending(
    ctx: &mut Ctx<'_>,
    kind: SecondFactorKind,
    secret: Option<Vec<u8>>,
    ceremony: Option<serde_json::Value>,
) -> Result<Uuid, ServiceError> {
    let actor = ctx.actor;
    sqlx::query!(
        "delete from second_factors
          where tenant_id = $1 and user_id = $2 and kind = $3 and confirmed_at is null",
        actor.tenant_id,
        actor.user_id,
        kind.as_str()
    )
    .execute(&mut *ctx.conn)
    .await?;
    let id = sqlx::query_scalar!(
        "insert into second_factors (tenant_id, user_id, kind, name, secret, ceremony)
         values ($1, $2, $3, $4, $5, $6) returning id",
        actor.tenant_id,
        actor.user_id,
        kind.as_str(),
        kind.label(),
        secret,
        ceremony
    )
    .fetch_one(&mut *ctx.conn)
    .await?;
    Ok(id)
}

/// The end of adding a second factor, now confirmed: recovery codes with the first one (shown
/// this once), and the audit event.
pub(super) async fn enrolled(
    ctx: &mut Ctx<'_>,
    factor: SecondFactor,
) -> Result<SecondFactorAdded, ServiceError> {
    let actor = ctx.actor;
    let had_codes = codes_left(ctx.conn, actor.tenant_id, actor.user_id).await? > 0;
    let recovery_codes = if had_codes {
        Vec::new()
    } else {
        new_recovery_codes(ctx.conn, actor.tenant_id, actor.user_id).await?
    };
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: actor.user_id, name: &actor.username }),
        details: json!({
            "kind": factor.kind.as_str(),
            "name": factor.name,
            "recovery_codes": recovery_codes.len(),
        }),
        client: Some(ctx.client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::SecondFactorEnrolled)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(SecondFactorAdded { factor, recovery_codes })
}

/// Records a failed confirmation (a wrong code, a key that did not answer the challenge) apart
/// from the request's transaction, which the refusal rolls back.
pub(super) async fn enrolment_failed(
    ctx: &mut Ctx<'_>,
    kind: SecondFactorKind,
) -> Result<(), ServiceError> {
    let actor = ctx.actor;
    let event = AuditEvent {
        details: json!({ "kind": kind.as_str() }),
        client: Some(ctx.client),
        ..AuditEvent::new(
            actor.tenant_id,
            AuditActor::from(actor),
            Action::SecondFactorEnrolmentFailed,
        )
    };
    let mut apart = tenancy::begin(&ctx.services.pool, actor.tenant_id).await?;
    audit::record(&mut apart, &event).await?;
    apart.commit().await?;
    Ok(())
}

/// Removes one of the actor's own second factors; with the last one go the recovery codes.
/// Their organisation may then ask them for a new one at once.
pub async fn remove_mine(ctx: &mut Ctx<'_>, id: Uuid) -> Result<(), ServiceError> {
    require_own(ctx)?;
    ctx.actor.require_recent_sign_in()?;
    ctx.attempting(Action::SecondFactorRemoved, None);
    let actor = ctx.actor;
    let removed = sqlx::query!(
        "delete from second_factors
          where tenant_id = $1 and user_id = $2 and id = $3 and confirmed_at is not null
          returning kind, name",
        actor.tenant_id,
        actor.user_id,
        id
    )
    .fetch_optional(&mut *ctx.conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let left = confirmed_count(ctx.conn, actor.tenant_id, actor.user_id).await?;
    if left == 0 {
        delete_recovery_codes(ctx.conn, actor.tenant_id, actor.user_id).await?;
    }
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: actor.user_id, name: &actor.username }),
        details: json!({ "kind": removed.kind, "name": removed.name, "factors_left": left }),
        client: Some(ctx.client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::SecondFactorRemoved)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(())
}

/// A new set of recovery codes for the actor, shown this once; the old ones stop working.
pub async fn renew_recovery_codes(ctx: &mut Ctx<'_>) -> Result<RecoveryCodes, ServiceError> {
    require_own(ctx)?;
    ctx.actor.require_recent_sign_in()?;
    ctx.attempting(Action::RecoveryCodesRenewed, None);
    let actor = ctx.actor;
    if confirmed_count(ctx.conn, actor.tenant_id, actor.user_id).await? == 0 {
        let first = "Add a second factor first: recovery codes stand in for one.";
        return Err(ServiceError::Conflict(first.into()));
    }
    delete_recovery_codes(ctx.conn, actor.tenant_id, actor.user_id).await?;
    let codes = new_recovery_codes(ctx.conn, actor.tenant_id, actor.user_id).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: actor.user_id, name: &actor.username }),
        details: json!({ "recovery_codes": codes.len() }),
        client: Some(ctx.client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::RecoveryCodesRenewed)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(RecoveryCodes { codes })
}

/// A user's second factors (which kinds, named, never their secrets), for whoever may read the
/// user.
pub async fn of_user(ctx: &mut Ctx<'_>, user: Uuid) -> Result<SecondFactors, ServiceError> {
    ctx.reading("users.read", Some(Subject::User(user)));
    let actor = ctx.actor;
    actor.require(Permission::UsersRead)?;
    actor.require_sees(user)?;
    let target = load(ctx.conn, actor.tenant_id, user).await?.ok_or(ServiceError::NotFound)?;
    let required = policy_of(ctx.conn, actor.tenant_id).await?.requires(&target.permissions)
        || (actor.tenant_slug == TenantSlug::PLATFORM && target.user_type == UserType::TenantAdmin);
    list(ctx.conn, actor.tenant_id, user, required).await
}

/// An administrator's "reset second factor": removes all of a user's second factors and
/// recovery codes and ends their sessions, for whoever may reset their password and outranks
/// them. Their own are removed from "My account" instead.
pub async fn reset(ctx: &mut Ctx<'_>, user: Uuid) -> Result<(), ServiceError> {
    ctx.attempting(Action::SecondFactorReset, Some(Subject::User(user)));
    let actor = ctx.actor;
    actor.require(Permission::UsersResetPassword)?;
    actor.require_reaches(user)?;
    if user == actor.user_id {
        return Err(ServiceError::Refused("Remove your own second factors from My account."));
    }
    let target = load(ctx.conn, actor.tenant_id, user).await?.ok_or(ServiceError::NotFound)?;
    actor.require_outranks(&target.permissions)?;
    let kinds: Vec<String> = sqlx::query_scalar!(
        "delete from second_factors where tenant_id = $1 and user_id = $2 returning kind",
        actor.tenant_id,
        user
    )
    .fetch_all(&mut *ctx.conn)
    .await?;
    let codes = delete_recovery_codes(ctx.conn, actor.tenant_id, user).await?;
    let ended = sessions::end_all(ctx.conn, actor.tenant_id, user).await?;
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: user, name: &target.username }),
        details: json!({ "removed": kinds, "recovery_codes": codes, "sessions_ended": ended }),
        client: Some(ctx.client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::SecondFactorReset)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(())
}

/// Who in the actor's organisation must have a second factor.
pub async fn settings(ctx: &mut Ctx<'_>) -> Result<SecondFactorSettings, ServiceError> {
    ctx.reading("tenant.settings", None);
    ctx.actor.require(Permission::TenantSettings)?;
    Ok(SecondFactorSettings { policy: policy_of(ctx.conn, ctx.actor.tenant_id).await? })
}

/// Changes who in the actor's organisation must have a second factor. Those it newly requires
/// one of are asked for it at their next request.
pub async fn set_settings(
    ctx: &mut Ctx<'_>,
    settings: SecondFactorSettings,
) -> Result<SecondFactorSettings, ServiceError> {
    ctx.attempting(Action::TenantSettingsChanged, None);
    let actor = ctx.actor;
    actor.require(Permission::TenantSettings)?;
    // `tenants` has no row-level security: the statement names the actor's own tenant.
    let before = sqlx::query_scalar!(
        "select second_factor_policy from tenants where id = $1 for no key update",
        actor.tenant_id
    )
    .fetch_one(&mut *ctx.conn)
    .await?;
    let after = settings.policy.as_str();
    if before == after {
        return Ok(settings);
    }
    sqlx::query!(
        "update tenants set second_factor_policy = $2, updated_at = now(), version = version + 1
          where id = $1",
        actor.tenant_id,
        after
    )
    .execute(&mut *ctx.conn)
    .await?;
    let event = AuditEvent {
        changes: json!({ "second_factor_policy": { "before": before, "after": after } }),
        client: Some(ctx.client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::TenantSettingsChanged)
    };
    audit::record(ctx.conn, &event).await?;
    Ok(settings)
}

/// What working on one's own second factors takes: a console session (a program's token has
/// none) past any forced password change. A second factor still to be added is no bar: this is
/// how it is added.
pub(super) fn require_own(ctx: &Ctx<'_>) -> Result<(), ServiceError> {
    ctx.actor.require_password_settled()?;
    if ctx.actor.token.is_some() { Err(ServiceError::Forbidden) } else { Ok(()) }
}

async fn policy_of(
    conn: &mut PgConnection,
    tenant_id: Uuid,
) -> Result<SecondFactorPolicy, ServiceError> {
    let stored =
        sqlx::query_scalar!("select second_factor_policy from tenants where id = $1", tenant_id)
            .fetch_one(conn)
            .await?;
    stored.parse().map_err(|e| ServiceError::Internal(format!("{e}")))
}

async fn list(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
    required: bool,
) -> Result<SecondFactors, ServiceError> {
    let rows = sqlx::query!(
        "select id, kind, name, created_at, last_used_at from second_factors
          where tenant_id = $1 and user_id = $2 and confirmed_at is not null
          order by created_at, id",
        tenant_id,
        user
    )
    .fetch_all(&mut *conn)
    .await?;
    let factors = rows
        .into_iter()
        .map(|r| SecondFactor {
            id: r.id,
            kind: r.kind.parse().unwrap_or(SecondFactorKind::Unknown),
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        })
        .collect();
    let left = codes_left(conn, tenant_id, user).await?;
    Ok(SecondFactors { factors, recovery_codes_left: left, required })
}

/// How many confirmed second factors the user has.
async fn confirmed_count(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from second_factors
            where tenant_id = $1 and user_id = $2 and confirmed_at is not null"#,
        tenant_id,
        user
    )
    .fetch_one(conn)
    .await
}

async fn codes_left(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
) -> Result<u32, sqlx::Error> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from recovery_codes where tenant_id = $1 and user_id = $2"#,
        tenant_id,
        user
    )
    .fetch_one(conn)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

async fn delete_recovery_codes(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "delete from recovery_codes where tenant_id = $1 and user_id = $2",
        tenant_id,
        user
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Ten new recovery codes for the user, kept as their hashes; the codes as shown.
async fn new_recovery_codes(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    // 32 letters: each random byte's low five bits pick one without bias.
    let plain: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; RECOVERY_CODE_LEN];
            OsRng.fill(&mut bytes);
            bytes.iter().map(|b| char::from(RECOVERY_ALPHABET[usize::from(b & 31)])).collect()
        })
        .collect();
    let hashes: Vec<Vec<u8>> = plain.iter().map(|code| hash_secret(code)).collect();
    sqlx::query!(
        "insert into recovery_codes (tenant_id, user_id, code_hash)
         select $1, $2, unnest($3::bytea[])",
        tenant_id,
        user,
        &hashes
    )
    .execute(conn)
    .await?;
    Ok(plain.iter().map(|code| show_recovery_code(code)).collect())
}

/// An authenticator app's generator: six digits every 30 seconds, HMAC-SHA1, as every app
/// reads an `otpauth://` address by default. Named "Roster (organisation)" and the username in
/// the app.
fn app_totp(secret: Vec<u8>, tenant_name: &str, account: &str) -> Result<TOTP, ServiceError> {
    // The address's label is "issuer:account": neither may hold a colon.
    let issuer = format!("Roster ({})", tenant_name.replace(':', " "));
    TOTP::new(Algorithm::SHA1, 6, 0, STEP, secret, Some(issuer), account.replace(':', " "))
        .map_err(|e| ServiceError::Internal(format!("authenticator key: {e}")))
}

/// The time step of `code` if the key `secret` gives it for the step before, the current one
/// or the next (a phone's clock a little off), and it is later than `after` (a code is accepted
/// once), at the time `at`.
pub(crate) fn matching_step(
    secret: &[u8],
    code: &str,
    after: Option<i64>,
    at: DateTime<Utc>,
) -> Result<Option<i64>, ServiceError> {
    let totp = app_totp(secret.to_vec(), "", "")?;
    let now = u64::try_from(at.timestamp()).unwrap_or_default() / STEP;
    let found = [now + 1, now, now.saturating_sub(1)]
        .into_iter()
        .find(|step| totp.check(code, step * STEP))
        .and_then(|step| i64::try_from(step).ok());
    Ok(found.filter(|step| after.is_none_or(|last| *step > last)))
}

/// The QR code of an `otpauth://` address, as an SVG element.
fn qr_svg(uri: &str) -> Result<String, ServiceError> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| ServiceError::Internal(format!("QR code: {e}")))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build();
    // The element alone, without the XML declaration before it.
    Ok(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_within_a_step_either_side_and_once() {
        let secret = b"12345678901234567890".to_vec();
        let totp = app_totp(secret.clone(), "Acme: HQ", "ada").unwrap();
        let at = Utc::now();
        let now = u64::try_from(at.timestamp()).unwrap() / STEP;
        for offset in [-1i64, 0, 1] {
            let step = now.checked_add_signed(offset).unwrap();
            let code = totp.generate(step * STEP);
            let found = matching_step(&secret, &code, None, at).unwrap();
            assert_eq!(found, Some(step as i64), "offset {offset}");
            assert_eq!(matching_step(&secret, &code, found, at).unwrap(), None, "replayed");
        }
        let stale = totp.generate((now - 2) * STEP);
        assert_eq!(matching_step(&secret, &stale, None, at).unwrap(), None);
        assert!(totp.get_url().starts_with("otpauth://totp/Roster%20%28Acme%20%20HQ%29:ada?"));
    }

    #[test]
    fn the_qr_code_is_an_svg_element() {
        let svg = qr_svg("otpauth://totp/Roster:ada?secret=ABC").unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    }
}
