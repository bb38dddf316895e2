//! Small DOM helpers shared by the widget's modules.
//!
//! Size: every web-sys method or property the widget uses is one more
//! import in the wasm and one more function in the JS glue. Plain property
//! reads and writes therefore go through [`prop`] and [`set_prop`]
//! (`Reflect`), which serve them all.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use web_sys::{Document, Element, Window};

#[wasm_bindgen]
extern "C" {
    /// The page's `window`, read once: `web_sys::window()` would look for
    /// the global object among `globalThis`, `self`, `window` and `global`
    /// and test it with `instanceof` (code the widget, which only runs in
    /// pages, does not need).
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Window;
}

pub fn window() -> Window {
    WINDOW.with(Window::clone)
}

pub fn document() -> Document {
    window().document().expect_throw("touchpoint needs a document")
}

/// One console warning, prefixed so site owners can find ours.
pub fn warn(message: &str) {
    console(web_sys::console::warn_1, message);
}

/// One console info line (debug mode), prefixed like [`warn`].
pub fn info(message: &str) {
    console(web_sys::console::info_1, message);
}

fn console(log: fn(&JsValue), message: &str) {
    let mut text = String::from("[touchpoint] ");
    text.push_str(message);
    log(&text.into());
}

/// Creates `<tag>` with attributes; text (never HTML) is set separately.
pub fn el(tag: &str, attrs: &[(&str, &str)]) -> Element {
    let e = document().create_element(tag).expect_throw("valid tag name");
    for (k, v) in attrs {
        // Attribute names are our own literals, so this cannot fail.
        e.set_attribute(k, v).expect_throw("valid attribute name");
    }
    e
}

/// `el` with text content, set through `textContent` (safe for any string).
pub fn text_el(tag: &str, attrs: &[(&str, &str)], text: &str) -> Element {
    let e = el(tag, attrs);
    e.set_text_content(Some(text));
    e
}

pub fn append(parent: &Element, child: &Element) {
    parent.append_child(child).expect_throw("append to a live element");
}

/// Property `key` of a JS value (`undefined` when absent or unreadable).
pub fn prop(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen]
extern "C" {
    /// `Object.entries(v)`: its `[key, value]` pairs, or `Err` with what a
    /// hostile value threw (a Proxy's trap, a getter, a revoked Proxy; and
    /// `null` or `undefined`). The objects a page passes to `touchpoint(...)`
    /// are read through this alone, so none can throw through the widget
    /// into the page or stop the replay of the calls queued before it.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    pub fn entries(v: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// Sets property `key` of a JS object; a refusal (frozen object) is ignored.
pub fn set_prop(v: &JsValue, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(v, &JsValue::from_str(key), value);
}

/// String property `key`, if it is a string.
pub fn prop_str(v: &JsValue, key: &str) -> Option<String> {
    prop(v, key).as_string()
}

/// Number property `key`, if it is a number.
pub fn prop_num(v: &JsValue, key: &str) -> Option<f64> {
    prop(v, key).as_f64()
}

/// Runs `f` after `ms` milliseconds unless the returned handle is dropped
/// first. Boxed, so all the widget's timers share one copy of gloo's code.
pub fn after(ms: u32, f: Box<dyn FnOnce()>) -> gloo::timers::callback::Timeout {
    gloo::timers::callback::Timeout::new(ms, f)
}

/// Calls `done` once `promise` settles: `Ok` with its value, `Err` with
/// the reason it was rejected.
///
/// Size: plain `then` callbacks instead of `async`/`await`, which brought
/// in js-sys's futures executor (task queue, wakers, `JsFuture`) for the
/// widget's two requests. Boxed, so every caller shares one copy. Both
/// handlers are handed to the JS garbage collector: the one never called is
/// freed with the promise instead of leaking.
pub fn then(promise: &Promise, done: Box<dyn FnOnce(Result<JsValue, JsValue>)>) {
    let ok = Rc::new(Cell::new(Some(done)));
    let err = ok.clone();
    let ok = Closure::<dyn FnMut(JsValue)>::new(move |v| {
        if let Some(done) = ok.take() {
            done(Ok(v));
        }
    });
    let err = Closure::<dyn FnMut(JsValue)>::new(move |e| {
        if let Some(done) = err.take() {
            done(Err(e));
        }
    });
    let _ = promise.then2(&ok, &err);
    let _ = (ok.into_js_value(), err.into_js_value());
}

/// Runs `f` on the microtask queue, once the callback that called this has
/// returned: `f` may then drop that callback's owner (a listener, a timer).
pub fn soon(f: Box<dyn FnOnce()>) {
    then(&Promise::resolve(&JsValue::UNDEFINED), Box::new(|_| f()));
}

/// Whether a media query matches now (`matchMedia`); false where it
/// cannot be asked. Through `Reflect`, not one more web-sys import.
pub fn media(query: &str) -> bool {
    let win = window();
    let Ok(match_media) = prop(&win, "matchMedia").dyn_into::<js_sys::Function>() else { return false };
    match_media.call1(&win, &JsValue::from_str(query)).is_ok_and(|list| prop(&list, "matches").is_truthy())
}

/// The page's address without its query and fragment (`origin` +
/// `pathname`), as events carry it: a query can hold tokens or run past the
/// collector's 2 KB, and the collector keeps only this part anyway.
pub fn page_url() -> String {
    let location = prop(&window(), "location");
    let mut url = prop_str(&location, "origin").unwrap_or_default();
    url.push_str(&prop_str(&location, "pathname").unwrap_or_default());
    url
}

/// The page's address, `location.href`.
pub fn href() -> String {
    window().location().href().unwrap_or_default()
}

/// Milliseconds since the Unix epoch from the browser clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
