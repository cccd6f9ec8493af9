//! A second factor for the console: authenticator apps (one-time codes, RFC 6238) and passkeys
//! or security keys (WebAuthn) with recovery codes, and each organisation's policy of who must
//! have one. The wire types of
//! `/api/v1/session/second-factor`, `/api/v1/me/second-factors`,
//! `/api/v1/users/{id}/second-factors` and `/api/v1/settings/second-factor`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Check, FieldCode, FieldErrors, holds_control};
use crate::permission::Permission;

/// How many recovery codes an enrolment (or a renewal) hands out.
pub const RECOVERY_CODES: usize = 10;

/// How many characters a factor's name may have.
pub const NAME_MAX: usize = 60;

/// What kind of second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorKind {
    /// An authenticator app: six-digit codes that change every 30 seconds.
    Totp,
    /// A passkey or a security key (WebAuthn): the device, phone or key signs a challenge once
    /// its owner unlocks it.
    Passkey,
    /// A value from a newer server that this build does not know: the server never sends it
    /// and never reads it from a request.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl SecondFactorKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Passkey => "passkey",
            Self::Unknown => "unknown",
        }
    }

    /// How the console names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Totp => "Authenticator app",
            Self::Passkey => "Passkey or security key",
            Self::Unknown => "Other",
        }
    }
}

impl std::str::FromStr for SecondFactorKind {
    type Err = crate::user::UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "totp" => Ok(Self::Totp),
            "passkey" => Ok(Self::Passkey),
            _ => Err(crate::user::UnknownVariant(s.to_owned())),
        }
    }
}

/// Who in an organisation must have a second factor before using the console. The platform's
/// superusers must have one whatever their organisation says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorPolicy {
    /// Whoever wants one.
    #[default]
    Optional,
    /// Whoever holds an administrator's permission ([`SecondFactorPolicy::ADMINISTRATIVE`]).
    Administrators,
    /// Everyone who signs in to the console.
    Everyone,
}

impl SecondFactorPolicy {
    pub const ALL: [Self; 3] = [Self::Optional, Self::Administrators, Self::Everyone];

    /// The permissions that make their holder an administrator for this policy: any of the
    /// users' (`users.*`, reading the directory too), managing roles or teams, and the
    /// organisation's settings.
    pub const ADMINISTRATIVE: [Permission; 8] = [
        Permission::UsersRead,
        Permission::UsersCreate,
        Permission::UsersUpdate,
        Permission::UsersSuspend,
        Permission::UsersResetPassword,
        Permission::RolesManage,
        Permission::TeamsManage,
        Permission::TenantSettings,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Optional => "optional",
            Self::Administrators => "administrators",
            Self::Everyone => "everyone",
        }
    }

    /// How the settings page words it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Optional => "Optional: whoever wants one",
            Self::Administrators => "Required for administrators",
            Self::Everyone => "Required for everyone",
        }
    }

    /// Whether someone holding `held` must have a second factor.
    pub fn requires<'a>(self, held: impl IntoIterator<Item = &'a Permission>) -> bool {
        match self {
            Self::Optional => false,
            Self::Administrators => held.into_iter().any(|p| Self::ADMINISTRATIVE.contains(p)),
            Self::Everyone => true,
        }
    }
}

impl std::str::FromStr for SecondFactorPolicy {
    type Err = crate::user::UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| crate::user::UnknownVariant(s.to_owned()))
    }
}

/// One of a user's second factors, as lists show it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactor {
    pub id: Uuid,
    pub kind: SecondFactorKind,
    /// The name its owner gave it ("Phone").
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A user's second factors: `GET /api/v1/me/second-factors`, `GET /api/v1/users/{id}/second-factors`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactors {
    /// Enrolled factors, the oldest first.
    pub factors: Vec<SecondFactor>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// Whether their organisation's policy (or being a superuser) requires them to have one.
    pub required: bool,
}

/// `POST /api/v1/me/second-factors/totp`: an authenticator app to add, waiting for its first
/// code. The secret is shown here and never again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    /// Confirm with `POST /api/v1/me/second-factors/totp/{id}/confirm`.
    pub id: Uuid,
    /// The shared key in base32, for typing into an app that cannot scan.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub uri: String,
    /// The QR code, as an SVG document.
    pub qr_svg: String,
}

/// `POST /api/v1/me/second-factors/totp/{id}/confirm`: the first code the app shows, proving it
/// holds the secret, and a name for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmTotp {
    pub code: String,
    /// Optional; "Authenticator app" when blank.
    #[serde(default)]
    pub name: String,
}

impl ConfirmTotp {
    /// The name to store (trimmed; the default when blank), or the field errors.
    pub fn checked_name(&self) -> Result<String, FieldErrors> {
        let mut check = Check::default();
        let name = factor_name(&mut check, &self.name, SecondFactorKind::Totp);
        if normal_totp(&self.code).is_none() {
            check.add("code", FieldCode::CodeFormat);
        }
        check.finish(name)
    }
}

/// A factor's name as typed: trimmed, the kind's label when blank; `name` errors go to `check`.
fn factor_name(check: &mut Check, name: &str, kind: SecondFactorKind) -> String {
    let name = name.trim();
    if name.chars().count() > NAME_MAX {
        check.add("name", FieldCode::TooLong);
    } else if holds_control(name) {
        check.add("name", FieldCode::ControlCharacters);
    }
    if name.is_empty() { kind.label() } else { name }.to_owned()
}

/// `POST /api/v1/me/second-factors/passkey`: a passkey to register, waiting for the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyEnrolment {
    /// Confirm with `POST /api/v1/me/second-factors/passkey/{id}/confirm`.
    pub id: Uuid,
    /// The options of `navigator.credentials.create()`, in their JSON form
    /// (`PublicKeyCredential.parseCreationOptionsFromJSON`): the challenge, the relying party,
    /// the user, and the keys already registered, which the authenticator will not register
    /// again.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
}

