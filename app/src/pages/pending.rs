//! A console section whose page is not built yet: says so instead of showing a broken screen.

use leptos::prelude::*;
use leptos_meta::Title;

/// An honest empty state for a section that has not shipped yet.
#[component]
pub fn Pending(title: &'static str) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Roster")/>
        <header class="page-header">
            <h1>{title}</h1>
        </header>
        <section class="card empty-state">
            <h2>"Not available yet"</h2>
            <p class="muted">"This part of the console is still being built."</p>
        </section>
    }
}
