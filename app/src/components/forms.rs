//! Form pieces: field errors from `ApiError`, a form-level alert, and the live password rules.

use leptos::prelude::*;
use shared::password::{self, PasswordError};
use shared::profile::{MAX_TAG_CHARS, max_avatar_size};
use shared::{ApiError, Password};
use std::borrow::Cow;

/// The error codes for one field, from the last answer.
pub fn field_codes(result: Option<Result<impl Sized, ApiError>>, field: &str) -> Vec<String> {
    match result {
        Some(Err(err)) => err.fields.get(field).cloned().unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A sentence for a field error code; limits read from `shared`, where they are enforced.
pub fn describe(code: &str) -> Cow<'static, str> {
    let fixed = match code {
        "required" => "This field is required.",
        "taken" => "Already used by another user in this organisation.",
        "reserved" => "This name is reserved.",
        "format" => "This does not look like an email address.",
        "length" => "This is too short or too long.",
        "characters" => "Use letters, digits, '.', '_' or '-'.",
        "too_long" => "This is too long.",
        "wrong" => "This is not your current password.",
        "unchanged" => "Choose a password different from the current one.",
        "mismatch" => "The two passwords differ.",
        "too_short" => return format!("Use at least {} characters.", Password::MIN_CHARS).into(),
        "common" => "This password is too common; choose another.",
        "same_as_identity" => "The password cannot be your username or email.",
        "phone_format" => "Use the international form, e.g. +47 912 34 567.",
        "unknown_timezone" => "Choose a timezone from the list.",
        "spaces" => "Spaces are not allowed here.",
        "tag_too_long" => return format!("Tags are at most {MAX_TAG_CHARS} characters.").into(),
        "too_many" => "There are too many entries.",
        "time_format" => "Use hours and minutes, e.g. 09:00.",
        "order" => "Each shift must end after it starts, without overlaps.",
        "date_format" => "Use a date like 2027-01-31.",
        "past" => "Choose a date in the future.",
        "unknown" => "Choose one of the options.",
        "above_ceiling" => "A role grants more than this type of user may hold.",
        "holders_above_ceiling" => {
            "Some users who hold this role are of a type that may not hold a permission you added."
        }
        "role_name_taken" => "Another role already has this name.",
        "team_name_taken" => "Another team already has this name.",
        "values" => "Give one value for “is”, at least one for “is one of”.",
        "unknown_user_type" => {
            "Use a user type: tenant_admin, supervisor, agent, analyst, viewer or service."
        }
        "beyond_yours" => "You cannot grant permissions you do not hold yourself.",
        "outside_your_line" => "Choose yourself or someone who reports to you.",
        "cycle" => "This manager reports to this user already; that would make a loop.",
        "service_account" => "Service accounts use the API only.",
        "self" => "You cannot remove your own console access.",
        "immutable" => "This cannot be changed after creation.",
        "too_large" => return format!("Choose an image of at most {}.", max_avatar_size()).into(),
        "not_an_image" => "This is not a PNG, JPEG or WebP image.",
        _ => "Check this field.",
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
