//! Passwords: a value that never shows itself in logs, and the password policy that the browser
//! (live, as the user types) and the server (authoritatively) both run.
//!
//! The policy follows NIST SP 800-63B rev. 4 for password-only sign-in: 15 to 128 characters,
//! not a known common password, not the account's own username or email, and no composition
//! rules (no "one digit, one symbol").

use crate::error::FieldCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A password in clear text, as typed or generated. `Debug` prints `Password(<redacted>)` so a
/// stray `{:?}` or a tracing field can never leak one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Fewest characters a password may have.
    pub const MIN_CHARS: usize = 15;
    /// Most characters a password may have.
    pub const MAX_CHARS: usize = 128;

    /// Wraps a clear-text password.
    pub fn new(clear: impl Into<String>) -> Self {
        Self(clear.into())
    }

    /// The clear text, for hashing or for showing once to the admin who generated it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in characters (Unicode scalar values), as the policy counts it.
    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Days a temporary password (generated when an administrator creates or resets an account,
/// or at setup; its holder must replace it) signs in for, counted from when it was set. After
/// that it is refused and an administrator must set a new one.
pub const TEMPORARY_PASSWORD_DAYS: i32 = 7;

/// Why a password is refused. The rules are checked in this order and the first failure is
/// reported, so the browser and the server always give the same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum PasswordError {
    /// Fewer than [`Password::MIN_CHARS`] characters.
    #[error("Use at least {min} characters.", min = Password::MIN_CHARS)]
    TooShort,
    /// More than [`Password::MAX_CHARS`] characters.
    #[error("Use at most {max} characters.", max = Password::MAX_CHARS)]
    TooLong,
    /// On the list of common passwords.
    #[error("This password is too common; choose another.")]
    Common,
    /// The same as the account's username or email.
    #[error("The password cannot be your username or email.")]
    SameAsIdentity,
}

impl PasswordError {
    /// The stable code used in field errors.
    pub fn code(self) -> FieldCode {
        match self {
            Self::TooShort => FieldCode::TooShort,
            Self::TooLong => FieldCode::TooLong,
            Self::Common => FieldCode::Common,
            Self::SameAsIdentity => FieldCode::SameAsIdentity,
        }
    }
}

/// Checks the policy. `identity` holds the account's username and email (either may be empty).
pub fn check(password: &Password, identity: &[&str]) -> Result<(), PasswordError> {
    let chars = password.chars();
    if chars < Password::MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > Password::MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    let clear = password.expose();
    if common::listed(clear) || common::listed(&clear.to_lowercase()) {
        return Err(PasswordError::Common);
    }
    let same =
        |id: &&str| !id.trim().is_empty() && id.trim().to_lowercase() == clear.to_lowercase();
    if identity.iter().any(same) {
        return Err(PasswordError::SameAsIdentity);
    }
    Ok(())
}

/// The common-password list. The server build (feature `full-password-list`) checks the
/// `passwords` crate's list of 99,838 common passwords. The browser embeds only the entries of
/// at least [`Password::MIN_CHARS`] characters (331 of them, 6 KB): a shorter password fails
/// the length rule first, and lowercasing never shortens a string, so both builds always
/// reach the same verdict.
///
/// `data/common-passwords-15plus.txt` holds those long entries, one per line, sorted by bytes;
/// it was generated from passwords 3.1.19's `data/common-passwords.json` by keeping the
/// entries with 15 or more characters. A test checks it against the crate.
mod common {
    #[cfg(feature = "full-password-list")]
    pub fn listed(candidate: &str) -> bool {
        passwords::analyzer::is_common_password(candidate)
    }

    #[cfg(not(feature = "full-password-list"))]
    pub fn listed(candidate: &str) -> bool {
        super::LONG_COMMON.lines().any(|line| line == candidate)
    }
}

