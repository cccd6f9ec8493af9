//! A list of audit events, newest first: when, who, what, about whom, and (expanded) the field
//! diff, the context and where the request came from. The Audit page and a user's History tab
//! show it; native `<details>` make every event expandable by keyboard, before and after
//! hydration alike.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::audit::{ActorKind, AuditEntry, AuditPage, AuditQuery, show_value};

use crate::components::moment::Moment;

/// The address of another view of the trail (the Audit page's, or the History tab's).
pub type Link = fn(&AuditQuery) -> String;

/// The events of a page, then Newest / Older links. `query` is the view shown; names link to
/// the same view narrowed to that actor or target.
#[component]
pub fn AuditEvents(page: AuditPage, query: AuditQuery, link: Link) -> impl IntoView {
    if page.items.is_empty() {
        let text = if query.cursor.is_some() {
            "No older events."
        } else if query.is_filtered() {
            "No events match these filters."
        } else {
            "Nothing has been recorded yet."
        };
        return view! { <p class="empty-state card">{text}</p> }.into_any();
    }
    let newest =
        query.cursor.is_some().then(|| link(&AuditQuery { cursor: None, ..query.clone() }));
    let older =
        page.next_cursor.clone().map(|c| link(&AuditQuery { cursor: Some(c), ..query.clone() }));
    let events = page
        .items
        .into_iter()
        .map(|entry| view! { <Event entry query=query.clone() link/> })
        .collect_view();
    view! {
        <ol class="audit-events card" aria-label="Audit events">{events}</ol>
        <nav class="pager" aria-label="Pages of events">
            <Pager href=newest label="Newest"/>
            <Pager href=older label="Older"/>
        </nav>
    }
    .into_any()
}

#[component]
fn Pager(href: Option<String>, label: &'static str) -> impl IntoView {
    match href {
        Some(href) => view! { <A href=href attr:class="button">{label}</A> }.into_any(),
        None => view! { <span class="button" aria-disabled="true">{label}</span> }.into_any(),
    }
}

/// One event: a summary line (plain text: a summary is itself the control, so it holds no
/// links) that expands to the diff and the facts, whose names narrow the view.
#[component]
fn Event(entry: AuditEntry, query: AuditQuery, link: Link) -> impl IntoView {
    let by = match entry.actor.kind {
        ActorKind::User => entry.actor.name.clone(),
        ActorKind::System => "Roster".to_owned(),
        ActorKind::Anonymous => "Someone not signed in".to_owned(),
        ActorKind::Unknown => entry.actor.name.clone(),
    };
    let about = entry.target.as_ref().map(|t| format!(" → {}", t.name)).unwrap_or_default();
    let changed = match entry.changes.len() {
        0 => String::new(),
        1 => format!("changed {}", field_label(&entry.changes[0].field).to_lowercase()),
        n => format!("{n} fields changed"),
    };
    let action_class = format!("badge action {}", entry.action.split('.').next().unwrap_or(""));
    view! {
        <li class="audit-event">
            <details>
                <summary>
                    <span class="event-when"><Moment at=Some(entry.occurred_at)/></span>
                    <span class=action_class>{entry.label().to_owned()}</span>
                    <span class="event-parties">{by}{about}</span>
                    <span class="muted event-changed">{changed}</span>
                </summary>
                <EventDetails entry query link/>
            </details>
        </li>
    }
}

/// The diff table and the facts of one event.
#[component]
fn EventDetails(entry: AuditEntry, query: AuditQuery, link: Link) -> impl IntoView {
    let diff = (!entry.changes.is_empty()).then(|| {
        let rows = entry
            .changes
            .iter()
            .map(|change| {
                view! {
                    <tr>
                        <th scope="row">{field_label(&change.field)}</th>
                        <td class="before"><del>{show_value(&change.before)}</del></td>
                        <td class="after"><ins>{show_value(&change.after)}</ins></td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table diff">
                <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let details = entry
        .details
        .iter()
        .map(|(key, value)| view! { <dt>{field_label(key)}</dt><dd>{show_value(value)}</dd> })
        .collect_view();
    let or_dash = |v: Option<String>| v.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".into());
    let actor = entry.actor.id.map(|id| {
        let href = link(&query.with("actor", Some(id.to_string())));
        let title = format!("Only events by {}", entry.actor.name);
        view! { <dt>"By"</dt><dd><A href=href attr:title=title>{entry.actor.name.clone()}</A></dd> }
    });
    let target = entry.target.clone().map(|target| {
        let href = link(&query.with("target", Some(target.id.to_string())));
        let title = format!("Only events about {}", target.name);
        view! { <dt>"About"</dt><dd><A href=href attr:title=title>{target.name}</A></dd> }
    });
    let user_page = entry
        .target
        .as_ref()
        .filter(|t| t.kind == "user")
        .map(|t| view! { <A href=format!("/users/{}", t.id)>"Open the user's page"</A> });
    view! {
        <div class="event-details">
            {diff}
            <dl class="facts">
                {actor}
                {target}
                {details}
                <dt>"Exact time"</dt><dd>{entry.occurred_at.to_rfc3339()}</dd>
                <dt>"Address"</dt><dd>{or_dash(entry.source_ip)}</dd>
                <dt>"Browser"</dt><dd>{or_dash(entry.user_agent)}</dd>
                <dt>"Request ID"</dt><dd><code>{or_dash(entry.request_id)}</code></dd>
            </dl>
            {user_page}
        </div>
    }
}

/// `must_change_password` → "Must change password".
pub fn field_label(field: &str) -> String {
    let text = field.replace('_', " ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn field_names_read_as_labels() {
        assert_eq!(super::field_label("must_change_password"), "Must change password");
        assert_eq!(super::field_label("email"), "Email");
        assert_eq!(super::field_label(""), "");
    }
}
