//! The server half of the application: use cases, SQL and credentials. Compiled only with `ssr`.
//!
//! UI code never imports this module; server functions and the JSON API call into it. Every use
//! case takes the acting principal ([`actor::Actor`]) and checks its permission itself.

pub mod actor;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod context;
pub mod error;
pub mod health;
pub mod idempotency;
pub mod passkey;
pub mod password;
pub mod roles;
pub mod second_factor;
pub mod services;
pub mod sessions;
pub mod signed_in;
pub mod teams;
pub mod tenancy;
pub mod tenants;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use actor::Actor;
pub use context::Ctx;
pub use error::ServiceError;
pub use services::Services;
