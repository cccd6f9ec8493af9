//! The organisation's settings (`/settings`, for holders of `tenant.settings`): for now, who
//! must use two-step verification.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use shared::ApiError;
use shared::second_factor::{SecondFactorPolicy, SecondFactorSettings};

use crate::api::second_factors::security_settings;
use crate::components::forms::FormAlert;
use crate::components::layout::CurrentUser;
use crate::components::loading::{LoadError, loading};

#[component]
pub fn Settings() -> impl IntoView {
    let current = Resource::new(|| (), |_| security_settings(None));
    view! {
        <Title text="Settings · Roster"/>
        <header class="page-header">
            <div>
                <h1>"Settings"</h1>
                <p class="muted">"How your organisation uses Roster."</p>
            </div>
        </header>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(settings) => view! { <SecondFactorPolicyForm settings/> }.into_any(),
                    Err(err) => view! { <LoadError err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SecondFactorPolicyForm(settings: SecondFactorSettings) -> impl IntoView {
    let chosen = RwSignal::new(settings.policy);
    let saved = RwSignal::new(settings.policy);
    // "Saved." answers a save, until the choice changes again.
    let just_saved = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let me = CurrentUser::get();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let change = SecondFactorSettings { policy: chosen.get_untracked() };
        spawn_local(async move {
            match security_settings(Some(change)).await {
                Ok(now) => {
                    saved.set(now.policy);
                    just_saved.set(true);
                    error.set(None);
                    // The policy may now require a second factor of the one who changed it.
                    me.refetch();
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let options = SecondFactorPolicy::ALL
        .into_iter()
        .map(|policy| {
            view! {
                <label class="check">
                    <input type="radio" name="policy" value=policy.as_str()
                        prop:checked=move || chosen.get() == policy
                        on:change=move |_| {
                            chosen.set(policy);
                            just_saved.set(false);
                        }/>
                    <span>{policy.label()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="card settings" on:submit=submit aria-labelledby="policy-title">
            <h2 id="policy-title">"Two-step verification"</h2>
            <p class="muted">"Who must add a second factor (an authenticator app) before using \
                the console. Administrators are whoever may see or change users, manage roles or \
                teams, or change these settings. Those it newly requires one of are asked for \
                it at once, you too."</p>
            <FormAlert error/>
            <fieldset class="choices">
                <legend class="visually-hidden">"Who must use two-step verification"</legend>
                {options}
            </fieldset>
            <div class="button-row">
                <button type="submit" class="button primary"
                    disabled=move || busy.get() || chosen.get() == saved.get()>
                    {move || if busy.get() { "Saving…" } else { "Save" }}
                </button>
                <Show when=move || just_saved.get()>
                    <span class="muted" role="status">"Saved."</span>
                </Show>
            </div>
        </form>
    }
}
