//! What a page shows while its data loads and when loading it failed: one look everywhere.

use leptos::prelude::*;
use shared::ApiError;

/// The placeholder while a page's data loads (a `Suspense` or `Transition` fallback).
pub fn loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

/// Why a page's data could not be loaded.
#[component]
pub fn LoadError(err: ApiError) -> impl IntoView {
    view! { <p class="alert error" role="alert">{err.message}</p> }
}

/// `view` of the loaded value, or the error.
pub fn loaded<T, V: IntoView + 'static>(
    result: Result<T, ApiError>,
    view: impl FnOnce(T) -> V,
) -> AnyView {
    match result {
        Ok(value) => view(value).into_any(),
        Err(err) => view! { <LoadError err/> }.into_any(),
    }
}
