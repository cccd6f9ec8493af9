//! `/roles`: the tenant's system and custom roles with their member counts; `/roles/new` and
//! `/roles/{id}`: a role's name, description and permission matrix (permissions grouped, a
//! checkbox per permission and per group). System roles open read-only; deleting a custom role
//! says first how many users lose it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::role::{Role, RoleForm, RoleUpdate};
use shared::{ApiError, ErrorCode, Permission, PermissionGroup, Permissions, Uuid};

use crate::api::roles::{create_role, delete_role, get_role, list_roles, update_role};
use crate::components::dialog::{Confirm, ConfirmDialog};
use crate::components::forms::{FieldErrors, FormAlert, TextField, error_codes};
use crate::components::layout::CurrentUser;
use crate::components::loading::{LoadError, loaded, loading};

/// The groups of the matrix, in display order.
const GROUPS: [PermissionGroup; 4] = [
    PermissionGroup::Users,
    PermissionGroup::Access,
    PermissionGroup::Audit,
    PermissionGroup::Tenant,
];

/// What the signed-in user may grant in a role they edit: the permissions they hold, if they
/// may manage roles at all (`None`: they may not).
fn grantable() -> Resource<Option<Permissions>> {
    let me = CurrentUser::get();
    Resource::new(
        || (),
        move |_| async move {
            let me = me.user().await.ok().flatten()?;
            me.can(Permission::RolesManage).then(|| me.permissions.iter().copied().collect())
        },
    )
}

#[component]
pub fn Roles() -> impl IntoView {
    let roles = Resource::new(|| (), |_| list_roles());
    let manage = grantable();
    view! {
        <Title text="Roles · Roster"/>
        <header class="page-header">
            <h1>"Roles"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    manage.await.map(|_| view! { <A href="/roles/new" attr:class="button primary">"New role"</A> })
                })}
            </Transition>
        </header>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading roles…"</p> }>
            {move || Suspend::new(async move { loaded(roles.await, |list| view! { <RoleTable list/> }) })}
        </Transition>
    }
}

#[component]
fn RoleTable(list: Vec<Role>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|role| {
            let kind = if role.is_system { "System" } else { "Custom" };
            view! {
                <tr>
                    <td data-label="Role">
                        <A href=format!("/roles/{}", role.id)>{role.name}</A>" "
                        <span class=format!("badge {}", kind.to_lowercase())>{kind}</span>
                    </td>
                    <td data-label="Description" class="muted">{role.description}</td>
                    <td data-label="Permissions" class="num">{role.permissions.len()}</td>
                    <td data-label="Members" class="num">{role.members}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card table-card">
            <table class="table roles-table">
                <thead>
                    <tr>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Description"</th>
                        <th scope="col" class="num">"Permissions"</th>
                        <th scope="col" class="num">"Members"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `/roles/new`.
#[component]
pub fn NewRole() -> impl IntoView {
    let manage = grantable();
    view! {
        <Title text="New role · Roster"/>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                let grantable = manage.await;
                view! { <RoleEditor role=None grantable/> }
            })}
        </Transition>
    }
}

