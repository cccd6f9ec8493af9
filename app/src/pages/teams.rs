//! `/teams`: the tenant's teams with their default role, rule and member count; `/teams/new` and
//! `/teams/{id}`: a team's name, description, default role and membership rule (conditions on
//! profile fields, all or any), with a preview of who a rule change adds and removes before it
//! is saved, and the members (by hand or by the rule).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::account::{RoleOption, UserRef};
use shared::team::{
    Condition, Match, MemberSource, RuleField, RuleOp, RulePreview, RuleRun, Rules, Team, TeamForm,
    TeamMember, TeamUpdate,
};
use shared::{ApiError, ErrorCode, Permission, Uuid};

use crate::api::teams::{
    add_team_member, create_team, get_team, list_teams, preview_team, remove_team_member,
    team_members, update_team,
};
use crate::api::users::role_options;
use crate::components::forms::{FieldErrors, FormAlert, TextField, error_codes};
use crate::components::loading::{LoadError, loading};
use crate::components::user_picker::UserPicker;

/// Whether the signed-in user may create and edit teams and their members.
fn can_manage() -> Resource<bool> {
    super::holds(Permission::TeamsManage)
}

#[component]
pub fn Teams() -> impl IntoView {
    let teams = Resource::new(|| (), |_| list_teams());
    let manage = can_manage();
    view! {
        <Title text="Teams · Roster"/>
        <header class="page-header">
            <h1>"Teams"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    manage.await.then(|| view! { <A href="/teams/new" attr:class="button primary">"New team"</A> })
                })}
            </Transition>
        </header>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading teams…"</p> }>
            {move || Suspend::new(async move {
                match teams.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty-state card">"No teams yet."</p>
                    }.into_any(),
                    Ok(list) => view! { <TeamTable list/> }.into_any(),
                    Err(err) => view! { <LoadError err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TeamTable(list: Vec<Team>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|team| {
            let rule = team.rules.as_ref().map_or("By hand only".to_owned(), Rules::describe);
            let role = team.default_role.map_or("—".to_owned(), |r| r.name);
            view! {
                <tr>
                    <td><A href=format!("/teams/{}", team.id)>{team.name}</A></td>
                    <td>{role}</td>
                    <td class="muted">{rule}</td>
                    <td class="num">{team.members}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card table-card">
            <table class="table teams-table">
                <thead>
                    <tr>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Default role"</th>
                        <th scope="col">"Membership rule"</th>
                        <th scope="col" class="num">"Members"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `/teams/new`.
#[component]
pub fn NewTeam() -> impl IntoView {
    let manage = can_manage();
    let roles = Resource::new(|| (), |_| role_options());
    view! {
        <Title text="New team · Roster"/>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                let (editable, roles) = (manage.await, roles.await.unwrap_or_default());
                view! { <TeamEditor team=None roles editable/> }
            })}
        </Transition>
    }
}

/// `/teams/{id}`.
#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<Uuid>().ok());
    let reload = RwSignal::new(0u32);
    let team = Resource::new(
        move || (id(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_team(id).await,
                None => Err(ApiError::new(ErrorCode::NotFound, "There is no such team.")),
            }
        },
    );
    let members = Resource::new(
        move || (id(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => team_members(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let roles = Resource::new(|| (), |_| role_options());
    let manage = can_manage();
    // A background run of the rule: its progress is polled each second until it finishes, then
    // the members are loaded again.
    let tick = RwSignal::new(0u32);
    let progress = Resource::new(
        move || (id(), reload.get(), tick.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_team(id).await.ok().and_then(|t| t.run),
                None => None,
            }
        },
    );
    let running = StoredValue::new(false);
    Effect::new(move |_| {
        let Some(run) = progress.get().flatten() else { return };
        if !run.finished {
            running.set_value(true);
            set_timeout(move || tick.update(|n| *n += 1), std::time::Duration::from_secs(1));
        } else if running.get_value() {
            running.set_value(false);
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                progress.await.filter(|run| !run.finished).map(|run| view! { <RunProgress run/> })
            })}
        </Transition>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match (team.await, members.await) {
                    (Ok(team), Ok(members)) => {
                        let (editable, roles) = (manage.await, roles.await.unwrap_or_default());
                        let id = team.id;
                        view! {
                            <TeamEditor team=Some(team) roles editable/>
                            <Members id members editable reload/>
                        }.into_any()
                    }
                    (Err(err), _) | (_, Err(err)) => view! {
                        <Title text="Team · Roster"/>
                        <LoadError err/>
                        <A href="/teams">"Back to teams"</A>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The form: name, description, default role and the rule, with its preview.
#[component]
fn TeamEditor(team: Option<Team>, roles: Vec<RoleOption>, editable: bool) -> impl IntoView {
    let form = RwSignal::new(team.as_ref().map(TeamForm::of).unwrap_or_default());
    let saved_rules = StoredValue::new(team.as_ref().and_then(|t| t.rules.clone()));
    let (id, version, title) = match &team {
        Some(t) => (Some(t.id), t.version, t.name.clone()),
        None => (None, 0, "New team".to_owned()),
    };
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    // The preview and the form it was made for: a rule change is saved only once previewed.
    let preview = RwSignal::new(None::<(TeamForm, RulePreview)>);
    let navigate = use_navigate();
    let codes = move |field| error_codes(error, field);
    let alert = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let rules_changed = move || {
        form.with(|f| f.rules.clone().filter(|r| !r.conditions.is_empty()))
            != saved_rules.get_value()
    };
    let previewed =
        move || preview.with(|p| p.as_ref().is_some_and(|(f, _)| form.with(|now| f == now)));
    let run_preview = move || {
        let submitted = form.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match preview_team(id, submitted.clone()).await {
                Ok(result) => {
                    error.set(None);
                    preview.set(Some((submitted, result)));
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if rules_changed() && !previewed() {
            run_preview();
            return;
        }
        let (navigate, submitted) = (navigate.clone(), form.get_untracked());
        busy.set(true);
        spawn_local(async move {
            let saved = match id {
                Some(id) => update_team(id, TeamUpdate { version, form: submitted }).await,
                None => create_team(submitted).await,
            };
            busy.set(false);
            match saved {
                Ok(team) => {
                    preview.set(None);
                    navigate(&format!("/teams/{}", team.id), Default::default());
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <Title text=format!("{title} · Teams · Roster")/>
        <header class="page-header"><h1>{title}</h1></header>
        <form class="card team-form" on:submit=save novalidate>
            <FormAlert error=alert/>
            <TextField id="team-name" label="Name" disabled=!editable codes=codes("name")
                value=Signal::derive(move || form.with(|f| f.name.clone()))
                set=Callback::new(move |v| form.update(|f| f.name = v))/>
            <TextField id="team-description" label="Description" disabled=!editable codes=codes("description")
                value=Signal::derive(move || form.with(|f| f.description.clone()))
                set=Callback::new(move |v| form.update(|f| f.description = v))/>
            <DefaultRole form roles editable codes=codes("default_role_id")/>
            <RuleBuilder form editable/>
            <FieldErrors id="team-rules-errors" codes=codes("rules")/>
            {move || preview.get().filter(|_| previewed()).map(|(_, p)| view! { <PreviewPanel preview=p/> })}
            {editable.then(|| view! {
                <div class="button-row">
                    <button type="button" class="button" disabled=move || busy.get() on:click=move |_| run_preview()>"Preview members"</button>
                    <button type="submit" class="button primary" disabled=move || busy.get()>
                        {move || if rules_changed() && !previewed() { "Preview, then save" } else if id.is_some() { "Save changes" } else { "Create team" }}
                    </button>
                    <A href="/teams" attr:class="button">"Cancel"</A>
                </div>
            })}
        </form>
    }
}

/// The role every member of the team holds, if any.
#[component]
fn DefaultRole(
    form: RwSignal<TeamForm>,
    roles: Vec<RoleOption>,
    editable: bool,
    codes: Signal<Vec<String>>,
) -> impl IntoView {
    let choices = roles
        .into_iter()
        .map(|r| {
            let value = r.id.to_string();
            let selected = move || form.with(|f| f.default_role_id == Some(r.id));
            view! { <option value=value selected=selected>{r.name}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for="team-default_role_id">"Default role (every member holds it)"</label>
            <select id="team-default_role_id" disabled=!editable aria-describedby="team-default_role_id-errors"
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    form.update(|f| f.default_role_id = value.parse().ok());
                }>
                <option value="" selected=move || form.with(|f| f.default_role_id.is_none())>"No default role"</option>
                {choices}
            </select>
            <FieldErrors id="team-default_role_id-errors" codes/>
        </div>
    }
}

/// The rule: all or any of a list of conditions, each a field, "is" or "is one of", and values.
#[component]
fn RuleBuilder(form: RwSignal<TeamForm>, editable: bool) -> impl IntoView {
    let edit = move |change: Box<dyn FnOnce(&mut Rules)>| {
        form.update(|f| change(f.rules.get_or_insert_with(Rules::default)));
    };
    let mode = move || form.with(|f| f.rules.as_ref().map_or(Match::All, |r| r.mode));
    // A memo: rows are made again when one is added or removed, not at every keystroke (which
    // would replace the input being typed in).
    let count =
        Memo::new(move |_| form.with(|f| f.rules.as_ref().map_or(0, |r| r.conditions.len())));
    let row = move |i: usize| {
        let get =
            move || form.with(|f| f.rules.as_ref().and_then(|r| r.conditions.get(i).cloned()));
        let typed = form.with_untracked(|f| {
            f.rules.as_ref().and_then(|r| r.conditions.get(i)).map(|c| c.values.join(", "))
        });
        let typed = typed.unwrap_or_default();
        let fields = RuleField::ALL
            .into_iter()
            .map(|field| view! {
                <option value=field.as_str() selected=move || get().is_some_and(|c| c.field == field)>{field.label()}</option>
            })
            .collect_view();
        view! {
            <li class="condition">
                <select aria-label=format!("Field of condition {}", i + 1) disabled=!editable
                    on:change=move |ev| {
                        let picked = event_target_value(&ev);
                        let field = RuleField::ALL.into_iter().find(|f| f.as_str() == picked);
                        edit(Box::new(move |r| if let (Some(c), Some(field)) = (r.conditions.get_mut(i), field) { c.field = field }));
                    }>{fields}</select>
                <select aria-label=format!("Comparison of condition {}", i + 1) disabled=!editable
                    on:change=move |ev| {
                        let op = if event_target_value(&ev) == "in" { RuleOp::In } else { RuleOp::Eq };
                        edit(Box::new(move |r| if let Some(c) = r.conditions.get_mut(i) { c.op = op }));
                    }>
                    <option value="eq" selected=move || get().is_some_and(|c| c.op == RuleOp::Eq)>"is"</option>
                    <option value="in" selected=move || get().is_some_and(|c| c.op == RuleOp::In)>"is one of"</option>
                </select>
                <input type="text" aria-label=format!("Values of condition {} (comma-separated)", i + 1) disabled=!editable
                    placeholder="Sales, Support"
                    // Not bound to the form: typing "Sales, " must keep its comma.
                    prop:value=typed
                    on:input=move |ev| {
                        let values: Vec<String> = event_target_value(&ev).split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
                        edit(Box::new(move |r| if let Some(c) = r.conditions.get_mut(i) { c.values = values }));
                    }/>
                {editable.then(|| view! {
                    <button type="button" class="button subtle" aria-label=format!("Remove condition {}", i + 1)
                        on:click=move |_| edit(Box::new(move |r| { if i < r.conditions.len() { r.conditions.remove(i); } }))>"Remove"</button>
                })}
            </li>
        }
    };
    view! {
        <fieldset class="rule-builder">
            <legend>"Membership rule"</legend>
            <p class="muted">"Users whose profile matches join the team, and leave when it no longer does. Members added by hand stay."</p>
            <div class="radio-row" role="radiogroup" aria-label="Match">
                <label class="check"><input type="radio" name="match" disabled=!editable prop:checked=move || mode() == Match::All
                    on:change=move |_| edit(Box::new(|r| r.mode = Match::All))/>"All conditions"</label>
                <label class="check"><input type="radio" name="match" disabled=!editable prop:checked=move || mode() == Match::Any
                    on:change=move |_| edit(Box::new(|r| r.mode = Match::Any))/>"Any condition"</label>
            </div>
            <ol class="conditions">{move || (0..count.get()).map(row).collect_view()}</ol>
            {editable.then(|| view! {
                <button type="button" class="button" on:click=move |_| edit(Box::new(|r| r.conditions.push(Condition {
                    field: RuleField::Department, op: RuleOp::Eq, values: Vec::new(),
                })))>"Add condition"</button>
            })}
        </fieldset>
    }
}

/// How far the background application of a rule change has come.
#[component]
fn RunProgress(run: RuleRun) -> impl IntoView {
    view! {
        <section class="preview run" role="status" aria-label="Applying the rule">
            <h3>"Applying the rule to every user…"</h3>
            <progress max=run.total value=run.done>{format!("{} of {}", run.done, run.total)}</progress>
            <p>{format!("{} of {} users looked at: {} added, {} removed so far.", run.done, run.total, run.added, run.removed)}</p>
        </section>
    }
}

/// "Adds 42, removes 3", with the names.
#[component]
fn PreviewPanel(preview: RulePreview) -> impl IntoView {
    let names = |list: Vec<UserRef>, count: i64| {
        let shown = list.len() as i64;
        let more = (count > shown).then(|| format!(" and {} more", count - shown));
        let names: Vec<String> = list.into_iter().map(|u| u.name).collect();
        format!("{}{}", names.join(", "), more.unwrap_or_default())
    };
    view! {
        <section class="preview" role="status" aria-label="What saving does">
            <h3>{format!("Saving adds {}, removes {}", preview.add_count, preview.remove_count)}</h3>
            {(preview.add_count > 0).then(|| view! { <p><strong>"Adds: "</strong>{names(preview.adds, preview.add_count)}</p> })}
            {(preview.remove_count > 0).then(|| view! { <p><strong>"Removes: "</strong>{names(preview.removes, preview.remove_count)}</p> })}
        </section>
    }
}

/// The members, how each joined, adding one by hand and removing those added by hand.
#[component]
fn Members(
    id: Uuid,
    members: Vec<TeamMember>,
    editable: bool,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let after = move |done: Result<(), ApiError>| match done {
        Ok(()) => reload.update(|n| *n += 1),
        Err(err) => error.set(Some(err)),
    };
    let add = Callback::new(move |user: Option<UserRef>| {
        if let Some(user) = user {
            spawn_local(async move { after(add_team_member(id, user.id).await) });
        }
    });
    let rows = members
        .into_iter()
        .map(|m| {
            let (label, class) = match m.source {
                MemberSource::Manual => ("Added by hand", "badge custom"),
                MemberSource::Rule => ("By the rule", "badge system"),
                MemberSource::Unknown => ("Unknown", "badge"),
            };
            let user = m.user.id;
            let remove = (editable && m.source == MemberSource::Manual).then(|| view! {
                <button type="button" class="button subtle" aria-label=format!("Remove {}", m.user.name)
                    on:click=move |_| spawn_local(async move { after(remove_team_member(id, user).await) })>"Remove"</button>
            });
            view! {
                <li>
                    <A href=format!("/users/{}", m.user.id)>{m.user.name.clone()}</A>" "
                    <small class="muted">{m.user.email}</small>" "
                    <span class=class>{label}</span>
                    {remove}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card team-members" aria-labelledby="members-title">
            <h2 id="members-title">"Members"</h2>
            <FormAlert error=error/>
            {editable.then(|| view! {
                <div class="field picker-field">
                    <label for="team-add-member">"Add a member"</label>
                    <UserPicker input_id="team-add-member" chosen=None exclude=None on_choose=add/>
                </div>
            })}
            <ul class="member-list">{rows}</ul>
        </section>
    }
}
