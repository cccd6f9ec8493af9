//! Reusable view pieces: the page chrome and small widgets shared by pages.

pub mod avatar;
pub mod dialog;
pub mod forms;
pub mod icons;
pub mod layout;
pub mod lifecycle;
pub mod user_form;
