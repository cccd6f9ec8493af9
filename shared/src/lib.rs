//! Roster's domain and wire types: validated values that can only be built through their checks,
//! and the error shape every JSON answer uses.
//!
//! This crate is pure (no IO, no framework) so that the server, the browser bundle and other
//! Rust clients all parse input with the very same rules.

pub mod access;
pub mod account;
pub mod audit;
pub mod auth;
#[cfg(feature = "client")]
pub mod client;
pub mod directory;
pub mod error;
#[cfg(feature = "openapi")]
mod openapi;
pub mod password;
pub mod permission;
pub mod profile;
pub mod query;
pub mod role;
pub mod second_factor;
pub mod session;
pub mod sync;
pub mod team;
pub mod tenant;
pub mod token;
pub mod user;
pub mod user_form;
pub mod user_patch;

pub use error::{ApiError, ErrorCode, FieldCode, FieldErrors};
pub use password::{Password, PasswordError};
pub use permission::{Permission, PermissionGroup, Permissions};
pub use tenant::{TenantSlug, TenantSlugError};
pub use user::{Email, UserStatus, UserType, Username};
pub use uuid::Uuid;
