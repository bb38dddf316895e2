//! Sending events to the collector's `POST /v1/events`.
//!
//! The body is JSON sent as `text/plain`, so no CORS preflight is needed,
//! with `keepalive` so a request survives the page unloading right after
//! (an order confirmation page often does).

use touchpoint_core::event::Event;
use touchpoint_core::wire::batch_json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, RequestMode, Response};

use crate::dom::{warn, window};

/// Posts one event; failures are reported as a console warning.
pub fn send(collector: &str, site: &str, event: &Event) {
    let body = batch_json(site, [event]);
    let mut url = String::from(collector);
    url.push_str("/v1/events");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = post(&url, &body).await {
            let mut m = String::from("sending an event failed: ");
            m.push_str(&e.as_string().unwrap_or_else(|| "network error".into()));
            warn(&m);
        }
    });
}

async fn post(url: &str, body: &str) -> Result<(), JsValue> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    // web-sys has no setter for `keepalive` yet.
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    init.set_body(&JsValue::from_str(body));
    let response: Response = JsFuture::from(window().fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
    if response.ok() {
        return Ok(());
    }
    // The collector names the refused field in {"error":{...}}.
    let text = JsFuture::from(response.text()?).await?;
    Err(text)
}

/// Fetches a URL's JSON body, parsed by the browser; `Err` on network
/// failure, non-2xx or invalid JSON.
pub async fn get_json(url: &str) -> Result<JsValue, JsValue> {
    let init = RequestInit::new();
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    let response: Response = JsFuture::from(window().fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
    if !response.ok() {
        return Err(JsValue::from_f64(f64::from(response.status())));
    }
    JsFuture::from(response.json()?).await
}
