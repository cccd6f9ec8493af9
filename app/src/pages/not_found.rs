//! The page for addresses Roster does not know.

use leptos::prelude::*;
use leptos_meta::Title;

/// 404: says so plainly and offers the way back.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::mark_hydrated();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Roster"/>
        <main class="centered-page">
            <div class="card narrow">
                <h1>"Page not found"</h1>
                <p class="muted">"There is nothing at this address."</p>
                <a class="button primary" href="/">"Go to the console"</a>
            </div>
        </main>
    }
}
