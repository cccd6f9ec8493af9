//! Form pieces: field errors from `ApiError`, a form-level alert, and the live password rules.

use leptos::prelude::*;
use shared::password::{self, PasswordError};
use shared::profile::{MAX_TAG_CHARS, max_avatar_size};
use shared::{ApiError, FieldCode, Password};
use std::borrow::Cow;

/// The error codes for one field, from the last answer.
pub fn field_codes(result: Option<Result<impl Sized, ApiError>>, field: &str) -> Vec<String> {
    match result {
        Some(Err(err)) => err.fields.get(field).cloned().unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A sentence for a field error code; limits read from `shared`, where they are enforced. Every
/// [`FieldCode`] has one (the match is exhaustive); a code this build does not know (from a newer
/// server) gets a general one.
pub fn describe(code: &str) -> Cow<'static, str> {
    let Ok(code) = code.parse::<FieldCode>() else {
        return "Check this field.".into();
    };
    let fixed = match code {
        FieldCode::Required => "This field is required.",
        FieldCode::TooLong => "This is too long.",
        FieldCode::Invalid => "This is not valid here.",
        FieldCode::Taken => "Already used by another user in this organisation.",
        FieldCode::Reserved => "This name is reserved.",
        FieldCode::Format => "This does not look like an email address.",
        FieldCode::Length => "This is too short or too long.",
        FieldCode::Characters => "Use letters, digits, '.', '_' or '-'.",
        FieldCode::ControlCharacters => "Remove the invisible control characters from this text.",
        FieldCode::Wrong => "This is not your current password.",
        FieldCode::Unchanged => "Choose a password different from the current one.",
        FieldCode::Mismatch => "The two passwords differ.",
        FieldCode::TooShort => {
            return format!("Use at least {} characters.", Password::MIN_CHARS).into();
        }
        FieldCode::Common => "This password is too common; choose another.",
        FieldCode::SameAsIdentity => "The password cannot be your username or email.",
        FieldCode::PhoneFormat => "Use the international form, e.g. +47 912 34 567.",
        FieldCode::UnknownTimezone => "Choose a timezone from the list.",
        FieldCode::Spaces => "Spaces are not allowed here.",
        FieldCode::TagTooLong => {
            return format!("Tags are at most {MAX_TAG_CHARS} characters.").into();
        }
        FieldCode::TooMany => "There are too many entries.",
        FieldCode::TimeFormat => "Use hours and minutes, e.g. 09:00.",
        FieldCode::Order => "Each shift must end after it starts, without overlaps.",
        FieldCode::UnknownDay => "Use a day of the week.",
        FieldCode::DateFormat => "Use a date like 2027-01-31.",
        FieldCode::Past => "Choose a date in the future.",
        FieldCode::Unknown => "Choose one of the options.",
        FieldCode::UnknownField => "This field cannot be set here.",
        FieldCode::AboveCeiling => "A role grants more than this type of user may hold.",
        FieldCode::HoldersAboveCeiling => {
            "Some users who hold this role are of a type that may not hold a permission you added."
        }
        FieldCode::RoleNameTaken => "Another role already has this name.",
        FieldCode::TeamNameTaken => "Another team already has this name.",
        FieldCode::WrongCode => "This code is not right, or was used already. Try the next one.",
        FieldCode::CodeFormat => {
            "Enter the six digits your app shows, or a recovery code (abcd-efgh-ijkl-mnop)."
        }
        FieldCode::KeyRefused => "The passkey or security key did not answer. Try again.",
        FieldCode::KeyRegistered => "This passkey or security key is registered already.",
        FieldCode::Values => "Give one value for “is”, at least one for “is one of”.",
        FieldCode::UnknownUserType => {
            "Use a user type: tenant_admin, supervisor, agent, analyst, viewer or service."
        }
        FieldCode::BeyondYours => "You cannot grant permissions you do not hold yourself.",
        FieldCode::OutsideYourLine => "Choose yourself or someone who reports to you.",
        FieldCode::Cycle => "This manager reports to this user already; that would make a loop.",
        FieldCode::ServiceAccount => "Service accounts use the API only.",
        FieldCode::OwnAccess => "You cannot remove your own console access.",
        FieldCode::Immutable => "This cannot be changed after creation.",
        FieldCode::PlatformSuperusersOnly => "Only superusers belong to the platform.",
        FieldCode::TooLarge => {
            return format!("Choose an image of at most {}.", max_avatar_size()).into();
        }
        FieldCode::TooManyPixels => "This image has too many pixels.",
        FieldCode::NotAnImage => "This is not a PNG, JPEG or WebP image.",
        FieldCode::BeforeFrom => "Choose an end after the start.",
        FieldCode::Range => "This number is out of range.",
    };
    fixed.into()
}

/// The messages under a field, announced to screen readers. The live region is a wrapper that is
/// always there (a region added with its message is often not announced) and the list inside
/// stays a list: a `role` on the `<ul>` itself would orphan its `<li>`s (axe: `listitem`).
#[component]
pub fn FieldErrors(
    #[prop(into)] codes: Signal<Vec<String>>,
    #[prop(into)] id: String,
) -> impl IntoView {
    view! {
        <div class="field-errors" id=id role="alert">
            {move || {
                let codes = codes.get();
                (!codes.is_empty()).then(|| view! {
                    <ul>{codes.into_iter().map(|c| view! { <li>{describe(&c)}</li> }).collect_view()}</ul>
                })
            }}
        </div>
    }
}

/// A one-line text input with its label and field errors, `value` shown and each edit given to
/// `set`; the input's id is `id`, its errors' `{id}-errors`.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(into)] value: Signal<String>,
    set: Callback<String>,
    #[prop(into)] codes: Signal<Vec<String>>,
    #[prop(optional)] disabled: bool,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let errors_id = format!("{id}-errors");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="text" required=required disabled=disabled aria-describedby=errors_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| set.run(event_target_value(&ev))/>
            <FieldErrors id=errors_id codes/>
        </div>
    }
}

