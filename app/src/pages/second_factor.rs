//! Adding a second factor when one is required (`/second-factor`): right after the password
//! (and a forced password change), before anything else, as change-password is.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;
use shared::auth::Me;

use crate::components::layout::{CurrentUser, home};
use crate::components::loading::loading;
use crate::components::second_factors::{AddAuthenticator, AddPasskey};

/// Loads the signed-in user, then asks for the second factor (or sends the browser on).
#[component]
pub fn EnrolSecondFactor() -> impl IntoView {
    crate::mark_hydrated();
    let me = CurrentUser::get();
    view! {
        <Title text="Add a second factor · Roster"/>
        <main class="centered-page">
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match me.user().await {
                        Ok(Some(me)) if me.must_change_password => {
                            view! { <Redirect path="/change-password"/> }.into_any()
                        }
                        Ok(Some(me)) => view! { <Enrol me/> }.into_any(),
                        _ => view! { <Redirect path="/sign-in"/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Enrol(me: Me) -> impl IntoView {
    let landing = home(&Me { must_enrol_second_factor: false, ..me.clone() });
    let navigate = use_navigate();
    let current = CurrentUser::get();
    let done = Callback::new(move |_| {
        current.refetch();
        navigate(landing, Default::default());
    });
    let why = if me.superuser {
        "Platform superusers must use two-step verification."
    } else {
        "Your organisation requires two-step verification."
    };
    view! {
        <div class="card enrol">
            <h1>"Add a second factor"</h1>
            <p>{why}" After your password, Roster will ask for a code from an app on your \
                phone, or for a passkey."</p>
            <AddAuthenticator done open=true/>
            <h2 class="or-heading">"Or use a passkey or security key"</h2>
            <AddPasskey done/>
        </div>
    }
}
