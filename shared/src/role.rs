//! Roles (`/api/v1/roles`, the Roles pages): what a role is on the wire, the form that creates
//! or edits a custom one, and its checks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Check, FieldCode, FieldErrors};
use crate::permission::{Permission, PermissionGroup, Permissions};

/// The longest role name.
pub const MAX_NAME: usize = 60;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 300;

/// A role of the tenant, with how many users hold it directly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Role {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(deserialize_with = "crate::permission::known_only")]
    pub permissions: Vec<Permission>,
    /// Seeded in every tenant and read-only.
    pub is_system: bool,
    /// Users holding the role themselves (not through a team).
    pub members: i64,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// Creating a role, or the new state of one (`PATCH` adds `version`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Permission keys (`users.read`).
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A checked [`RoleForm`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidRole {
    pub name: String,
    pub description: String,
    pub permissions: Permissions,
}

impl RoleForm {
    /// Trims the texts and checks every field; the errors name the field at fault.
    pub fn validate(&self) -> Result<ValidRole, FieldErrors> {
        let mut check = Check::default();
        let name = check.text("name", &self.name, true, MAX_NAME);
        let description = check.text("description", &self.description, false, MAX_DESCRIPTION);
        let mut permissions = Permissions::new();
        for key in &self.permissions {
            match key.parse::<Permission>() {
                Ok(p) => {
                    permissions.insert(p);
                }
                Err(_) => check.add("permissions", FieldCode::Unknown),
            }
        }
        check.finish(ValidRole { name, description, permissions })
    }

    /// The form of an existing role (for editing it).
    pub fn of(role: &Role) -> Self {
        Self {
            name: role.name.clone(),
            description: role.description.clone(),
            permissions: role.permissions.iter().map(|p| p.key().to_owned()).collect(),
        }
    }
}

/// `PATCH /api/v1/roles/{id}`: the whole form and the version it was read at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleUpdate {
    pub version: i64,
    #[serde(flatten)]
    pub form: RoleForm,
}

/// What deleting a role took with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletedRole {
    /// Users who held the role and no longer do.
    pub assignments_removed: i64,
    /// Teams whose default role it was (they now have none).
    pub teams_cleared: i64,
}

/// One permission of the catalogue, as `GET /api/v1/permissions` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionInfo {
    pub key: Permission,
    pub group: PermissionGroup,
    pub description: String,
}

/// The whole catalogue, in display order.
pub fn catalogue() -> Vec<PermissionInfo> {
    Permission::ALL
        .into_iter()
        .map(|p| PermissionInfo { key: p, group: p.group(), description: p.description().into() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn form(name: &str, permissions: &[&str]) -> RoleForm {
        RoleForm {
            name: name.into(),
            description: String::new(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn a_good_form_is_trimmed_and_its_permissions_parsed() {
        let valid = form("  Password desk ", &["users.read", "users.reset_password", "users.read"])
            .validate()
            .unwrap();
        assert_eq!(valid.name, "Password desk");
        assert_eq!(
            valid.permissions.into_iter().collect::<Vec<_>>(),
            [Permission::UsersRead, Permission::UsersResetPassword]
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let errors = form(" ", &["users.read", "users.delete"]).validate().unwrap_err();
        assert_eq!(errors["name"], ["required"]);
        assert_eq!(errors["permissions"], ["unknown"]);
        let long = form(&"x".repeat(MAX_NAME + 1), &[]).validate().unwrap_err();
        assert_eq!(long["name"], ["too_long"]);
        let mut wordy = form("Desk", &[]);
        wordy.description = "y".repeat(MAX_DESCRIPTION + 1);
        assert_eq!(wordy.validate().unwrap_err()["description"], ["too_long"]);
    }

    #[test]
    fn the_catalogue_lists_every_permission_once_with_its_group() {
        let all = catalogue();
        assert_eq!(all.len(), Permission::ALL.len());
        assert!(all.iter().all(|p| p.group == p.key.group() && !p.description.is_empty()));
    }

    proptest! {
        #[test]
        fn any_name_of_allowed_length_with_known_permissions_passes(
            name in "[A-Za-z][A-Za-z0-9 ]{0,58}",
            picks in proptest::collection::vec(0..Permission::ALL.len(), 0..8),
        ) {
            let keys: Vec<&str> = picks.iter().map(|i| Permission::ALL[*i].key()).collect();
            let valid = form(&name, &keys).validate().unwrap();
            prop_assert_eq!(valid.name.as_str(), name.trim());
            prop_assert!(keys.iter().all(|k| valid.permissions.contains(&k.parse().unwrap())));
        }
    }
}
