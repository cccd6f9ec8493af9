//! One module per page (or family of pages) of the console.

pub mod audit;
mod change_password;
mod not_found;
mod roles;
mod sign_in;
mod teams;
mod tenants;
mod users;

pub use audit::Audit;
pub use change_password::ChangePassword;
pub use not_found::NotFound;
pub use roles::{NewRole, RolePage, Roles};
pub use sign_in::SignIn;
pub use teams::{NewTeam, TeamPage, Teams};
pub use tenants::Tenants;
pub use users::{EditUser, NewUser, UserPage, Users};
