//! `/audit`: the tenant's trail for holders of `audit.read`. Filters by actor, target, action and
//! date range live in the address (bookmark, share, Back), keyset pages go older, and Export CSV
//! downloads everything the filters match.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::account::UserRef;
use shared::audit::{Action, AuditPage, AuditQuery, FAMILIES};
use shared::query::{from_query_string, to_query_string};

use crate::api::audit::list_audit;
use crate::components::audit_trail::AuditEvents;
use crate::components::loading::LoadError;
use crate::components::user_picker::UserPicker;

/// The Audit page's address for a query.
pub fn href(query: &AuditQuery) -> String {
    with_params("/audit", query)
}

/// `path` with the query's parameters.
pub fn with_params(path: &str, query: &AuditQuery) -> String {
    format!("{path}{}", to_query_string(query))
}

#[component]
pub fn Audit() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| from_query_string(&p.to_query_string())));
    let page = Resource::new(move || query.get(), list_audit);
    let export = move || {
        query.with(|q| {
            with_params("/api/v1/audit/export", &AuditQuery { cursor: None, ..q.clone() })
        })
    };
    view! {
        <Title text="Audit log · Roster"/>
        <header class="page-header">
            <h1>"Audit log"</h1>
            <a class="button" href=export download>"Export CSV"</a>
        </header>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! {
                        <Filters query=query.get_untracked() names=Names::from(&page)/>
                        <AuditEvents page query=query.get_untracked() link=href/>
                    }.into_any(),
                    Err(err) => view! {
                        <Filters query=query.get_untracked() names=Names::default()/>
                        <LoadError err/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The names of the filtered actor and target, as the events of the page record them.
#[derive(Clone, Default)]
struct Names {
    actor: Option<String>,
    target: Option<String>,
}

impl From<&AuditPage> for Names {
    fn from(page: &AuditPage) -> Self {
        let first = page.items.first();
        Self {
            actor: first.map(|e| e.actor.name.clone()),
            target: first.and_then(|e| e.target.as_ref()).map(|t| t.name.clone()),
        }
    }
}

/// The actor or target filter (`key`): the chosen user as a removable chip (`name` when known),
/// or a picker to choose one.
#[component]
fn PartyFilter(
    key: &'static str,
    label: &'static str,
    query: AuditQuery,
    name: Option<String>,
) -> impl IntoView {
    let input_id = if key == "actor" { "audit-actor" } else { "audit-target" };
    let chosen = if key == "actor" { query.actor.is_some() } else { query.target.is_some() };
    let filter = if chosen {
        let name = name.unwrap_or_else(|| "the chosen user".into());
        let clear = href(&query.with(key, None));
        view! {
            <span class="chip">{name}
                <A href=clear attr:aria-label=format!("Remove the {} filter", label.to_lowercase())>"×"</A>
            </span>
        }
        .into_any()
    } else {
        let navigate = use_navigate();
        let on_choose = Callback::new(move |user: Option<UserRef>| {
            let next = query.with(key, user.map(|u| u.id.to_string()));
            navigate(&href(&next), NavigateOptions { scroll: false, ..Default::default() });
        });
        view! { <UserPicker input_id chosen=None exclude=None on_choose/> }.into_any()
    };
    view! {
        <div class="field picker-field">
            <label for=input_id>{label}</label>
            {filter}
        </div>
    }
}

/// Actor and target (a search, or the chosen one with ×), action, and the date range.
#[component]
fn Filters(query: AuditQuery, names: Names) -> impl IntoView {
    let navigate = use_navigate();
    let go = move |next: AuditQuery| {
        navigate(&href(&next), NavigateOptions { scroll: false, ..Default::default() })
    };
    let set = {
        let query = query.clone();
        move |key: &'static str| {
            let (go, query) = (go.clone(), query.clone());
            move |ev: leptos::ev::Event| go(query.with(key, Some(event_target_value(&ev))))
        }
    };
    let action = query.action.clone().unwrap_or_default();
    let option = |value: &str, label: &str| {
        view! { <option value=value.to_owned() selected=action == value>{label.to_owned()}</option> }
    };
    let families = FAMILIES.iter().map(|(key, label)| option(key, label)).collect_view();
    let actions = Action::ALL.iter().map(|a| option(a.key(), a.label())).collect_view();
    let date = |key: &'static str, label: &'static str, value: Option<String>| {
        let id = format!("audit-{key}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type="date" name=key value=value.unwrap_or_default() on:change=set(key)/>
            </div>
        }
    };
    let clear = query.is_filtered().then(|| {
        view! { <A href="/audit" attr:class="clear-link">"Clear"</A> }
    });
    view! {
        <form class="filter-bar audit-filters" role="search" aria-label="Filter events">
            <PartyFilter key="actor" label="Actor" query=query.clone() name=names.actor/>
            <PartyFilter key="target" label="Target" query=query.clone() name=names.target/>
            <div class="field">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" name="action" on:change=set("action")>
                    <option value="" selected=action.is_empty()>"Any action"</option>
                    <optgroup label="Kinds">{families}</optgroup>
                    <optgroup label="Actions">{actions}</optgroup>
                </select>
            </div>
            {date("from", "From (UTC)", query.from.clone())}
            {date("to", "To (UTC)", query.to.clone())}
            {clear}
        </form>
    }
}
