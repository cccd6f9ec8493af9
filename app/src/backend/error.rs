//! The backend's error type and its one conversion to the wire error.

use shared::FieldCode;
use shared::{ApiError, ErrorCode, FieldErrors};

/// Everything a backend use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input was well-formed but broke a rule; fields say where.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// No valid session, or wrong credentials (deliberately not saying which).
    #[error("unauthenticated")]
    Unauthenticated,
    /// The password was right but the account may not sign in (suspended, expired, no console
    /// access). Only said after a correct password.
    #[error("account unavailable: {0}")]
    AccountUnavailable(&'static str),
    /// Too many failed attempts; retry after this many seconds.
    #[error("throttled for {0} s")]
    Throttled(u64),
    /// The actor must change their temporary password first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// The actor must add a second factor first (their organisation's policy, or a superuser).
    #[error("second factor enrolment required")]
    MfaEnrolmentRequired,
    /// The password was right; the sign-in waits for a second factor.
    #[error("second factor required")]
    SecondFactorRequired,
    /// The object does not exist for this actor (including other tenants' objects).
    #[error("not found")]
    NotFound,
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The actor may not do this, for a reason worth telling them (e.g. suspending themselves).
    #[error("refused: {0}")]
    Refused(&'static str),
    /// The actor lacks the standing for this, and is told why (e.g. the user holds permissions
    /// they do not): an authorization refusal like [`ServiceError::Forbidden`].
    #[error("denied: {0}")]
    Denied(&'static str),
    /// A stale version or a conflicting change.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The object is not at the version the request required (`If-Match`).
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// The database failed; the cause is logged, never sent.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Any other internal fault; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    /// A validation error on one field.
    pub fn field(field: &str, code: FieldCode) -> Self {
        Self::Validation(ApiError::field(field, code).fields)
    }

    /// A write's error as its caller sees it: a violated unique index of [`UNIQUE_FIELDS`] as
    /// that field's error, any other database error as it is.
    pub fn taken(err: sqlx::Error) -> Self {
        let index = err.as_database_error().and_then(|e| e.constraint()).unwrap_or_default();
        match UNIQUE_FIELDS.iter().find(|(name, ..)| *name == index) {
            Some((_, field, code)) => Self::field(field, *code),
            None => Self::Database(err),
        }
    }
}

/// The unique indexes a form can run into, the field each protects and the error code it
/// answers with (index names as the migrations give them).
const UNIQUE_FIELDS: [(&str, &str, FieldCode); 8] = [
    ("users_email_key", "email", FieldCode::Taken),
    ("users_username_key", "username", FieldCode::Taken),
    ("users_external_id_key", "external_id", FieldCode::Taken),
    ("users_employee_code_key", "employee_code", FieldCode::Taken),
    ("roles_name_key", "name", FieldCode::RoleNameTaken),
    ("teams_name_key", "name", FieldCode::TeamNameTaken),
    ("tenants_slug_key", "slug", FieldCode::Taken),
    ("second_factors_credential_id_key", "credential", FieldCode::KeyRegistered),
];

impl ServiceError {
    /// Whether this is an authorization refusal (recorded as `access.refused`): a missing
    /// permission, a user the actor does not outrank, or a field that would grant what the
    /// actor does not hold or reach outside their reporting line.
    pub fn is_access_refusal(&self) -> bool {
        match self {
            Self::Forbidden | Self::Denied(_) => true,
            Self::Validation(fields) => fields
                .values()
                .flatten()
                .filter_map(|code| code.parse().ok())
                .any(|code| matches!(code, FieldCode::BeyondYours | FieldCode::OutsideYourLine)),
            _ => false,
        }
    }
}

impl From<ServiceError> for ApiError {
    /// The one place internal causes are logged: clients get a stable code and a plain message.
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Validation(fields) => ApiError::validation(fields),
            ServiceError::Unauthenticated => ApiError::new(
                ErrorCode::Unauthenticated,
                "Wrong organisation, username or password, or your session has ended.",
            ),
            ServiceError::AccountUnavailable(reason)
            | ServiceError::Refused(reason)
            | ServiceError::Denied(reason) => ApiError::new(ErrorCode::Forbidden, reason),
            ServiceError::Throttled(seconds) => ApiError {
                retry_after: Some(seconds),
                ..ApiError::new(
                    ErrorCode::Throttled,
                    format!("Too many failed attempts. Try again in {seconds} s."),
                )
            },
            ServiceError::PasswordChangeRequired => ApiError::new(
                ErrorCode::PasswordChangeRequired,
                "Choose a new password before continuing.",
            ),
            ServiceError::MfaEnrolmentRequired => ApiError::new(
                ErrorCode::MfaEnrolmentRequired,
                "Add a second factor before continuing.",
            ),
            ServiceError::SecondFactorRequired => ApiError::new(
                ErrorCode::SecondFactorRequired,
                "Enter the code from your authenticator app, or a recovery code.",
            ),
            ServiceError::NotFound => ApiError::new(ErrorCode::NotFound, "Not found."),
            ServiceError::Forbidden => {
                ApiError::new(ErrorCode::Forbidden, "You are not allowed to do this.")
            }
            ServiceError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            ServiceError::PreconditionFailed(message) => {
                ApiError::new(ErrorCode::PreconditionFailed, message)
            }
            ServiceError::Database(cause) if is_unavailable(&cause) => {
                tracing::error!(error = %cause, "database unavailable");
                ApiError::new(
                    ErrorCode::Unavailable,
                    "The database is unavailable; try again shortly.",
                )
            }
            ServiceError::Database(cause) if is_unstorable_text(&cause) => {
                tracing::warn!(error = %cause, "text the database cannot store");
                ApiError::new(
                    ErrorCode::Validation,
                    "The request holds a character that cannot be stored, such as NUL.",
                )
            }
            ServiceError::Database(cause) => {
                tracing::error!(error = %cause, "database error");
                ApiError::new(ErrorCode::Internal, "Something went wrong on our side.")
            }
            ServiceError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                ApiError::new(ErrorCode::Internal, "Something went wrong on our side.")
            }
        }
    }
}

/// A string the database refused (SQLSTATE 22021: NUL in text): input no validator caught, the
/// client's fault and not a fault of ours. Validators refuse such text by field first
/// ([`shared::error::holds_control`]); this is the backstop for what they do not look at.
fn is_unstorable_text(err: &sqlx::Error) -> bool {
    err.as_database_error().and_then(|e| e.code()).is_some_and(|code| code == "22021")
}

fn is_unavailable(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_))
}
