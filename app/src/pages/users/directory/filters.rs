//! The stat cards (a click filters by that status) and the filter bar: search (`/` focuses it),
//! status, user type, role and team, Refresh, and Clear when anything is set.

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::UserType;
use shared::account::{RoleOption, TeamRef};
use shared::directory::{StatusFilter, UserQuery, UserStats};

use super::{go_to, href};

/// "1,234,567".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Total, then one card per status; a card links to the directory filtered by its status (the
/// selected one back to all). Counts are dashes until they arrive (or when they cannot).
#[component]
pub fn StatCards(query: Memo<UserQuery>, stats: Option<UserStats>) -> impl IntoView {
    let card = move |status: Option<StatusFilter>| {
        let label = status.map_or("Total", StatusFilter::label);
        let key = status.map_or("total", StatusFilter::as_str);
        let selected =
            move || query.with(|q| q.status.as_deref() == status.map(StatusFilter::as_str));
        let target = move || {
            let pick = if selected() { None } else { status.map(|s| s.as_str().to_owned()) };
            query.with(|q| href(&q.with("status", pick)))
        };
        let count =
            stats.map_or("—".to_owned(), |s| grouped(status.map_or(s.total, |st| s.count(st))));
        view! {
            <A href=target attr:class=move || format!("stat-card {key}{}", if selected() { " selected" } else { "" })
                attr:aria-current=move || selected().then_some("true")>
                <span class="stat-label">{label}</span>
                <strong class="stat-count">{count}</strong>
            </A>
        }
    };
    view! {
        <nav class="stat-cards" aria-label="Users by status">
            {card(None)}
            {StatusFilter::ALL.into_iter().map(|s| card(Some(s))).collect_view()}
        </nav>
    }
}

/// Search and the filters; each change navigates (search after a pause in typing).
#[component]
pub fn FilterBar(
    query: Memo<UserQuery>,
    roles: Vec<RoleOption>,
    teams: Vec<TeamRef>,
    reload: RwSignal<u32>,
    busy: ReadSignal<bool>,
) -> impl IntoView {
    let go = go_to();
    let search = NodeRef::<html::Input>::new();
    focus_on_slash(search);
    let typed = StoredValue::new(0u32);
    let on_input = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            let n = typed.get_value().wrapping_add(1);
            typed.set_value(n);
            let go = go.clone();
            set_timeout(
                move || {
                    if typed.get_value() == n {
                        go(&query.get_untracked().with("q", Some(value)), true);
                    }
                },
                std::time::Duration::from_millis(300),
            );
        }
    };
    let on_submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            typed.update_value(|n| *n = n.wrapping_add(1));
            let value = search.get_untracked().map(|input| input.value());
            go(&query.get_untracked().with("q", value), false);
        }
    };
    let statuses =
        StatusFilter::ALL.into_iter().map(|s| (s.as_str().to_owned(), s.label().to_owned()));
    let types = UserType::ALL.into_iter().map(|t| (t.as_str().to_owned(), t.label().to_owned()));
    let roles = roles.into_iter().map(|r| (r.id.to_string(), r.name)).collect();
    let teams = teams.into_iter().map(|t| (t.id.to_string(), t.name)).collect();
    view! {
        <form class="filter-bar" role="search" method="get" action="/users" on:submit=on_submit>
            <label class="field search-field">
                <span class="visually-hidden">"Search users"</span>
                <input type="search" name="q" node_ref=search autocomplete="off"
                    placeholder="Search name, email, username, code…  ( / )" aria-keyshortcuts="/"
                    prop:value=move || query.with(|q| q.q.clone().unwrap_or_default()) on:input=on_input/>
            </label>
            <Dropdown query key="status" label="Status" any="Any status" options=statuses.collect()/>
            <Dropdown query key="user_type" label="User type" any="Any type" options=types.collect()/>
            <Dropdown query key="role" label="Role" any="Any role" options=roles/>
            <Dropdown query key="team" label="Team" any="Any team" options=teams/>
            <button type="button" class="button" aria-busy=move || busy.get().to_string()
                on:click=move |_| reload.update(|n| *n += 1)>
                {move || if busy.get() { "Refreshing…" } else { "Refresh" }}
            </button>
            <Show when=move || query.with(UserQuery::is_filtered)>
                <A href=move || query.with(|q| href(&UserQuery { sort: q.sort.clone(), ..UserQuery::default() }))
                    attr:class="clear-link">"Clear"</A>
            </Show>
        </form>
    }
}

/// One filter of the bar: the query parameter `key` chosen among `options` (value, label), or
/// `any` for none.
#[component]
fn Dropdown(
    query: Memo<UserQuery>,
    key: &'static str,
    label: &'static str,
    any: &'static str,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let go = go_to();
    let current = move || {
        query.with(|q| match key {
            "status" => q.status.clone(),
            "user_type" => q.user_type.clone(),
            "role" => q.role.clone(),
            _ => q.team.clone(),
        })
    };
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let is = value.clone();
            view! { <option value=value selected=move || current().as_deref() == Some(is.as_str())>{text}</option> }
        })
        .collect_view();
    view! {
        <label class="field">
            <select name=key aria-label=label
                on:change=move |ev| go(&query.get_untracked().with(key, Some(event_target_value(&ev))), false)>
                <option value="" selected=move || current().is_none()>{any}</option>
                {options}
            </select>
        </label>
    }
}

/// `/` anywhere but in a text field focuses the search box.
fn focus_on_slash(search: NodeRef<html::Input>) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            let typing = event_target::<web_sys::HtmlElement>(&ev).tag_name();
            let slash =
                ev.key() == "/" && !matches!(typing.as_str(), "INPUT" | "TEXTAREA" | "SELECT");
            if let Some(input) = search.get_untracked().filter(|_| slash) {
                ev.prevent_default();
                let _ = input.focus();
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = search;
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (1_000_000, "1,000,000"),
            (-12_345, "-12,345"),
        ];
        for (n, text) in cases {
            assert_eq!(super::grouped(n), text);
        }
    }
}
