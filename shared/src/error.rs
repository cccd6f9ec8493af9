//! The error shape of the JSON API and of server functions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stable, machine-readable error codes; clients branch on these, never on messages. A code this
/// build does not know (from a newer server) reads as [`ErrorCode::Unknown`], so an older client
/// still gets the answer's message and field errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// 401: the password was right; the sign-in waits for a second factor
    /// (`POST /api/v1/session/second-factor`).
    SecondFactorRequired,
    /// 403: the signed-in user must add a second factor before anything else.
    MfaEnrolmentRequired,
    /// 404: no such object (also for objects of another tenant).
    NotFound,
    /// 409: a stale version or a conflicting change.
    Conflict,
    /// 412: the object is no longer at the version an `If-Match` named.
    PreconditionFailed,
    /// 405: the method is not offered on this resource.
    MethodNotAllowed,
    /// 429: too many attempts; retry later.
    Throttled,
    /// 503: a dependency (the database) is unavailable.
    Unavailable,
    /// 500: an internal fault; details are in the server log, never in the answer.
    Internal,
    /// A code from a newer server that this build does not know; the server never sends it.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Validation => 422,
            Self::Unauthenticated | Self::SecondFactorRequired => 401,
            Self::Forbidden | Self::PasswordChangeRequired | Self::MfaEnrolmentRequired => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::PreconditionFailed => 412,
            Self::MethodNotAllowed => 405,
            Self::Throttled => 429,
            Self::Unavailable => 503,
            Self::Internal | Self::Unknown => 500,
        }
    }
}

/// Per-field error codes, keyed by the field's wire name (`"email"`, `"password"`, …). The codes
/// are [`FieldCode`]s as text (`"too_long"`): a client built against an older `shared` still
/// reads codes it does not know.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Declares [`FieldCode`]: each variant with its wire code.
macro_rules! field_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)*) => {
        /// Why a field was refused, as [`FieldErrors`] carries it (its text: [`FieldCode::as_str`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum FieldCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl FieldCode {
            /// Every code.
            pub const ALL: &[FieldCode] = &[$(FieldCode::$variant,)*];

            /// The code on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }

        impl std::str::FromStr for FieldCode {
            type Err = UnknownFieldCode;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                match code {
                    $($code => Ok(Self::$variant),)*
                    _ => Err(UnknownFieldCode),
                }
            }
        }
    };
}

field_codes! {
    /// Missing or blank.
    Required = "required",
    /// Longer than its limit.
    TooLong = "too_long",
    /// Not of the expected shape (a body that is not an object, a cursor that is not one).
    Invalid = "invalid",
    /// Already used by another user of the organisation (or another organisation's slug).
    Taken = "taken",
    /// A name kept for Roster itself.
    Reserved = "reserved",
    /// Not an email address.
    Format = "format",
    /// Too short or too long (usernames, slugs).
    Length = "length",
    /// Characters a username or slug may not hold.
    Characters = "characters",
    /// Control characters in text (see [`holds_control`]).
    ControlCharacters = "control_characters",
    /// Not the current password.
    Wrong = "wrong",
    /// The new password is the current one.
    Unchanged = "unchanged",
    /// The confirmation differs from the password (checked in the browser).
    Mismatch = "mismatch",
    /// Shorter than the password minimum.
    TooShort = "too_short",
    /// A password from the list of common ones.
    Common = "common",
    /// A password that is the username or email.
    SameAsIdentity = "same_as_identity",
    /// Not a phone number in international form.
    PhoneFormat = "phone_format",
    /// Not a timezone of the IANA database.
    UnknownTimezone = "unknown_timezone",
    /// Spaces where an identifier is expected.
    Spaces = "spaces",
    /// A tag longer than its limit.
    TagTooLong = "tag_too_long",
    /// Too many entries (tags, shifts, rule conditions).
    TooMany = "too_many",
    /// Not hours and minutes.
    TimeFormat = "time_format",
    /// A shift that ends before it starts or overlaps another.
    Order = "order",
    /// Not a day of the week.
    UnknownDay = "unknown_day",
    /// Not a date.
    DateFormat = "date_format",
    /// A date that has passed.
    Past = "past",
    /// Not one of the options (a role, team, user, permission or action that does not exist).
    Unknown = "unknown",
    /// A key the form does not have.
    UnknownField = "unknown_field",
    /// A role that grants more than the user's type may hold.
    AboveCeiling = "above_ceiling",
    /// A role some of whose holders are of a type that may not hold what was added.
    HoldersAboveCeiling = "holders_above_ceiling",
    /// Another role has this name.
    RoleNameTaken = "role_name_taken",
    /// Another team has this name.
    TeamNameTaken = "team_name_taken",
    /// Not a code the second factor gives now, or one already used.
    WrongCode = "wrong_code",
    /// Neither six digits nor a recovery code.
    CodeFormat = "code_format",
    /// A passkey or security key whose answer did not meet the challenge.
    KeyRefused = "key_refused",
    /// A passkey or security key registered already (to this user or another).
    KeyRegistered = "key_registered",
    /// A rule condition without the values its operator needs.
    Values = "values",
    /// A rule condition naming no user type.
    UnknownUserType = "unknown_user_type",
    /// Permissions the actor does not hold.
    BeyondYours = "beyond_yours",
    /// Someone outside the supervisor's reporting line.
    OutsideYourLine = "outside_your_line",
    /// A manager who reports to the user already.
    Cycle = "cycle",
    /// Console access for a service account.
    ServiceAccount = "service_account",
    /// Taking away one's own console access.
    OwnAccess = "self",
    /// A field that cannot change after creation.
    Immutable = "immutable",
    /// Only superusers may be made in the platform organisation.
    PlatformSuperusersOnly = "platform_superusers_only",
    /// An image larger than its limit.
    TooLarge = "too_large",
    /// An image with more pixels than Roster decodes.
    TooManyPixels = "too_many_pixels",
    /// Not a PNG, JPEG or WebP image.
    NotAnImage = "not_an_image",
    /// An end before its start.
    BeforeFrom = "before_from",
    /// A number outside its range.
    Range = "range",
}

