//! The users section: finding a user, creating one, their page and the edit form.

mod detail;
mod directory;
mod edit;
mod new;

pub use detail::UserPage;
pub use directory::Users;
pub use edit::EditUser;
pub use new::NewUser;

/// An instant as the console shows it: `2026-11-23 19:13 UTC`.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
