//! Choosing one of the tenant's users: type a name, username or email, pick from the matches,
//! or remove the choice. Used by the user form (manager) and the Audit page (actor, target).

use leptos::prelude::*;
use shared::Uuid;
use shared::account::UserRef;

use crate::api::users::pick_users;

/// The search box and its options, or the chosen user with "Remove". `input_id` labels the box;
/// `exclude` is a user who may not be chosen (the user being edited, as their own manager).
#[component]
pub fn UserPicker(
    input_id: &'static str,
    chosen: Option<UserRef>,
    exclude: Option<Uuid>,
    on_choose: Callback<Option<UserRef>>,
) -> impl IntoView {
    let chosen = RwSignal::new(chosen);
    let query = RwSignal::new(String::new());
    // Filled from event handlers only: a resource read here would make the surrounding
    // Transition wait on the client but not on the server, and hydration would not match.
    let found = RwSignal::new(Vec::<UserRef>::new());
    let search = move |q: String| {
        query.set(q.clone());
        leptos::task::spawn_local(async move {
            let users = if q.trim().is_empty() {
                Vec::new()
            } else {
                pick_users(q.clone()).await.unwrap_or_default()
            };
            if query.get_untracked() == q {
                found.set(users);
            }
        });
    };
    let choose = move |user: Option<UserRef>| {
        chosen.set(user.clone());
        query.set(String::new());
        found.set(Vec::new());
        on_choose.run(user);
    };
    let options =
        move || found.get().into_iter().filter(|u| Some(u.id) != exclude).collect::<Vec<_>>();
    let listbox = format!("{input_id}-options");
    move || {
        match chosen.get() {
        Some(user) => view! {
            <div class="chosen">
                <span>{user.name}" "<small class="muted">{user.email}</small></span>
                <button type="button" class="button subtle" on:click=move |_| choose(None)>"Remove"</button>
            </div>
        }
        .into_any(),
        None => view! {
            <input id=input_id type="search" autocomplete="off" role="combobox"
                aria-controls=listbox.clone() aria-autocomplete="list"
                aria-expanded=move || (!options().is_empty()).to_string()
                placeholder="Search by name, username or email"
                prop:value=move || query.get()
                on:input=move |ev| search(event_target_value(&ev))/>
            <ul id=listbox.clone() class="options" role="listbox">
                {move || options().into_iter().map(|user| {
                    let pick = user.clone();
                    view! {
                        <li role="option" aria-selected="false">
                            <button type="button" on:click=move |_| choose(Some(pick.clone()))>
                                {user.name}" "<small class="muted">{user.email}</small>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    }
}
