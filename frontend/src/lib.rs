//! The browser entry point: takes over the server-rendered page. Nothing else belongs here.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the script that loads the wasm bundle.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
