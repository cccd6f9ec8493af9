//! The user form as typed (`UserFields`, `NewUserForm`) and its one validation, run by the
//! browser as each field is left and by the server on every create and edit.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Check, FieldCode, FieldErrors};
use crate::password::{self, Password};
use crate::profile::{self, Phone, Timezone, WorkingHours};
use crate::tenant::required_name;
use crate::user::{Email, UserStatus, UserType, Username};

/// Everything an admin may edit on a user (all but the user type and the password), as typed.
/// Empty optional fields mean "none".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct UserFields {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub username: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub employee_code: Option<String>,
    /// An IANA name; empty means the tenant's default.
    pub timezone: Option<String>,
    pub position: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub branch: Option<String>,
    pub tags: Vec<String>,
    pub manager_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, Vec<Vec<String>>>))]
    pub working_hours: WorkingHours,
    pub roles: Vec<Uuid>,
    pub console_access: bool,
    /// `YYYY-MM-DD` (the account stops working at 00:00 UTC that day) or an RFC 3339 instant.
    pub expires_at: Option<String>,
}

impl Default for UserFields {
    fn default() -> Self {
        Self {
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            username: String::new(),
            phone: None,
            external_id: None,
            employee_code: None,
            timezone: None,
            position: None,
            department: None,
            location: None,
            branch: None,
            tags: Vec::new(),
            manager_id: None,
            working_hours: WorkingHours::new(),
            roles: Vec::new(),
            console_access: true,
            expires_at: None,
        }
    }
}

/// How a new user gets their first password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum PasswordChoice {
    /// Roster generates a temporary password, shown once; it must be changed at first sign-in.
    #[default]
    Generate,
    /// The admin sets it.
    Set { password: Password },
    /// No password: nobody can sign in as the user until an administrator resets it (a user a
    /// program creates, or a service account, which never signs in).
    None,
}

/// `POST /api/v1/users`, as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUserForm {
    #[serde(flatten)]
    pub fields: UserFields,
    #[serde(default)]
    pub user_type: String,
    #[serde(default = "active")]
    pub status: String,
    #[serde(default)]
    pub password: PasswordChoice,
    /// Forced on for generated passwords.
    #[serde(default = "yes")]
    pub must_change_password: bool,
}

fn active() -> String {
    UserStatus::Active.as_str().to_owned()
}

fn yes() -> bool {
    true
}

/// Validated [`UserFields`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    pub email: Email,
    pub username: Username,
    pub phone: Option<Phone>,
    pub external_id: Option<String>,
    pub employee_code: Option<String>,
    pub timezone: Option<Timezone>,
    pub position: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub branch: Option<String>,
    pub tags: Vec<String>,
    pub manager_id: Option<Uuid>,
    pub working_hours: WorkingHours,
    pub roles: Vec<Uuid>,
    pub console_access: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A validated [`NewUserForm`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub profile: Profile,
    pub user_type: UserType,
    pub status: UserStatus,
    pub password: PasswordChoice,
    pub must_change_password: bool,
}

impl UserFields {
    /// Checks every field. An expiry must lie after `now`, unless it equals `kept_expiry` (the
    /// stored one, when editing), so an old expiry never blocks saving other fields.
    pub fn validate(
        &self,
        now: DateTime<Utc>,
        kept_expiry: Option<DateTime<Utc>>,
    ) -> Result<Profile, FieldErrors> {
        let mut check = Check::default();
        match self.check(&mut check, now, kept_expiry) {
            Some(profile) => check.finish(profile),
            None => Err(check.into_errors()),
        }
    }

