//! Where a user is signed in (`/api/v1/me/sessions`, `/api/v1/users/{id}/sessions`): each
//! session of theirs, to see and to end.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One session: a browser signed in as the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: Uuid,
    /// The browser and its major version, from its user agent (`Firefox 128`); `Unknown
    /// browser` when the user agent names none.
    pub browser: String,
    /// The operating system (`Windows 10`, `iOS 17.5`); `Unknown system` when not named.
    pub os: String,
    /// The address it signed in from.
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Its last request, to the minute (written at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// When it ends unless used: the absolute limit, or the account's expiry if sooner.
    pub expires_at: DateTime<Utc>,
    /// The session this request came with.
    pub current: bool,
}

/// What ending sessions did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    pub ended: u64,
}
