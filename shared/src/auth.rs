//! Signing in and out, the signed-in user, and changing one's password: the wire types of
//! `/api/v1/session`, `/api/v1/me` and `/api/v1/me/password`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::password::Password;
use crate::permission::Permission;
use crate::user::UserType;

/// `POST /api/v1/session`: `login` is the username or the email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub tenant: String,
    pub login: String,
    pub password: Password,
}

/// The answer to a successful sign-in (the session itself travels in a cookie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInResponse {
    pub user: Me,
    /// When true, nothing but changing the password is allowed until it is changed.
    pub must_change_password: bool,
}

/// The tenant a user belongs to, as shown beside their name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// `GET /api/v1/me`: the signed-in user and what they may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: Uuid,
    pub tenant: TenantRef,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub user_type: UserType,
    /// A platform superuser (a user of the reserved `platform` tenant).
    pub superuser: bool,
    /// Effective permissions, in catalogue order.
    #[serde(deserialize_with = "crate::permission::known_only")]
    pub permissions: Vec<Permission>,
    pub must_change_password: bool,
    /// When true, nothing but adding a second factor is allowed until one is added (their
    /// organisation requires one, or they are a superuser).
    #[serde(default)]
    pub must_enrol_second_factor: bool,
}

impl Me {
    /// "First Last".
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// Whether the user holds a permission.
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// `POST /api/v1/me/password`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: Password,
    pub new_password: Password,
}
