//! When to show which field errors: the browser's own verdict (shared validation) for fields the
//! user has left, every field after a submit attempt, and the server's answer until the field is
//! changed.

use leptos::prelude::*;
use shared::FieldErrors;
use std::collections::BTreeSet;

/// Field-error state of one form.
#[derive(Clone, Copy)]
pub struct Feedback {
    client: Signal<FieldErrors>,
    touched: RwSignal<BTreeSet<String>>,
    submitted: RwSignal<bool>,
    server: RwSignal<FieldErrors>,
}

impl Feedback {
    /// `client` is the form's current verdict from shared validation.
    pub fn new(client: Signal<FieldErrors>) -> Self {
        Self {
            client,
            touched: RwSignal::new(BTreeSet::new()),
            submitted: RwSignal::new(false),
            server: RwSignal::new(FieldErrors::new()),
        }
    }

    /// The user left `field`: its errors may show now.
    pub fn touch(&self, field: &str) {
        if !self.touched.with_untracked(|t| t.contains(field)) {
            self.touched.update(|t| {
                t.insert(field.to_owned());
            });
        }
    }

    /// The user changed `field`: the server's verdict on the old value no longer applies.
    pub fn changed(&self, field: &str) {
        if self.server.with_untracked(|s| s.contains_key(field)) {
            self.server.update(|s| {
                s.remove(field);
            });
        }
    }

    /// The codes to show under `field`.
    pub fn codes(&self, field: &'static str) -> Signal<Vec<String>> {
        let this = *self;
        Signal::derive(move || {
            let shown = this.submitted.get() || this.touched.with(|t| t.contains(field));
            let mut codes = if shown {
                this.client.with(|c| c.get(field).cloned().unwrap_or_default())
            } else {
                Vec::new()
            };
            for code in this.server.with(|s| s.get(field).cloned()).unwrap_or_default() {
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            codes
        })
    }

    /// A submit attempt: shows every error; true when the browser found none.
    pub fn submit(&self) -> bool {
        self.submitted.set(true);
        self.client.with_untracked(|c| c.is_empty())
    }

    /// The server's field errors from the last answer.
    pub fn server(&self, errors: FieldErrors) {
        self.server.set(errors);
    }
}
