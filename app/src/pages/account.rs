//! "My account" (`/account`): who the signed-in user is, a way to change their password, their
//! second factors, and where they are signed in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::layout::me;
use crate::components::second_factors::{MySecondFactors, factor_list};
use crate::components::sessions::{Sessions, session_list};

#[component]
pub fn Account() -> impl IntoView {
    let reload = RwSignal::new(0);
    let sessions = session_list(|| Some(None), reload);
    let reload_factors = RwSignal::new(0);
    let factors = factor_list(|| Some(None), reload_factors);
    let Some(me) = me() else {
        return ().into_any();
    };
    view! {
        <Title text="My account · Roster"/>
        <header class="page-header">
            <div>
                <h1>"My account"</h1>
                <p class="muted">{me.display_name()}" · "{me.tenant.name.clone()}</p>
            </div>
            <div class="button-row">
                <A href="/change-password" attr:class="button">"Change password"</A>
            </div>
        </header>
        <section class="card" aria-labelledby="account-details">
            <h2 id="account-details">"Details"</h2>
            <dl class="facts">
                <dt>"Username"</dt><dd>{me.username.clone()}</dd>
                <dt>"Email"</dt><dd>{me.email.clone()}</dd>
                <dt>"Organisation"</dt><dd>{me.tenant.name.clone()}" ("<code>{me.tenant.slug.clone()}</code>")"</dd>
                <dt>"Account type"</dt><dd>{me.user_type.label()}</dd>
            </dl>
        </section>
        <MySecondFactors factors reload=reload_factors/>
        <Sessions user=None sessions reload/>
    }
    .into_any()
}
