//! Sending events to the collector's `POST /v1/events`.
//!
//! The body is JSON sent as `text/plain`, so no CORS preflight is needed,
//! with `keepalive` so a request survives the page unloading right after
//! (an order confirmation page often does).

use touchpoint_core::event::{Batch, Event};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, RequestMode, Response};

use crate::dom::{warn, window};

/// Posts one batch; failures are reported as a console warning.
pub fn send(collector: &str, site: &str, events: Vec<Event>) {
    let batch = Batch { site: site.to_owned(), events };
    let Ok(body) = serde_json::to_string(&batch) else {
        return warn("could not encode an event");
    };
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

/// Fetches a URL's body as text; `Err` on network failure or non-2xx.
pub async fn get_text(url: &str) -> Result<String, JsValue> {
    let init = RequestInit::new();
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    let response: Response = JsFuture::from(window().fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
    if !response.ok() {
        return Err(JsValue::from_f64(f64::from(response.status())));
    }
    let text = JsFuture::from(response.text()?).await?;
    text.as_string().ok_or(JsValue::NULL)
}
