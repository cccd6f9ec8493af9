//! A user's page: profile, access, activity, and the actions the actor may take (edit, reset the
//! password, suspend or reactivate, the last three confirmed first); for holders of `audit.read`,
//! a History tab with the user's timeline (`?tab=history`); for a service account, its API tokens
//! (`?tab=tokens`); for anyone else, a Sign-in tab (`?tab=sessions`): their second factors
//! (reset by those who may reset their password) and where they are signed in (for those who may
//! suspend them).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::access::{Grant, UserAccess};
use shared::account::{User, UserRef};
use shared::audit::{AuditPage, AuditQuery};
use shared::auth::Me;
use shared::query::{from_query_string, to_query_string};
use shared::{ApiError, ErrorCode, Permission, UserStatus, UserType, Uuid};

use super::tokens::{TokenList, TokenRights, Tokens, token_list};
use super::when;
use crate::api::audit::list_audit;
use crate::api::users::{get_user, user_access};
use crate::components::audit_trail::AuditEvents;
use crate::components::avatar::{Avatar, AvatarUpload};
use crate::components::forms::FormAlert;
use crate::components::layout::CurrentUser;
use crate::components::lifecycle::{LifecycleButtons, LifecycleDialogs, Request, Target};
use crate::components::loading::{LoadError, loading};
use crate::components::second_factors::{FactorList, UserSecondFactors, factor_list};
use crate::components::sessions::{SessionList, Sessions, session_list};

/// The id in the address, if it is one.
pub fn user_id() -> Signal<Option<Uuid>> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("id").and_then(|id| id.parse().ok()))
}

/// Loads the user named by the address (again whenever `reload` changes).
pub fn load_user(reload: RwSignal<u32>) -> Resource<Result<User, ApiError>> {
    let id = user_id();
    Resource::new(
        move || (id.get(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_user(id).await,
                None => Err(ApiError::new(ErrorCode::NotFound, "There is no such user.")),
            }
        },
    )
}

