//! The error shape of the JSON API and of server functions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stable, machine-readable error codes; clients branch on these, never on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 422: the input failed validation; `fields` says where.
    Validation,
    /// 401: no valid session or credentials.
    Unauthenticated,
    /// 403: signed in, but not allowed to do this.
    Forbidden,
    /// 403: the signed-in user must change their password before anything else.
    PasswordChangeRequired,
    /// 404: no such object (also for objects of another tenant).
    NotFound,
    /// 409: a stale version or a conflicting change.
    Conflict,
    /// 405: the method is not offered on this resource.
    MethodNotAllowed,
    /// 429: too many attempts; retry later.
    Throttled,
    /// 503: a dependency (the database) is unavailable.
    Unavailable,
    /// 500: an internal fault; details are in the server log, never in the answer.
    Internal,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Validation => 422,
            Self::Unauthenticated => 401,
            Self::Forbidden | Self::PasswordChangeRequired => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::MethodNotAllowed => 405,
            Self::Throttled => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }
}

/// Per-field error codes, keyed by the field's wire name (`"email"`, `"password"`, …).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// The body of every error answer: `{"error", "message", "fields"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{error:?}: {message}")]
pub struct ApiError {
    /// What kind of failure this is.
    pub error: ErrorCode,
    /// A sentence for people; not for branching.
    pub message: String,
    /// Field-level errors (validation and uniqueness), empty otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
    /// For 429: seconds to wait before trying again (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error without field details.
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self { error, message: message.into(), fields: FieldErrors::new(), retry_after: None }
    }

    /// A single field error: `{"fields": {"<field>": ["<code>"]}}`.
    pub fn field(field: &str, code: &str) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), vec![code.to_owned()]);
        Self::validation(fields)
    }

    /// A validation error carrying field errors.
    pub fn validation(fields: FieldErrors) -> Self {
        Self {
            error: ErrorCode::Validation,
            message: "Some fields need attention.".into(),
            fields,
            retry_after: None,
        }
    }
}

/// Collects field errors while a form is checked field by field, so every bad field is reported
/// at once.
#[derive(Debug, Default)]
pub struct Check {
    errors: FieldErrors,
}

impl Check {
    /// Records `code` against `field` (once).
    pub fn add(&mut self, field: &str, code: &str) {
        let codes = self.errors.entry(field.to_owned()).or_default();
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_owned());
        }
    }

    /// The value when `result` is good; otherwise records its code against `field`.
    pub fn field<T>(&mut self, field: &str, result: Result<T, &str>) -> Option<T> {
        result.map_err(|code| self.add(field, code)).ok()
    }

    /// `value` trimmed; records `required` when it is blank and `required`, `too_long` when it
    /// has more than `max` characters.
    pub fn text(&mut self, field: &str, value: &str, required: bool, max: usize) -> String {
        let value = value.trim();
        if required && value.is_empty() {
            self.add(field, "required");
        } else if value.chars().count() > max {
            self.add(field, "too_long");
        }
        value.to_owned()
    }

    /// Whether nothing was recorded so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// `value` when no error was recorded, else the errors.
    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }

    /// The errors recorded so far.
    pub fn into_errors(self) -> FieldErrors {
        self.errors
    }
}

/// Server functions return `Result<T, ApiError>`; failures of the call itself (network,
/// encoding) become `unavailable` or `internal` errors.
#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for ApiError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr;
        match value {
            ServerFnErrorErr::Request(_) => ApiError::new(
                ErrorCode::Unavailable,
                "Could not reach Roster; check your connection.",
            ),
            other => ApiError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_is_snake_case_and_omits_empty_fields() {
        let err = ApiError::new(ErrorCode::NotFound, "No such user.");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json, serde_json::json!({"error": "not_found", "message": "No such user."}));

        let mut fields = FieldErrors::new();
        fields.insert("email".into(), vec!["taken".into()]);
        let json = serde_json::to_value(ApiError::validation(fields)).unwrap();
        assert_eq!(json["error"], "validation");
        assert_eq!(json["fields"]["email"][0], "taken");
    }

    #[test]
    fn every_code_maps_to_its_documented_status() {
        let table = [
            (ErrorCode::Validation, 422),
            (ErrorCode::Unauthenticated, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::Conflict, 409),
            (ErrorCode::Throttled, 429),
        ];
        for (code, status) in table {
            assert_eq!(code.http_status(), status, "{code:?}");
        }
    }
}
