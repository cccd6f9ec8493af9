//! The richer inputs of the user form: phone with country code, timezone, manager search, tags,
//! working hours and roles.

use leptos::prelude::*;
use shared::account::{RoleOption, UserRef};
use shared::auth::Me;
use shared::profile::{Timezone, WEEKDAYS, countries};
use shared::user_form::UserFields;
use shared::{UserType, Uuid};

use super::{Feedback, Field, error_id};
use crate::components::user_picker::UserPicker;

/// A phone number: a country list that supplies the calling code, or a number typed with `+`.
#[component]
pub fn PhoneInput(fields: RwSignal<UserFields>, feedback: Feedback) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let number = RwSignal::new(fields.with_untracked(|f| f.phone.clone().unwrap_or_default()));
    let store = move || {
        let typed = number.get_untracked();
        let typed = typed.trim();
        let code = code.get_untracked();
        let phone = if typed.is_empty() || typed.starts_with('+') || code.is_empty() {
            typed.to_owned()
        } else {
            format!("+{code} {}", typed.trim_start_matches('0'))
        };
        fields.update(|f| f.phone = Some(phone));
        feedback.changed("phone");
    };
    view! {
        <Field name="phone" label="Phone" feedback hint="Choose the country, or type the number with its + code.">
            <div class="phone-input">
                <select aria-label="Country calling code" on:change=move |ev| {
                    let iso = event_target_value(&ev);
                    code.set(countries().find(|c| c.iso == iso).map(|c| c.calling_code.to_owned()).unwrap_or_default());
                    store();
                }>
                    <option value="">"Country"</option>
                    {countries().map(|c| view! {
                        <option value=c.iso>{format!("{} +{}", c.name, c.calling_code)}</option>
                    }).collect_view()}
                </select>
                <input id="user-phone" type="tel" autocomplete="off" aria-describedby=error_id("phone")
                    prop:value=move || number.get()
                    on:input=move |ev| { number.set(event_target_value(&ev)); store(); }/>
            </div>
        </Field>
    }
}

/// A timezone, searchable through the browser's own suggestion list.
#[component]
pub fn TimezoneInput(fields: RwSignal<UserFields>, feedback: Feedback) -> impl IntoView {
    view! {
        <Field name="timezone" label="Timezone" feedback hint="Type to search, e.g. Europe/Oslo. Empty: the organisation's default.">
            <input id="user-timezone" list="timezones" autocomplete="off" aria-describedby=error_id("timezone")
                prop:value=move || fields.with(|f| f.timezone.clone().unwrap_or_default())
                on:input=move |ev| {
                    let zone = event_target_value(&ev);
                    fields.update(|f| f.timezone = Some(zone));
                    feedback.changed("timezone");
                }/>
            <datalist id="timezones">
                {Timezone::names().map(|name| view! { <option value=name></option> }).collect_view()}
            </datalist>
        </Field>
    }
}

/// The manager: search the tenant's users by name, username or email, pick one, or clear it.
#[component]
pub fn ManagerPicker(
    fields: RwSignal<UserFields>,
    feedback: Feedback,
    editing: Option<Uuid>,
    manager: Option<UserRef>,
) -> impl IntoView {
    let on_choose = Callback::new(move |user: Option<UserRef>| {
        fields.update(|f| f.manager_id = user.as_ref().map(|u| u.id));
        feedback.changed("manager_id");
    });
    view! {
        <Field name="manager_id" label="Manager" feedback>
            <UserPicker input_id="user-manager_id" chosen=manager exclude=editing on_choose/>
        </Field>
    }
}

/// Tags as chips: Enter or a comma adds one, the × removes one.
#[component]
pub fn TagInput(fields: RwSignal<UserFields>, feedback: Feedback) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let add = move || {
        let tag = draft.get_untracked().trim().trim_end_matches(',').trim().to_owned();
        if !tag.is_empty() {
            fields.update(|f| f.tags.push(tag));
            feedback.changed("tags");
        }
        draft.set(String::new());
    };
    view! {
        <Field name="tags" label="Tags" feedback hint="Press Enter or type a comma to add a tag.">
            <div class="chips">
                {move || fields.with(|f| f.tags.clone()).into_iter().enumerate().map(|(i, tag)| view! {
                    <span class="chip">{tag.clone()}
                        <button type="button" aria-label=format!("Remove tag {tag}")
                            on:click=move |_| fields.update(|f| { f.tags.remove(i); })>"×"</button>
                    </span>
                }).collect_view()}
                <input id="user-tags" autocomplete="off" aria-describedby=error_id("tags")
                    prop:value=move || draft.get()
                    on:input=move |ev| {
                        draft.set(event_target_value(&ev));
                        if draft.get_untracked().ends_with(',') { add() }
                    }
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); add() }
                    on:blur=move |_| add()/>
            </div>
        </Field>
    }
}

