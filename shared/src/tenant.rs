//! Tenants: the organisations Roster serves, addressed by a slug.

use serde::{Deserialize, Serialize};
use std::fmt;

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
