//! API tokens (`/api/v1/users/{id}/tokens`): how a program calls the JSON API as a `service`
//! account, sending `Authorization: Bearer roster_…`. The secret is shown once, when the token
//! is created; Roster keeps only its SHA-256.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Check, FieldCode, FieldErrors};
use crate::permission::{Permission, Permissions};

/// What every token starts with, so that secret scanners can recognise a leaked one.
pub const PREFIX: &str = "roster_";
/// The longest token name.
pub const MAX_NAME: usize = 100;
/// How long a token lives unless its creator says otherwise.
pub const DEFAULT_DAYS: u32 = 90;
/// The longest life a token may be given (only a platform superuser may give it none).
pub const MAX_DAYS: u32 = 365;

/// A token as listed: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    /// The secret's first characters (`roster_Ab3dE9`), to tell tokens apart.
    pub prefix: String,
    #[serde(deserialize_with = "crate::permission::known_only")]
    pub permissions: Vec<Permission>,
    pub created_at: DateTime<Utc>,
    /// None: it never expires.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The address the last request came from.
    pub last_used_ip: Option<String>,
}

impl ApiToken {
    /// Whether a request with this token would be let in at `now` (its account aside).
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| end > now)
    }
}

/// The answer to creating a token: the token and, this once, its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: ApiToken,
    /// `roster_` and 43 characters (256 random bits, base64url).
    pub secret: String,
}

/// Creating a token for a service account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NewTokenForm {
    pub name: String,
    /// Days until it expires: [`DEFAULT_DAYS`] when absent, at most [`MAX_DAYS`].
    pub expires_in_days: Option<u32>,
    /// No expiry at all (a platform superuser's choice only).
    pub never_expires: bool,
    /// Permission keys (`users.read`): a subset of the account's own.
    pub permissions: Vec<String>,
}

/// A checked [`NewTokenForm`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    /// None: it never expires.
    pub days: Option<u32>,
    pub permissions: Permissions,
}

impl NewTokenForm {
    /// Trims the name and checks every field; the errors name the field at fault.
    pub fn validate(&self) -> Result<NewToken, FieldErrors> {
        let mut check = Check::default();
        let name = check.text("name", &self.name, true, MAX_NAME);
        let days = match (self.never_expires, self.expires_in_days) {
            (true, Some(_)) => {
                check.add("expires_in_days", FieldCode::Invalid);
                None
            }
            (true, None) => None,
            (false, None) => Some(DEFAULT_DAYS),
            (false, Some(days @ 1..=MAX_DAYS)) => Some(days),
            (false, Some(_)) => {
                check.add("expires_in_days", FieldCode::Range);
                None
            }
        };
        let mut permissions = Permissions::new();
        for key in &self.permissions {
            match key.parse::<Permission>() {
                Ok(permission) => {
                    permissions.insert(permission);
                }
                Err(_) => check.add("permissions", FieldCode::Unknown),
            }
        }
        if self.permissions.is_empty() {
            check.add("permissions", FieldCode::Required);
        }
        check.finish(NewToken { name, days, permissions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(days: Option<u32>, never: bool, permissions: &[&str]) -> NewTokenForm {
        NewTokenForm {
            name: " HR sync ".into(),
            expires_in_days: days,
            never_expires: never,
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn codes(form: NewTokenForm) -> Vec<(String, Vec<String>)> {
        form.validate().unwrap_err().into_iter().collect()
    }

    #[test]
    fn a_token_lives_ninety_days_unless_told_otherwise() {
        let token = form(None, false, &["users.read"]).validate().unwrap();
        assert_eq!(token.name, "HR sync");
        assert_eq!(token.days, Some(DEFAULT_DAYS));
        assert_eq!(token.permissions, [Permission::UsersRead].into());
        assert_eq!(
            form(Some(MAX_DAYS), false, &["users.read"]).validate().unwrap().days,
            Some(365)
        );
        assert_eq!(form(None, true, &["users.read"]).validate().unwrap().days, None);
    }

    #[test]
    fn bad_fields_are_named() {
        let one = |field: &str, code: &str| vec![(field.to_owned(), vec![code.to_owned()])];
        assert_eq!(codes(form(Some(0), false, &["users.read"])), one("expires_in_days", "range"));
        assert_eq!(codes(form(Some(366), false, &["users.read"])), one("expires_in_days", "range"));
        assert_eq!(codes(form(Some(30), true, &["users.read"])), one("expires_in_days", "invalid"));
        assert_eq!(codes(form(None, false, &[])), one("permissions", "required"));
        assert_eq!(codes(form(None, false, &["users.fly"])), one("permissions", "unknown"));
        let blank = NewTokenForm { name: "  ".into(), ..form(None, false, &["users.read"]) };
        assert_eq!(codes(blank), one("name", "required"));
    }
}
