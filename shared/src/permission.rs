//! The permission catalogue: every action Roster guards, grouped for display, and the ceiling
//! each user type puts on what roles may grant.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use crate::user::UserType;

/// A group of permissions, as shown in the role editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PermissionGroup {
    /// People and their accounts.
    Users,
    /// Roles and teams: who may do what.
    Access,
    /// The audit trail.
    Audit,
    /// The organisation's own settings.
    Tenant,
}

impl PermissionGroup {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Users => "Users",
            Self::Access => "Access",
            Self::Audit => "Audit",
            Self::Tenant => "Organisation",
        }
    }
}

/// One guarded action. The wire name is the dotted key (`users.read`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Permission {
    UsersRead,
    UsersCreate,
    UsersUpdate,
    UsersSuspend,
    UsersResetPassword,
    RolesRead,
    RolesManage,
    TeamsRead,
    TeamsManage,
    AuditRead,
    TenantSettings,
}

impl Permission {
    /// The whole catalogue, in display order.
    pub const ALL: [Permission; 11] = [
        Self::UsersRead,
        Self::UsersCreate,
        Self::UsersUpdate,
        Self::UsersSuspend,
        Self::UsersResetPassword,
        Self::RolesRead,
        Self::RolesManage,
        Self::TeamsRead,
        Self::TeamsManage,
        Self::AuditRead,
        Self::TenantSettings,
    ];

    /// The dotted key used on the wire and in the database.
    pub fn key(self) -> &'static str {
        match self {
            Self::UsersRead => "users.read",
            Self::UsersCreate => "users.create",
            Self::UsersUpdate => "users.update",
            Self::UsersSuspend => "users.suspend",
            Self::UsersResetPassword => "users.reset_password",
            Self::RolesRead => "roles.read",
            Self::RolesManage => "roles.manage",
            Self::TeamsRead => "teams.read",
            Self::TeamsManage => "teams.manage",
            Self::AuditRead => "audit.read",
            Self::TenantSettings => "tenant.settings",
        }
    }

    /// Where the role editor shows it.
    pub fn group(self) -> PermissionGroup {
        match self {
            Self::UsersRead
            | Self::UsersCreate
            | Self::UsersUpdate
            | Self::UsersSuspend
            | Self::UsersResetPassword => PermissionGroup::Users,
            Self::RolesRead | Self::RolesManage | Self::TeamsRead | Self::TeamsManage => {
                PermissionGroup::Access
            }
            Self::AuditRead => PermissionGroup::Audit,
            Self::TenantSettings => PermissionGroup::Tenant,
        }
    }

    /// What holding it allows, for people.
    pub fn description(self) -> &'static str {
        match self {
            Self::UsersRead => "See the user directory and each user's profile.",
            Self::UsersCreate => "Create user accounts.",
            Self::UsersUpdate => "Edit users' profiles, roles and teams.",
            Self::UsersSuspend => "Suspend and reactivate accounts.",
            Self::UsersResetPassword => "Reset passwords to a temporary one.",
            Self::RolesRead => "See roles and their permissions.",
            Self::RolesManage => "Create, edit and delete custom roles.",
            Self::TeamsRead => "See teams and their members.",
            Self::TeamsManage => "Create and edit teams, members and membership rules.",
            Self::AuditRead => "Read the audit trail.",
            Self::TenantSettings => "Change the organisation's settings.",
        }
    }

    /// Whether it changes anything (read-only user types can never hold these).
    pub fn is_write(self) -> bool {
        !matches!(self, Self::UsersRead | Self::RolesRead | Self::TeamsRead | Self::AuditRead)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A key that names no permission.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}")]
pub struct UnknownPermission(pub String);

impl std::str::FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|p| p.key() == s).ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

impl TryFrom<String> for Permission {
    type Error = UnknownPermission;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Permission> for String {
    fn from(p: Permission) -> Self {
        p.key().to_owned()
    }
}

/// A set of permissions, ordered as the catalogue.
pub type Permissions = BTreeSet<Permission>;

impl UserType {
    /// The most this type of user may ever hold, whatever their roles grant.
    pub fn ceiling(self) -> Permissions {
        let all = Permission::ALL.into_iter();
        match self {
            Self::TenantAdmin => all.collect(),
            Self::Supervisor => all.filter(|p| *p != Permission::TenantSettings).collect(),
            Self::Agent | Self::Service => all
                .filter(|p| !matches!(p, Permission::TenantSettings | Permission::RolesManage))
                .collect(),
            Self::Analyst | Self::Viewer => all.filter(|p| !p.is_write()).collect(),
            Self::Unknown => Permissions::new(),
        }
    }

    /// Why a permission is above this type's ceiling, for the UI; `None` when it is within.
    pub fn ceiling_reason(self, permission: Permission) -> Option<String> {
        (!self.ceiling().contains(&permission))
            .then(|| format!("{} accounts cannot hold “{}”.", self.label(), permission.key()))
    }

