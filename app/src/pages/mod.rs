//! One module per page (or family of pages) of the console.

mod not_found;
mod pending;
mod sign_in;

pub use not_found::NotFound;
pub use pending::Pending;
pub use sign_in::SignIn;
