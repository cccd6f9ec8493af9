//! Tenants, for platform superusers: the organisations Roster serves and how many users each has,
//! and creating one with its first administrator.

use leptos::prelude::*;
use leptos_meta::Title;
use shared::tenant::{CreatedTenant, Tenant};

use crate::api::tenants::{CreateTenant, list_tenants};
use crate::components::forms::{FieldErrors, FormAlert, field_codes};
use crate::components::icons::{Icon, Svg};

/// The tenants list and the creation form.
#[component]
pub fn Tenants() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let tenants = Resource::new(move || create.version().get(), |_| list_tenants());
    let created = RwSignal::new(None::<CreatedTenant>);
    Effect::new(move |_| {
        if let Some(Ok(done)) = create.value().get() {
            created.set(Some(done));
        }
    });

    view! {
        <Title text="Tenants · Roster"/>
        <header class="page-header">
            <h1>"Tenants"</h1>
        </header>
        <div class="two-columns">
            <section class="card" aria-labelledby="tenant-list">
                <h2 id="tenant-list">"Organisations"</h2>
                <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match tenants.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="muted">"No organisations yet. Create the first one."</p>
                            }.into_any(),
                            Ok(list) => view! { <TenantTable list/> }.into_any(),
                            Err(err) => view! { <p class="alert error" role="alert">{err.message}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <NewTenantForm create/>
        </div>
        <TemporaryPasswordDialog created/>
    }
}

#[component]
fn TenantTable(list: Vec<Tenant>) -> impl IntoView {
    view! {
        <table class="table">
            <thead>
                <tr><th scope="col">"Name"</th><th scope="col">"Sign-in name"</th><th scope="col" class="num">"Users"</th></tr>
            </thead>
            <tbody>
                {list.into_iter().map(|t| view! {
                    <tr><td>{t.name}</td><td><code>{t.slug}</code></td><td class="num">{t.user_count}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn NewTenantForm(create: ServerAction<CreateTenant>) -> impl IntoView {
    // Emptied after a success, so the same organisation is not submitted twice by accident.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (create.value().get(), form.get()) {
            form.reset();
        }
    });
    let result = move || create.value().get();
    let codes = move |field: &'static str| Signal::derive(move || field_codes(result(), field));
    let alert = Signal::derive(move || match result() {
        Some(Err(err)) if err.fields.is_empty() => Some(err),
        _ => None,
    });
    let field =
        move |name: &'static str, label: &'static str, kind: &'static str, hint: &'static str| {
            let input_name = format!("form[{name}]");
            let errors_id: &'static str = name;
            view! {
                <label class="field">
                    <span>{label}</span>
                    <input name=input_name type=kind required aria-describedby=errors_id/>
                    {(!hint.is_empty()).then(|| view! { <small class="muted">{hint}</small> })}
                    <FieldErrors id=errors_id codes=codes(name)/>
                </label>
            }
        };
    view! {
        <section class="card" aria-labelledby="new-tenant">
            <h2 id="new-tenant">"New organisation"</h2>
            <ActionForm action=create node_ref=form>
                <FormAlert error=alert/>
                {field("name", "Name", "text", "")}
                {field("slug", "Sign-in name", "text", "Lowercase letters, digits and hyphens; typed at sign-in.")}
                <h3>"First administrator"</h3>
                {field("admin_first_name", "First name", "text", "")}
                {field("admin_last_name", "Last name", "text", "")}
                {field("admin_email", "Email", "email", "")}
                {field("admin_username", "Username", "text", "")}
                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                    "Create organisation"
                </button>
            </ActionForm>
        </section>
    }
}

/// Shows the first admin's temporary password once, with a copy button and a warning.
#[component]
fn TemporaryPasswordDialog(created: RwSignal<Option<CreatedTenant>>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(done) = created.get_untracked() {
            let _ = window().navigator().clipboard().write_text(done.temporary_password.expose());
            copied.set(true);
        }
    };
    view! {
        <Show when=move || created.get().is_some()>
            <div class="modal-backdrop">
                <div class="card modal" role="dialog" aria-modal="true" aria-labelledby="temp-title">
                    <h2 id="temp-title">"Organisation created"</h2>
                    <p>
                        "Give " <strong>{move || created.get().map(|c| c.admin_username)}</strong>
                        " this temporary password for organisation "
                        <code>{move || created.get().map(|c| c.tenant.slug)}</code>
                        ". They will choose their own at first sign-in."
                    </p>
                    <div class="input-with-button">
                        <input readonly aria-label="Temporary password" class="secret"
                            value=move || created.get().map(|c| c.temporary_password.expose().to_owned())/>
                        <button type="button" class="icon-button" aria-label="Copy the password" on:click=copy>
                            <Svg icon=Icon::Copy/>
                        </button>
                    </div>
                    <p class="alert warning">"It will not be shown again."
                        {move || copied.get().then_some(" Copied to the clipboard.")}</p>
                    <button type="button" class="button primary"
                        on:click=move |_| { created.set(None); copied.set(false); }>"Done"</button>
                </div>
            </div>
        </Show>
    }
}
