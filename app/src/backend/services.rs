//! What use cases need from the process: the pool, the password hasher and the session and
//! cookie settings. The server builds one and provides it to server functions as context.

use sqlx::PgPool;

use super::passkey::Passkeys;
use super::password::Passwords;
use super::sessions::SessionPolicy;
use super::tokens::TokenRate;

/// The backend's shared handles; cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub pool: PgPool,
    pub passwords: Passwords,
    pub sessions: SessionPolicy,
    /// Served over https: cookies get `Secure` and the `__Host-` prefix.
    pub https: bool,
    /// Load balancers whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<sqlx::types::ipnetwork::IpNetwork>,
    /// How fast each API token may call.
    pub token_rate: TokenRate,
    /// The relying party passkeys are made for: the console's public address.
    pub passkeys: Passkeys,
}
