//! The browser entry point: takes over the server-rendered page. Nothing else belongs here.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the script that loads the wasm bundle.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: the console pages are split off the main bundle and load when their route does.
    leptos::mount::hydrate_lazy(app::App);
}
