//! One module per page (or family of pages) of the console.

mod account;
pub mod audit;
mod change_password;
mod not_found;
mod roles;
mod second_factor;
mod settings;
mod sign_in;
mod teams;
mod tenants;
mod users;

pub use account::Account;
pub use audit::Audit;

use leptos::prelude::Resource;

use crate::components::layout::CurrentUser;

/// Whether the signed-in user holds `permission` (for showing what they may do).
pub(crate) fn holds(permission: shared::Permission) -> Resource<bool> {
    let me = CurrentUser::get();
    Resource::new(
        || (),
        move |_| async move { me.user().await.ok().flatten().is_some_and(|me| me.can(permission)) },
    )
}
pub use change_password::ChangePassword;
pub use not_found::NotFound;
pub use roles::{NewRole, RolePage, Roles};
pub use second_factor::EnrolSecondFactor;
pub use settings::Settings;
pub use sign_in::SignIn;
pub use teams::{NewTeam, TeamPage, Teams};
pub use tenants::Tenants;
pub use users::{EditUser, NewUser, UserPage, Users};
