//! Passkeys and security keys (WebAuthn, by webauthn-rs) as second factors: registering one
//! from "My account", and the ceremony that signs in with one after the password (finished in
//! [`super::auth::second_step`]).
//!
//! Each ceremony is two requests: the first sends the browser a challenge and keeps the state
//! that checks the answer (in the factor's row while it is registered, in the sign-in's
//! challenge while it waits); the second checks the answer against it and uses the state up.
//! A passkey's credential holds its public key and signature counter, nothing secret.

use chrono::{Duration, Utc};
use serde_json::Value;
use shared::FieldCode;
use shared::audit::Action;
use shared::second_factor::{
    ConfirmPasskey, PasskeyChallenge, PasskeyEnrolment, SecondFactor, SecondFactorAdded,
    SecondFactorKind,
};
use sqlx::PgConnection;
use uuid::Uuid;
pub use webauthn_rs::prelude::Url;
use webauthn_rs::prelude::{
    AuthenticationResult, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Webauthn, WebauthnBuilder,
};

use super::second_factor::{enrolled, enrolment_failed, pending, require_own};
use super::{Ctx, ServiceError};

/// How long a registration waits for the browser's answer.
const REGISTRATION_LIFETIME: Duration = Duration::minutes(10);

/// The relying party passkeys are made for: the console's public address, whose host is the
/// passkeys' scope (a passkey made for `roster.example.com` works nowhere else).
#[derive(Clone)]
pub struct Passkeys {
    webauthn: std::sync::Arc<Webauthn>,
}

impl Passkeys {
    /// The relying party at `public_url` (`https://roster.example.com`; `http://localhost:3000`
    /// on a workstation). Its host must be a domain name: browsers refuse passkeys on an IP
    /// address.
    pub fn new(public_url: &Url) -> Result<Self, String> {
        let host = public_url
            .domain()
            .ok_or_else(|| format!("{public_url}: passkeys need a domain name, not an address"))?;
        let webauthn = WebauthnBuilder::new(host, public_url)
            .and_then(|builder| builder.rp_name("Roster").build())
            .map_err(|e| format!("{public_url}: {e}"))?;
        Ok(Self { webauthn: std::sync::Arc::new(webauthn) })
    }
}

impl std::fmt::Debug for Passkeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let origins = self.webauthn.get_allowed_origins();
        f.debug_struct("Passkeys").field("origins", &origins).finish()
    }
}

/// Starts registering a passkey for the actor: the options for `navigator.credentials.create()`.
/// Their registered keys are excluded (an authenticator holding one says so instead of making a
/// second); an earlier registration of theirs still waiting is dropped.
pub async fn start(ctx: &mut Ctx<'_>) -> Result<PasskeyEnrolment, ServiceError> {
    require_own(ctx)?;
    let actor = ctx.actor;
    let registered = passkeys_of(ctx.conn, actor.tenant_id, actor.user_id, false).await?;
    let exclude = registered.iter().map(|(_, key)| key.cred_id().clone()).collect();
    let display = format!("{} {} ({})", actor.first_name, actor.last_name, actor.tenant_name);
    let (options, state) = ctx
        .services
        .passkeys
        .webauthn
        .start_passkey_registration(actor.user_id, &actor.username, &display, Some(exclude))
        .map_err(|e| ServiceError::Internal(format!("passkey registration: {e}")))?;
    let id = pending(ctx, SecondFactorKind::Passkey, None, Some(to_json(&state)?)).await?;
    Ok(PasskeyEnrolment { id, options: public_key(to_json(&options)?) })
}

