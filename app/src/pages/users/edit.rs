//! Editing a user. The form remembers the version it was loaded at; when someone else saved in
//! between, the server answers 409 and the page says which fields they changed and offers to
//! load their changes while keeping what this admin typed.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use shared::account::{RoleOption, User, UserEdit};
use shared::auth::Me;
use shared::user_form::UserFields;
use shared::user_patch::UserPatch;
use shared::{ApiError, ErrorCode};

use super::detail::load_user;
use crate::api::users::{UpdateUser, get_user, role_options};
use crate::components::forms::FormAlert;
use crate::components::layout::CurrentUser;
use crate::components::loading::{LoadError, loading};
use crate::components::user_form::{Feedback, FormContext, UserFormFields};

/// `/users/{id}/edit`.
#[component]
pub fn EditUser() -> impl IntoView {
    let user = load_user(RwSignal::new(0));
    let roles = Resource::new(|| (), |_| role_options());
    let me = CurrentUser::get();
    view! {
        <Title text="Edit user · Roster"/>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match (user.await, roles.await, me.user().await) {
                    (Ok(user), Ok(roles), Ok(Some(me))) => view! { <EditForm user roles me/> }.into_any(),
                    (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => view! { <LoadError err/> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EditForm(user: User, roles: Vec<RoleOption>, me: Me) -> impl IntoView {
    let id = user.id;
    let base = RwSignal::new(user.clone());
    let fields = RwSignal::new(user.fields());
    let client = Signal::derive(move || {
        let kept = base.with(|b| b.expires_at);
        fields.with(|f| f.validate(Utc::now(), kept).err().unwrap_or_default())
    });
    let feedback = Feedback::new(client);
    let save = ServerAction::<UpdateUser>::new();
    let alert = RwSignal::new(None::<ApiError>);
    // Someone else's newer version and the fields they changed.
    let theirs = RwSignal::new(None::<(User, Vec<String>)>);
    let navigate = use_navigate();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => navigate(&format!("/users/{}", saved.id), Default::default()),
        Some(Err(err)) if err.error == ErrorCode::Conflict => spawn_local(async move {
            match get_user(id).await {
                Ok(latest) => {
                    let changed = changed_fields(&base.get_untracked().fields(), &latest.fields());
                    theirs.set(Some((latest, changed)));
                }
                Err(err) => alert.set(Some(err)),
            }
        }),
        Some(Err(err)) => {
            feedback.server(err.fields.clone());
            alert.set(err.fields.is_empty().then_some(err));
        }
        None => {}
    });
    let load_theirs = move |_| {
        if let Some((latest, _)) = theirs.get_untracked() {
            let merged =
                rebase(&fields.get_untracked(), &base.get_untracked().fields(), &latest.fields());
            fields.set(merged);
            base.set(latest);
            theirs.set(None);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        alert.set(None);
        if feedback.submit() {
            let edit =
                UserEdit { version: base.get_untracked().version, fields: fields.get_untracked() };
            save.dispatch(UpdateUser { id, edit });
        }
    };
    let access_header = view! {
        <p class="readonly-field"><strong>"User type: "</strong>{user.user_type.label()}
            <small class="muted">" It cannot change after creation; create a new user instead."</small></p>
    }
    .into_any();
    let context = FormContext {
        me,
        roles,
        user_type: Signal::stored(Some(user.user_type)),
        editing: Some(id),
        held: user.roles.iter().map(|r| r.id).collect(),
        manager: user.manager.clone(),
    };
    view! {
        <header class="page-header"><h1>"Edit " {user.display_name()}</h1></header>
        <form class="user-form" novalidate on:submit=on_submit>
            <FormAlert error=alert/>
            <Show when=move || theirs.with(|t| t.is_some())>
                <div class="alert warning" role="alert">
                    <p><strong>"Someone else changed this user after you opened it."</strong>
                        " They changed: " {move || theirs.with(|t| t.as_ref().map(|(_, c)| c.join(", ")))} "."</p>
                    <p>"Load their changes to continue: what you typed stays, and the fields you did not touch take their values. Then save again."</p>
                    <button type="button" class="button" on:click=load_theirs>"Load their changes"</button>
                </div>
            </Show>
            <UserFormFields fields feedback context access_header/>
            <div class="form-actions">
                <a class="button" href=format!("/users/{id}")>"Cancel"</a>
                <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save changes"</button>
            </div>
        </form>
    }
}

/// The labels of the fields that differ between two versions of the form.
fn changed_fields(before: &UserFields, after: &UserFields) -> Vec<String> {
    let changed = UserPatch::between(before, after, 0).changed();
    changed.into_iter().map(|field| field.replace('_', " ")).collect()
}

/// Their version, with every field this admin changed (compared with the version they loaded)
/// taken from what the admin typed.
fn rebase(mine: &UserFields, loaded: &UserFields, theirs: &UserFields) -> UserFields {
    UserPatch::between(loaded, mine, 0).apply(theirs.clone())
}
