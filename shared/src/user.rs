//! Users: the fixed sets of user types and statuses.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of account a user is. Fixed at creation; it caps which roles the user may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in (if also not expired and with console access).
    Active,
    /// May not sign in; every session ended when suspended.
    Suspended,
}

impl UserStatus {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
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
}
