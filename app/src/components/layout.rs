//! The page chrome of the signed-in console: a top bar and the side navigation.
//!
//! Wide screens show the navigation with labels, tablets a rail of icons, phones a drawer that the
//! menu button opens. The layout itself is CSS (see style/main.css); this component only owns the
//! drawer's open state.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use super::icons::{Icon, Svg};

/// The sections of the console, in navigation order.
const SECTIONS: [(&str, &str, Icon); 4] = [
    ("/users", "Users", Icon::Users),
    ("/roles", "Roles", Icon::Roles),
    ("/teams", "Teams", Icon::Teams),
    ("/audit", "Audit log", Icon::Audit),
];

/// Wraps every console page: skip link, top bar, navigation and the page itself.
#[component]
pub fn AppShell() -> impl IntoView {
    let open = RwSignal::new(false);

    view! {
        <div class="shell" class:nav-open=open>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <button
                    type="button"
                    class="icon-button nav-toggle"
                    aria-controls="sidenav"
                    aria-expanded=move || open.get().to_string()
                    aria-label=move || if open.get() { "Close navigation" } else { "Open navigation" }
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || view! { <Svg icon=if open.get() { Icon::Close } else { Icon::Menu }/> }}
                </button>
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"R"</span>
                    <span class="brand-name">"Roster"</span>
                </a>
            </header>
            <nav id="sidenav" class="sidenav" aria-label="Main">
                // Following a link closes the drawer on phones.
                <ul on:click=move |_| open.set(false)>
                    {SECTIONS
                        .into_iter()
                        .map(|(href, label, icon)| {
                            view! {
                                <li>
                                    <A href=href attr:title=label>
                                        <Svg icon=icon/>
                                        <span class="nav-label">{label}</span>
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <div class="scrim" aria-hidden="true" on:click=move |_| open.set(false)></div>
            <main id="main" class="content" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}
