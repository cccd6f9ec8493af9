//! Tenants: the organisations Roster serves, addressed by a slug.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

use crate::error::{FieldCode, FieldErrors, holds_control};
use crate::password::Password;
use crate::user::{Email, Username};

/// A tenant's short name as typed at sign-in: lowercase ASCII letters, digits and inner hyphens.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

/// Why a string is not a [`TenantSlug`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TenantSlugError {
    /// Shorter than [`TenantSlug::MIN_LEN`] or longer than [`TenantSlug::MAX_LEN`].
    #[error("must be {min} to {max} characters", min = TenantSlug::MIN_LEN, max = TenantSlug::MAX_LEN)]
    Length,
    /// Contains something other than `a-z`, `0-9` and `-`, or starts or ends with `-`.
    #[error("may contain only lowercase letters, digits and inner hyphens")]
    Characters,
}

impl TenantSlug {
    /// Shortest allowed slug.
    pub const MIN_LEN: usize = 2;
    /// Longest allowed slug (fits a DNS label, so it can become a subdomain).
    pub const MAX_LEN: usize = 63;
    /// The reserved tenant that platform superusers sign in with.
    pub const PLATFORM: &'static str = "platform";

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the reserved platform tenant.
    pub fn is_platform(&self) -> bool {
        self.0 == Self::PLATFORM
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = TenantSlugError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        // Sign-in forms are forgiving about case and stray spaces; the stored form is canonical.
        let slug = value.trim().to_ascii_lowercase();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&slug.len()) {
            return Err(TenantSlugError::Length);
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !slug.chars().all(allowed) || slug.starts_with('-') || slug.ends_with('-') {
            return Err(TenantSlugError::Characters);
        }
        Ok(Self(slug))
    }
}

impl std::str::FromStr for TenantSlug {
    type Err = TenantSlugError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_from(s.to_owned())
    }
}

impl From<TenantSlug> for String {
    fn from(slug: TenantSlug) -> Self {
        slug.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TenantSlugError {
    /// The stable code used in field errors.
    pub fn code(self) -> FieldCode {
        match self {
            Self::Length => FieldCode::Length,
            Self::Characters => FieldCode::Characters,
        }
    }
}

/// A tenant as the platform superuser sees it (`GET /api/v1/tenants`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub user_count: i64,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/tenants`, as typed: the organisation and its first administrator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTenantForm {
    pub slug: String,
    pub name: String,
    pub admin_first_name: String,
    pub admin_last_name: String,
    pub admin_email: String,
    pub admin_username: String,
}

/// A validated [`NewTenantForm`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTenant {
    pub slug: TenantSlug,
    pub name: String,
    pub admin_first_name: String,
    pub admin_last_name: String,
    pub admin_email: Email,
    pub admin_username: Username,
}

/// Longest tenant or person name.
pub const MAX_NAME_CHARS: usize = 100;

/// A required, trimmed name of at most [`MAX_NAME_CHARS`] characters, or its error code.
pub fn required_name(value: &str) -> Result<String, FieldCode> {
    let name = value.trim();
    match name.chars().count() {
        0 => Err(FieldCode::Required),
        n if n > MAX_NAME_CHARS => Err(FieldCode::TooLong),
        _ if holds_control(name) => Err(FieldCode::ControlCharacters),
        _ => Ok(name.to_owned()),
    }
}

impl TryFrom<NewTenantForm> for NewTenant {
    type Error = FieldErrors;