    /// What the type grants by itself: a tenant admin has every permission.
    pub fn inherent(self) -> Permissions {
        match self {
            Self::TenantAdmin => Permission::ALL.into_iter().collect(),
            _ => Permissions::new(),
        }
    }

    /// Whether someone holding `held` may create a user of this type: whatever the type grants
    /// by itself must be theirs to grant.
    pub fn creatable_by(self, held: &Permissions) -> bool {
        self.inherent().is_subset(held)
    }

    /// Whether accounts of this type may sign in to the console at all.
    pub fn may_use_console(self) -> bool {
        !matches!(self, Self::Service | Self::Unknown)
    }
}

/// The permissions named by stored keys (`users.read`); keys no longer in the catalogue are
/// left out rather than failing the read.
pub fn from_keys<K: AsRef<str>>(keys: &[K]) -> Permissions {
    keys.iter().filter_map(|k| k.as_ref().parse().ok()).collect()
}

/// Reads a list the server sends, leaving out the entries this build cannot read: permissions
/// a newer server has added to its catalogue (`#[serde(deserialize_with = "known_only")]`). The
/// lists a request carries are keys, checked one by one, never read this way.
pub(crate) fn known_only<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Entry<T> {
        Known(T),
        Unknown(serde::de::IgnoredAny),
    }
    let entries = Vec::<Entry<T>>::deserialize(deserializer)?;
    Ok(entries
        .into_iter()
        .filter_map(|entry| match entry {
            Entry::Known(item) => Some(item),
            Entry::Unknown(_) => None,
        })
        .collect())
}

/// A user's effective permissions: what the type grants plus what their roles grant, capped by
/// the type's ceiling.
pub fn effective(
    user_type: UserType,
    granted: impl IntoIterator<Item = Permission>,
) -> Permissions {
    let ceiling = user_type.ceiling();
    granted.into_iter().chain(user_type.inherent()).filter(|p| ceiling.contains(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_client_reads_what_a_newer_server_sends() {
        let me = serde_json::json!({
            "id": "7c1f2b9e-1a63-4d3e-9a8e-0c3f1d2e4b5a",
            "tenant": {"id": "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a", "slug": "acme", "name": "Acme"},
            "username": "ada", "email": "ada@acme.test", "first_name": "Ada", "last_name": "L",
            "user_type": "robot", "superuser": false,
            "permissions": ["users.read", "shifts.plan", "users.update"],
            "must_change_password": false, "mfa": {"totp": true}
        });
        let me: crate::auth::Me = serde_json::from_value(me).unwrap();
        assert_eq!(me.user_type, UserType::Unknown);
        assert_eq!(me.permissions, [Permission::UsersRead, Permission::UsersUpdate]);
        // What it cannot read it holds nothing by: no ceiling, no console.
        assert!(UserType::Unknown.ceiling().is_empty() && !UserType::Unknown.may_use_console());
        // A list that is not one is still an error, not an empty list.
        let broken = serde_json::json!({"permissions": "users.read"});
        let err = known_only::<_, Permission>(broken["permissions"].clone()).unwrap_err();
        assert!(err.to_string().contains("sequence"), "{err}");
    }

    #[test]
    fn keys_round_trip_and_are_unique() {
        let keys: BTreeSet<&str> = Permission::ALL.iter().map(|p| p.key()).collect();
        assert_eq!(keys.len(), Permission::ALL.len());
        for p in Permission::ALL {
            assert_eq!(p.key().parse::<Permission>(), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.key());
            assert!(!p.description().is_empty());
        }
        assert!("users.delete".parse::<Permission>().is_err());
    }

    #[test]
    fn tenant_admins_have_everything_whatever_their_roles() {
        assert_eq!(effective(UserType::TenantAdmin, []).len(), Permission::ALL.len());
    }

    #[test]
    fn read_only_types_never_hold_a_write_permission() {
        for t in [UserType::Analyst, UserType::Viewer] {
            let got = effective(t, Permission::ALL);
            assert!(got.iter().all(|p| !p.is_write()), "{t:?}: {got:?}");
            assert!(got.contains(&Permission::UsersRead));
            assert!(t.ceiling_reason(Permission::UsersUpdate).is_some());
        }
    }

    #[test]
    fn roles_grant_within_the_ceiling_only() {
        let got = effective(UserType::Agent, [Permission::UsersRead, Permission::TenantSettings]);
        assert_eq!(got, Permissions::from([Permission::UsersRead]));
        assert_eq!(UserType::Agent.ceiling_reason(Permission::UsersRead), None);
        assert!(!UserType::Service.may_use_console());
        assert!(UserType::Supervisor.may_use_console());
    }
}
