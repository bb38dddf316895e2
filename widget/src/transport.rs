//! HTTP to the collector: the config fetch and batch posts.
//!
//! Batches are JSON sent as `text/plain` (no CORS preflight) with
//! `keepalive`, so a request survives the page unloading right after.

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Response;

use crate::dom::{header, prop, prop_num, prop_str, set_prop, then, window};

/// What the collector said about a batch (`status: None`: no answer).
pub struct Answer {
    pub status: Option<u16>,
    pub retry_after_s: Option<u32>,
    /// `rejected[].index` of the body.
    pub rejected: Vec<usize>,
    /// The body's error message, for the console.
    pub error: Option<String>,
}

/// Posts a batch and calls `done` with the collector's answer (a network
/// error is an answer without a status).
pub fn post(url: &str, body: &str, done: Box<dyn FnOnce(Answer)>) {
    let init = request_init();
    set_prop(&init, "method", &"POST".into());
    set_prop(&init, "keepalive", &JsValue::TRUE);
    set_prop(&init, "body", &body.into());
    let sent = window().fetch_with_str_and_init(url, init.unchecked_ref());
    then(
        &sent,
        Box::new(move |response| {
            let mut answer = Answer { status: None, retry_after_s: None, rejected: Vec::new(), error: None };
            let Ok(response) = response else {
                return done(answer);
            };
            let response: Response = response.unchecked_into();
            answer.status = Some(response.status());
            answer.retry_after_s = header(&response.headers(), "Retry-After")
                .and_then(|v| touchpoint_core::wire::parse_small(v.trim_ascii()));
            match response.json() {
                Ok(json) => then(&json, Box::new(move |json| done(read_body(answer, &json.unwrap_or(JsValue::NULL))))),
                Err(_) => done(read_body(answer, &JsValue::NULL)),
            }
        }),
    );
}

/// `answer` with what the body says: the events refused and the error message.
fn read_body(mut answer: Answer, json: &JsValue) -> Answer {
    let error = prop(json, "error");
    let rejected = if error.is_object() { prop(&error, "rejected") } else { prop(json, "rejected") };
    if let Ok(list) = rejected.dyn_into::<Array>() {
        for i in 0..list.length() {
            if let Some(index) = prop_num(&list.get(i), "index") {
                answer.rejected.push(index as usize);
            }
        }
    }
    answer.error = prop_str(&error, "message");
    answer
}

/// Fetches a URL's JSON body, parsed by the browser, and calls `done` with
/// it; `Err` on network failure, non-2xx or invalid JSON.
pub fn get_json(url: &str, done: Box<dyn FnOnce(Result<JsValue, JsValue>)>) {
    let sent = window().fetch_with_str_and_init(url, request_init().unchecked_ref());
    then(
        &sent,
        Box::new(move |response| {
            // `fetch` resolves to a Response or rejects.
            let response: Response = match response {
                Ok(response) => response.unchecked_into(),
                Err(e) => return done(Err(e)),
            };
            let status = response.status();
            if !(200..300).contains(&status) {
                return done(Err(JsValue::from_f64(f64::from(status))));
            }
            match response.json() {
                Ok(json) => then(&json, done),
                Err(e) => done(Err(e)),
            }
        }),
    );
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