/// The codes of `field` in the error a form keeps (none when it holds none).
pub fn error_codes(error: RwSignal<Option<ApiError>>, field: &'static str) -> Signal<Vec<String>> {
    Signal::derive(move || {
        error.with(|e| e.as_ref().and_then(|e| e.fields.get(field).cloned()).unwrap_or_default())
    })
}

/// A form-level error (anything not tied to a field), e.g. "wrong password" or "try later".
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <p class="alert error" role="alert">{move || error.get().map(|e| e.message)}</p>
        </Show>
    }
}

/// The password policy as a checklist that updates while the user types; the same rules the
/// server applies (shared::password).
#[component]
pub fn PasswordRules(
    #[prop(into)] password: Signal<String>,
    #[prop(into)] identity: Signal<Vec<String>>,
) -> impl IntoView {
    let verdict = move || {
        let ids = identity.get();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        password::check(&Password::new(password.get()), &ids)
    };
    let chars = move || password.get().chars().count();
    let rule = move |ok: bool, text: Cow<'static, str>| {
        view! { <li class:ok=ok><span aria-hidden="true">{if ok { "✓" } else { "•" }}</span>" "{text}</li> }
    };
    view! {
        <ul class="password-rules" aria-live="polite">
            {move || rule(chars() >= Password::MIN_CHARS, format!("At least {} characters", Password::MIN_CHARS).into())}
            {move || rule((1..=Password::MAX_CHARS).contains(&chars()), format!("At most {} characters", Password::MAX_CHARS).into())}
            {move || rule(chars() >= Password::MIN_CHARS && verdict() != Err(PasswordError::Common), "Not a common password".into())}
            {move || rule(chars() >= Password::MIN_CHARS && verdict() != Err(PasswordError::SameAsIdentity), "Not your username or email".into())}
        </ul>
    }
}
