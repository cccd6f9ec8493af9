//! The Roster web application: the HTML shell, the routes, pages and components, and behind the
//! `ssr` feature the backend they call.

// Leptos views are deeply nested types; codegen needs a higher limit than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod web;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

use components::layout::AppShell;
use pages::{
    Account, Audit, ChangePassword, EditUser, EnrolSecondFactor, NewRole, NewTeam, NewUser,
    NotFound, RolePage, Roles, Settings, SignIn, TeamPage, Teams, Tenants, UserPage, Users,
};

/// The HTML document around the app, rendered by the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                {content_security_policy()}
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Sends the page's Content-Security-Policy with this response's nonce: scripts only from this
/// site or carrying the nonce (the hydration loader), wasm allowed to compile, nothing framed.
fn content_security_policy() {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// The application root: routes and the shared page chrome.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::layout::CurrentUser::provide();
    view! {
        <Stylesheet id="leptos" href="/pkg/roster.css"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/sign-in") view=SignIn/>
                <Route path=path!("/change-password") view=ChangePassword/>
                <Route path=path!("/second-factor") view=EnrolSecondFactor/>
                <ParentRoute path=path!("") view=AppShell>
                    // Rendered whole before answering, so the redirect is a real 302.
                    <Route path=path!("") view=Home ssr=SsrMode::Async/>
                    <Route path=path!("account") view={Lazy::<AccountPage>::new()}/>
                    <Route path=path!("tenants") view={Lazy::<TenantsPage>::new()}/>
                    <Route path=path!("users") view={Lazy::<UsersPage>::new()}/>
                    <Route path=path!("users/new") view={Lazy::<NewUserPage>::new()}/>
                    <Route path=path!("users/:id") view={Lazy::<UserPageRoute>::new()}/>
                    <Route path=path!("users/:id/edit") view={Lazy::<EditUserPage>::new()}/>
                    <Route path=path!("roles") view={Lazy::<RolesPage>::new()}/>
                    <Route path=path!("roles/new") view={Lazy::<NewRolePage>::new()}/>
                    <Route path=path!("roles/:id") view={Lazy::<RolePageRoute>::new()}/>
                    <Route path=path!("teams") view={Lazy::<TeamsPage>::new()}/>
                    <Route path=path!("teams/new") view={Lazy::<NewTeamPage>::new()}/>
                    <Route path=path!("teams/:id") view={Lazy::<TeamPageRoute>::new()}/>
                    <Route path=path!("audit") view={Lazy::<AuditPage>::new()}/>
                    <Route path=path!("settings") view={Lazy::<SettingsPage>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// `/`: the first section the signed-in user may open. The console chrome around it has sent
/// anyone without a session to sign in already; without the user it sends them there too.
#[component]
fn Home() -> impl IntoView {
    mark_hydrated();
    let path = components::layout::me().map_or("/sign-in", |me| components::layout::home(&me));
    view! { <Redirect path/> }
}

/// Sets `data-hydrated` on `<html>` once the wasm bundle has taken over the page: every route's
/// view calls it, so with a lazily loaded page it is set only once that page's code has arrived
/// and taken over. Effects run only in the browser, so server-rendered HTML never carries it:
/// end-to-end tests wait for it before interacting.
pub(crate) fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

/// A console page loaded on demand: `#[lazy_route]` splits its code off the main bundle (built
/// with `cargo leptos --split`), so signing in downloads only the shell and the sign-in page.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                mark_hydrated();
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page!(
    AccountPage => Account,
    TenantsPage => Tenants,
    UsersPage => Users,
    NewUserPage => NewUser,
    UserPageRoute => UserPage,
    EditUserPage => EditUser,
    RolesPage => Roles,
    NewRolePage => NewRole,
    RolePageRoute => RolePage,
    TeamsPage => Teams,
    NewTeamPage => NewTeam,
    TeamPageRoute => TeamPage,
    AuditPage => Audit,
    SettingsPage => Settings,
);
