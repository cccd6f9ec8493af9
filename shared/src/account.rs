//! Users as the API shows them (`GET /api/v1/users/{id}`), and the answers of the lifecycle
//! actions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::password::Password;
use crate::permission::Permission;
use crate::profile::WorkingHours;
use crate::user::{UserStatus, UserType};
use crate::user_form::{UserFields, expiry_date};

/// Another user, as named in pickers and on the user page (a manager, a report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserRef {
    pub id: Uuid,
    pub name: String,
    pub username: String,
    pub email: String,
}

/// A role as a user holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleRef {
    pub id: Uuid,
    pub name: String,
}

/// A role as offered when assigning roles: with its permissions, so the form can tell which
/// roles a user type may not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleOption {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(deserialize_with = "crate::permission::known_only")]
    pub permissions: Vec<Permission>,
    pub is_system: bool,
}

impl RoleOption {
    /// Why `user_type` cannot hold this role (the first permission above its ceiling), if so.
    pub fn refused_for(&self, user_type: UserType) -> Option<String> {
        self.permissions.iter().find_map(|p| user_type.ceiling_reason(*p))
    }
}

/// A team as a user belongs to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamRef {
    pub id: Uuid,
    pub name: String,
}

/// One user with everything the user page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub username: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub employee_code: Option<String>,
    pub timezone: String,
    pub position: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub branch: Option<String>,
    pub tags: Vec<String>,
    pub manager: Option<UserRef>,
    /// Their managers, nearest first, up to the top of the hierarchy.
    #[serde(default)]
    pub chain: Vec<UserRef>,
    /// Those who report to them directly, by name.
    #[serde(default)]
    pub reports: Vec<UserRef>,
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, Vec<Vec<String>>>))]
    pub working_hours: WorkingHours,
    pub user_type: UserType,
    pub status: UserStatus,
    /// Past the expiry date: cannot sign in, shown as Expired.
    pub expired: bool,
    pub console_access: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub must_change_password: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub has_avatar: bool,
    pub roles: Vec<RoleRef>,
    pub teams: Vec<TeamRef>,
    /// Effective permissions, in catalogue order.
    #[serde(deserialize_with = "crate::permission::known_only")]
    pub permissions: Vec<Permission>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with an edit; a stale one answers 409.
    pub version: i64,
}

impl User {
    /// "First Last".
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// What the user's state is called in lists: Active, Suspended or Expired.
    pub fn state_label(&self) -> &'static str {
        match (self.status, self.expired) {
            (UserStatus::Suspended, _) => "Suspended",
            (UserStatus::Active, true) => "Expired",
            (UserStatus::Active, false) => "Active",
            (UserStatus::Unknown, _) => "Unknown",
        }
    }

    /// The edit form, filled with this user's values.
    pub fn fields(&self) -> UserFields {
        UserFields {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            username: self.username.clone(),
            phone: self.phone.clone(),
            external_id: self.external_id.clone(),
            employee_code: self.employee_code.clone(),
            timezone: Some(self.timezone.clone()),
            position: self.position.clone(),
            department: self.department.clone(),
            location: self.location.clone(),
            branch: self.branch.clone(),
            tags: self.tags.clone(),
            manager_id: self.manager.as_ref().map(|m| m.id),
            working_hours: self.working_hours.clone(),
            roles: self.roles.iter().map(|r| r.id).collect(),
            console_access: self.console_access,
            expires_at: self.expires_at.map(expiry_date),
        }
    }
}

/// `PATCH /api/v1/users/{id}` from the console: the whole edit form and the version it was
/// loaded at. (The JSON API also takes just the changed fields.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserEdit {
    pub version: i64,
    #[serde(flatten)]
    pub fields: UserFields,
}

/// The answer to creating a user; a generated password is shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedUser {
    pub user: User,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<Password>,
}

/// The answer to a password reset: the new temporary password, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemporaryPassword {
    pub temporary_password: Password,
}
