//! Where someone is signed in: each session with its browser, system, address and times, and
//! buttons that end one, or all (on one's own account: all the others). Used by "My account"
//! and by a user's page for those who may suspend them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::session::SessionInfo;
use shared::{ApiError, Uuid};

use super::dialog::{Confirm, ConfirmDialog};
use super::forms::FormAlert;
use super::loading::LoadError;
use super::moment::Moment;
use crate::api::sessions::{end_sessions, list_sessions};

/// The sessions a section shows: none while it is closed.
pub type SessionList = Resource<Option<Result<Vec<SessionInfo>, ApiError>>>;

/// Whose sessions to load: see [`per_user`].
pub fn session_list(
    whose: impl Fn() -> Option<Option<Uuid>> + Send + Sync + 'static,
    reload: RwSignal<u32>,
) -> SessionList {
    per_user(whose, reload, list_sessions)
}

/// What a section about one user loads with `load`: `whose` is `None` while the section is
/// closed (nothing is loaded), `Some(None)` for the signed-in user's own, `Some(Some(id))` for a
/// user's. Made by the page (resources made while a Suspend renders do not hydrate); loaded
/// again whenever `reload` changes.
pub fn per_user<T, Load>(
    whose: impl Fn() -> Option<Option<Uuid>> + Send + Sync + 'static,
    reload: RwSignal<u32>,
    load: fn(Option<Uuid>) -> Load,
) -> Resource<Option<Result<T, ApiError>>>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Load: std::future::Future<Output = Result<T, ApiError>> + Send + 'static,
{
    Resource::new(
        move || (whose(), reload.get()),
        move |(whose, _)| async move {
            match whose {
                Some(user) => Some(load(user).await),
                None => None,
            }
        },
    )
}

/// The sessions of `user` (`None`: the signed-in user's own).
#[component]
pub fn Sessions(user: Option<Uuid>, sessions: SessionList, reload: RwSignal<u32>) -> impl IntoView {
    let own = user.is_none();
    let failed = RwSignal::new(None::<ApiError>);
    let ask = RwSignal::new(None::<Confirm>);
    // The session to end; none: all (one's own: all the others).
    let ending = StoredValue::new(None::<Uuid>);
    let end = Callback::new(move |session: Option<SessionInfo>| {
        ending.set_value(session.as_ref().map(|s| s.id));
        ask.set(Some(match (session, own) {
            (Some(s), _) => Confirm {
                title: format!("End the session on {}, {}?", s.browser, s.os),
                message: "That browser is signed out at its next request.".into(),
                confirm_label: "End session",
            },
            (None, true) => Confirm {
                title: "Sign out everywhere else?".into(),
                message: "Every other browser signed in as you is signed out; this one stays."
                    .into(),
                confirm_label: "Sign out others",
            },
            (None, false) => Confirm {
                title: "End all of this user's sessions?".into(),
                message: "Every browser signed in as them is signed out at its next request. \
                          They can sign in again."
                    .into(),
                confirm_label: "End all sessions",
            },
        }));
    });
    let confirmed = Callback::new(move |_| {
        spawn_local(async move {
            match end_sessions(user, ending.get_value()).await {
                Ok(_) => {
                    failed.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(err) => failed.set(Some(err)),
            }
        });
    });
    let (title, intro) = if own {
        (
            "Where you are signed in",
            "Each browser signed in as you, the most recently used first. \
          End any you do not recognise, then change your password.",
        )
    } else {
        ("Sessions", "Each browser signed in as this user, the most recently used first.")
    };
    view! {
        <section class="sessions" aria-labelledby="sessions-title">
            <h2 id="sessions-title">{title}</h2>
            <p class="muted">{intro}</p>
            <FormAlert error=failed/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Some(Ok(list)) => view! { <SessionTable list own end/> }.into_any(),
                        Some(Err(err)) => view! { <LoadError err/> }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Transition>
        </section>
        <ConfirmDialog ask on_confirm=confirmed/>
    }
}

#[component]
fn SessionTable(
    list: Vec<SessionInfo>,
    own: bool,
    end: Callback<Option<SessionInfo>>,
) -> impl IntoView {
    if list.is_empty() {
        let none = if own {
            "You are signed in nowhere else."
        } else {
            "No browser is signed in as this user."
        };
        return view! { <p class="muted">{none}</p> }.into_any();
    }
    let others = list.iter().filter(|s| !s.current).count();
    let rows = list
        .into_iter()
        .map(|session| {
            let label = format!("End the session on {}, {}", session.browser, session.os);
            let this = session.current.then(|| view! { " "<span class="badge active">"This browser"</span> });
            // One's own current session ends with "Sign out" at the top.
            let button = (!session.current).then(|| {
                let session = session.clone();
                view! {
                    <button type="button" class="button danger" aria-label=label
                        on:click=move |_| end.run(Some(session.clone()))>"End"</button>
                }
            });
            view! {
                <tr>
                    <td data-label="Browser"><strong>{session.browser.clone()}</strong>{this}</td>
                    <td data-label="System">{session.os.clone()}</td>
                    <td data-label="Address">{session.address.clone().unwrap_or_else(|| "Unknown".into())}</td>
                    <td data-label="Signed in"><Moment at=Some(session.created_at)/></td>
                    <td data-label="Last active"><Moment at=Some(session.last_seen_at)/></td>
                    <td class="actions-cell">{button}</td>
                </tr>
            }
        })
        .collect_view();
    let all = (others > 0).then(|| {
        let label = if own { "Sign out everywhere else" } else { "End all sessions" };
        view! {
            <div class="button-row">
                <button type="button" class="button danger" on:click=move |_| end.run(None)>{label}</button>
            </div>
        }
    });
    view! {
        <div class="card table-card">
            <table class="table sessions-table">
                <thead>
                    <tr>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"System"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last active"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {all}
    }
    .into_any()
}
