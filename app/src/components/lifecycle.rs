//! The lifecycle actions on one user (reset the password, suspend, reactivate): the buttons the
//! actor may use, and one set of dialogs per page that confirms, acts, and shows a reset's
//! temporary password once. The user page and every row of the directory share them.

use leptos::prelude::*;
use shared::auth::Me;
use shared::{ApiError, Permission, Uuid};

use crate::api::users::{ReactivateUser, ResetUserPassword, SuspendUser};
use crate::components::dialog::{Confirm, ConfirmDialog, Secret, SecretDialog};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Reset,
    Suspend,
    Reactivate,
}

/// Who an action is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub id: Uuid,
    pub name: String,
    pub username: String,
    pub suspended: bool,
    /// A service account: it never signs in, so it has no password to reset.
    pub service: bool,
}

/// An action waiting for its confirmation.
pub type Request = RwSignal<Option<(Lifecycle, Target)>>;

impl Lifecycle {
    fn confirm(self, target: &Target) -> Confirm {
        let name = &target.name;
        let (title, message, confirm_label) = match self {
            Self::Reset => (
                format!("Reset {name}'s password?"),
                "They will get a temporary password, must change it at the next sign-in, and are signed out everywhere.",
                "Reset password",
            ),
            Self::Suspend => (
                format!("Suspend {name}?"),
                "They cannot sign in until reactivated, and are signed out everywhere now.",
                "Suspend",
            ),
            Self::Reactivate => (
                format!("Reactivate {name}?"),
                "They can sign in again (unless their account has expired).",
                "Reactivate",
            ),
        };
        Confirm { title, message: message.into(), confirm_label }
    }

    /// Whether `me` may take this action on `target` now.
    pub fn allowed(self, me: Option<&Me>, target: &Target) -> bool {
        let Some(me) = me else { return false };
        let myself = me.id == target.id;
        match self {
            Self::Reset => me.can(Permission::UsersResetPassword) && !myself && !target.service,
            Self::Suspend => me.can(Permission::UsersSuspend) && !myself && !target.suspended,
            Self::Reactivate => me.can(Permission::UsersSuspend) && target.suspended,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Reset => "Reset password",
            Self::Suspend => "Suspend",
            Self::Reactivate => "Reactivate",
        }
    }
}

/// The lifecycle buttons `me` may use on `target`; a click asks through `request`.
#[component]
pub fn LifecycleButtons(target: Target, me: Option<Me>, request: Request) -> impl IntoView {
    [Lifecycle::Reset, Lifecycle::Suspend, Lifecycle::Reactivate]
        .into_iter()
        .filter(|action| action.allowed(me.as_ref(), &target))
        .map(|action| {
            let target = target.clone();
            let class = if action == Lifecycle::Suspend { "button danger" } else { "button" };
            view! {
                <button type="button" class=class
                    on:click=move |_| request.set(Some((action, target.clone())))>
                    {action.label()}
                </button>
            }
        })
        .collect_view()
}

/// Confirms a requested action, runs it, shows a new temporary password once; `done` runs
/// after every change, `failed` receives a refusal.
#[component]
pub fn LifecycleDialogs(
    request: Request,
    done: Callback<()>,
    failed: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let suspend = ServerAction::<SuspendUser>::new();
    let reactivate = ServerAction::<ReactivateUser>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let ask = RwSignal::new(None::<Confirm>);
    let secret = RwSignal::new(None::<Secret>);
    Effect::new(move |_| {
        if let Some((action, target)) = request.get() {
            ask.set(Some(action.confirm(&target)));
        }
    });
    Effect::new(move |_| {
        ask.track();
        if ask.get_untracked().is_none() && request.get_untracked().is_some() {
            // Cancelled, or confirmed (which took the request first).
            request.set(None);
        }
    });
    Effect::new(move |_| {
        for result in [suspend.value().get(), reactivate.value().get()].into_iter().flatten() {
            match result {
                Ok(_) => done.run(()),
                Err(err) => failed.set(Some(err)),
            }
        }
    });
    let reset_for = StoredValue::new(String::new());
    Effect::new(move |_| {
        match reset.value().get() {
        Some(Ok(done)) => secret.set(Some(Secret {
            what: "temporary password",
            title: "Password reset".into(),
            message: format!(
                "Give {} this temporary password. They must choose their own at the next sign-in; their sessions have ended.",
                reset_for.get_value()
            ),
            password: done.temporary_password,
        })),
        Some(Err(err)) => failed.set(Some(err)),
        None => {}
    }
    });
    let confirmed = Callback::new(move |_| {
        let Some((action, target)) = request.get_untracked() else { return };
        request.set(None);
        let id = target.id;
        match action {
            Lifecycle::Suspend => {
                suspend.dispatch(SuspendUser { id });
            }
            Lifecycle::Reactivate => {
                reactivate.dispatch(ReactivateUser { id });
            }
            Lifecycle::Reset => {
                reset_for.set_value(target.username);
                reset.dispatch(ResetUserPassword { id });
            }
        }
    });
    view! {
        <ConfirmDialog ask on_confirm=confirmed/>
        <SecretDialog secret on_close=done/>
    }
}