/// `/roles/{id}`.
#[component]
pub fn RolePage() -> impl IntoView {
    let params = use_params_map();
    let role = Resource::new(
        move || params.read().get("id").and_then(|id| id.parse::<Uuid>().ok()),
        |id| async move {
            match id {
                Some(id) => get_role(id).await,
                None => Err(ApiError::new(ErrorCode::NotFound, "There is no such role.")),
            }
        },
    );
    let manage = grantable();
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match role.await {
                    Ok(role) => {
                        let grantable = manage.await.filter(|_| !role.is_system);
                        view! { <RoleEditor role=Some(role) grantable/> }.into_any()
                    }
                    Err(err) => view! {
                        <Title text="Role · Roster"/>
                        <LoadError err/>
                        <A href="/roles">"Back to roles"</A>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The form and matrix of a new role (`role` none) or an existing one; read-only unless the
/// signed-in user may grant (`grantable`), and then only what they hold themselves.
#[component]
fn RoleEditor(role: Option<Role>, grantable: Option<Permissions>) -> impl IntoView {
    let editable = grantable.is_some();
    let grantable = StoredValue::new(grantable.unwrap_or_default());
    let form = RwSignal::new(role.as_ref().map(RoleForm::of).unwrap_or_default());
    let held =
        move || -> Permissions { form.with(|f| shared::permission::from_keys(&f.permissions)) };
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let codes = move |field| error_codes(error, field);
    let alert = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let (id, version, title) = match &role {
        Some(r) => (Some(r.id), r.version, r.name.clone()),
        None => (None, 0, "New role".to_owned()),
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (navigate, submitted) = (navigate.clone(), form.get_untracked());
        busy.set(true);
        spawn_local(async move {
            let saved = match id {
                Some(id) => update_role(id, RoleUpdate { version, form: submitted }).await,
                None => create_role(submitted).await,
            };
            busy.set(false);
            match saved {
                Ok(role) => navigate(&format!("/roles/{}", role.id), Default::default()),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let members = role.as_ref().map_or(0, |r| r.members);
    let system = role.as_ref().is_some_and(|r| r.is_system);
    view! {
        <Title text=format!("{title} · Roles · Roster")/>
        <header class="page-header">
            <h1>{title}</h1>
            {id.filter(|_| editable).map(|id| {
                let name = Signal::derive(move || form.with(|f| f.name.clone()));
                view! { <DeleteRole id name members error/> }
            })}
        </header>
        {system.then(|| view! {
            <p class="notice" role="note">"System roles are read-only. To grant a different set of permissions, create a custom role."</p>
        })}
        <form class="card role-form" on:submit=save novalidate>
            <FormAlert error=alert/>
            <TextField id="role-name" label="Name" required=true disabled=!editable codes=codes("name")
                value=Signal::derive(move || form.with(|f| f.name.clone()))
                set=Callback::new(move |v| form.update(|f| f.name = v))/>
            <TextField id="role-description" label="Description" disabled=!editable codes=codes("description")
                value=Signal::derive(move || form.with(|f| f.description.clone()))
                set=Callback::new(move |v| form.update(|f| f.description = v))/>
            <h2>"Permissions"</h2>
            <FieldErrors id="role-permissions-errors" codes=codes("permissions")/>
            <div class="permission-matrix">
                {GROUPS.into_iter().map(|group| view! { <GroupBox group form held editable grantable/> }).collect_view()}
            </div>
            {editable.then(|| view! {
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || busy.get()>
                        {if id.is_some() { "Save changes" } else { "Create role" }}
                    </button>
                    <A href="/roles" attr:class="button">"Cancel"</A>
                </div>
            })}
        </form>
    }
}

/// "Delete role", confirmed first with what it takes from whom.
#[component]
fn DeleteRole(
    id: Uuid,
    name: Signal<String>,
    members: i64,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let ask = RwSignal::new(None::<Confirm>);
    let confirm = move |_| {
        let lose = match members {
            0 => "Nobody holds it.".to_owned(),
            1 => "1 user holds it and will lose it.".to_owned(),
            n => format!("{n} users hold it and will lose it."),
        };
        ask.set(Some(Confirm {
            title: format!("Delete the role “{}”?", name.get_untracked()),
            message: format!("{lose} Teams that give it by default will give no role."),
            confirm_label: "Delete role",
        }))
    };
    let navigate = use_navigate();
    let on_delete = Callback::new(move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match delete_role(id).await {
                Ok(_) => navigate("/roles", Default::default()),
                Err(err) => error.set(Some(err)),
            }
        });
    });
    view! {
        <button type="button" class="button danger" on:click=confirm>"Delete role"</button>
        <ConfirmDialog ask on_confirm=on_delete/>
    }
}

/// One group of the matrix: a checkbox for the whole group (mixed when some are held) and one
/// per permission.
#[component]
fn GroupBox(
    group: PermissionGroup,
    form: RwSignal<RoleForm>,
    held: impl Fn() -> Permissions + Copy + Send + Sync + 'static,
    editable: bool,
    grantable: StoredValue<Permissions>,
) -> impl IntoView {
    // A permission the editor does not hold cannot be added (it can still be taken away).
    let blocked = move |p: Permission| {
        !editable || (!grantable.with_value(|g| g.contains(&p)) && !held().contains(&p))
    };
    let members: Vec<Permission> =
        Permission::ALL.into_iter().filter(|p| p.group() == group).collect();
    let all = members.clone();
    let count = move || all.iter().filter(|p| held().contains(p)).count();
    let size = members.len();
    let set = move |permissions: &[Permission], on: bool| {
        form.update(|f| {
            let mut now = shared::permission::from_keys(&f.permissions);
            for p in permissions {
                if !on {
                    now.remove(p);
                } else if grantable.with_value(|g| g.contains(p)) {
                    now.insert(*p);
                }
            }
            f.permissions = now.iter().map(|p| p.key().to_owned()).collect();
        })
    };
    let whole = members.clone();
    let count_whole = count.clone();
    let boxes = members
        .into_iter()
        .map(|p| {
            view! {
                <li>
                    <label class="check">
                        <input type="checkbox" disabled=move || blocked(p)
                            prop:checked=move || held().contains(&p)
                            on:change=move |ev| set(&[p], event_target_checked(&ev))/>
                        <span>
                            <code>{p.key()}</code><small class="muted">{p.description()}</small>
                            {(editable && !grantable.with_value(|g| g.contains(&p))).then(|| view! {
                                <small class="reason">"You do not hold this permission, so you cannot grant it."</small>
                            })}
                        </span>
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <fieldset class="permission-group">
            <legend>
                <label class="check">
                    <input type="checkbox" disabled=!editable
                        prop:checked=move || count_whole() == size
                        prop:indeterminate=move || { let n = count(); n > 0 && n < size }
                        on:change=move |ev| set(&whole, event_target_checked(&ev))/>
                    <span>{group.label()}</span>
                </label>
            </legend>
            <ul>{boxes}</ul>
        </fieldset>
    }
}
