//! The server half of the application: use cases, SQL and credentials. Compiled only with `ssr`.
//!
//! UI code never imports this module; server functions and the JSON API call into it.

pub mod audit;
pub mod bootstrap;
pub mod error;
pub mod health;
pub mod password;

pub use error::ServiceError;
