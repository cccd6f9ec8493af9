//! Users: the fixed sets of user types and statuses.

use crate::error::FieldCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of account a user is. Fixed at creation; it caps which roles the user may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserType {
    /// Administers the whole tenant.
    TenantAdmin,
    /// Leads people; acts on their own reporting line.
    Supervisor,
    /// Front-line staff.
    Agent,
    /// Reads reports and data.
    Analyst,
    /// Looks, never touches.
    Viewer,
    /// A machine account that uses the API only.
    Service,
    /// A value from a newer server that this build does not know: the server never sends it
    /// and never reads it from a request.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl UserType {
    /// Every type, in display order.
    pub const ALL: [UserType; 6] = [
        Self::TenantAdmin,
        Self::Supervisor,
        Self::Agent,
        Self::Analyst,
        Self::Viewer,
        Self::Service,
    ];

    /// The wire and database name (`tenant_admin`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TenantAdmin => "tenant_admin",
            Self::Supervisor => "supervisor",
            Self::Agent => "agent",
            Self::Analyst => "analyst",
            Self::Viewer => "viewer",
            Self::Service => "service",
            Self::Unknown => "unknown",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::TenantAdmin => "Tenant admin",
            Self::Supervisor => "Supervisor",
            Self::Agent => "Agent",
            Self::Analyst => "Analyst",
            Self::Viewer => "Viewer",
            Self::Service => "Service account",
            Self::Unknown => "Unknown",
        }
    }
}

/// A string that names no [`UserType`] or [`UserStatus`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownVariant(pub String);

impl std::str::FromStr for UserType {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| UnknownVariant(s.to_owned()))
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an account may be used. Users are never deleted, only suspended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in (if also not expired and with console access).
    Active,
    /// May not sign in; every session ended when suspended.
    Suspended,
    /// A value from a newer server that this build does not know: the server never sends it
    /// and never reads it from a request.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl UserStatus {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Unknown => "unknown",
        }
    }
}

impl std::str::FromStr for UserStatus {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            _ => Err(UnknownVariant(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_types_round_trip_through_their_names() {
        for t in UserType::ALL {
            assert_eq!(t.as_str().parse::<UserType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert!("superuser".parse::<UserType>().is_err());
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in [UserStatus::Active, UserStatus::Suspended] {
            assert_eq!(s.as_str().parse::<UserStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!("deleted".parse::<UserStatus>().is_err());
    }

    #[test]
    fn values_from_a_newer_server_read_as_unknown_but_never_parse() {
        let user_type: UserType = serde_json::from_value(serde_json::json!("robot")).unwrap();
        let status: UserStatus = serde_json::from_value(serde_json::json!("invited")).unwrap();
        assert_eq!((user_type, status), (UserType::Unknown, UserStatus::Unknown));
        // A request's value is parsed, never read leniently, and the server never sends one.
        assert!("unknown".parse::<UserType>().is_err());
        assert!("unknown".parse::<UserStatus>().is_err());
        assert!(serde_json::to_value(UserType::Unknown).is_err());
    }
}

/// A login name: 2 to 64 characters, letters, digits, `.`, `_` and `-`, starting with a letter
/// or digit. Unique within a tenant ignoring case; stored as typed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

/// Why a string is not a [`Username`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    /// Too short or too long.
    #[error("must be {min} to {max} characters", min = Username::MIN_CHARS, max = Username::MAX_CHARS)]
    Length,
    /// Contains something other than letters, digits, `.`, `_`, `-`, or starts with a symbol.
    #[error("may contain letters, digits, '.', '_' and '-', starting with a letter or digit")]
    Characters,
}

impl UsernameError {
    /// The stable code used in field errors.
    pub fn code(self) -> FieldCode {
        match self {
            Self::Length => FieldCode::Length,
            Self::Characters => FieldCode::Characters,
        }
    }
}

impl Username {
    /// Shortest allowed username.
    pub const MIN_CHARS: usize = 2;
    /// Longest allowed username.
    pub const MAX_CHARS: usize = 64;

    /// The username as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let name = value.trim();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&name.chars().count()) {
            return Err(UsernameError::Length);
        }
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
        let starts_well = name.chars().next().is_some_and(char::is_alphanumeric);
        if !starts_well || !name.chars().all(allowed) {
            return Err(UsernameError::Characters);
        }
        Ok(Self(name.to_owned()))
    }
}

impl From<Username> for String {
    fn from(name: Username) -> Self {
        name.0
    }
}

/// An email address: trimmed, at most 254 characters, one `@` with a non-empty local part and a
/// dotted domain, no spaces. Unique within a tenant ignoring case; stored as typed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a string is not an [`Email`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Empty.
    #[error("is required")]
    Missing,
    /// Longer than [`Email::MAX_CHARS`].
    #[error("must be at most {max} characters", max = Email::MAX_CHARS)]
    TooLong,
    /// Not shaped like `name@example.com`.
    #[error("must look like name@example.com")]
    Format,
}

impl EmailError {
    /// The stable code used in field errors.
    pub fn code(self) -> FieldCode {
        match self {
            Self::Missing => FieldCode::Required,
            Self::TooLong => FieldCode::TooLong,
            Self::Format => FieldCode::Format,
        }
    }
}

impl Email {
    /// Longest allowed address (RFC 5321's path limit).
    pub const MAX_CHARS: usize = 254;

    /// The address as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let email = value.trim();
        if email.is_empty() {
            return Err(EmailError::Missing);
        }
        if email.chars().count() > Self::MAX_CHARS {
            return Err(EmailError::TooLong);
        }
        let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|label| !label.is_empty())
        });
        if !well_formed || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Format);
        }
        Ok(Self(email.to_owned()))
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