/// `POST /api/v1/me/second-factors/passkey/{id}/confirm`: what the authenticator made (the
/// credential's `toJSON()`), and a name for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmPasskey {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
    /// Optional; "Passkey or security key" when blank.
    #[serde(default)]
    pub name: String,
}

impl ConfirmPasskey {
    /// The name to store (trimmed; the default when blank), or the field errors.
    pub fn checked_name(&self) -> Result<String, FieldErrors> {
        let mut check = Check::default();
        let name = factor_name(&mut check, &self.name, SecondFactorKind::Passkey);
        check.finish(name)
    }
}

/// `POST /api/v1/session/second-factor/passkey`: after the password, the options of
/// `navigator.credentials.get()` for the account's passkeys, in their JSON form
/// (`PublicKeyCredential.parseRequestOptionsFromJSON`). Answer with the assertion in
/// [`SecondFactorAnswer::passkey`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyChallenge {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
}

/// What confirming the first second factor gives: the factor, and the recovery codes, shown
/// this once (none when the user already had codes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactorAdded {
    pub factor: SecondFactor,
    pub recovery_codes: Vec<String>,
}

/// `POST /api/v1/me/recovery-codes`: a new set, shown this once; the old codes stop working.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// `POST /api/v1/session/second-factor`: after the password, a code from the authenticator app
/// or one of the recovery codes, or a passkey's assertion.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactorAnswer {
    /// Six digits from the app, or a recovery code.
    #[serde(default)]
    pub code: String,
    /// Instead of a code: what `navigator.credentials.get()` gave (the credential's `toJSON()`)
    /// for the options of `POST /api/v1/session/second-factor/passkey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub passkey: Option<serde_json::Value>,
}

/// What a code typed at sign-in is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfferedCode {
    /// Six digits from an authenticator app.
    Totp(String),
    /// A recovery code, normalised ([`normal_recovery_code`]).
    Recovery(String),
    /// A passkey's assertion, as the browser gave it.
    Passkey(serde_json::Value),
}

impl SecondFactorAnswer {
    /// Which kind of code this is, or the field errors (`code`: required, or format).
    pub fn offered(&self) -> Result<OfferedCode, FieldErrors> {
        if let Some(assertion) = &self.passkey {
            return Ok(OfferedCode::Passkey(assertion.clone()));
        }
        let mut check = Check::default();
        if self.code.trim().is_empty() {
            check.add("code", FieldCode::Required);
            return check.finish(OfferedCode::Totp(String::new()));
        }
        if let Some(code) = normal_totp(&self.code) {
            return Ok(OfferedCode::Totp(code));
        }
        match normal_recovery_code(&self.code) {
            Some(code) => Ok(OfferedCode::Recovery(code)),
            None => {
                check.add("code", FieldCode::CodeFormat);
                check.finish(OfferedCode::Totp(String::new()))
            }
        }
    }
}

/// Six digits, as an app shows them (spaces allowed: "123 456").
pub fn normal_totp(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The characters recovery codes are written in: base32's (RFC 4648: letters and 2 to 7, no 0,
/// 1, 8 or 9 to mistake for letters), so each carries 5 bits and 16 of them 80.
pub const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// How many characters a recovery code has (dashes aside): 16, 80 random bits.
pub const RECOVERY_CODE_LEN: usize = 16;

/// A recovery code as stored (lowercase, no dashes or spaces), if it is one.
pub fn normal_recovery_code(code: &str) -> Option<String> {
    let plain: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (plain.len() == RECOVERY_CODE_LEN && plain.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(plain)
}

/// A recovery code as shown: four groups of four (`abcd-efgh-ijkl-mnop`).
pub fn show_recovery_code(plain: &str) -> String {
    plain.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c)).collect::<Vec<_>>().join("-")
}

/// `GET`/`PUT /api/v1/settings/second-factor`: who in the organisation must have a second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactorSettings {
    pub policy: SecondFactorPolicy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart_by_their_shape() {
        let offered =
            |code: &str| SecondFactorAnswer { code: code.into(), ..Default::default() }.offered();
        assert_eq!(offered(" 123 456 "), Ok(OfferedCode::Totp("123456".into())));
        assert_eq!(
            offered("ABCD-efgh-2345-6723"),
            Ok(OfferedCode::Recovery("abcdefgh23456723".into()))
        );
        assert!(offered("12345").unwrap_err().contains_key("code"));
        assert!(offered("abcd-efgh-2345-6718").is_err(), "8 is not in base32");
        assert!(offered("").is_err());
        assert_eq!(show_recovery_code("abcdefgh23456723"), "abcd-efgh-2345-6723");
        let assertion = serde_json::json!({ "id": "abc" });
        let answer: SecondFactorAnswer =
            serde_json::from_value(serde_json::json!({ "passkey": assertion })).unwrap();
        assert_eq!(answer.offered(), Ok(OfferedCode::Passkey(assertion)));
    }

    #[test]
    fn administrators_are_those_who_change_access() {
        let policy = SecondFactorPolicy::Administrators;
        assert!(!policy.requires(&[Permission::RolesRead, Permission::AuditRead]));
        assert!(policy.requires(&[Permission::UsersRead]));
        assert!(policy.requires(&[Permission::TeamsRead, Permission::TeamsManage]));
        assert!(SecondFactorPolicy::Everyone.requires(&[]));
        assert!(!SecondFactorPolicy::Optional.requires(&Permission::ALL));
        for p in SecondFactorPolicy::ALL {
            assert_eq!(p.as_str().parse::<SecondFactorPolicy>(), Ok(p));
        }
    }
}
