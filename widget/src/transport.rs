//! HTTP to the collector: the config fetch and batch posts.
//!
//! Batches are JSON sent as `text/plain` (no CORS preflight) with
//! `keepalive`, so a request survives the page unloading right after.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, RequestMode, Response};

use crate::dom::{prop, prop_num, prop_str, window};

/// What the collector said about a batch (`status: None`: no answer).
pub struct Answer {
    pub status: Option<u16>,
    pub retry_after_s: Option<u32>,
    /// `rejected[].index` of the body.
    pub rejected: Vec<usize>,
    /// The body's error message, for the console.
    pub error: Option<String>,
}

pub async fn post(url: &str, body: &str) -> Answer {
    let mut answer = Answer { status: None, retry_after_s: None, rejected: Vec::new(), error: None };
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    // web-sys has no setter for `keepalive` yet.
    let _ = Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    init.set_body(&JsValue::from_str(body));
    let Ok(response) = JsFuture::from(window().fetch_with_str_and_init(url, &init)).await else {
        return answer;
    };
    let response: Response = response.unchecked_into();
    answer.status = Some(response.status());
    answer.retry_after_s = response.headers().get("Retry-After").ok().flatten().and_then(|v| v.trim().parse().ok());
    let json = match response.json() {
        Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    let error = prop(&json, "error");
    let rejected = if error.is_object() { prop(&error, "rejected") } else { prop(&json, "rejected") };
    if let Ok(list) = rejected.dyn_into::<Array>() {
        answer.rejected = list.iter().filter_map(|r| prop_num(&r, "index")).map(|i| i as usize).collect();
    }
    answer.error = prop_str(&error, "message");
    answer
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
