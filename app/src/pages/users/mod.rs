//! The users section: finding a user, creating one, their page and the edit form.

mod detail;
mod edit;
mod new;

pub use detail::UserPage;
pub use edit::EditUser;
pub use new::NewUser;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use shared::Permission;

use crate::api::auth::current_user;
use crate::api::users::pick_users;

/// The users section's start: find a user by name, username or email, or create one.
#[component]
pub fn Users() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let can_create = move || {
        me.get().and_then(Result::ok).flatten().is_some_and(|me| me.can(Permission::UsersCreate))
    };
    let query = RwSignal::new(String::new());
    let found = LocalResource::new(move || {
        let q = query.get();
        async move { if q.trim().is_empty() { None } else { Some(pick_users(q).await) } }
    });
    view! {
        <Title text="Users · Roster"/>
        <header class="page-header">
            <h1>"Users"</h1>
            <Transition fallback=|| ()>
                {move || can_create().then(|| view! { <A href="/users/new" attr:class="button primary">"New user"</A> })}
            </Transition>
        </header>
        <section class="card">
            <label class="field">
                <span>"Find a user"</span>
                <input type="search" autocomplete="off" placeholder="Start of a name, username or email"
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            </label>
            {move || match found.get().flatten() {
                None => view! { <p class="muted">"Type to search."</p> }.into_any(),
                Some(Err(err)) => view! { <p class="alert error" role="alert">{err.message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No user matches."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="link-list">
                        {list.into_iter().map(|u| view! {
                            <li><A href=format!("/users/{}", u.id)>{u.name}</A>" "<small class="muted">{u.email}</small></li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// An instant as the console shows it: `2026-11-23 19:13 UTC`.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
