//! Second factors in the console: adding an authenticator app (scan, type the first code) or a
//! passkey (name it, let the browser make it), then saving the recovery codes; one's own list
//! with removal and new recovery codes ("My account"), and a user's, with an administrator's
//! reset (their page).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::second_factor::{ConfirmTotp, SecondFactorAdded, SecondFactors, TotpEnrolment};
use shared::{ApiError, Uuid};

use super::dialog::{Confirm, ConfirmDialog};
use super::forms::{FieldErrors, FormAlert, error_codes};
use super::icons::{Icon, Svg};
use super::loading::LoadError;
use super::moment::Moment;
use super::sessions::per_user;
use super::webauthn;
use crate::api::second_factors::{
    confirm_app, confirm_key, list_second_factors, remove_second_factor, renew_recovery_codes,
    start_passkey, start_totp,
};

/// The second factors a section shows: none while it is closed.
pub type FactorList = Resource<Option<Result<SecondFactors, ApiError>>>;

/// Whose second factors to load (see [`per_user`]).
pub fn factor_list(
    whose: impl Fn() -> Option<Option<Uuid>> + Send + Sync + 'static,
    reload: RwSignal<u32>,
) -> FactorList {
    per_user(whose, reload, list_second_factors)
}

/// Adds an authenticator app: a button, then the QR code and key with a form for the first
/// code, then the recovery codes (the first factor's). `added` runs once the app is confirmed,
/// `done` when it is all finished (its recovery codes closed).
#[component]
pub fn AddAuthenticator(
    done: Callback<()>,
    #[prop(optional)] added: Option<Callback<()>>,
    #[prop(optional)] open: bool,
) -> impl IntoView {
    let started = RwSignal::new(None::<TotpEnrolment>);
    let (codes, enrolled) = finishing(added, done);
    let error = RwSignal::new(None::<ApiError>);
    let start = move || {
        spawn_local(async move {
            match start_totp().await {
                Ok(enrolment) => {
                    error.set(None);
                    started.set(Some(enrolment));
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    if open {
        Effect::new(move |first: Option<()>| {
            if first.is_none() {
                start();
            }
        });
    }
    let finished = Callback::new(move |recovery: Vec<String>| {
        started.set(None);
        enrolled.run(recovery);
    });
    view! {
        <FormAlert error/>
        {move || {
            if let Some(shown) = codes_shown(codes, done) {
                shown
            } else if let Some(enrolment) = started.get() {
                // Where adding one is optional, it can be given up (the key is then forgotten
                // with the next start).
                let cancel = (!open).then(|| Callback::new(move |_| started.set(None)));
                view! { <ScanAndConfirm enrolment finished cancel/> }.into_any()
            } else if open {
                view! { <p class="loading" role="status">"Preparing…"</p> }.into_any()
            } else {
                view! {
                    <button type="button" class="button" on:click=move |_| start()>
                        "Add an authenticator app"
                    </button>
                }
                .into_any()
            }
        }}
    }
}

/// What adding a factor ends with: the recovery codes when it was the first (see
/// [`codes_shown`]), then `done`. The codes to show, and what a confirmation runs with them.
fn finishing(
    added: Option<Callback<()>>,
    done: Callback<()>,
) -> (RwSignal<Vec<String>>, Callback<Vec<String>>) {
    let codes = RwSignal::new(Vec::<String>::new());
    let enrolled = Callback::new(move |recovery: Vec<String>| {
        if let Some(added) = added {
            added.run(());
        }
        if recovery.is_empty() {
            done.run(());
        } else {
            codes.set(recovery);
        }
    });
    (codes, enrolled)
}

/// The recovery codes a first factor came with, until they are closed (then `done`).
fn codes_shown(codes: RwSignal<Vec<String>>, done: Callback<()>) -> Option<AnyView> {
    (!codes.with(Vec::is_empty)).then(|| {
        let close = Callback::new(move |_| {
            codes.set(Vec::new());
            done.run(());
        });
        view! { <RecoveryCodesShown codes=codes.get() close/> }.into_any()
    })
}

/// Adds a passkey or security key: an optional name and a button; the browser then asks for
/// the key (a fingerprint, a PIN, a touch). The first factor's recovery codes follow. `added`
/// runs once the key is registered, `done` when it is all finished.
#[component]
pub fn AddPasskey(
    done: Callback<()>,
    #[prop(optional)] added: Option<Callback<()>>,
) -> impl IntoView {
    let (codes, enrolled) = finishing(added, done);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let refused = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        refused.set(None);
        spawn_local(async move {
            match register_passkey(name.get_untracked()).await {
                Ok(Ok(confirmed)) => {
                    name.set(String::new());
                    enrolled.run(confirmed.recovery_codes);
                }
                Ok(Err(said)) => refused.set(Some(said)),
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let alert = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    view! {
        {move || codes_shown(codes, done).unwrap_or_else(|| view! {
            <form class="add-passkey" on:submit=submit>
                <FormAlert error=alert/>
                {move || refused.get().map(|said| view! { <p class="alert error" role="alert">{said}</p> })}
                <div class="field">
                    <label for="passkey-name">"Passkey name (optional)"</label>
                    <input id="passkey-name" name="name" placeholder="e.g. Work laptop" maxlength="60"
                        aria-describedby="passkey-name-errors passkey-errors"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <FieldErrors id="passkey-name-errors" codes=error_codes(error, "name")/>
                    <FieldErrors id="passkey-errors" codes=error_codes(error, "credential")/>
                </div>
                <button type="submit" class="button" disabled=move || busy.get()>
                    <Svg icon=Icon::Key/>
                    {move || if busy.get() { " Waiting for your key…" } else { " Add a passkey or security key" }}
                </button>
            </form>
        }.into_any())}
    }
}

/// A passkey's whole registration: the server's options, the authenticator, the server's check.
/// The browser's refusal (cancelled, unsupported) is the inner error, in words for the page.
async fn register_passkey(name: String) -> Result<Result<SecondFactorAdded, String>, ApiError> {
    let enrolment = start_passkey().await?;
    match webauthn::create(&enrolment.options).await {
        Ok(credential) => confirm_key(enrolment.id, name, credential).await.map(Ok),
        Err(said) => Ok(Err(said)),
    }
}

/// The QR code and key of an app being added, and the form for its first code.
#[component]
fn ScanAndConfirm(
    enrolment: TotpEnrolment,
    finished: Callback<Vec<String>>,
    cancel: Option<Callback<()>>,
) -> impl IntoView {
    let id = enrolment.id;
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let request = ConfirmTotp { code: code.get_untracked(), name: name.get_untracked() };
        spawn_local(async move {
            match confirm_app(id, request).await {
                Ok(confirmed) => finished.run(confirmed.recovery_codes),
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let alert = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    view! {
        <form class="card totp-setup" on:submit=submit>
            <h3>"Scan this code with your authenticator app"</h3>
            <div class="totp-scan">
                // Made by Roster's server from the key above: no markup from elsewhere.
                <div class="qr" role="img" aria-label="QR code of the key" inner_html=enrolment.qr_svg></div>
                <div>
                    <p class="muted">"Any app that shows six-digit codes works (Google Authenticator, \
                        Microsoft Authenticator, 1Password, Bitwarden…). If you cannot scan, type \
                        this key into the app:"</p>
                    <p><code class="secret-key" aria-label="Key">{enrolment.secret}</code></p>
                </div>
            </div>
            <FormAlert error=alert/>
            <div class="field">
                <label for="totp-code">"Code from the app"</label>
                <input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code"
                    required maxlength="7" aria-describedby="totp-code-errors"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <FieldErrors id="totp-code-errors" codes=error_codes(error, "code")/>
            </div>
            <div class="field">
                <label for="totp-name">"Name (optional)"</label>
                <input id="totp-name" name="name" placeholder="e.g. My phone" maxlength="60"
                    aria-describedby="totp-name-errors"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldErrors id="totp-name-errors" codes=error_codes(error, "name")/>
            </div>
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Checking…" } else { "Confirm" }}
                </button>
                {cancel.map(|cancel| view! {
                    <button type="button" class="button" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
            </div>
        </form>
    }
}

/// Recovery codes, shown once, with a copy button.
#[component]
fn RecoveryCodesShown(codes: Vec<String>, close: Callback<()>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let all = codes.join("\n");
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&all);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &all;
    };
    view! {
        <section class="card recovery-codes" aria-labelledby="recovery-title">
            <h3 id="recovery-title">"Save your recovery codes"</h3>
            <p>"If you lose your phone, each of these codes signs you in once instead of a code \
                from the app. Keep them somewhere safe, such as a password manager."</p>
            <ul class="code-list">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <p class="alert warning">"They will not be shown again."
                {move || copied.get().then_some(" Copied to the clipboard.")}</p>
            <div class="button-row">
                <button type="button" class="button" on:click=copy>
                    <Svg icon=Icon::Copy/>" Copy the codes"
                </button>
                <button type="button" class="button primary" on:click=move |_| close.run(())>
                    "I have saved them"
                </button>
            </div>
        </section>
    }
}

/// "My account"'s second factors: the list, removing one, new recovery codes, adding an app.
#[component]
pub fn MySecondFactors(factors: FactorList, reload: RwSignal<u32>) -> impl IntoView {
    let failed = RwSignal::new(None::<ApiError>);
    let ask = RwSignal::new(None::<Confirm>);
    let removing = StoredValue::new(None::<Uuid>);
    let renewed = RwSignal::new(Vec::<String>::new());
    let refresh = move || reload.update(|n| *n += 1);
    let confirmed = Callback::new(move |_| {
        let which = removing.get_value();
        spawn_local(async move {
            let outcome = match which {
                Some(id) => remove_second_factor(None, Some(id)).await,
                None => renew_recovery_codes().await.map(|codes| renewed.set(codes.codes)),
            };
            match outcome {
                Ok(()) => {
                    failed.set(None);
                    refresh();
                }
                Err(err) => failed.set(Some(err)),
            }
        });
    });
    let added = Callback::new(move |_| refresh());
    let done = Callback::new(|_| ());
    view! {
        <section class="second-factors" aria-labelledby="second-factors-title">
            <h2 id="second-factors-title">"Two-step verification"</h2>
            <p class="muted">"After your password, Roster asks for a code from an app on your \
                phone, or for your passkey: someone who learns your password still cannot sign \
                in as you."</p>
            <FormAlert error=failed/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match factors.await {
                        Some(Ok(list)) => {
                            let remove = Callback::new(move |(id, name): (Uuid, String)| {
                                removing.set_value(Some(id));
                                ask.set(Some(Confirm {
                                    title: format!("Remove {name}?"),
                                    message: "Its codes stop working at once.".into(),
                                    confirm_label: "Remove",
                                }));
                            });
                            let renew = Callback::new(move |_| {
                                removing.set_value(None);
                                ask.set(Some(Confirm {
                                    title: "Make new recovery codes?".into(),
                                    message: "Your current recovery codes stop working at once."
                                        .into(),
                                    confirm_label: "Make new codes",
                                }));
                            });
                            view! { <FactorTable list own=true remove renew/> }.into_any()
                        }
                        Some(Err(err)) => view! { <LoadError err/> }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Transition>
            {move || (!renewed.with(Vec::is_empty)).then(|| {
                let close = Callback::new(move |_| renewed.set(Vec::new()));
                view! { <RecoveryCodesShown codes=renewed.get() close/> }
            })}
            <div class="add-factors">
                <AddAuthenticator added done/>
                <AddPasskey added done/>
            </div>
        </section>
        <ConfirmDialog ask on_confirm=confirmed/>
    }
}

/// A user's second factors on their page, with "Reset second factor" for those who may.
#[component]
pub fn UserSecondFactors(
    user: Uuid,
    name: String,
    factors: FactorList,
    reload: RwSignal<u32>,
    may_reset: bool,
) -> impl IntoView {
    let failed = RwSignal::new(None::<ApiError>);
    let ask = RwSignal::new(None::<Confirm>);
    let confirmed = Callback::new(move |_| {
        spawn_local(async move {
            match remove_second_factor(Some(user), None).await {
                Ok(()) => {
                    failed.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(err) => failed.set(Some(err)),
            }
        });
    });
    let reset = Callback::new(move |_| {
        ask.set(Some(Confirm {
            title: format!("Reset {name}'s second factor?"),
            message:
                "Their authenticator apps, passkeys and recovery codes are removed and they are \
                      signed out everywhere. If their organisation requires a second factor, \
                      they add a new one at their next sign-in."
                    .into(),
            confirm_label: "Reset second factor",
        }));
    });
    view! {
        <section class="second-factors" aria-labelledby="second-factors-title">
            <h2 id="second-factors-title">"Two-step verification"</h2>
            <FormAlert error=failed/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match factors.await {
                        Some(Ok(list)) => {
                            let has = !list.factors.is_empty();
                            view! {
                                <FactorTable list own=false remove=Callback::new(|_| ()) renew=Callback::new(|_| ())/>
                                {(may_reset && has).then(|| view! {
                                    <div class="button-row">
                                        <button type="button" class="button danger" on:click=move |_| reset.run(())>
                                            "Reset second factor"
                                        </button>
                                    </div>
                                })}
                            }
                            .into_any()
                        }
                        Some(Err(err)) => view! { <LoadError err/> }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Transition>
        </section>
        <ConfirmDialog ask on_confirm=confirmed/>
    }
}

/// The factors of one user, with what the policy asks and the recovery codes left; on one's
/// own account, buttons to remove a factor and to make new recovery codes.
#[component]
fn FactorTable(
    list: SecondFactors,
    own: bool,
    remove: Callback<(Uuid, String)>,
    renew: Callback<()>,
) -> impl IntoView {
    let required = list.required.then(|| {
        let whose =
            if own { "Your organisation requires it." } else { "Their organisation requires it." };
        view! { <p class="alert info">{whose}</p> }
    });
    if list.factors.is_empty() {
        let none = if own {
            "You have not added one yet."
        } else {
            "None: a password alone signs them in."
        };
        return view! { {required}<p class="muted">{none}</p> }.into_any();
    }
    let rows = list
        .factors
        .into_iter()
        .map(|f| {
            let button = own.then(|| {
                let (id, name) = (f.id, f.name.clone());
                let label = format!("Remove {}", f.name);
                view! {
                    <button type="button" class="button danger" aria-label=label
                        on:click=move |_| remove.run((id, name.clone()))>"Remove"</button>
                }
            });
            view! {
                <tr>
                    <td data-label="Name"><strong>{f.name.clone()}</strong></td>
                    <td data-label="Kind">{f.kind.label()}</td>
                    <td data-label="Added"><Moment at=Some(f.created_at)/></td>
                    <td data-label="Last used"><Moment at=f.last_used_at/></td>
                    <td class="actions-cell">{button}</td>
                </tr>
            }
        })
        .collect_view();
    let left = list.recovery_codes_left;
    let codes = format!("{left} recovery code{} left.", if left == 1 { "" } else { "s" });
    view! {
        {required}
        <div class="card table-card">
            <table class="table factors-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Added"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="recovery-left">
            {codes}" "
            {own.then(|| view! {
                <button type="button" class="button subtle" on:click=move |_| renew.run(())>"Make new recovery codes"</button>
            })}
        </p>
    }
    .into_any()
}
