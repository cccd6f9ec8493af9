//! Modal dialogs: a confirmation before a consequential action, and a secret shown once.

use leptos::prelude::*;
use shared::Password;

use super::icons::{Icon, Svg};

/// What a [`ConfirmDialog`] asks.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub message: String,
    pub confirm_label: &'static str,
}

/// Asks before acting; `on_confirm` runs when the user agrees. Escape or Cancel closes it.
#[component]
pub fn ConfirmDialog(ask: RwSignal<Option<Confirm>>, on_confirm: Callback<()>) -> impl IntoView {
    view! {
        <Show when=move || ask.get().is_some()>
            <div class="modal-backdrop" on:keydown=move |ev| if ev.key() == "Escape" { ask.set(None) }>
                <div class="card modal" role="alertdialog" aria-modal="true"
                    aria-labelledby="confirm-title" aria-describedby="confirm-message">
                    <h2 id="confirm-title">{move || ask.get().map(|a| a.title)}</h2>
                    <p id="confirm-message">{move || ask.get().map(|a| a.message)}</p>
                    <div class="button-row">
                        <button type="button" class="button" autofocus on:click=move |_| ask.set(None)>"Cancel"</button>
                        <button type="button" class="button danger" on:click=move |_| {
                            ask.set(None);
                            on_confirm.run(());
                        }>{move || ask.get().map(|a| a.confirm_label)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// A secret to show once: who it is for and the value.
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    /// What it is, for the labels: "temporary password", "API token".
    pub what: &'static str,
    pub title: String,
    pub message: String,
    pub password: Password,
}

/// Shows a secret (a temporary password, a token) once, with a copy button and a warning that it will not be shown
/// again.
#[component]
pub fn SecretDialog(
    secret: RwSignal<Option<Secret>>,
    /// Runs after the dialog is closed.
    #[prop(optional)]
    on_close: Option<Callback<()>>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(secret) = secret.get_untracked() {
            let _ = window().navigator().clipboard().write_text(secret.password.expose());
            copied.set(true);
        }
    };
    view! {
        <Show when=move || secret.get().is_some()>
            <div class="modal-backdrop">
                <div class="card modal" role="dialog" aria-modal="true" aria-labelledby="secret-title">
                    <h2 id="secret-title">{move || secret.get().map(|s| s.title)}</h2>
                    <p>{move || secret.get().map(|s| s.message)}</p>
                    <div class="input-with-button">
                        <input readonly class="secret"
                            aria-label=move || secret.get().map(|s| capitalised(s.what))
                            value=move || secret.get().map(|s| s.password.expose().to_owned())/>
                        <button type="button" class="icon-button" on:click=copy
                            aria-label=move || secret.get().map(|s| format!("Copy the {}", s.what))>
                            <Svg icon=Icon::Copy/>
                        </button>
                    </div>
                    <p class="alert warning">"It will not be shown again."
                        {move || copied.get().then_some(" Copied to the clipboard.")}</p>
                    <button type="button" class="button primary" autofocus
                        on:click=move |_| {
                            secret.set(None);
                            copied.set(false);
                            if let Some(done) = on_close { done.run(()) }
                        }>"Done"</button>
                </div>
            </div>
        </Show>
    }
}

/// "API token" from "API token", "Temporary password" from "temporary password".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
