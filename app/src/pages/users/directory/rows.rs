//! The directory's rows: a table with sortable headers on wide screens, a list of cards below
//! 768 px (the same markup, laid out by the stylesheet), and the pager.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::auth::Me;
use shared::directory::{Sort, SortField, StatusFilter, UserPage, UserQuery, UserRow};
use shared::{Permission, UserType};

use super::filters::grouped;
use super::href;
use crate::components::avatar::Avatar;
use crate::components::lifecycle::{LifecycleButtons, Request, Target};
use crate::components::moment::Moment;

#[component]
pub fn UserTable(
    page: UserPage,
    query: Memo<UserQuery>,
    me: Option<Me>,
    request: Request,
) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <Empty query/> }.into_any();
    }
    let can_edit = me.as_ref().is_some_and(|me| me.can(Permission::UsersUpdate));
    let shown = page.items.len();
    let rows = page
        .items
        .into_iter()
        .map(|user| view! { <Row user me=me.clone() can_edit request/> })
        .collect_view();
    let pager_link = move |cursor: Option<String>, label: &'static str, rel: &'static str| {
        match cursor {
            Some(cursor) => view! {
                <A href=query.with_untracked(|q| href(&UserQuery { cursor: Some(cursor), ..q.clone() }))
                    attr:class="button" attr:rel=rel>{label}</A>
            }
            .into_any(),
            None => view! { <span class="button" aria-disabled="true">{label}</span> }.into_any(),
        }
    };
    view! {
        <div class="card table-card">
            <table class="table directory">
                <thead>
                    <tr>
                        <th scope="col" aria-sort=sort_state(query, SortField::Name)>
                            <SortLink query field=SortField::Name label="Name"/>" · "
                            <SortLink query field=SortField::Email label="Email"/>
                        </th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Roles"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" aria-sort=sort_state(query, SortField::LastLogin)>
                            <SortLink query field=SortField::LastLogin label="Last sign-in"/>
                        </th>
                        <th scope="col" aria-sort=sort_state(query, SortField::CreatedAt)>
                            <SortLink query field=SortField::CreatedAt label="Created"/>
                        </th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <nav class="pager" aria-label="Pages">
                <span class="muted">{format!("{shown} shown of {}", grouped(page.total))}</span>
                <div class="button-row">
                    {pager_link(page.prev_cursor, "Previous", "prev")}
                    {pager_link(page.next_cursor, "Next", "next")}
                </div>
            </nav>
        </div>
    }
    .into_any()
}

#[component]
fn Empty(query: Memo<UserQuery>) -> impl IntoView {
    let filtered = query.with_untracked(UserQuery::is_filtered);
    view! {
        <div class="card empty-state">
            {if filtered {
                view! {
                    <p>"No user matches these filters."</p>
                    <A href="/users">"Clear the filters"</A>
                }.into_any()
            } else {
                view! { <p>"No users yet."</p> }.into_any()
            }}
        </div>
    }
}

/// `aria-sort` of a column header.
fn sort_state(query: Memo<UserQuery>, field: SortField) -> &'static str {
    let sort = query.with_untracked(current_sort);
    match (sort.field == field, sort.descending) {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    }
}

fn current_sort(query: &UserQuery) -> Sort {
    query.sort.as_deref().and_then(Sort::parse).unwrap_or_default()
}

/// A column header's link: sorts by the column, or flips the direction when it already does.
#[component]
fn SortLink(query: Memo<UserQuery>, field: SortField, label: &'static str) -> impl IntoView {
    let q = query.get_untracked();
    let sort = current_sort(&q);
    let next = sort.toggled(field);
    let arrow = match (sort.field == field, sort.descending) {
        (false, _) => "",
        (true, false) => " ↑",
        (true, true) => " ↓",
    };
    view! {
        <A href=href(&q.with("sort", Some(next.to_param()))) attr:class="sort-link">
            {label}{arrow}
        </A>
    }
}

#[component]
fn Row(user: UserRow, me: Option<Me>, can_edit: bool, request: Request) -> impl IntoView {
    let id = user.id;
    let state = user.state();
    let target = Target {
        id,
        name: user.display_name(),
        username: user.username.clone(),
        suspended: state == Some(StatusFilter::Suspended),
        service: user.user_type == UserType::Service,
    };
    let version = user.avatar_updated_at.map_or(0, |at| at.timestamp());
    let (name, email, last_login, created) =
        (user.display_name(), user.email, user.last_login_at, user.created_at);
    let roles = if user.roles.is_empty() {
        view! { <span class="muted">"None"</span> }.into_any()
    } else {
        user.roles
            .into_iter()
            .map(|r| view! { <span class="chip">{r.name}</span> })
            .collect_view()
            .into_any()
    };
    view! {
        <tr>
            <td class="who-cell">
                <div class="person-cell">
                    <Avatar id first_name=user.first_name last_name=user.last_name
                        has_avatar=user.avatar_updated_at.is_some() version/>
                    <div>
                        <A href=format!("/users/{id}") attr:class="user-name">{name}</A>
                        <div class="muted small">{email}</div>
                    </div>
                </div>
            </td>
            <td data-label="Type"><span class="badge type">{user.user_type.label()}</span></td>
            <td data-label="Roles" class="chips-cell">{roles}</td>
            <td data-label="Status"><span class=format!("badge {}", state.map_or("unknown", StatusFilter::as_str))>
                {state.map_or("Unknown", StatusFilter::label)}
            </span></td>
            <td data-label="Last sign-in"><Moment at=last_login/></td>
            <td data-label="Created"><Moment at=Some(created)/></td>
            <td class="actions-cell">
                <div class="button-row">
                    {can_edit.then(|| view! { <A href=format!("/users/{id}/edit") attr:class="button">"Edit"</A> })}
                    <LifecycleButtons target me request/>
                </div>
            </td>
        </tr>
    }
}
