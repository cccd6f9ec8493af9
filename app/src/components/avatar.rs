//! A user's picture: the stored avatar, or initials on a colour derived from the name; and the
//! control that uploads a new one to `PUT /api/v1/users/{id}/avatar`.

use leptos::prelude::*;
use shared::{ApiError, Uuid};

/// The avatar image (cache-busted by `version`) or the initials.
#[component]
pub fn Avatar(
    id: Uuid,
    first_name: String,
    last_name: String,
    has_avatar: bool,
    version: i64,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let class = if large { "avatar large" } else { "avatar" };
    if has_avatar {
        view! { <img class=class src=format!("/api/v1/users/{id}/avatar?v={version}") alt=""/> }
            .into_any()
    } else {
        let initials: String = [&first_name, &last_name]
            .iter()
            .filter_map(|n| n.chars().next())
            .flat_map(char::to_uppercase)
            .collect();
        // One of twelve tones (classes, since the CSP allows no inline styles).
        let tone = format!("{first_name} {last_name}")
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
            % 12;
        view! { <span class=format!("{class} tone-{tone}") aria-hidden="true">{initials}</span> }
            .into_any()
    }
}

/// A "change photo" button; after a successful upload, `done` runs.
#[component]
pub fn AvatarUpload(
    id: Uuid,
    done: Callback<()>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            if let Some(file) = chosen_file(&ev) {
                leptos::task::spawn_local(async move {
                    match upload(id, file).await {
                        Ok(()) => done.run(()),
                        Err(err) => error.set(Some(err)),
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, id, done, error);
    };
    view! {
        <label class="button subtle file-button">
            "Change photo"
            <input type="file" accept="image/png,image/jpeg,image/webp" on:change=on_change/>
        </label>
    }
}

/// The file chosen in the file input that `ev` (its change) comes from.
#[cfg(feature = "hydrate")]
pub fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    input.files()?.get(0)
}

/// Sends the file as the request body; the server decodes and checks it.
#[cfg(feature = "hydrate")]
pub async fn upload(id: Uuid, file: web_sys::File) -> Result<(), ApiError> {
    let unreachable = |_| {
        ApiError::new(
            shared::ErrorCode::Unavailable,
            "Could not reach Roster; check your connection.",
        )
    };
    let response = gloo_net::http::Request::put(&format!("/api/v1/users/{id}/avatar"))
        .body(file)
        .map_err(unreachable)?
        .send()
        .await
        .map_err(unreachable)?;
    if response.ok() {
        return Ok(());
    }
    Err(response.json::<ApiError>().await.unwrap_or_else(|_| {
        ApiError::new(shared::ErrorCode::Internal, "The photo could not be saved.")
    }))
}
