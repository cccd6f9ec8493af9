//! The sign-in page: organisation (remembered from the last sign-in), username or email, and
//! password. A plain form that also works before the wasm bundle has loaded.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::auth::{SignIn as SignInFn, remembered_tenant};
use crate::components::forms::{FieldErrors, FormAlert, field_codes};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{CurrentUser, home};

/// Tenant, login and password, with a show/hide toggle for the password.
#[component]
pub fn SignIn() -> impl IntoView {
    crate::mark_hydrated();
    let action = ServerAction::<SignInFn>::new();
    let remembered = Resource::new(|| (), |_| remembered_tenant());
    let shown = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(me)) = action.value().get() {
            CurrentUser::get().refetch();
            let to = if me.must_change_password { "/change-password" } else { home(&me) };
            navigate(to, Default::default());
        }
    });
    let result = move || action.value().get();
    let alert = Signal::derive(move || match result() {
        Some(Err(err)) if err.fields.is_empty() => Some(err),
        _ => None,
    });

    view! {
        <Title text="Sign in · Roster"/>
        <main class="centered-page">
            <ActionForm action attr:class="card narrow sign-in">
                <div class="brand large">
                    <span class="brand-mark" aria-hidden="true">"R"</span>
                    <span class="brand-name">"Roster"</span>
                </div>
                <h1>"Sign in"</h1>
                <FormAlert error=alert/>
                <label class="field">
                    <span>"Organisation"</span>
                    <Suspense fallback=|| view! { <input name="tenant" autocomplete="organization" required/> }>
                        {move || Suspend::new(async move {
                            let last = remembered.await.ok().flatten().unwrap_or_default();
                            let focus_login = !last.is_empty();
                            view! {
                                <input name="tenant" autocomplete="organization" required
                                    placeholder="e.g. acme" value=last autofocus=!focus_login
                                    aria-describedby="tenant-errors"/>
                            }
                        })}
                    </Suspense>
                    <FieldErrors id="tenant-errors" codes=Signal::derive(move || field_codes(result(), "tenant"))/>
                </label>
                <label class="field">
                    <span>"Username or email"</span>
                    <input name="login" autocomplete="username" required aria-describedby="login-errors"/>
                    <FieldErrors id="login-errors" codes=Signal::derive(move || field_codes(result(), "login"))/>
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
                <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </main>
    }
}
