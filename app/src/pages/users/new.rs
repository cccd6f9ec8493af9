//! Creating a user: the shared form plus the user type, status and first password.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use shared::account::{CreatedUser, RoleOption};
use shared::auth::Me;
use shared::profile::max_avatar_size;
use shared::user_form::{NewUserForm, PasswordChoice, UserFields};
use shared::{ApiError, FieldCode, Password, UserType, Uuid};

use crate::api::users::{CreateUser, role_options};
use crate::components::dialog::{Secret, SecretDialog};
use crate::components::forms::{FormAlert, PasswordRules};
use crate::components::layout::CurrentUser;
use crate::components::loading::{LoadError, loading};
use crate::components::user_form::{Feedback, Field, FormContext, UserFormFields, error_id};

/// `/users/new`.
#[component]
pub fn NewUser() -> impl IntoView {
    let roles = Resource::new(|| (), |_| role_options());
    let me = CurrentUser::get();
    view! {
        <Title text="New user · Roster"/>
        <header class="page-header"><h1>"New user"</h1></header>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match (roles.await, me.user().await) {
                    (Ok(roles), Ok(Some(me))) => view! { <CreateForm me roles/> }.into_any(),
                    (Err(err), _) | (_, Err(err)) => view! { <LoadError err/> }.into_any(),
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
    let first = FirstPassword::new();
    let form = move || NewUserForm {
        fields: fields.get(),
        user_type: user_type.get(),
        status: status.get(),
        password: first.choice(),
        must_change_password: first.must_change.get(),
    };
    let client = Signal::derive(move || {
        let mut errors = form().validate(Utc::now()).err().unwrap_or_default();
        if first.mismatch() {
            let codes = errors.entry("password_confirmation".into()).or_default();
            codes.push(FieldCode::Mismatch.as_str().into());
        }
        errors
    });
    let feedback = Feedback::new(client);
    let create = ServerAction::<CreateUser>::new();
    let (secret, alert) = (RwSignal::new(None::<Secret>), RwSignal::new(None));
    let created = RwSignal::new(None::<Uuid>);
    let photo = PickedPhoto::new();
    let navigate = use_navigate();
    let go_to_user = move || {
        if let Some(id) = created.get_untracked() {
            navigate(&format!("/users/{id}"), Default::default());
        }
    };
    Effect::new({
        let go_to_user = go_to_user.clone();
        move |_| match create.value().get() {
            Some(Ok(CreatedUser { user, temporary_password })) => {
                created.set(Some(user.id));
                let go_to_user = go_to_user.clone();
                spawn_local(async move {
                    if let Err(err) = photo.upload(user.id).await {
                        alert.set(Some(err));
                    }
                    match temporary_password {
                        Some(password) => secret.set(Some(Secret {
                            what: "temporary password",
                            title: "User created".into(),
                            message: format!("Give {} this temporary password. They will choose their own at first sign-in.", user.username),
                            password,
                        })),
                        None => go_to_user(),
                    }
                });
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
    let types = offered_types(&me);
    let access_header = view! { <TypeAndStatus types user_type status feedback/> }.into_any();
    let user_type = Signal::derive(move || user_type.get().parse::<UserType>().ok());
    let context =
        FormContext { me, roles, user_type, editing: None, held: Vec::new(), manager: None };
    let identity =
        Signal::derive(move || fields.with(|f| vec![f.username.clone(), f.email.clone()]));
    view! {
        <form class="user-form" novalidate on:submit=on_submit>
            <FormAlert error=alert/>
            <UserFormFields fields feedback context access_header/>
            <PhotoSection photo feedback/>
            <PasswordSection first feedback identity/>
            <div class="form-actions">
                <a class="button" href="/users">"Cancel"</a>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create user"</button>
            </div>
        </form>
        <SecretDialog secret on_close=Callback::new(move |_| go_to_user())/>
    }
}

/// The user type (fixed once created) and the first status.
#[component]
fn TypeAndStatus(
    types: Vec<UserType>,
    user_type: RwSignal<String>,
    status: RwSignal<String>,
    feedback: Feedback,
) -> impl IntoView {
    view! {
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
}

/// The first password as chosen in the form: generated by the server, or typed here twice.
#[derive(Clone, Copy)]
struct FirstPassword {
    set: RwSignal<bool>,
    password: RwSignal<String>,
    confirm: RwSignal<String>,
    must_change: RwSignal<bool>,
}

impl FirstPassword {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        let (set, must_change) = (RwSignal::new(false), RwSignal::new(true));
        Self { set, password: text(), confirm: text(), must_change }
    }

    fn choice(self) -> PasswordChoice {
        if self.set.get() {
            PasswordChoice::Set { password: Password::new(self.password.get()) }
        } else {
            PasswordChoice::Generate
        }
    }

    /// A password is being set and its repetition differs.
    fn mismatch(self) -> bool {
        self.set.get() && self.confirm.get() != self.password.get()
    }
}

#[component]
fn PasswordSection(
    first: FirstPassword,
    feedback: Feedback,
    identity: Signal<Vec<String>>,
) -> impl IntoView {
    let FirstPassword { set, password, confirm, must_change } = first;
    view! {
        <fieldset class="card form-section">
            <legend>"Password"</legend>
            <div class="radio-row" role="radiogroup" aria-label="First password">
                <label class="check"><input type="radio" name="password-mode" checked
                    on:change=move |_| set.set(false)/>" Generate a temporary password"</label>
                <label class="check"><input type="radio" name="password-mode"
                    on:change=move |_| set.set(true)/>" Set a password"</label>
            </div>
            <Show when=move || set.get()>
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
                <input type="checkbox" disabled=move || !set.get()
                    prop:checked=move || must_change.get() || !set.get()
                    on:change=move |ev| must_change.set(event_target_checked(&ev))/>
                " Must change the password at first sign-in"
            </label>
        </fieldset>
    }
}

/// The photo picked for the new user, kept in the browser and sent once the user exists
/// (`PUT /api/v1/users/{id}/avatar`).
#[derive(Clone, Copy)]
struct PickedPhoto {
    #[cfg(feature = "hydrate")]
    file: StoredValue<Option<web_sys::File>, LocalStorage>,
}

impl PickedPhoto {
    fn new() -> Self {
        Self {
            #[cfg(feature = "hydrate")]
            file: StoredValue::new_local(None),
        }
    }

    /// Keeps the file chosen in the input of `ev`; one over the size limit is refused at once.
    fn pick(self, ev: leptos::ev::Event, feedback: Feedback) {
        #[cfg(feature = "hydrate")]
        {
            let file = crate::components::avatar::chosen_file(&ev);
            let too_large =
                file.as_ref().is_some_and(|f| f.size() > shared::profile::MAX_AVATAR_BYTES as f64);
            let refused = [("avatar".to_owned(), vec![FieldCode::TooLarge.as_str().to_owned()])];
            feedback.server(if too_large { refused.into() } else { Default::default() });
            self.file.set_value(file.filter(|_| !too_large));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, feedback);
    }

    /// Sends the photo, if one was picked, as user `id`'s avatar.
    async fn upload(self, id: Uuid) -> Result<(), ApiError> {
        #[cfg(feature = "hydrate")]
        if let Some(file) = self.file.get_value() {
            return crate::components::avatar::upload(id, file).await;
        }
        let _ = id;
        Ok(())
    }
}

#[component]
fn PhotoSection(photo: PickedPhoto, feedback: Feedback) -> impl IntoView {
    let hint =
        format!("Optional. PNG, JPEG or WebP, up to {}; shown as a square.", max_avatar_size());
    view! {
        <fieldset class="card form-section">
            <legend>"Photo"</legend>
            <Field name="avatar" label="Photo" feedback hint>
                <input id="user-avatar" type="file" accept="image/png,image/jpeg,image/webp"
                    on:change=move |ev| photo.pick(ev, feedback)/>
            </Field>
        </fieldset>
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
