//! Roles: the system roles seeded into every tenant at creation (read-only), and (in
//! [`manage`]) listing, creating, editing and deleting the tenant's custom roles.

mod manage;

pub use manage::{create, delete, get, list, update};

use shared::Permission::{self, *};
use sqlx::PgConnection;
use uuid::Uuid;

/// A system role's key, label, description and permissions.
pub struct SystemRole {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub permissions: &'static [Permission],
}

/// The system roles every tenant starts with.
pub const SYSTEM_ROLES: [SystemRole; 5] = [
    SystemRole {
        key: "administrator",
        name: "Administrator",
        description: "Everything, including roles, teams and the organisation's settings.",
        permissions: &Permission::ALL,
    },
    SystemRole {
        key: "user_manager",
        name: "User manager",
        description: "Creates and edits users, suspends them and resets their passwords.",
        permissions: &[
            UsersRead,
            UsersCreate,
            UsersUpdate,
            UsersSuspend,
            UsersResetPassword,
            RolesRead,
            TeamsRead,
        ],
    },
    SystemRole {
        key: "helpdesk",
        name: "Helpdesk",
        description: "Looks people up, resets passwords and suspends accounts.",
        permissions: &[UsersRead, UsersSuspend, UsersResetPassword, RolesRead, TeamsRead],
    },
    SystemRole {
        key: "auditor",
        name: "Auditor",
        description: "Reads everything, including the audit trail; changes nothing.",
        permissions: &[UsersRead, RolesRead, TeamsRead, AuditRead],
    },
    SystemRole {
        key: "read_only",
        name: "Read-only",
        description: "Reads users, roles and teams; changes nothing.",
        permissions: &[UsersRead, RolesRead, TeamsRead],
    },
];

/// Inserts the system roles into a new tenant (inside the creating transaction) and returns the
/// Administrator role's id.
pub async fn seed(conn: &mut PgConnection, tenant_id: Uuid) -> Result<Uuid, sqlx::Error> {
    let mut administrator = None;
    for role in &SYSTEM_ROLES {
        let keys: Vec<String> = role.permissions.iter().map(|p| p.key().to_owned()).collect();
        let id = sqlx::query_scalar!(
            "insert into roles (tenant_id, name, description, permissions, is_system, system_key)
             values ($1, $2, $3, $4, true, $5) returning id",
            tenant_id,
            role.name,
            role.description,
            &keys,
            role.key,
        )
        .fetch_one(&mut *conn)
        .await?;
        if role.key == "administrator" {
            administrator = Some(id);
        }
    }
    administrator.ok_or(sqlx::Error::RowNotFound)
}
