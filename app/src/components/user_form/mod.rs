//! The user form shared by "new user" and "edit user": every field of [`UserFields`], checked by
//! the same shared validation as the server each time a field is left.

mod feedback;
mod pickers;

pub use feedback::Feedback;

use leptos::prelude::*;
use shared::account::{RoleOption, UserRef};
use shared::auth::Me;
use shared::user_form::UserFields;
use shared::{UserType, Uuid};

use super::forms::FieldErrors;
use pickers::{ManagerPicker, PhoneInput, RolePicker, TagInput, TimezoneInput, WorkingHoursInput};

/// A text input bound to one field of the form.
#[derive(Clone, Copy)]
pub struct Text {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub required: bool,
    pub get: fn(&UserFields) -> String,
    pub set: fn(&mut UserFields, String),
}

impl Text {
    const fn optional(
        name: &'static str,
        label: &'static str,
        get: fn(&UserFields) -> String,
        set: fn(&mut UserFields, String),
    ) -> Self {
        Self { name, label, kind: "text", autocomplete: "off", required: false, get, set }
    }
}

/// A labelled field wrapper with its error list.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    feedback: Feedback,
    #[prop(optional, into)] hint: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" on:focusout=move |_| feedback.touch(name)>
            <label for=format!("user-{name}")>{label}</label>
            {children()}
            {hint.map(|h| view! { <small class="muted">{h}</small> })}
            <FieldErrors id=error_id(name) codes=feedback.codes(name)/>
        </div>
    }
}

/// The id of a field's error list (for `aria-describedby`).
pub fn error_id(name: &'static str) -> String {
    format!("{name}-errors")
}

/// One text input.
pub fn text_input(fields: RwSignal<UserFields>, feedback: Feedback, text: Text) -> impl IntoView {
    let Text { name, label, kind, autocomplete, required, get, set } = text;
    view! {
        <Field name label feedback>
            <input id=format!("user-{name}") name=name type=kind autocomplete=autocomplete
                required=required aria-describedby=error_id(name)
                aria-invalid=move || (!feedback.codes(name).get().is_empty()).to_string()
                prop:value=move || fields.with(get)
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    fields.update(|f| set(f, value));
                    feedback.changed(name);
                }/>
        </Field>
    }
}

const PERSON: [Text; 2] = [
    Text {
        name: "first_name",
        label: "First name",
        kind: "text",
        autocomplete: "off",
        required: true,
        get: |f| f.first_name.clone(),
        set: |f, v| f.first_name = v,
    },
    Text {
        name: "last_name",
        label: "Last name",
        kind: "text",
        autocomplete: "off",
        required: true,
        get: |f| f.last_name.clone(),
        set: |f, v| f.last_name = v,
    },
];

const EMAIL: Text = Text {
    name: "email",
    label: "Email",
    kind: "email",
    autocomplete: "off",
    required: true,
    get: |f| f.email.clone(),
    set: |f, v| f.email = v,
};

const USERNAME: Text = Text {
    name: "username",
    label: "Username",
    kind: "text",
    autocomplete: "off",
    required: true,
    get: |f| f.username.clone(),
    set: |f, v| f.username = v,
};

const WORK: [Text; 6] = [
    Text::optional("position", "Position", |f| text(&f.position), |f, v| f.position = Some(v)),
    Text::optional(
        "department",
        "Department",
        |f| text(&f.department),
        |f, v| f.department = Some(v),
    ),
    Text::optional("location", "Location", |f| text(&f.location), |f, v| f.location = Some(v)),
    Text::optional("branch", "Branch", |f| text(&f.branch), |f, v| f.branch = Some(v)),
    Text::optional(
        "external_id",
        "External ID",
        |f| text(&f.external_id),
        |f, v| f.external_id = Some(v),
    ),
    Text::optional(
        "employee_code",
        "Employee code",
        |f| text(&f.employee_code),
        |f, v| f.employee_code = Some(v),
    ),
];

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// What the form needs besides the fields.
#[derive(Clone)]
pub struct FormContext {
    pub me: Me,
    pub roles: Vec<RoleOption>,
    /// The user's type: chosen on create, fixed on edit.
    pub user_type: Signal<Option<UserType>>,
    /// The user being edited (excluded from the manager picker), or none when creating.
    pub editing: Option<Uuid>,
    /// Roles the user already holds (granting them again needs no permission check).
    pub held: Vec<Uuid>,
    /// The current manager, to show by name.
    pub manager: Option<UserRef>,
}

/// The person, work and access sections of the form. The user type, status and password
/// controls belong to the page (they differ between create and edit).
#[component]
pub fn UserFormFields(
    fields: RwSignal<UserFields>,
    feedback: Feedback,
    context: FormContext,
    /// Rendered at the top of the access section (the user type).
    access_header: AnyView,
) -> impl IntoView {
    let FormContext { me, roles, user_type, editing, held, manager } = context;
    // The username follows the email's local part for as long as it still holds the previous
    // suggestion (or nothing), so a username the admin typed is never overwritten.
    let email = Memo::new(move |_| fields.with(|f| f.email.clone()));
    let suggestion = StoredValue::new(suggest_username(&email.get_untracked()));
    Effect::new(move |_| {
        let suggested = suggest_username(&email.get());
        let previous = suggestion.get_value();
        suggestion.set_value(suggested.clone());
        if editing.is_none()
            && fields.with_untracked(|f| {
                (f.username.is_empty() || f.username == previous) && f.username != suggested
            })
        {
            fields.update(|f| f.username = suggested);
        }
    });
    view! {
        <fieldset class="card form-section">
            <legend>"Person"</legend>
            <div class="grid-2">
                {PERSON.map(|t| text_input(fields, feedback, t)).collect_view()}
                {text_input(fields, feedback, EMAIL)}
                {text_input(fields, feedback, USERNAME)}
                <PhoneInput fields feedback/>
                <TimezoneInput fields feedback/>
            </div>
        </fieldset>
        <fieldset class="card form-section">
            <legend>"Work"</legend>
            <div class="grid-2">
                {WORK.map(|t| text_input(fields, feedback, t)).collect_view()}
                <ManagerPicker fields feedback editing manager/>
                <TagInput fields feedback/>
            </div>
            <WorkingHoursInput fields feedback/>
        </fieldset>
        <fieldset class="card form-section">
            <legend>"Access"</legend>
            {access_header}
            <RolePicker fields feedback roles user_type me held/>
            <div class="grid-2">
                <Field name="console_access" label="Console access" feedback>
                    <label class="check">
                        <input id="user-console_access" type="checkbox"
                            disabled=move || user_type.get() == Some(UserType::Service)
                            prop:checked=move || fields.with(|f| f.console_access)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                fields.update(|f| f.console_access = on);
                                feedback.changed("console_access");
                            }/>
                        " May sign in to this console"
                    </label>
                </Field>
                <Field name="expires_at" label="Expires on" feedback
                    hint="Optional. From this day on the account cannot sign in.">
                    <input id="user-expires_at" type="date" aria-describedby=error_id("expires_at")
                        prop:value=move || fields.with(|f| text(&f.expires_at))
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            fields.update(|f| f.expires_at = Some(value));
                            feedback.changed("expires_at");
                        }/>
                </Field>
            </div>
        </fieldset>
    }
}

/// A username from an email's local part: letters, digits, `.`, `_`, `-` only.
fn suggest_username(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let allowed = |c: &char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
    local
        .trim()
        .chars()
        .filter(allowed)
        .collect::<String>()
        .trim_start_matches(['.', '_', '-'])
        .to_lowercase()
}
