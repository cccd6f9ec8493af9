//! Reusable view pieces: the page chrome and small widgets shared by pages.

pub mod audit_trail;
pub mod avatar;
pub mod dialog;
pub mod forms;
pub mod icons;
pub mod layout;
pub mod lifecycle;
pub mod loading;
pub mod moment;
pub mod second_factors;
pub mod sessions;
pub mod user_form;
pub mod user_picker;
pub mod webauthn;
