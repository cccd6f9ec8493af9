//! The sign-in page. For now the form is a placeholder: it renders on the server, hydrates, and
//! its interactive parts (show/hide password) run in the browser; signing in itself comes with
//! sessions.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::icons::{Icon, Svg};

/// Tenant, login and password, with a show/hide toggle for the password.
#[component]
pub fn SignIn() -> impl IntoView {
    let shown = RwSignal::new(false);
    let notice = RwSignal::new(None::<&'static str>);

    view! {
        <Title text="Sign in · Roster"/>
        <main class="centered-page">
            <form
                class="card narrow sign-in"
                method="post"
                on:submit=move |ev| {
                    ev.prevent_default();
                    notice.set(Some("Signing in is not available yet."));
                }
            >
                <div class="brand large">
                    <span class="brand-mark" aria-hidden="true">"R"</span>
                    <span class="brand-name">"Roster"</span>
                </div>
                <h1>"Sign in"</h1>
                <label class="field">
                    <span>"Organisation"</span>
                    <input name="tenant" autocomplete="organization" required placeholder="e.g. acme"/>
                </label>
                <label class="field">
                    <span>"Username or email"</span>
                    <input name="login" autocomplete="username" required/>
                </label>
                <div class="field">
                    <label for="password">"Password"</label>
                    <div class="input-with-button">
                        <input
                            id="password"
                            name="password"
                            type=move || if shown.get() { "text" } else { "password" }
                            autocomplete="current-password"
                            required
                        />
                        <button
                            type="button"
                            class="icon-button"
                            aria-pressed=move || shown.get().to_string()
                            aria-label=move || if shown.get() { "Hide password" } else { "Show password" }
                            on:click=move |_| shown.update(|s| *s = !*s)
                        >
                            {move || view! { <Svg icon=if shown.get() { Icon::EyeOff } else { Icon::Eye }/> }}
                        </button>
                    </div>
                </div>
                <p class="notice" role="status">{move || notice.get()}</p>
                <button type="submit" class="button primary wide">"Sign in"</button>
            </form>
        </main>
    }
}
