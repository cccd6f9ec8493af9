//! The sign-in page: organisation (remembered from the last sign-in), username or email, and
//! password, then, for an account with a second factor, its code or a passkey. Plain forms that
//! also work before the wasm bundle has loaded (a passkey needs it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use shared::ErrorCode;
use shared::auth::Me;

use crate::api::auth::{
    SecondFactor as SecondFactorFn, SignIn as SignInFn, passkey_options, remembered_tenant,
};
use crate::components::forms::{FieldErrors, FormAlert, field_codes};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{CurrentUser, home};
use crate::components::webauthn;

/// Tenant, login and password, with a show/hide toggle for the password.
#[component]
pub fn SignIn() -> impl IntoView {
    crate::mark_hydrated();
    let action = ServerAction::<SignInFn>::new();
    let second = ServerAction::<SecondFactorFn>::new();
    let remembered = Resource::new(|| (), |_| remembered_tenant());
    let shown = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| {
        let signed = match (action.value().get(), second.value().get()) {
            (_, Some(Ok(me))) | (Some(Ok(me)), _) => me,
            _ => return,
        };
        CurrentUser::get().refetch();
        navigate(landing(&signed), Default::default());
    });
    // A new password attempt forgets how the last wait for a code ended.
    Effect::new(move |_| {
        if action.pending().get() {
            second.value().set(None);
        }
    });
    let result = move || action.value().get();
    // The password was right: the code is next, until the wait for it ends.
    let code_step = move || {
        let waiting =
            matches!(result(), Some(Err(e)) if e.error == ErrorCode::SecondFactorRequired);
        let ended =
            matches!(second.value().get(), Some(Err(e)) if e.error != ErrorCode::Validation);
        waiting && !ended
    };
    let alert = Signal::derive(move || match (result(), second.value().get()) {
        (_, Some(Err(err))) if err.fields.is_empty() => Some(err),
        (Some(Err(err)), _) if err.fields.is_empty() && !code_step() => Some(err),
        _ => None,
    });
    // Signing in with a passkey instead of a code: the browser's refusal, in its words.
    let refused = RwSignal::new(None::<String>);
    let use_passkey = move |_| {
        refused.set(None);
        leptos::task::spawn_local(async move {
            match passkey_assertion().await {
                Ok(assertion) => {
                    second
                        .dispatch(SecondFactorFn { code: String::new(), passkey: Some(assertion) });
                }
                Err(said) => refused.set(Some(said)),
            }
        });
    };

    view! {
        <Title text="Sign in · Roster"/>
        <main class="centered-page">
            <Show when=code_step>
                <ActionForm action=second attr:class="card narrow sign-in">
                    <div class="brand large">
                        <span class="brand-mark" aria-hidden="true">"R"</span>
                        <span class="brand-name">"Roster"</span>
                    </div>
                    <h1>"Two-step verification"</h1>
                    <FormAlert error=alert/>
                    <label class="field">
                        <span>"Code"</span>
                        <input name="code" autocomplete="one-time-code" required autofocus
                            aria-describedby="code-hint code-errors"/>
                        <span id="code-hint" class="hint">"The six digits your authenticator app shows, or one of your recovery codes."</span>
                        <FieldErrors id="code-errors" codes=Signal::derive(move || field_codes(second.value().get(), "code"))/>
                    </label>
                    <button type="submit" class="button primary wide" disabled=move || second.pending().get()>
                        {move || if second.pending().get() { "Checking…" } else { "Verify" }}
                    </button>
                    <p class="or" aria-hidden="true">"or"</p>
                    {move || refused.get().map(|said| view! { <p class="alert error" role="alert">{said}</p> })}
                    <button type="button" class="button wide" on:click=use_passkey
                        disabled=move || second.pending().get() aria-describedby="passkey-errors">
                        <Svg icon=Icon::Key/>" Use a passkey or security key"
                    </button>
                    <FieldErrors id="passkey-errors" codes=Signal::derive(move || field_codes(second.value().get(), "passkey"))/>
                    <a class="button subtle wide" href="/sign-in" on:click=move |ev| {
                        ev.prevent_default();
                        action.value().set(None);
                        second.value().set(None);
                    }>"Start over"</a>
                </ActionForm>
            </Show>
            <ActionForm action attr:class="card narrow sign-in" attr:hidden=code_step>
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

/// The options for the account's passkeys, signed by one of them: the assertion's JSON, or why
/// there is none (no passkey, or the browser refused), in words for the page.
async fn passkey_assertion() -> Result<String, String> {
    let challenge = passkey_options().await.map_err(|e| e.message)?;
    webauthn::get(&challenge.options).await
}

/// Where a sign-in leads: a pending password change or second factor first, else home.
fn landing(me: &Me) -> &'static str {
    if me.must_change_password {
        "/change-password"
    } else if me.must_enrol_second_factor {
        "/second-factor"
    } else {
        home(me)
    }
}
