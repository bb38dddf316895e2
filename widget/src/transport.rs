//! HTTP to the collector: the config fetch and batch posts.
//!
//! Batches are JSON sent as `text/plain` (no CORS preflight) with
//! `keepalive`, so a request survives the page unloading right after.

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

use crate::dom::{prop, prop_num, prop_str, set_prop, window};

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
    let init = request_init();
    set_prop(&init, "method", &"POST".into());
    set_prop(&init, "keepalive", &JsValue::TRUE);
    set_prop(&init, "body", &body.into());
    let Ok(response) = JsFuture::from(window().fetch_with_str_and_init(url, init.unchecked_ref())).await else {
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
    let init: RequestInit = request_init().unchecked_into();
    // `fetch` resolves to a Response or rejects.
    let response: Response = JsFuture::from(window().fetch_with_str_and_init(url, &init)).await?.unchecked_into();
    let status = response.status();
    if !(200..300).contains(&status) {
        return Err(JsValue::from_f64(f64::from(status)));
    }
    JsFuture::from(response.json()?).await
}

/// `fetch` options shared by both requests: CORS, no cookies. A plain
/// object rather than web-sys's `RequestInit` setters, one glue function
/// each.
fn request_init() -> Object {
    let init = Object::new();
    set_prop(&init, "mode", &"cors".into());
    set_prop(&init, "credentials", &"omit".into());
    init
}
