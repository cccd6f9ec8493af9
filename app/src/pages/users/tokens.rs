//! A service account's API tokens (`/users/{id}?tab=tokens`): each token with its permissions,
//! expiry and last use, revoked at a click (confirmed first); and a form that creates one and
//! shows its secret once.

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::token::{ApiToken, DEFAULT_DAYS, MAX_DAYS, NewTokenForm};
use shared::{ApiError, Password, Permission, Uuid};

use super::when;
use crate::api::tokens::{create_token, list_tokens, revoke_token};
use crate::components::dialog::{Confirm, ConfirmDialog, Secret, SecretDialog};
use crate::components::forms::{FieldErrors, FormAlert, TextField, error_codes};
use crate::components::loading::LoadError;
use crate::components::moment::Moment;

/// The answer the tab shows: none while another tab is open.
pub type TokenList = Resource<Option<Result<Vec<ApiToken>, ApiError>>>;

/// The tokens of `user`, loaded only while `open` (made by the page: resources made while a
/// Suspend renders do not hydrate), again whenever `reload` changes.
pub fn token_list(
    user: Signal<Option<Uuid>>,
    open: Signal<bool>,
    reload: RwSignal<u32>,
) -> TokenList {
    Resource::new(
        move || (user.get().filter(|_| open.get()), reload.get()),
        |(user, _)| async move {
            match user {
                Some(user) => Some(list_tokens(user).await),
                None => None,
            }
        },
    )
}

/// What the signed-in user may do on the tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRights {
    /// May create and revoke tokens (holds `users.update`).
    pub manage: bool,
    /// May create a token that never expires (a platform superuser).
    pub superuser: bool,
    /// What a new token may carry: the account's own permissions, each with whether the signed-in
    /// user holds it too (only then can they give it).
    pub offered: Vec<(Permission, bool)>,
}

/// Expiry choices in days; the default is [`DEFAULT_DAYS`], the longest [`MAX_DAYS`].
const LIFETIMES: [u32; 5] = [7, 30, DEFAULT_DAYS, 180, MAX_DAYS];

#[component]
pub fn Tokens(
    user: Uuid,
    account: String,
    rights: TokenRights,
    tokens: TokenList,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let failed = RwSignal::new(None::<ApiError>);
    let ask = RwSignal::new(None::<Confirm>);
    let revoking = StoredValue::new(None::<Uuid>);
    let revoke = Callback::new(move |token: ApiToken| {
        revoking.set_value(Some(token.id));
        ask.set(Some(Confirm {
            title: format!("Revoke “{}”?", token.name),
            message: "Programs that use it are refused from their next request on. This cannot be \
                      undone."
                .into(),
            confirm_label: "Revoke token",
        }));
    });
    let confirmed = Callback::new(move |_| {
        let Some(token) = revoking.get_value() else { return };
        spawn_local(async move {
            match revoke_token(user, token).await {
                Ok(()) => reload.update(|n| *n += 1),
                Err(err) => failed.set(Some(err)),
            }
        });
    });
    let manage = rights.manage;
    view! {
        <section class="tokens" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p class="muted">"A program acts as this service account by sending a token in an "
                <code>"Authorization: Bearer"</code>" header. A token carries some of the account's
                permissions and stops working when it expires, when it is revoked, or when the
                account is suspended or expires."</p>
            <FormAlert error=failed/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Some(Ok(list)) => view! { <TokenTable list manage revoke/> }.into_any(),
                        Some(Err(err)) => view! { <LoadError err/> }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Transition>
            {manage.then(|| view! { <NewToken user account rights reload/> })}
        </section>
        <ConfirmDialog ask on_confirm=confirmed/>
    }
}

/// "Active", "Expired" or "Revoked", and the badge's class.
fn state(token: &ApiToken) -> (&'static str, &'static str) {
    if token.revoked_at.is_some() {
        ("Revoked", "suspended")
    } else if token.is_live(Utc::now()) {
        ("Active", "active")
    } else {
        ("Expired", "expired")
    }
}

