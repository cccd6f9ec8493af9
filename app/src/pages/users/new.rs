//! Creating a user: the shared form plus the user type, status and first password.

use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use shared::account::{CreatedUser, RoleOption};
use shared::auth::Me;
use shared::user_form::{NewUserForm, PasswordChoice, UserFields};
use shared::{Password, UserType};

use crate::api::auth::current_user;
use crate::api::users::{CreateUser, role_options};
use crate::components::dialog::{Secret, SecretDialog};
use crate::components::forms::{FormAlert, PasswordRules};
use crate::components::user_form::{Feedback, Field, FormContext, UserFormFields, error_id};

/// `/users/new`.
#[component]
pub fn NewUser() -> impl IntoView {
    let roles = Resource::new(|| (), |_| role_options());
    // Loaded per page: on the server, nested routes do not see the shell's contexts.
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <Title text="New user · Roster"/>
        <header class="page-header"><h1>"New user"</h1></header>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (roles.await, me.await) {
                    (Ok(roles), Ok(Some(me))) => view! { <CreateForm me roles/> }.into_any(),
                    (Err(err), _) | (_, Err(err)) => view! { <p class="alert error" role="alert">{err.message}</p> }.into_any(),
                    (_, Ok(None)) => ().into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CreateForm(me: Me, roles: Vec<RoleOption>) -> impl IntoView {
    let fields = RwSignal::new(UserFields::default());
    let user_type = RwSignal::new(String::new());
    let status = RwSignal::new("active".to_owned());
    let set_password = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let must_change = RwSignal::new(true);
    let form = move || NewUserForm {
        fields: fields.get(),
        user_type: user_type.get(),
        status: status.get(),
        password: if set_password.get() {
            PasswordChoice::Set { password: Password::new(password.get()) }
        } else {
            PasswordChoice::Generate
        },
        must_change_password: must_change.get(),
    };
    let client = Signal::derive(move || {
        let mut errors = form().validate(Utc::now()).err().unwrap_or_default();
        if set_password.get() && confirm.get() != password.get() {
            errors
                .entry("password_confirmation".into())
                .or_default()
                .push(shared::FieldCode::Mismatch.as_str().into());
        }
        errors
    });
    let feedback = Feedback::new(client);
    let create = ServerAction::<CreateUser>::new();
    let secret = RwSignal::new(None::<Secret>);
    let created_id = StoredValue::new(None::<String>);
    let navigate = use_navigate();
    let go_to_user = move || {
        if let Some(id) = created_id.get_value() {
            navigate(&format!("/users/{id}"), Default::default());
        }
    };
    let alert = RwSignal::new(None);
    // The photo is sent once the user exists (PUT /api/v1/users/{id}/avatar).
    #[cfg(feature = "hydrate")]
    let photo = StoredValue::new_local(None::<web_sys::File>);
    let pick_photo = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let file = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            let too_large = file.as_ref().is_some_and(|f| f.size() > 2.0 * 1024.0 * 1024.0);
            feedback.server(if too_large {
                photo_error(shared::FieldCode::TooLarge)
            } else {
                Default::default()
            });
            photo.set_value(file.filter(|_| !too_large));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    Effect::new({
        let go_to_user = go_to_user.clone();
        move |_| match create.value().get() {
            Some(Ok(CreatedUser { user, temporary_password })) => {
                created_id.set_value(Some(user.id.to_string()));
                let go_to_user = go_to_user.clone();
                let next = move || {
                    match temporary_password {
                    Some(password) => secret.set(Some(Secret {
                        title: "User created".into(),
                        message: format!("Give {} this temporary password. They will choose their own at first sign-in.", user.username),
                        password,
                    })),
                    None => go_to_user(),
                }
                };
                #[cfg(feature = "hydrate")]
                if let Some(file) = photo.get_value() {
                    leptos::task::spawn_local(async move {
                        if let Err(err) = crate::components::avatar::upload(user.id, file).await {
                            alert.set(Some(err));
                        }
                        next();
                    });
                    return;
                }
                next();
            }
            Some(Err(err)) => {
                feedback.server(err.fields.clone());
                alert.set(err.fields.is_empty().then_some(err));
            }
            None => {}
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if feedback.submit() {
            create.dispatch(CreateUser { form: form() });
        }
    };
    let chosen_type = Signal::derive(move || user_type.get().parse::<UserType>().ok());
    let types = offered_types(&me);
    let access_header = view! {
        <div class="grid-2">
            <Field name="user_type" label="User type" feedback hint="Cannot change after creation.">
                <select id="user-user_type" required aria-describedby=error_id("user_type")
                    on:change=move |ev| { user_type.set(event_target_value(&ev)); feedback.changed("user_type"); }>
                    <option value="" selected>"Choose a type"</option>
                    {types.into_iter().map(|t| view! { <option value=t.as_str()>{t.label()}</option> }).collect_view()}
                </select>
            </Field>
            <Field name="status" label="Status" feedback>
                <select id="user-status" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="active" selected>"Active"</option>
                    <option value="suspended">"Suspended"</option>
                </select>
            </Field>
        </div>
    }
    .into_any();
    let context = FormContext {
        me,
        roles,
        user_type: chosen_type,
        editing: None,
        held: Vec::new(),
        manager: None,
    };
    let identity =
        Signal::derive(move || fields.with(|f| vec![f.username.clone(), f.email.clone()]));
    view! {
        <form class="user-form" novalidate on:submit=on_submit>
            <FormAlert error=alert/>
            <UserFormFields fields feedback context access_header/>
            <fieldset class="card form-section">
                <legend>"Photo"</legend>
                <Field name="avatar" label="Photo" feedback hint=format!("Optional. PNG, JPEG or WebP, up to {}; shown as a square.", shared::profile::max_avatar_size())>
                    <input id="user-avatar" type="file" accept="image/png,image/jpeg,image/webp" on:change=pick_photo/>
                </Field>
            </fieldset>
            <fieldset class="card form-section">
                <legend>"Password"</legend>
                <div class="radio-row" role="radiogroup" aria-label="First password">
                    <label class="check"><input type="radio" name="password-mode" checked
                        on:change=move |_| set_password.set(false)/>" Generate a temporary password"</label>
                    <label class="check"><input type="radio" name="password-mode"
                        on:change=move |_| set_password.set(true)/>" Set a password"</label>
                </div>
                <Show when=move || set_password.get()>
                    <div class="grid-2">
                        <Field name="password" label="Password" feedback>
                            <input id="user-password" type="password" autocomplete="new-password"
                                aria-describedby=error_id("password")
                                prop:value=move || password.get()
                                on:input=move |ev| { password.set(event_target_value(&ev)); feedback.changed("password"); }/>
                        </Field>
                        <Field name="password_confirmation" label="Repeat the password" feedback>
                            <input id="user-password_confirmation" type="password" autocomplete="new-password"
                                aria-describedby=error_id("password_confirmation")
                                prop:value=move || confirm.get()
                                on:input=move |ev| confirm.set(event_target_value(&ev))/>
                        </Field>
                    </div>
                    <PasswordRules password=password identity/>
                </Show>
                <label class="check">
                    <input type="checkbox" disabled=move || !set_password.get()
                        prop:checked=move || must_change.get() || !set_password.get()
                        on:change=move |ev| must_change.set(event_target_checked(&ev))/>
                    " Must change the password at first sign-in"
                </label>
            </fieldset>
            <div class="form-actions">
                <a class="button" href="/users">"Cancel"</a>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create user"</button>
            </div>
        </form>
        <SecretDialog secret on_close=Callback::new(move |_| go_to_user())/>
    }
}

/// The user types `me` may create: those granting nothing beyond what they hold, and in the
/// platform tenant superusers only.
fn offered_types(me: &Me) -> Vec<UserType> {
    let held: shared::Permissions = me.permissions.iter().copied().collect();
    let platform = me.tenant.slug == shared::TenantSlug::PLATFORM;
    UserType::ALL
        .into_iter()
        .filter(|t| t.creatable_by(&held) && (!platform || *t == UserType::TenantAdmin))
        .collect()
}

#[cfg(feature = "hydrate")]
fn photo_error(code: shared::FieldCode) -> shared::FieldErrors {
    [("avatar".to_owned(), vec![code.as_str().to_owned()])].into()
}