/// Finishes registering a passkey with what the authenticator made. The first second factor
/// comes with recovery codes, shown this once. An answer that does not meet the challenge
/// changes nothing but is recorded; the registration can be tried again until it expires.
pub async fn confirm(
    ctx: &mut Ctx<'_>,
    id: Uuid,
    request: &ConfirmPasskey,
) -> Result<SecondFactorAdded, ServiceError> {
    require_own(ctx)?;
    ctx.actor.require_recent_sign_in()?;
    ctx.attempting(Action::SecondFactorEnrolled, None);
    let name = request.checked_name().map_err(ServiceError::Validation)?;
    let actor = ctx.actor;
    let pending = sqlx::query!(
        r#"select ceremony as "ceremony!", created_at from second_factors
            where tenant_id = $1 and user_id = $2 and id = $3 and kind = 'passkey'
              and confirmed_at is null and ceremony is not null and created_at > $4
            for update"#,
        actor.tenant_id,
        actor.user_id,
        id,
        Utc::now() - REGISTRATION_LIFETIME
    )
    .fetch_optional(&mut *ctx.conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let state: PasskeyRegistration = from_json(pending.ceremony)?;
    let answer: RegisterPublicKeyCredential = serde_json::from_value(request.credential.clone())
        .map_err(|_| ServiceError::field("credential", FieldCode::Invalid))?;
    let passkey = match ctx.services.passkeys.webauthn.finish_passkey_registration(&answer, &state)
    {
        Ok(passkey) => passkey,
        Err(e) => {
            tracing::info!(error = %e, "a passkey's registration did not meet its challenge");
            enrolment_failed(ctx, SecondFactorKind::Passkey).await?;
            return Err(ServiceError::field("credential", FieldCode::KeyRefused));
        }
    };
    sqlx::query!(
        "update second_factors
            set confirmed_at = now(), name = $4, credential = $5, credential_id = $6,
                ceremony = null
          where tenant_id = $1 and user_id = $2 and id = $3",
        actor.tenant_id,
        actor.user_id,
        id,
        name,
        to_json(&passkey)?,
        passkey.cred_id().as_slice()
    )
    .execute(&mut *ctx.conn)
    .await
    .map_err(ServiceError::taken)?;
    let factor = SecondFactor {
        id,
        kind: SecondFactorKind::Passkey,
        name,
        created_at: pending.created_at,
        last_used_at: None,
    };
    enrolled(ctx, factor).await
}

/// The options for `navigator.credentials.get()` with `user`'s passkeys, for a sign-in waiting
/// for its second factor, and the state that checks the answer (kept in the sign-in's
/// challenge). `Conflict` when they have none.
pub(crate) async fn sign_in_options(
    passkeys: &Passkeys,
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
) -> Result<(PasskeyChallenge, Value), ServiceError> {
    let keys: Vec<Passkey> =
        passkeys_of(conn, tenant_id, user, false).await?.into_iter().map(|(_, k)| k).collect();
    if keys.is_empty() {
        let none = "This account has no passkey: enter a code from the app or a recovery code.";
        return Err(ServiceError::Conflict(none.into()));
    }
    let (options, state) = passkeys
        .webauthn
        .start_passkey_authentication(&keys)
        .map_err(|e| ServiceError::Internal(format!("passkey authentication: {e}")))?;
    Ok((PasskeyChallenge { options: public_key(to_json(&options)?) }, to_json(&state)?))
}

/// Checks a passkey's `assertion` against the sign-in's `state`: whether one of `user`'s
/// passkeys signed the challenge, with user verification. The key's stored signature counter
/// moves forward under its row's lock.
pub(crate) async fn verify(
    passkeys: &Passkeys,
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
    state: Option<Value>,
    assertion: &Value,
) -> Result<bool, ServiceError> {
    let Some(state) = state else { return Ok(false) };
    let state: PasskeyAuthentication = from_json(state)?;
    let Ok(assertion) = serde_json::from_value::<PublicKeyCredential>(assertion.clone()) else {
        return Ok(false);
    };
    let result: AuthenticationResult =
        match passkeys.webauthn.finish_passkey_authentication(&assertion, &state) {
            Ok(result) => result,
            Err(e) => {
                tracing::info!(error = %e, "a passkey's assertion did not meet its challenge");
                return Ok(false);
            }
        };
    let Some((id, mut key)) = passkeys_of(conn, tenant_id, user, true)
        .await?
        .into_iter()
        .find(|(_, key)| key.cred_id() == result.cred_id())
    else {
        return Ok(false); // removed since the challenge was sent
    };
    key.update_credential(&result);
    sqlx::query!(
        "update second_factors set credential = $3, last_used_at = now()
          where tenant_id = $1 and id = $2",
        tenant_id,
        id,
        to_json(&key)?
    )
    .execute(conn)
    .await?;
    Ok(true)
}

/// `user`'s registered passkeys with their factors' ids; locked for update when `lock`.
async fn passkeys_of(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: Uuid,
    lock: bool,
) -> Result<Vec<(Uuid, Passkey)>, ServiceError> {
    let sql = format!(
        "select id, credential from second_factors
          where tenant_id = $1 and user_id = $2 and kind = 'passkey' and confirmed_at is not null
          order by id{}",
        if lock { " for update" } else { "" }
    );
    let rows: Vec<(Uuid, Value)> =
        sqlx::query_as(&sql).bind(tenant_id).bind(user).fetch_all(conn).await?;
    rows.into_iter().map(|(id, credential)| Ok((id, from_json(credential)?))).collect()
}

/// The `publicKey` member of a ceremony's options: what `parse…OptionsFromJSON` reads.
fn public_key(mut options: Value) -> Value {
    options.get_mut("publicKey").map(Value::take).unwrap_or(options)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, ServiceError> {
    serde_json::to_value(value).map_err(|e| ServiceError::Internal(format!("passkey state: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ServiceError> {
    serde_json::from_value(value).map_err(|e| ServiceError::Internal(format!("passkey state: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_public_address_host() {
        let local = Passkeys::new(&Url::parse("http://localhost:3000").unwrap()).unwrap();
        assert_eq!(local.webauthn.get_allowed_origins()[0].as_str(), "http://localhost:3000/");
        assert!(Passkeys::new(&Url::parse("http://127.0.0.1:3000").unwrap()).is_err());
    }
}