/// A code that is not a [`FieldCode`] (from a newer server, say).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown field error code")]
pub struct UnknownFieldCode;

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer: `{"error", "message", "fields"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{error:?}: {message}")]
pub struct ApiError {
    /// What kind of failure this is.
    pub error: ErrorCode,
    /// A sentence for people; not for branching.
    pub message: String,
    /// Field-level errors (validation and uniqueness), empty otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(inline))]
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
    pub fn field(field: &str, code: FieldCode) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), vec![code.as_str().to_owned()]);
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
    pub fn add(&mut self, field: &str, code: FieldCode) {
        let codes = self.errors.entry(field.to_owned()).or_default();
        if !codes.iter().any(|c| c == code.as_str()) {
            codes.push(code.as_str().to_owned());
        }
    }

    /// The value when `result` is good; otherwise records its code against `field`.
    pub fn field<T>(&mut self, field: &str, result: Result<T, FieldCode>) -> Option<T> {
        result.map_err(|code| self.add(field, code)).ok()
    }

    /// `value` trimmed; records `required` when it is blank and `required`, `too_long` when it
    /// has more than `max` characters, `control_characters` when it holds some.
    pub fn text(&mut self, field: &str, value: &str, required: bool, max: usize) -> String {
        let value = value.trim();
        if required && value.is_empty() {
            self.add(field, FieldCode::Required);
        } else if value.chars().count() > max {
            self.add(field, FieldCode::TooLong);
        } else if holds_control(value) {
            self.add(field, FieldCode::ControlCharacters);
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

/// Whether `value` holds a control character other than a tab or a line break: what no form
/// types, and NUL, which PostgreSQL cannot store. Free text holding one is refused as
/// `control_characters`.
pub fn holds_control(value: &str) -> bool {
    value.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
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
    fn text_with_control_characters_is_refused_but_line_breaks_are_kept() {
        let mut check = Check::default();
        assert_eq!(check.text("a", " Two\nlines\t", true, 20), "Two\nlines");
        check.text("b", "nul\0", true, 20);
        check.text("c", "bell\u{7}", false, 20);
        check.text("d", "escape\u{1b}[0m", false, 20);
        let errors = check.into_errors();
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["b", "c", "d"]);
        assert!(errors.values().all(|codes| codes == &["control_characters"]));
    }

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
            (ErrorCode::PreconditionFailed, 412),
            (ErrorCode::Throttled, 429),
        ];
        for (code, status) in table {
            assert_eq!(code.http_status(), status, "{code:?}");
        }
    }

    #[test]
    fn every_field_code_reads_back_from_its_text_and_no_two_share_one() {
        let mut seen = std::collections::BTreeSet::new();
        for code in FieldCode::ALL {
            assert_eq!(code.as_str().parse::<FieldCode>(), Ok(*code));
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
        }
        assert_eq!("from_a_newer_server".parse::<FieldCode>(), Err(UnknownFieldCode));
    }

    #[test]
    fn an_error_code_from_a_newer_server_still_reads_with_its_fields() {
        let body = serde_json::json!({
            "error": "quota_exceeded", "message": "Too many users.", "fields": {"seats": ["range"]},
        });
        let error: ApiError = serde_json::from_value(body).unwrap();
        assert_eq!((error.error, error.error.http_status()), (ErrorCode::Unknown, 500));
        assert_eq!(error.message, "Too many users.");
        assert_eq!(error.fields["seats"], ["range"]);
    }
}
