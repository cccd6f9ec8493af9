//! Why a user can (or cannot) do something (`GET /api/v1/users/{id}/access`, the user page):
//! every permission of the catalogue with what grants it — a role of theirs, a team's default
//! role, their user type — and whether their type's ceiling holds it back.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::permission::{Permission, Permissions};
use crate::user::UserType;

/// One thing that grants a permission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grant {
    /// A role given to the user.
    Role { id: Uuid, name: String },
    /// The default role of a team the user is in.
    Team { id: Uuid, name: String, role_id: Uuid, role_name: String },
    /// The user type itself (tenant admins hold everything).
    UserType,
    /// A value from a newer server that this build does not know: the server never sends it
    /// and never reads it from a request.
    #[serde(other, skip_serializing)]
    Unknown,
}

impl Grant {
    /// "role Helpdesk", "team Night shift (role Helpdesk)", "the user type".
    pub fn describe(&self) -> String {
        match self {
            Self::Role { name, .. } => format!("role {name}"),
            Self::Team { name, role_name, .. } => format!("team {name} (role {role_name})"),
            Self::UserType => "the user type".to_owned(),
            Self::Unknown => "a grant this version does not know".to_owned(),
        }
    }
}

/// One permission of the catalogue for one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionAccess {
    pub permission: Permission,
    /// Whether the user has it: granted and within their type's ceiling.
    pub held: bool,
    /// Granted, but above what the user's type may hold: not effective.
    pub above_ceiling: bool,
    pub grants: Vec<Grant>,
}

/// Every permission of the catalogue for one user, in catalogue order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserAccess {
    pub user_type: UserType,
    #[serde(deserialize_with = "crate::permission::known_only")]
    pub permissions: Vec<PermissionAccess>,
}

impl UserAccess {
    /// Works out each permission from the grants of the user's roles and teams (each with the
    /// permissions it grants) and the user type.
    pub fn build(user_type: UserType, granted: &[(Grant, Permissions)]) -> Self {
        let ceiling = user_type.ceiling();
        let inherent = user_type.inherent();
        let permissions = Permission::ALL
            .into_iter()
            .map(|permission| {
                let mut grants: Vec<Grant> = granted
                    .iter()
                    .filter(|(_, perms)| perms.contains(&permission))
                    .map(|(grant, _)| grant.clone())
                    .collect();
                if inherent.contains(&permission) {
                    grants.push(Grant::UserType);
                }
                let within = ceiling.contains(&permission);
                PermissionAccess {
                    permission,
                    held: within && !grants.is_empty(),
                    above_ceiling: !within && !grants.is_empty(),
                    grants,
                }
            })
            .collect();
        Self { user_type, permissions }
    }

    /// The answer to "can this user …?", as a sentence.
    pub fn explain(&self, permission: Permission) -> String {
        let Some(access) = self.permissions.iter().find(|a| a.permission == permission) else {
            return "No: this permission is not in the catalogue.".to_owned();
        };
        let through = || access.grants.iter().map(Grant::describe).collect::<Vec<_>>().join(", ");
        if access.held {
            format!("Yes, through {}.", through())
        } else if access.above_ceiling {
            format!(
                "No. {} grants it, but {} accounts cannot hold it.",
                capitalise(&through()),
                self.user_type.label()
            )
        } else {
            "No: none of their roles or teams grants it.".to_owned()
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    fn role(name: &str) -> Grant {
        Grant::Role { id: Uuid::nil(), name: name.into() }
    }

    #[test]
    fn each_permission_names_what_grants_it() {
        let team = Grant::Team {
            id: Uuid::nil(),
            name: "Night shift".into(),
            role_id: Uuid::nil(),
            role_name: "Helpdesk".into(),
        };
        let access = UserAccess::build(
            UserType::Agent,
            &[
                (role("Desk"), [UsersRead, UsersResetPassword].into()),
                (team, [UsersRead, RolesManage].into()),
            ],
        );
        let read = &access.permissions[0];
        assert_eq!((read.permission, read.held, read.grants.len()), (UsersRead, true, 2));
        assert_eq!(
            access.explain(UsersRead),
            "Yes, through role Desk, team Night shift (role Helpdesk)."
        );
        // Agents may not manage roles: granted by the team, held back by the ceiling.
        let manage = access.permissions.iter().find(|a| a.permission == RolesManage).unwrap();
        assert!(manage.above_ceiling && !manage.held);
        assert_eq!(
            access.explain(RolesManage),
            "No. Team Night shift (role Helpdesk) grants it, but Agent accounts cannot hold it."
        );
        assert_eq!(access.explain(AuditRead), "No: none of their roles or teams grants it.");
    }

    #[test]
    fn tenant_admins_hold_everything_by_their_type() {
        let access = UserAccess::build(UserType::TenantAdmin, &[]);
        assert!(access.permissions.iter().all(|a| a.held && a.grants == [Grant::UserType]));
        assert_eq!(access.explain(TenantSettings), "Yes, through the user type.");
    }
}