/// One shift per working day.
#[component]
pub fn WorkingHoursInput(fields: RwSignal<UserFields>, feedback: Feedback) -> impl IntoView {
    let shift = move |day: &'static str, part: usize| {
        move || {
            fields
                .with(|f| f.working_hours.get(day).and_then(|s| s.first()).map(|s| s[part].clone()))
        }
    };
    let set = move |day: &'static str, shift: Option<[String; 2]>| {
        fields.update(|f| match shift {
            Some(s) => {
                f.working_hours.insert(day.to_owned(), vec![s]);
            }
            None => {
                f.working_hours.remove(day);
            }
        });
        feedback.changed("working_hours");
    };
    view! {
        <div class="field" on:focusout=move |_| feedback.touch("working_hours")>
            <span id="hours-label">"Working hours"</span>
            <div class="hours" role="group" aria-labelledby="hours-label">
                {WEEKDAYS.map(|(day, label)| {
                    let (start, end) = (shift(day, 0), shift(day, 1));
                    let works = move || start().is_some();
                    let time = move |part: usize, value: String| {
                        let [mut a, mut b] = [start().unwrap_or_default(), end().unwrap_or_default()];
                        if part == 0 { a = value } else { b = value }
                        set(day, Some([a, b]));
                    };
                    view! {
                        <div class="hours-row">
                            <label class="check">
                                <input type="checkbox" prop:checked=works on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    set(day, on.then(|| ["09:00".to_owned(), "17:00".to_owned()]));
                                }/>" "{label}
                            </label>
                            <input type="time" aria-label=format!("{label} from") disabled=move || !works()
                                prop:value=move || start().unwrap_or_default()
                                on:change=move |ev| time(0, event_target_value(&ev))/>
                            <input type="time" aria-label=format!("{label} to") disabled=move || !works()
                                prop:value=move || end().unwrap_or_default()
                                on:change=move |ev| time(1, event_target_value(&ev))/>
                        </div>
                    }
                }).collect_view()}
            </div>
            <super::FieldErrors id=error_id("working_hours") codes=feedback.codes("working_hours")/>
        </div>
    }
}

/// Roles as checkboxes. Roles the user type cannot hold, or that grant what the actor does not
/// hold, are disabled with the reason.
#[component]
pub fn RolePicker(
    fields: RwSignal<UserFields>,
    feedback: Feedback,
    roles: Vec<RoleOption>,
    user_type: Signal<Option<UserType>>,
    me: Me,
    held: Vec<Uuid>,
) -> impl IntoView {
    let refusals = roles.clone();
    let refused = move |role: &RoleOption| -> Option<String> {
        if let Some(reason) = user_type.get().and_then(|t| role.refused_for(t)) {
            return Some(reason);
        }
        let beyond = !held.contains(&role.id) && role.permissions.iter().any(|p| !me.can(*p));
        beyond.then(|| "You do not hold every permission this role grants.".to_owned())
    };
    let refused_ids = {
        let refused = refused.clone();
        move || refusals.iter().filter(|r| refused(r).is_some()).map(|r| r.id).collect::<Vec<_>>()
    };
    // Changing the user type drops the roles the new type cannot hold.
    Effect::new(move |_| {
        let gone = refused_ids();
        if fields.with_untracked(|f| f.roles.iter().any(|r| gone.contains(r))) {
            fields.update(|f| f.roles.retain(|r| !gone.contains(r)));
        }
    });
    view! {
        // The group is the wrapper, not the <ul>: a role on the list would orphan its items.
        <div class="field" role="group" aria-labelledby="roles-label" on:focusout=move |_| feedback.touch("roles")>
            <span id="roles-label">"Roles"</span>
            <ul class="role-list">
                {roles.into_iter().map(|role| {
                    let id = role.id;
                    let reason = Signal::derive({
                        let (refused, role) = (refused.clone(), role.clone());
                        move || refused(&role)
                    });
                    let blocked = move || reason.with(Option::is_some);
                    view! {
                        <li class:disabled=blocked>
                            <label class="check">
                                <input type="checkbox" disabled=blocked
                                    prop:checked=move || fields.with(|f| f.roles.contains(&id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        fields.update(|f| if on { f.roles.push(id) } else { f.roles.retain(|r| *r != id) });
                                        feedback.changed("roles");
                                    }/>
                                " "<strong>{role.name}</strong>
                            </label>
                            <small class="muted">{role.description}</small>
                            {move || reason.get().map(|r| view! { <small class="reason">{r}</small> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <super::FieldErrors id=error_id("roles") codes=feedback.codes("roles")/>
        </div>
    }
}