#[cfg(test)]
mod identity_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames() {
        for ok in ["ada", "ada.lovelace", "a1", "OBrien", "jürgen_k-2"] {
            assert!(Username::try_from(ok.to_string()).is_ok(), "{ok}");
        }
        let table = [
            ("a", UsernameError::Length),
            ("", UsernameError::Length),
            (&*"x".repeat(65), UsernameError::Length),
            ("ada lovelace", UsernameError::Characters),
            (".ada", UsernameError::Characters),
            ("ada@home", UsernameError::Characters),
        ];
        for (bad, want) in table {
            assert_eq!(Username::try_from(bad.to_string()), Err(want), "{bad:?}");
        }
        assert_eq!(Username::try_from("  ada  ".to_string()).unwrap().as_str(), "ada");
    }

    #[test]
    fn emails() {
        for ok in ["ada@example.com", "a.b+tag@sub.example.co.uk", " ADA@EXAMPLE.COM "] {
            assert!(Email::try_from(ok.to_string()).is_ok(), "{ok}");
        }
        let table = [
            ("", EmailError::Missing),
            ("   ", EmailError::Missing),
            ("ada", EmailError::Format),
            ("ada@", EmailError::Format),
            ("@example.com", EmailError::Format),
            ("ada@example", EmailError::Format),
            ("ada@@example.com", EmailError::Format),
            ("ada lovelace@example.com", EmailError::Format),
            ("ada\0@example.com", EmailError::Format),
            ("ada@example..com", EmailError::Format),
        ];
        for (bad, want) in table {
            assert_eq!(Email::try_from(bad.to_string()), Err(want), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::try_from(long), Err(EmailError::TooLong));
    }

    proptest! {
        #[test]
        fn accepted_usernames_are_trimmed_and_within_limits(s in "\\PC{0,80}") {
            if let Ok(name) = Username::try_from(s) {
                let n = name.as_str().chars().count();
                prop_assert!((Username::MIN_CHARS..=Username::MAX_CHARS).contains(&n));
                prop_assert_eq!(name.as_str().trim(), name.as_str());
            }
        }

        #[test]
        fn generated_addresses_are_accepted(local in "[a-z0-9._+]{1,30}", domain in "[a-z0-9]{1,20}\\.[a-z]{2,6}") {
            let address = local + "@" + &domain;
            prop_assert!(Email::try_from(address).is_ok());
        }
    }
}
