//! The users section: finding a user, creating one, their page and the edit form.

mod detail;
mod directory;
mod edit;
mod new;
mod tokens;

pub use detail::UserPage;
pub use directory::Users;
pub use edit::EditUser;
pub use new::NewUser;

pub use crate::components::moment::when;
