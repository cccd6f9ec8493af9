//! Tenants, for platform superusers: the organisations Roster serves and how many users each has,
//! and creating one with its first administrator.

use leptos::prelude::*;
use leptos_meta::Title;
use shared::tenant::{CreatedTenant, Tenant};

use crate::api::tenants::{CreateTenant, list_tenants};
use crate::components::dialog::{Secret, SecretDialog};
use crate::components::forms::{FieldErrors, FormAlert, field_codes};
use crate::components::loading::{LoadError, loading};

/// The tenants list and the creation form.
#[component]
pub fn Tenants() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let tenants = Resource::new(move || create.version().get(), |_| list_tenants());
    let secret = RwSignal::new(None::<Secret>);
    Effect::new(move |_| {
        if let Some(Ok(done)) = create.value().get() {
            secret.set(Some(announce(done)));
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
                <Transition fallback=loading>
                    {move || Suspend::new(async move {
                        match tenants.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="muted">"No organisations yet. Create the first one."</p>
                            }.into_any(),
                            Ok(list) => view! { <TenantTable list/> }.into_any(),
                            Err(err) => view! { <LoadError err/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <NewTenantForm create/>
        </div>
        <SecretDialog secret/>
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

/// The first admin's temporary password, for the dialog that shows it once.
fn announce(done: CreatedTenant) -> Secret {
    Secret {
        what: "temporary password",
        title: "Organisation created".into(),
        message: format!(
            "Give {} this temporary password for organisation “{}”. They will choose their own at \
             first sign-in.",
            done.admin_username, done.tenant.slug
        ),
        password: done.temporary_password,
    }
}