    fn try_from(form: NewTenantForm) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::new();
        let mut field = |name: &str, code: FieldCode| {
            errors.entry(name.to_owned()).or_default().push(code.as_str().to_owned());
        };
        let slug =
            TenantSlug::try_from(form.slug).map_err(|e| field("slug", e.code())).and_then(|slug| {
                if slug.is_platform() {
                    field("slug", FieldCode::Reserved);
                    Err(())
                } else {
                    Ok(slug)
                }
            });
        let name = required_name(&form.name).map_err(|code| field("name", code));
        let first = required_name(&form.admin_first_name).map_err(|c| field("admin_first_name", c));
        let last = required_name(&form.admin_last_name).map_err(|c| field("admin_last_name", c));
        let email = Email::try_from(form.admin_email).map_err(|e| field("admin_email", e.code()));
        let username =
            Username::try_from(form.admin_username).map_err(|e| field("admin_username", e.code()));
        match (slug, name, first, last, email, username) {
            (
                Ok(slug),
                Ok(name),
                Ok(admin_first_name),
                Ok(admin_last_name),
                Ok(admin_email),
                Ok(admin_username),
            ) => Ok(Self {
                slug,
                name,
                admin_first_name,
                admin_last_name,
                admin_email,
                admin_username,
            }),
            _ => Err(errors),
        }
    }
}

/// The answer to creating a tenant: the first admin's temporary password, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedTenant {
    pub tenant: Tenant,
    pub admin_username: String,
    pub temporary_password: Password,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_rejects() {
        for ok in ["acme", "platform", "a1", "north-wind-42", &"x".repeat(63)] {
            assert!(ok.parse::<TenantSlug>().is_ok(), "{ok} should be accepted");
        }
        let table = [
            ("a", TenantSlugError::Length),
            ("", TenantSlugError::Length),
            (&"x".repeat(64), TenantSlugError::Length),
            ("-acme", TenantSlugError::Characters),
            ("acme-", TenantSlugError::Characters),
            ("ac me", TenantSlugError::Characters),
            ("acmé", TenantSlugError::Characters),
            ("acme_co", TenantSlugError::Characters),
        ];
        for (bad, want) in table {
            assert_eq!(bad.parse::<TenantSlug>(), Err(want), "{bad:?}");
        }
    }

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!("  ACME ".parse::<TenantSlug>().unwrap().as_str(), "acme");
        assert!("Platform".parse::<TenantSlug>().unwrap().is_platform());
    }

    #[test]
    fn deserialising_runs_the_same_check() {
        assert!(serde_json::from_str::<TenantSlug>("\"acme\"").is_ok());
        assert!(serde_json::from_str::<TenantSlug>("\"-bad\"").is_err());
    }

    fn form() -> NewTenantForm {
        NewTenantForm {
            slug: "acme".into(),
            name: "Acme Corp".into(),
            admin_first_name: "Ada".into(),
            admin_last_name: "Lovelace".into(),
            admin_email: "ada@acme.test".into(),
            admin_username: "ada".into(),
        }
    }

    #[test]
    fn a_new_tenant_form_validates_every_field() {
        assert!(NewTenant::try_from(form()).is_ok());
        let bad = NewTenantForm {
            slug: "platform".into(),
            name: " ".into(),
            admin_first_name: String::new(),
            admin_last_name: "x".repeat(101),
            admin_email: "nope".into(),
            admin_username: "a b".into(),
        };
        let errors = NewTenant::try_from(bad).unwrap_err();
        let codes: Vec<(&str, &str)> =
            errors.iter().map(|(k, v)| (k.as_str(), v[0].as_str())).collect();
        assert_eq!(
            codes,
            [
                ("admin_email", "format"),
                ("admin_first_name", "required"),
                ("admin_last_name", "too_long"),
                ("admin_username", "characters"),
                ("name", "required"),
                ("slug", "reserved"),
            ]
        );
    }

    proptest! {
        #[test]
        fn valid_slugs_round_trip(s in "[a-z0-9][a-z0-9-]{0,61}[a-z0-9]") {
            let slug: TenantSlug = s.parse().unwrap();
            prop_assert_eq!(slug.as_str(), s.as_str());
        }

        #[test]
        fn anything_accepted_is_canonical(s in "\\PC{0,80}") {
            if let Ok(slug) = s.parse::<TenantSlug>() {
                let canon = slug.as_str();
                prop_assert!(canon.len() >= TenantSlug::MIN_LEN && canon.len() <= TenantSlug::MAX_LEN);
                prop_assert!(canon.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
                prop_assert_eq!(canon.parse::<TenantSlug>().unwrap(), slug.clone());
            }
        }
    }
}
