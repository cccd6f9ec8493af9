//! `/users`: the directory. Stat cards, a filter bar, the table (a list of cards on narrow
//! screens) and keyset paging. The whole view lives in the address (`?status=active&sort=-name`),
//! so it can be bookmarked and shared, and Back restores it; every control navigates.

mod filters;
mod rows;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::directory::UserQuery;
use shared::query::{from_query_string, to_query_string};
use shared::{ApiError, Permission};

use self::filters::{FilterBar, StatCards};
use self::rows::UserTable;
use crate::api::users::{list_users, role_options, team_options};
use crate::components::forms::FormAlert;
use crate::components::layout::CurrentUser;
use crate::components::lifecycle::{LifecycleDialogs, Request};

/// The directory's address for a query.
pub fn href(query: &UserQuery) -> String {
    format!("/users{}", to_query_string(query))
}

/// Goes to another view of the directory; `replace` keeps it out of the history (typing).
pub fn go_to() -> impl Fn(&UserQuery, bool) + Clone + Send + Sync + 'static {
    let navigate = use_navigate();
    move |query, replace| {
        navigate(&href(query), NavigateOptions { replace, scroll: false, ..Default::default() })
    }
}

#[component]
pub fn Users() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| from_query_string(&p.to_query_string())));
    let reload = RwSignal::new(0u32);
    let me = CurrentUser::get();
    let roles = Resource::new(|| (), |_| role_options());
    let teams = Resource::new(|| (), |_| team_options());
    let page = Resource::new(move || (query.get(), reload.get()), |(q, _)| list_users(q));
    let request: Request = RwSignal::new(None);
    let failed = RwSignal::new(None::<ApiError>);
    let (busy, set_busy) = signal(false);
    // Busy only in the browser: the server would render "Refreshing…" while it waits for the
    // page, and hydration keeps the server's text.
    let set_busy = SignalSetter::map(move |pending| {
        if cfg!(feature = "hydrate") {
            set_busy.set(pending);
        }
    });
    let can_create = move || {
        me.now().and_then(Result::ok).flatten().is_some_and(|me| me.can(Permission::UsersCreate))
    };
    view! {
        <Title text="Users · Roster"/>
        <header class="page-header">
            <h1>"Users"</h1>
            <Transition fallback=|| ()>
                {move || can_create().then(|| view! { <A href="/users/new" attr:class="button primary">"New user"</A> })}
            </Transition>
        </header>
        <Transition fallback=move || view! { <StatCards query stats=None/> }>
            {move || Suspend::new(async move { view! { <StatCards query stats=page.await.ok().map(|p| p.stats)/> } })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (roles, teams) = (roles.await.unwrap_or_default(), teams.await.unwrap_or_default());
                view! { <FilterBar query roles teams reload busy/> }
            })}
        </Transition>
        <FormAlert error=failed/>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading users…"</p> } set_pending=set_busy>
            {move || Suspend::new(async move {
                match (page.await, me.user().await) {
                    (Ok(page), Ok(me)) => view! { <UserTable page query me request/> }.into_any(),
                    (Err(err), _) | (_, Err(err)) => view! {
                        <div class="alert error" role="alert">
                            <p>{err.message}</p>
                            <button type="button" class="button" on:click=move |_| reload.update(|n| *n += 1)>"Try again"</button>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
        <LifecycleDialogs request done=Callback::new(move |_| reload.update(|n| *n += 1)) failed/>
    }
}
