//! The browser's half of a passkey ceremony: the server's options, in their JSON form, go to
//! `navigator.credentials` by way of `PublicKeyCredential.parse…OptionsFromJSON`, and what the
//! authenticator answers comes back as the credential's `toJSON()` text.

use serde_json::Value;

/// Registers a new passkey with `options` (`navigator.credentials.create()`); the credential's
/// JSON, or why the browser refused, in words for the page.
pub async fn create(options: &Value) -> Result<String, String> {
    ceremony(options, "parseCreationOptionsFromJSON", "create").await
}

/// Signs the challenge in `options` with one of the account's passkeys
/// (`navigator.credentials.get()`); the assertion's JSON, or why the browser refused.
pub async fn get(options: &Value) -> Result<String, String> {
    ceremony(options, "parseRequestOptionsFromJSON", "get").await
}

#[cfg(feature = "hydrate")]
async fn ceremony(options: &Value, parse: &str, method: &str) -> Result<String, String> {
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    const UNSUPPORTED: &str = "This browser cannot use passkeys here. Use a recent Chrome, Edge, \
                               Safari or Firefox, at the console's usual address.";
    let said = |err: JsValue| {
        Reflect::get(&err, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| err.as_string())
            .unwrap_or_else(|| "The browser refused.".into())
    };
    let member = |of: &JsValue, name: &str| Reflect::get(of, &name.into()).map_err(said);
    let function = |of: &JsValue, name: &str| {
        member(of, name)?.dyn_into::<Function>().map_err(|_| UNSUPPORTED.to_owned())
    };

    let global = js_sys::global();
    let class = member(&global, "PublicKeyCredential")?;
    if class.is_undefined() {
        return Err(UNSUPPORTED.into());
    }
    let json = JSON::parse(&options.to_string()).map_err(said)?;
    let public_key = function(&class, parse)?.call1(&class, &json).map_err(said)?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(said)?;
    let credentials = member(&member(&global, "navigator")?, "credentials")?;
    let pending = function(&credentials, method)?.call1(&credentials, &request).map_err(said)?;
    let pending = pending.dyn_into::<Promise>().map_err(|_| UNSUPPORTED.to_owned())?;
    let credential = wasm_bindgen_futures::JsFuture::from(pending).await.map_err(said)?;
    if credential.is_null() || credential.is_undefined() {
        return Err("No passkey was chosen.".into());
    }
    let answer = function(&credential, "toJSON")?.call0(&credential).map_err(said)?;
    JSON::stringify(&answer).map(String::from).map_err(said)
}

/// Ceremonies run in the browser only; the server never starts one.
#[cfg(not(feature = "hydrate"))]
async fn ceremony(_options: &Value, _parse: &str, _method: &str) -> Result<String, String> {
    Err("Passkeys need the browser.".into())
}
