//! Reusable view pieces: the page chrome and small widgets shared by pages.

pub mod forms;
pub mod icons;
pub mod layout;