/// `/users/{id}`.
#[component]
pub fn UserPage() -> impl IntoView {
    let reload = RwSignal::new(0);
    let user = load_user(reload);
    let me = CurrentUser::get();
    // Made here, not in the tab: resources made while a Suspend renders do not hydrate.
    let history = history_resource();
    let reload_tokens = RwSignal::new(0);
    let tokens = token_list(user_id(), Signal::derive(move || tab() == Tab::Tokens), reload_tokens);
    let reload_sessions = RwSignal::new(0);
    let open = move || tab() == Tab::Sessions;
    let sessions =
        session_list(move || user_id().get().filter(|_| open()).map(Some), reload_sessions);
    let factors =
        factor_list(move || user_id().get().filter(|_| open()).map(Some), reload_sessions);
    let access = Resource::new(
        move || (user_id().get(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => user_access(id).await.ok(),
                None => None,
            }
        },
    );
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match (user.await, me.user().await) {
                    (Ok(user), Ok(me)) => {
                        let access = access.await;
                        view! {
                            <UserView user reload me history access tokens reload_tokens sessions factors reload_sessions/>
                        }.into_any()
                    }
                    (Err(err), _) | (_, Err(err)) => view! {
                        <Title text="User · Roster"/>
                        <LoadError err/>
                        <A href="/users">"Back to users"</A>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UserView(
    user: User,
    reload: RwSignal<u32>,
    me: Option<Me>,
    history: Resource<Option<Result<AuditPage, ApiError>>>,
    access: Option<UserAccess>,
    tokens: TokenList,
    reload_tokens: RwSignal<u32>,
    sessions: SessionList,
    factors: FactorList,
    reload_sessions: RwSignal<u32>,
) -> impl IntoView {
    let can = |p: Permission| me.as_ref().is_some_and(|me| me.can(p));
    let id = user.id;
    let request: Request = RwSignal::new(None);
    let failed = RwSignal::new(None::<ApiError>);
    let target = Target {
        id,
        name: user.display_name(),
        username: user.username.clone(),
        suspended: user.status == UserStatus::Suspended,
        service: user.user_type == UserType::Service,
    };
    let service = user.user_type == UserType::Service;
    let may_reset = can(Permission::UsersResetPassword);
    let may_suspend = can(Permission::UsersSuspend);
    let rights = TokenRights {
        manage: can(Permission::UsersUpdate),
        superuser: me.as_ref().is_some_and(|me| me.superuser),
        offered: access
            .iter()
            .flat_map(|a| &a.permissions)
            .filter(|a| a.held)
            .map(|a| (a.permission, can(a.permission)))
            .collect(),
    };
    let actions = view! {
        <div class="button-row">
            {can(Permission::UsersUpdate).then(|| view! {
                <AvatarUpload id done=Callback::new(move |_| reload.update(|n| *n += 1)) error=failed/>
                <A href=format!("/users/{id}/edit") attr:class="button">"Edit"</A>
            })}
            <LifecycleButtons target me=me.clone() request/>
        </div>
    };
    view! {
        <Title text=format!("{} · Users · Roster", user.display_name())/>
        <header class="page-header">
            <div class="person">
                <Avatar id first_name=user.first_name.clone() last_name=user.last_name.clone()
                    has_avatar=user.has_avatar version=user.version large=true/>
                <div>
                    <h1>{user.display_name()}</h1>
                    <p class="muted">{user.email.clone()}" · "{user.user_type.label()}" "
                        <span class=format!("badge {}", user.state_label().to_lowercase())>{user.state_label()}</span></p>
                </div>
            </div>
            {actions}
        </header>
        <FormAlert error=failed/>
        <Tabs id history=can(Permission::AuditRead) tokens=service sessions=!service/>
        {move || match tab() {
            Tab::History => view! { <History id history/> }.into_any(),
            Tab::Sessions if !service => {
                let name = user.display_name();
                view! {
                    <UserSecondFactors user=id name factors reload=reload_sessions may_reset/>
                    {may_suspend.then(|| view! {
                        <Sessions user=Some(id) sessions reload=reload_sessions/>
                    })}
                }
                .into_any()
            }
            Tab::Tokens if service => {
                let account = user.username.clone();
                view! { <Tokens user=id account rights=rights.clone() tokens reload=reload_tokens/> }.into_any()
            }
            _ => view! { <Overview user=user.clone() access=access.clone()/> }.into_any(),
        }}
        <LifecycleDialogs request done=Callback::new(move |_| reload.update(|n| *n += 1)) failed/>
    }
}

/// The sections of the page, one shown at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Overview,
    History,
    Tokens,
    Sessions,
}

/// The tab the address asks for (`?tab=`).
fn tab() -> Tab {
    match use_query_map().read().get("tab").as_deref() {
        Some("history") => Tab::History,
        Some("tokens") => Tab::Tokens,
        Some("sessions") => Tab::Sessions,
        _ => Tab::Overview,
    }
}

/// The History tab's query (the address's filters and page, about the user in the address), or
/// none on the Overview.
fn history_query() -> Memo<Option<AuditQuery>> {
    let params = use_query_map();
    let id = user_id();
    Memo::new(move |_| {
        let (id, query) = params.with(|p| {
            (
                id.get(),
                (p.get("tab").as_deref() == Some("history"))
                    .then(|| from_query_string::<AuditQuery>(&p.to_query_string())),
            )
        });
        Some(AuditQuery { subject: Some(id?.to_string()), ..query? })
    })
}

/// The History tab's page of events, loaded only while the tab is open.
fn history_resource() -> Resource<Option<Result<AuditPage, ApiError>>> {
    let query = history_query();
    Resource::new(
        move || query.get(),
        |query| async move {
            match query {
                Some(query) => Some(list_audit(query).await),
                None => None,
            }
        },
    )
}

/// Overview, History (for holders of `audit.read`), API tokens (of a service account) and
/// Sign-in (of anyone else).
#[component]
fn Tabs(id: Uuid, history: bool, tokens: bool, sessions: bool) -> impl IntoView {
    let current = move |this: Tab| move || (tab() == this).then_some("page");
    view! {
        <nav class="tabs" aria-label="Sections of this user">
            // Plain links (the router still handles them): A would mark Overview current on
            // the others too, as all share the path.
            <a href=format!("/users/{id}") aria-current=current(Tab::Overview)>"Overview"</a>
            {history.then(|| view! {
                <a href=format!("/users/{id}?tab=history") aria-current=current(Tab::History)>"History"</a>
            })}
            {tokens.then(|| view! {
                <a href=format!("/users/{id}?tab=tokens") aria-current=current(Tab::Tokens)>"API tokens"</a>
            })}
            {sessions.then(|| view! {
                <a href=format!("/users/{id}?tab=sessions") aria-current=current(Tab::Sessions)>"Sign-in"</a>
            })}
        </nav>
    }
}

#[component]
fn Overview(user: User, access: Option<UserAccess>) -> impl IntoView {
    view! {
        <div class="two-columns">
            <section class="card" aria-labelledby="profile-title">
                <h2 id="profile-title">"Profile"</h2>
                <Profile user=user.clone()/>
            </section>
            <div class="stack">
                <section class="card" aria-labelledby="access-title">
                    <h2 id="access-title">"Access"</h2>
                    <Access user=user.clone() access/>
                </section>
                <section class="card" aria-labelledby="activity-title">
                    <h2 id="activity-title">"Activity"</h2>
                    <dl class="facts">
                        <dt>"Last sign-in"</dt><dd>{user.last_login_at.map_or("Never".into(), when)}</dd>
                        <dt>"Created"</dt><dd>{when(user.created_at)}</dd>
                        <dt>"Updated"</dt><dd>{when(user.updated_at)}</dd>
                        <dt>"Password"</dt><dd>{if user.must_change_password { "Must change at next sign-in" } else { "Chosen by the user" }}</dd>
                    </dl>
                </section>
                <section class="card" aria-labelledby="line-title">
                    <h2 id="line-title">"Reporting line"</h2>
                    <ReportingLine chain=user.chain.clone() reports=user.reports.clone()/>
                </section>
            </div>
        </div>
    }
}

/// The chain of managers up to the top, and the direct reports; each a link to their page.
#[component]
fn ReportingLine(chain: Vec<UserRef>, reports: Vec<UserRef>) -> impl IntoView {
    let link = |u: UserRef| view! { <A href=format!("/users/{}", u.id)>{u.name}</A> };
    let up = if chain.is_empty() {
        view! { <span class="muted">"Nobody: the top of the hierarchy"</span> }.into_any()
    } else {
        let last = chain.len() - 1;
        chain
            .into_iter()
            .enumerate()
            .map(|(i, u)| view! { {link(u)}{(i < last).then_some(" → ")} })
            .collect_view()
            .into_any()
    };
    let down = if reports.is_empty() {
        view! { <span class="muted">"None"</span> }.into_any()
    } else {
        let items = reports.into_iter().map(|u| view! { <li>{link(u)}</li> }).collect_view();
        view! { <ul class="plain-list">{items}</ul> }.into_any()
    };
    view! {
        <dl class="facts">
            <dt>"Reports to"</dt><dd class="chain">{up}</dd>
            <dt>"Direct reports"</dt><dd>{down}</dd>
        </dl>
    }
}

/// The user's timeline: changes made to them, changes made by them and their sign-ins, newest
/// first.
#[component]
fn History(id: Uuid, history: Resource<Option<Result<AuditPage, ApiError>>>) -> impl IntoView {
    let query = history_query();
    let in_audit_log = crate::pages::audit::href(&AuditQuery {
        subject: Some(id.to_string()),
        ..AuditQuery::default()
    });
    view! {
        <section aria-labelledby="history-title">
            <header class="section-header">
                <h2 id="history-title">"History"</h2>
                <A href=in_audit_log>"Open in the audit log"</A>
            </header>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading history…"</p> }>
                {move || Suspend::new(async move {
                    match (history.await, query.get_untracked()) {
                        (Some(Ok(page)), Some(query)) => view! { <AuditEvents page query link=history_href/> }.into_any(),
                        (Some(Err(err)), _) => view! { <LoadError err/> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The History tab's address for a query about its user (the `subject`).
fn history_href(query: &AuditQuery) -> String {
    let rest = to_query_string(&AuditQuery { subject: None, ..query.clone() });
    let user = query.subject.clone().unwrap_or_default();
    // `to_query_string` gives "" or "?k=v&…"; the tab comes first.
    let rest = rest.strip_prefix('?').map(|pairs| format!("&{pairs}")).unwrap_or_default();
    format!("/users/{user}?tab=history{rest}")
}

#[component]
fn Profile(user: User) -> impl IntoView {
    let or_dash = |v: Option<String>| v.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".into());
    let hours = shared::profile::WEEKDAYS
        .iter()
        .filter_map(|(day, label)| {
            let shifts = user.working_hours.get(*day)?;
            let spans: Vec<String> = shifts.iter().map(|[a, b]| format!("{a}–{b}")).collect();
            Some(format!("{} {}", &label[..3], spans.join(", ")))
        })
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <dl class="facts">
            <dt>"Username"</dt><dd><code>{user.username}</code></dd>
            <dt>"Phone"</dt><dd>{or_dash(user.phone)}</dd>
            <dt>"Timezone"</dt><dd>{user.timezone}</dd>
            <dt>"Position"</dt><dd>{or_dash(user.position)}</dd>
            <dt>"Department"</dt><dd>{or_dash(user.department)}</dd>
            <dt>"Location"</dt><dd>{or_dash(user.location)}</dd>
            <dt>"Branch"</dt><dd>{or_dash(user.branch)}</dd>
            <dt>"Manager"</dt><dd>{match user.manager {
                Some(m) => view! { <A href=format!("/users/{}", m.id)>{m.name}</A> }.into_any(),
                None => "—".into_any(),
            }}</dd>
            <dt>"External ID"</dt><dd>{or_dash(user.external_id)}</dd>
            <dt>"Employee code"</dt><dd>{or_dash(user.employee_code)}</dd>
            <dt>"Tags"</dt><dd>{if user.tags.is_empty() { "—".into_any() } else {
                user.tags.into_iter().map(|t| view! { <span class="chip">{t}</span> }).collect_view().into_any()
            }}</dd>
            <dt>"Working hours"</dt><dd>{if hours.is_empty() { "—".to_owned() } else { hours }}</dd>
        </dl>
    }
}

#[component]
fn Access(user: User, access: Option<UserAccess>) -> impl IntoView {
    let names =
        |list: Vec<String>| if list.is_empty() { "None".to_owned() } else { list.join(", ") };
    view! {
        <dl class="facts">
            <dt>"User type"</dt><dd>{user.user_type.label()}</dd>
            <dt>"Roles"</dt><dd>{names(user.roles.into_iter().map(|r| r.name).collect())}</dd>
            <dt>"Teams"</dt><dd>{names(user.teams.into_iter().map(|t| t.name).collect())}</dd>
            <dt>"Console access"</dt><dd>{if user.console_access { "Yes" } else { "No" }}</dd>
            <dt>"Expires"</dt><dd>{user.expires_at.map_or("Never".into(), when)}</dd>
        </dl>
        <h3>"Effective permissions"</h3>
        {match access {
            Some(access) => view! { <Permissions access/> }.into_any(),
            None => view! { <p class="muted">"The permissions could not be loaded."</p> }.into_any(),
        }}
    }
}

/// Each permission the user holds with where it comes from, those a role grants but the type
/// holds back, and the "can this user …?" question.
#[component]
fn Permissions(access: UserAccess) -> impl IntoView {
    let sources =
        |grants: &[Grant]| grants.iter().map(Grant::describe).collect::<Vec<_>>().join(" · ");
    let held: Vec<_> = access.permissions.iter().filter(|a| a.held).cloned().collect();
    let held_back: Vec<_> =
        access.permissions.iter().filter(|a| a.above_ceiling).cloned().collect();
    let list = if held.is_empty() {
        view! { <p class="muted">"None: this user can sign in but change nothing."</p> }.into_any()
    } else {
        let items = held
            .into_iter()
            .map(|a| view! {
                <li>
                    <code>{a.permission.key()}</code>" "<span class="muted">{a.permission.description()}</span>
                    <small class="grant">"From "{sources(&a.grants)}</small>
                </li>
            })
            .collect_view();
        view! { <ul class="permission-list">{items}</ul> }.into_any()
    };
    let held_back = (!held_back.is_empty()).then(|| {
        let items = held_back
            .into_iter()
            .map(|a| {
                view! {
                    <li><code>{a.permission.key()}</code>" "<small class="grant">{format!(
                        "granted by {} but above what {} accounts may hold",
                        sources(&a.grants),
                        access.user_type.label()
                    )}</small></li>
                }
            })
            .collect_view();
        view! {
            <h4>"Held back by the user type"</h4>
            <ul class="permission-list held-back">{items}</ul>
        }
    });
    let asked = RwSignal::new(None::<Permission>);
    let answer = move || asked.get().map(|p| access.explain(p)).unwrap_or_default();
    let options = Permission::ALL
        .into_iter()
        .map(|p| view! { <option value=p.key()>{format!("{} ({})", p.description().trim_end_matches('.'), p.key())}</option> })
        .collect_view();
    view! {
        {list}
        {held_back}
        <div class="field can-check">
            <label for="can-permission">"Can this user…"</label>
            <select id="can-permission" on:change=move |ev| asked.set(event_target_value(&ev).parse().ok())>
                <option value="">"Choose a permission"</option>
                {options}
            </select>
            <p class="answer" role="status" aria-live="polite">{answer}</p>
        </div>
    }
}