    fn check(
        &self,
        check: &mut Check,
        now: DateTime<Utc>,
        kept_expiry: Option<DateTime<Utc>>,
    ) -> Option<Profile> {
        let text = |value: &Option<String>| profile::optional_text(value.as_deref());
        let ident = |value: &Option<String>| profile::optional_identifier(value.as_deref());
        let first_name = check.field("first_name", required_name(&self.first_name));
        let last_name = check.field("last_name", required_name(&self.last_name));
        let email = check.field("email", Email::try_from(self.email.clone()).map_err(|e| e.code()));
        let username = check
            .field("username", Username::try_from(self.username.clone()).map_err(|e| e.code()));
        let phone = check.field("phone", optional(&self.phone, Phone::try_from));
        let external_id = check.field("external_id", ident(&self.external_id));
        let employee_code = check.field("employee_code", ident(&self.employee_code));
        let timezone = check.field("timezone", optional(&self.timezone, Timezone::try_from));
        let position = check.field("position", text(&self.position));
        let department = check.field("department", text(&self.department));
        let location = check.field("location", text(&self.location));
        let branch = check.field("branch", text(&self.branch));
        let tags = check.field("tags", profile::tags(&self.tags));
        let working_hours =
            check.field("working_hours", profile::working_hours(&self.working_hours));
        let expires_at =
            check.field("expires_at", expiry(self.expires_at.as_deref(), now, kept_expiry));
        let mut roles = self.roles.clone();
        roles.sort();
        roles.dedup();
        Some(Profile {
            first_name: first_name?,
            last_name: last_name?,
            email: email?,
            username: username?,
            phone: phone?,
            external_id: external_id?,
            employee_code: employee_code?,
            timezone: timezone?,
            position: position?,
            department: department?,
            location: location?,
            branch: branch?,
            tags: tags?,
            manager_id: self.manager_id,
            working_hours: working_hours?,
            roles,
            console_access: self.console_access,
            expires_at: expires_at?,
        })
    }
}

impl NewUserForm {
    /// Checks every field, the user type, the status and the chosen password.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<NewUser, FieldErrors> {
        let mut check = Check::default();
        let profile = self.fields.check(&mut check, now, None);
        let user_type = check.field(
            "user_type",
            match self.user_type.trim() {
                "" => Err(FieldCode::Required),
                name => name.parse::<UserType>().map_err(|_| FieldCode::Unknown),
            },
        );
        let status = check
            .field("status", self.status.parse::<UserStatus>().map_err(|_| FieldCode::Unknown));
        if user_type == Some(UserType::Service) && self.fields.console_access {
            check.add("console_access", FieldCode::ServiceAccount);
        }
        if let PasswordChoice::Set { password } = &self.password {
            let identity = [self.fields.username.trim(), self.fields.email.trim()];
            check.field("password", password::check(password, &identity).map_err(|e| e.code()));
        }
        let must_change_password =
            self.must_change_password || !matches!(self.password, PasswordChoice::Set { .. });
        match (profile, user_type, status) {
            (Some(profile), Some(user_type), Some(status)) if check.is_clean() => Ok(NewUser {
                profile,
                user_type,
                status,
                password: self.password.clone(),
                must_change_password,
            }),
            _ => Err(check.into_errors()),
        }
    }
}

/// Runs `parse` on a non-blank optional value; blank means none.
fn optional<T>(
    value: &Option<String>,
    parse: impl Fn(String) -> Result<T, FieldCode>,
) -> Result<Option<T>, FieldCode> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v.to_owned()).map(Some),
    }
}

/// An expiry date (`YYYY-MM-DD`, meaning 00:00 UTC that day) or RFC 3339 instant, in the future
/// unless it is the kept one (or its date).
pub fn expiry(
    value: Option<&str>,
    now: DateTime<Utc>,
    kept: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, FieldCode> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    let at = match value.parse::<NaiveDate>() {
        // The date of the stored expiry (as the form shows it) keeps the stored instant.
        Ok(date) if kept.is_some_and(|k| k.date_naive() == date) => return Ok(kept),
        Ok(date) => date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or(FieldCode::DateFormat)?,
        Err(_) => DateTime::parse_from_rfc3339(value)
            .map_err(|_| FieldCode::DateFormat)?
            .with_timezone(&Utc),
    };
    if at <= now && Some(at) != kept { Err(FieldCode::Past) } else { Ok(Some(at)) }
}

/// The date part of an expiry, as a date input shows it.
pub fn expiry_date(at: DateTime<Utc>) -> String {
    at.date_naive().to_string()
}

#[cfg(test)]
#[path = "user_form_tests.rs"]
mod tests;
