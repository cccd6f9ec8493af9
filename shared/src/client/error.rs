//! What can go wrong with a call: the server's refusal, the network, or an answer that is not
//! what was expected.

use crate::error::{ApiError, ErrorCode, FieldErrors};

/// Why a call of the [`Client`](super::Client) failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error: its status and its JSON body (a stable
    /// [`ErrorCode`], a message for people, and field errors for a refused input).
    #[error("Roster answered {status}: {}", error.message)]
    Api {
        /// The HTTP status (422, 403, 409…).
        status: u16,
        /// The answer's body.
        error: ApiError,
    },
    /// The request did not get an answer: the server is unreachable, the connection broke, a
    /// timeout or TLS failure.
    #[error("could not reach Roster: {0}")]
    Transport(#[from] reqwest::Error),
    /// An answer that is not what the call expects: a body of another shape (a server of
    /// another version, a proxy's error page).
    #[error("unexpected answer ({status}): {message}")]
    Decode {
        /// The HTTP status of the answer.
        status: u16,
        /// What did not fit.
        message: String,
    },
    /// An argument the client cannot send: a base URL that is not an `http(s)` address, a
    /// token or idempotency key that cannot be a header.
    #[error("cannot send this request: {0}")]
    Usage(String),
}

impl Error {
    /// The field errors of a refused input (`{"email": ["taken"]}`), when the server named any.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::Api { error, .. } if !error.fields.is_empty() => Some(&error.fields),
            _ => None,
        }
    }

    /// The server's error code, for an error the server answered with.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { error, .. } => Some(error.error),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            Self::Usage(_) => None,
        }
    }

    /// For a 429: the seconds to wait before trying again.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Api { error, .. } => error.retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldCode;

    #[test]
    fn a_refusal_names_its_fields_code_and_status() {
        let error = Error::Api { status: 422, error: ApiError::field("email", FieldCode::Taken) };
        assert_eq!(error.field_errors().map(|f| f["email"].clone()), Some(vec!["taken".into()]));
        assert_eq!((error.code(), error.status()), (Some(ErrorCode::Validation), Some(422)));
        assert_eq!(error.to_string(), "Roster answered 422: Some fields need attention.");

        let conflict =
            Error::Api { status: 409, error: ApiError::new(ErrorCode::Conflict, "Stale.") };
        assert_eq!(conflict.field_errors(), None);
        let odd = Error::Decode { status: 502, message: "not an API error: <html>".into() };
        assert_eq!((odd.code(), odd.status()), (None, Some(502)));
    }
}
