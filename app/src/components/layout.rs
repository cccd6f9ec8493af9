//! The page chrome of the signed-in console: a top bar with the user and sign-out, and the side
//! navigation showing only the sections the user may open.
//!
//! Wide screens show the navigation with labels, tablets a rail of icons, phones a drawer that the
//! menu button opens. The layout itself is CSS (see style/main.css).

use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use shared::Permission;
use shared::auth::Me;

use super::icons::{Icon, Svg};
use super::loading::{LoadError, loading};
use crate::api::auth::{SignOut, current_user};
use shared::ApiError;

/// The signed-in user (`None` without a session), loaded once per page load for the whole
/// console: the shell and every page await this one request instead of each asking again.
/// Signing in and changing the password refetch it.
#[derive(Clone, Copy)]
pub struct CurrentUser(Resource<Result<Option<Me>, ApiError>>);

/// Where the root keeps the [`CurrentUser`]: made by the first page that asks (pages outside
/// the console, such as sign-in and 404, never do), owned by the root so that it outlives the
/// page that made it.
#[derive(Clone, Copy)]
struct Kept(StoredValue<(Owner, Option<CurrentUser>)>);

impl CurrentUser {
    /// Called by the app's root, above the router, so that every route sees it (on the server,
    /// a context provided inside the shell does not reach the pages of nested routes).
    pub fn provide() {
        if let Some(root) = Owner::current() {
            provide_context(Kept(StoredValue::new((root, None))));
        }
    }

    /// The one the root keeps, loading it on first use (a fresh one where nothing keeps one,
    /// such as a test's own root).
    pub fn get() -> Self {
        let kept = use_context::<Kept>().and_then(|Kept(kept)| {
            kept.try_update_value(|(root, user)| *user.get_or_insert_with(|| root.with(Self::load)))
        });
        kept.unwrap_or_else(Self::load)
    }

    fn load() -> Self {
        Self(Resource::new(|| (), |_| current_user()))
    }

    /// The user, once loaded.
    pub async fn user(self) -> Result<Option<Me>, ApiError> {
        self.0.await
    }

    /// The user if loaded already (tracked: a view reading it updates once it is).
    pub fn now(self) -> Option<Result<Option<Me>, ApiError>> {
        self.0.get()
    }

    /// Loads the user again (after signing in, or a change that alters what they may do).
    pub fn refetch(self) {
        self.0.refetch();
    }
}

/// A console section: where, its label and icon, and who may see it.
struct Section {
    href: &'static str,
    label: &'static str,
    icon: Icon,
    visible: fn(&Me) -> bool,
}

const SECTIONS: [Section; 6] = [
    Section { href: "/tenants", label: "Tenants", icon: Icon::Tenants, visible: |me| me.superuser },
    Section {
        href: "/users",
        label: "Users",
        icon: Icon::Users,
        visible: |me| me.can(Permission::UsersRead),
    },
    Section {
        href: "/roles",
        label: "Roles",
        icon: Icon::Roles,
        visible: |me| me.can(Permission::RolesRead),
    },
    Section {
        href: "/teams",
        label: "Teams",
        icon: Icon::Teams,
        visible: |me| me.can(Permission::TeamsRead),
    },
    Section {
        href: "/audit",
        label: "Audit log",
        icon: Icon::Audit,
        visible: |me| me.can(Permission::AuditRead),
    },
    Section {
        href: "/settings",
        label: "Settings",
        icon: Icon::Settings,
        visible: |me| me.can(Permission::TenantSettings),
    },
];

/// The signed-in user, as the console chrome provides it once for every page inside it; `None`
/// outside the console (sign-in, the 404 page). Use this rather than `expect_context`, which
/// panics (and so fails the whole server render) when nothing provides the context.
pub fn me() -> Option<Me> {
    use_context::<Me>()
}

/// Where a signed-in user lands: the first section they may open.
pub fn home(me: &Me) -> &'static str {
    SECTIONS.iter().find(|s| (s.visible)(me)).map_or("/change-password", |s| s.href)
}

/// Wraps every console page. Without a session it sends the browser to sign-in; with a pending
/// temporary password, to the password change; without a second factor that is required, to
/// adding one.
#[component]
pub fn AppShell() -> impl IntoView {
    let me = CurrentUser::get();
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match me.user().await {
                    Ok(Some(me)) if me.must_change_password => {
                        view! { <Redirect path="/change-password"/> }.into_any()
                    }
                    Ok(Some(me)) if me.must_enrol_second_factor => {
                        view! { <Redirect path="/second-factor"/> }.into_any()
                    }
                    Ok(Some(me)) => view! { <Chrome me/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/sign-in"/> }.into_any(),
                    Err(err) => view! { <LoadError err/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Top bar, navigation and the page, for a signed-in user.
#[component]
fn Chrome(me: Me) -> impl IntoView {
    // Every page inside the chrome (its <Outlet/>) reads the signed-in user through `me()`.
    provide_context(me.clone());
    let open = RwSignal::new(false);
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            // A full load: nothing of the signed-in state survives in the page.
            let _ = window().location().set_href("/sign-in");
        }
    });
    let sections: Vec<_> = SECTIONS.iter().filter(|s| (s.visible)(&me)).collect();
    let who = format!("{} · {}", me.display_name(), me.tenant.name);

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
                <span class="who">{who}</span>
                <A href="/account" attr:class="button subtle account-link">"My account"</A>
                <ActionForm action=sign_out attr:class="sign-out">
                    <button type="submit" class="button subtle">"Sign out"</button>
                </ActionForm>
            </header>
            <nav id="sidenav" class="sidenav" aria-label="Main">
                // Following a link closes the drawer on phones.
                <ul on:click=move |_| open.set(false)>
                    {sections
                        .into_iter()
                        .map(|s| view! {
                            <li>
                                <A href=s.href attr:title=s.label>
                                    <Svg icon=s.icon/>
                                    <span class="nav-label">{s.label}</span>
                                </A>
                            </li>
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