/// The common passwords of at least [`Password::MIN_CHARS`] characters (see `mod common`).
pub const LONG_COMMON: &str = include_str!("../data/common-passwords-15plus.txt");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn verdict(clear: &str, identity: &[&str]) -> Result<(), PasswordError> {
        check(&Password::new(clear), identity)
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::new("correct horse battery staple");
        let shown = format!("{password:?} {:?}", Some(&password));
        assert!(!shown.contains("horse"), "{shown}");
        assert_eq!(password.expose(), "correct horse battery staple");
    }

    #[test]
    fn accepts_and_rejects() {
        let table: &[(&str, Result<(), PasswordError>)] = &[
            ("correct horse battery staple", Ok(())),
            ("fifteen chars!!", Ok(())),
            ("no composition rules at all", Ok(())),
            ("Ünïcödé çhàrs ok", Ok(())),
            ("short", Err(PasswordError::TooShort)),
            ("fourteen chars", Err(PasswordError::TooShort)),
            ("", Err(PasswordError::TooShort)),
            (&"x".repeat(129), Err(PasswordError::TooLong)),
            ("123456789012345", Err(PasswordError::Common)),
            ("asdfghjklzxcvbnm", Err(PasswordError::Common)),
            ("ASDFGHJKLZXCVBNM", Err(PasswordError::Common)),
        ];
        for (clear, want) in table {
            assert_eq!(verdict(clear, &[]), *want, "{clear:?}");
        }
        assert_eq!(verdict(&"x".repeat(128), &[]), Ok(()));
    }

    #[test]
    fn refuses_the_username_or_email_ignoring_case() {
        let identity = ["ada.lovelace.1815", "ada.lovelace@example.com"];
        assert_eq!(verdict("Ada.Lovelace.1815", &identity), Err(PasswordError::SameAsIdentity));
        assert_eq!(
            verdict("ADA.LOVELACE@EXAMPLE.COM", &identity),
            Err(PasswordError::SameAsIdentity)
        );
        assert_eq!(verdict("ada lovelace's own secret", &identity), Ok(()));
        assert_eq!(verdict("a perfectly fine one", &["", "  "]), Ok(()));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 15 characters, 30 bytes: long enough.
        assert_eq!(verdict("ééééééééééééééé", &[]), Ok(()));
        assert_eq!(verdict("éééééééééééééé", &[]), Err(PasswordError::TooShort));
    }

    #[test]
    fn the_embedded_list_is_sorted_long_and_sizable() {
        let lines: Vec<&str> = LONG_COMMON.lines().collect();
        assert_eq!(lines.len(), 331);
        assert!(lines.iter().all(|l| l.chars().count() >= Password::MIN_CHARS));
        assert!(lines.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes()));
    }

    /// With the full list: every embedded entry is on it, so the browser never refuses a
    /// password the server would accept.
    #[cfg(feature = "full-password-list")]
    #[test]
    fn the_embedded_list_is_part_of_the_full_list() {
        for line in LONG_COMMON.lines() {
            assert!(passwords::analyzer::is_common_password(line), "{line:?}");
        }
    }

    proptest! {
        #[test]
        fn verdict_depends_only_on_the_rules(clear in "\\PC{0,140}") {
            let chars = clear.chars().count();
            let got = verdict(&clear, &[]);
            if chars < Password::MIN_CHARS {
                prop_assert_eq!(got, Err(PasswordError::TooShort));
            } else if chars > Password::MAX_CHARS {
                prop_assert_eq!(got, Err(PasswordError::TooLong));
            } else {
                prop_assert!(matches!(got, Ok(()) | Err(PasswordError::Common)));
            }
        }

        #[test]
        fn a_password_equal_to_the_username_is_always_refused(name in "[a-z0-9._]{15,40}") {
            let got = verdict(&name, &[&name]);
            prop_assert!(matches!(got, Err(PasswordError::SameAsIdentity) | Err(PasswordError::Common)));
        }
    }
}
