//! The acting principal: who is asking, in which tenant, allowed to do what. Built once per
//! request from the session and handed to every use case, which checks it itself.

use chrono::{DateTime, Utc};
use shared::FieldCode;
use shared::{Permission, Permissions, UserType};
use uuid::Uuid;

use super::ServiceError;

/// A signed-in user making a request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub tenant_id: Uuid,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub user_id: Uuid,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub user_type: UserType,
    /// A platform superuser: a tenant admin of the reserved `platform` tenant.
    pub superuser: bool,
    pub permissions: Permissions,
    pub must_change_password: bool,
    /// Their organisation requires a second factor of them (or they are a superuser) and they
    /// have none: nothing but adding one is allowed. Never for a program's token.
    pub must_enrol_second_factor: bool,
    /// Their organisation requires a second factor of them, or they are a superuser.
    pub second_factor_required: bool,
    /// A supervisor's reporting line (direct and indirect reports): the only users they see
    /// and act on, whatever their roles say. `None`: the whole tenant.
    pub line: Option<Vec<Uuid>>,
    /// The API token a program's request came with (none in the console).
    pub token: Option<TokenRef>,
    /// The session a console request came with (its id, as lists show it).
    pub session: Option<Uuid>,
    /// When that session began: signing in, or a password change.
    pub signed_in_at: Option<DateTime<Utc>>,
}

/// How recently one must have signed in to change one's second factors.
pub const RECENT_SIGN_IN: chrono::Duration = chrono::Duration::minutes(15);

/// An API token, as the audit trail names what was done with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRef {
    pub id: Uuid,
    pub name: String,
}

impl Actor {
    /// "First Last", as the audit trail names them.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// Passes when the actor holds `permission` and has no pending forced password change.
    /// Deny by default: every use case calls this (or [`Actor::require_superuser`]) first.
    pub fn require(&self, permission: Permission) -> Result<(), ServiceError> {
        self.require_settled()?;
        if self.permissions.contains(&permission) { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// Passes for platform superusers without a pending forced password change.
    pub fn require_superuser(&self) -> Result<(), ServiceError> {
        self.require_settled()?;
        if self.superuser { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// Whether the actor may see (and edit) this user: anyone in the tenant, or for a supervisor
    /// themselves and their reporting line.
    pub fn sees(&self, user: Uuid) -> bool {
        user == self.user_id || self.reaches(user)
    }

    /// Whether the actor may suspend, reactivate or reset this user: for a supervisor, only their
    /// reporting line.
    pub fn reaches(&self, user: Uuid) -> bool {
        self.line.as_ref().is_none_or(|line| line.contains(&user))
    }

    /// Passes when the actor sees the user; others answer 404, like another tenant's users.
    pub fn require_sees(&self, user: Uuid) -> Result<(), ServiceError> {
        if self.sees(user) { Ok(()) } else { Err(ServiceError::NotFound) }
    }

    /// Passes when the actor may act on the user; others answer 404.
    pub fn require_reaches(&self, user: Uuid) -> Result<(), ServiceError> {
        if self.reaches(user) { Ok(()) } else { Err(ServiceError::NotFound) }
    }

    /// Passes when the actor holds every permission in `granted`: nobody grants what they do not
    /// hold. Otherwise a `beyond_yours` error on `field`.
    pub fn may_grant(&self, granted: &Permissions, field: &str) -> Result<(), ServiceError> {
        if granted.is_subset(&self.permissions) {
            Ok(())
        } else {
            Err(ServiceError::field(field, FieldCode::BeyondYours))
        }
    }

    /// The actor may change a user's access only when they hold every permission that user
    /// holds: a helpdesk cannot reset an administrator's password and sign in as them.
    pub fn require_outranks(&self, target: &[Permission]) -> Result<(), ServiceError> {
        if target.iter().all(|p| self.permissions.contains(p)) {
            Ok(())
        } else {
            Err(ServiceError::Denied("You cannot change a user who holds permissions you do not."))
        }
    }

    /// Passes unless a temporary password must be changed, or a second factor added, first.
    pub fn require_settled(&self) -> Result<(), ServiceError> {
        self.require_password_settled()?;
        if self.must_enrol_second_factor { Err(ServiceError::MfaEnrolmentRequired) } else { Ok(()) }
    }

    /// Passes when the console session began within [`RECENT_SIGN_IN`] (an actor without one is
    /// no console session and is judged elsewhere): whoever takes over a session left open must
    /// not swap its owner's second factors for their own.
    pub fn require_recent_sign_in(&self) -> Result<(), ServiceError> {
        match self.signed_in_at {
            Some(at) if at + RECENT_SIGN_IN < Utc::now() => Err(ServiceError::Refused(
                "For your safety, sign out and in again first: two-step verification can be \
                 changed within 15 minutes of signing in.",
            )),
            _ => Ok(()),
        }
    }

    /// Passes unless a temporary password must be changed first: what adding a second factor
    /// takes, which comes right after it.
    pub fn require_password_settled(&self) -> Result<(), ServiceError> {
        if self.must_change_password { Err(ServiceError::PasswordChangeRequired) } else { Ok(()) }
    }
}