#[component]
fn TokenTable(list: Vec<ApiToken>, manage: bool, revoke: Callback<ApiToken>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"This account has no tokens yet."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|token| {
            let (label, class) = state(&token);
            let keys = token
                .permissions
                .iter()
                .map(|p| view! { <code class="chip">{p.key()}</code> })
                .collect_view();
            let from = token.last_used_ip.clone().map(|ip| view! { <small class="muted">" from "{ip}</small> });
            let revocable = manage && token.is_live(Utc::now());
            let name = token.name.clone();
            view! {
                <tr>
                    <td data-label="Name"><strong>{token.name.clone()}</strong>" "
                        <span class=format!("badge {class}")>{label}</span></td>
                    <td data-label="Token"><code>{format!("{}…", token.prefix)}</code></td>
                    <td data-label="Permissions" class="chips-cell">{keys}</td>
                    <td data-label="Created"><Moment at=Some(token.created_at)/></td>
                    <td data-label="Expires">{token.expires_at.map_or("Never".into(), when)}</td>
                    <td data-label="Last used"><Moment at=token.last_used_at/>{from}</td>
                    <td class="actions-cell">{revocable.then(|| view! {
                        <button type="button" class="button danger" aria-label=format!("Revoke {name}")
                            on:click=move |_| revoke.run(token.clone())>"Revoke"</button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card table-card">
            <table class="table tokens-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Token"</th>
                        <th scope="col">"Permissions"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The form that creates a token, and the dialog that shows its secret once.
#[component]
fn NewToken(
    user: Uuid,
    account: String,
    rights: TokenRights,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let form = RwSignal::new(NewTokenForm::default());
    // Days, or "never".
    let lifetime = RwSignal::new(DEFAULT_DAYS.to_string());
    let error = RwSignal::new(None::<ApiError>);
    let secret = RwSignal::new(None::<Secret>);
    let busy = RwSignal::new(false);
    let codes = move |field| error_codes(error, field);
    let alert = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let account = StoredValue::new(account);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut submitted = form.get_untracked();
        match lifetime.get_untracked().parse::<u32>() {
            Ok(days) => submitted.expires_in_days = Some(days),
            Err(_) => submitted.never_expires = true,
        }
        busy.set(true);
        spawn_local(async move {
            let created = create_token(user, submitted).await;
            busy.set(false);
            match created {
                Ok(created) => {
                    error.set(None);
                    form.set(NewTokenForm::default());
                    secret.set(Some(Secret {
                        what: "API token",
                        title: format!("Token “{}” created", created.token.name),
                        message: format!(
                            "Give this token to the program that acts as {}; keep it as you \
                             would a password.",
                            account.get_value()
                        ),
                        password: Password::new(created.secret),
                    }));
                    reload.update(|n| *n += 1);
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let lifetimes = LIFETIMES
        .into_iter()
        .map(|days| view! { <option value=days.to_string()>{format!("{days} days")}</option> })
        .collect_view();
    let never = rights.superuser.then(|| view! { <option value="never">"Never"</option> });
    view! {
        <form class="card token-form" on:submit=submit novalidate>
            <h3>"New token"</h3>
            <FormAlert error=alert/>
            <div class="token-fields">
                <TextField id="token-name" label="Name" required=true codes=codes("name")
                    value=Signal::derive(move || form.with(|f| f.name.clone()))
                    set=Callback::new(move |v| form.update(|f| f.name = v))/>
                <div class="field">
                    <label for="token-expiry">"Expires after"</label>
                    <select id="token-expiry" aria-describedby="token-expiry-errors"
                        prop:value=move || lifetime.get()
                        on:change=move |ev| lifetime.set(event_target_value(&ev))>
                        {lifetimes}{never}
                    </select>
                    <FieldErrors id="token-expiry-errors" codes=Signal::derive(move || {
                        [codes("expires_in_days").get(), codes("never_expires").get()].concat()
                    })/>
                </div>
            </div>
            <TokenPermissions offered=rights.offered form codes=codes("permissions")/>
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || busy.get()>"Create token"</button>
            </div>
        </form>
        <SecretDialog secret/>
    }
}

/// A checkbox per permission of the account; those the signed-in user does not hold are shown
/// but cannot be given.
#[component]
fn TokenPermissions(
    offered: Vec<(Permission, bool)>,
    form: RwSignal<NewTokenForm>,
    codes: Signal<Vec<String>>,
) -> impl IntoView {
    if offered.is_empty() {
        return view! {
            <p class="notice" role="note">"This account holds no permissions, so a token could do
                nothing: give it a role first."</p>
        }
        .into_any();
    }
    let boxes = offered
        .into_iter()
        .map(|(p, mine)| {
            let key = p.key();
            let toggle = move |on: bool| {
                form.update(|f| {
                    f.permissions.retain(|k| k != key);
                    if on {
                        f.permissions.push(key.to_owned());
                    }
                })
            };
            view! {
                <li>
                    <label class="check">
                        <input type="checkbox" disabled=!mine
                            prop:checked=move || form.with(|f| f.permissions.iter().any(|k| k == key))
                            on:change=move |ev| toggle(event_target_checked(&ev))/>
                        <span>
                            <code>{key}</code><small class="muted">{p.description()}</small>
                            {(!mine).then(|| view! {
                                <small class="reason">"You do not hold this permission, so you cannot give it."</small>
                            })}
                        </span>
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <fieldset class="permission-group" aria-describedby="token-permissions-errors">
            <legend>"Permissions"</legend>
            <ul>{boxes}</ul>
            <FieldErrors id="token-permissions-errors" codes/>
        </fieldset>
    }
    .into_any()
}
