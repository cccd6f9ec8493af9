//! Choosing a new password: forced after a temporary one, and available to anyone signed in.
//! The policy checklist updates as the user types, from the same rules the server applies.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;
use shared::auth::Me;

use crate::api::auth::ChangePassword as ChangePasswordFn;
use crate::components::forms::{FieldErrors, FormAlert, PasswordRules, field_codes};
use crate::components::layout::CurrentUser;
use crate::components::layout::home;
use crate::components::loading::loading;

/// Loads the signed-in user, then shows the form (or sends the browser to sign-in).
#[component]
pub fn ChangePassword() -> impl IntoView {
    crate::mark_hydrated();
    let me = CurrentUser::get();
    view! {
        <Title text="Choose a new password · Roster"/>
        <main class="centered-page">
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match me.user().await {
                        Ok(Some(me)) => view! { <ChangePasswordForm me/> }.into_any(),
                        _ => view! { <Redirect path="/sign-in"/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn ChangePasswordForm(me: Me) -> impl IntoView {
    let action = ServerAction::<ChangePasswordFn>::new();
    let new_password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let identity = Signal::stored(vec![me.username.clone(), me.email.clone()]);
    let forced = me.must_change_password;
    let landing = home(&Me { must_change_password: false, ..me });
    let navigate = use_navigate();
    let current = CurrentUser::get();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            current.refetch();
            navigate(landing, Default::default());
        }
    });
    let result = move || action.value().get();
    let mismatch = move || !confirm.get().is_empty() && confirm.get() != new_password.get();
    let new_codes = Signal::derive(move || field_codes(result(), "new_password"));
    let alert = Signal::derive(move || match result() {
        Some(Err(err)) if err.fields.is_empty() => Some(err),
        _ => None,
    });

    view! {
        <ActionForm action attr:class="card narrow">
            <h1>"Choose a new password"</h1>
            <p class="muted">
                {if forced {
                    "You signed in with a temporary password. Choose your own to continue."
                } else {
                    "Your other sessions will be signed out."
                }}
            </p>
            <FormAlert error=alert/>
            <label class="field">
                <span>"Current password"</span>
                <input type="password" name="current_password" autocomplete="current-password" required
                    aria-describedby="current-errors"/>
                <FieldErrors id="current-errors" codes=Signal::derive(move || field_codes(result(), "current_password"))/>
            </label>
            <label class="field">
                <span>"New password"</span>
                <input type="password" name="new_password" autocomplete="new-password" required
                    aria-describedby="new-rules new-errors"
                    on:input=move |ev| new_password.set(event_target_value(&ev))/>
                <FieldErrors id="new-errors" codes=new_codes/>
            </label>
            <div id="new-rules">
                <PasswordRules password=new_password identity/>
            </div>
            <label class="field">
                <span>"Repeat the new password"</span>
                <input type="password" autocomplete="new-password" required aria-describedby="confirm-errors"
                    on:input=move |ev| confirm.set(event_target_value(&ev))/>
                <FieldErrors id="confirm-errors"
                    codes=Signal::derive(move || if mismatch() { vec![shared::FieldCode::Mismatch.as_str().into()] } else { vec![] })/>
            </label>
            <button type="submit" class="button primary wide"
                disabled=move || mismatch() || action.pending().get()>
                "Save the new password"
            </button>
        </ActionForm>
    }
}
