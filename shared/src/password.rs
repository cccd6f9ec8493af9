//! Passwords as values that never show themselves in logs or debug output.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A password in clear text, as typed or generated. `Debug` prints `Password(<redacted>)` so a
/// stray `{:?}` or a tracing field can never leak one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a clear-text password.
    pub fn new(clear: impl Into<String>) -> Self {
        Self(clear.into())
    }

    /// The clear text, for hashing or for showing once to the admin who generated it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::new("correct horse battery staple");
        let shown = format!("{password:?} {:?}", Some(&password));
        assert!(!shown.contains("horse"), "{shown}");
        assert_eq!(password.expose(), "correct horse battery staple");
    }
}
