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
use web_sys::{Document, Element, Node, NodeList, ShadowRoot, Window};

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

/// Builds elements from `markup`, a compact HTML written in the widget's
/// own source, never taken from configuration or the page: `<tag a=b
/// c="d e" f=>` opens an element, `</>` closes the innermost open one,
/// `/>` ends one with no content, and text between tags is added as a Text
/// node. A byte 1 to 9 standing alone as an attribute value or as a text
/// stands for `slots[n - 1]`, which is set as that value or Text node and
/// never parsed: strings from a configuration or a page go in slots only
/// (an empty text slot adds nothing). Elements in an `<svg>` are made in
/// the SVG namespace. Returns the outermost element.
///
/// One loop over literal markup instead of a call with a list of attribute
/// pairs per element: the render code carries its attributes as text,
/// which compresses, instead of as stores of string addresses, which do
/// not (-0.2 KB gzip with the uncaught calls below, measured).
pub fn build(markup: &str, slots: &[&str]) -> Element {
    let doc = document();
    let b = markup.as_bytes();
    // The end of the run of bytes from `i` that are none of `stops`.
    let run = |mut i: usize, stops: &[u8]| {
        while i < b.len() && !stops.contains(&b[i]) {
            i += 1;
        }
        i
    };
    let text = |from: usize, to: usize| match b[from..to] {
        [n @ 1..=9] => slots.get(usize::from(n) - 1).copied().unwrap_or_default(),
        _ => &markup[from..to],
    };
    let mut open: Vec<(Element, &str)> = Vec::new();
    let mut root = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            let end = run(i, b"<");
            let t = text(i, end);
            if let (Some((parent, _)), false) = (open.last(), t.is_empty()) {
                dom(parent).append_text(t);
            }
            i = end;
            continue;
        }
        if b.get(i + 1) == Some(&b'/') {
            open.pop();
            i += 3;
            continue;
        }
        let end = run(i + 1, b" />");
        let tag = &markup[i + 1..end];
        // An element's namespace is its parent's, but for `<svg>`'s own.
        let ns = match open.last() {
            _ if tag == "svg" => "http://www.w3.org/2000/svg",
            Some((_, ns)) => ns,
            None => "http://www.w3.org/1999/xhtml",
        };
        let e = dom(&doc).make(ns, tag);
        i = end;
        while b[i] == b' ' {
            let eq = run(i + 1, b"=");
            let quoted = b.get(eq + 1) == Some(&b'"');
            let from = eq + 1 + usize::from(quoted);
            let to = if quoted { run(from, b"\"") } else { run(from, b" />") };
            dom(&e).set_attr(&markup[i + 1..eq], text(from, to));
            i = to + usize::from(quoted);
        }
        match open.last() {
            Some((parent, _)) => append(parent, &e),
            None => root = Some(e.clone()),
        }
        if b[i] == b'/' {
            i += 2;
        } else {
            i += 1;
            open.push((e, ns));
        }
    }
    root.expect_throw("markup has an element")
}

#[wasm_bindgen]
extern "C" {
    /// Any object of the page, for the calls below. They have no `catch`:
    /// none can throw on what the widget passes them (its own elements,
    /// literal markup and selectors; the page's location, navigator,
    /// history and crypto; a response's headers), so neither the wasm nor
    /// the glue checks for an exception.
    type Dom;
    #[wasm_bindgen(method, js_name = createElementNS)]
    fn make(this: &Dom, namespace: &str, tag: &str) -> Element;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attr(this: &Dom, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = appendChild)]
    fn add(this: &Dom, child: &Node);
    #[wasm_bindgen(method, js_name = append)]
    fn append_text(this: &Dom, text: &str);
    #[wasm_bindgen(method, js_name = querySelector)]
    fn query(this: &Dom, selector: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn query_all(this: &Dom, selector: &str) -> NodeList;
    #[wasm_bindgen(method, js_name = closest)]
    fn closest_to(this: &Dom, selector: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = focus)]
    fn take_focus(this: &Dom);
    #[wasm_bindgen(method, js_name = setProperty)]
    fn set_property(this: &Dom, name: &str, value: &str, priority: &str);
    #[wasm_bindgen(method, getter, js_name = href)]
    fn href_of(this: &Dom) -> String;
    #[wasm_bindgen(method, getter, js_name = pathname)]
    fn pathname_of(this: &Dom) -> String;
    #[wasm_bindgen(method, getter, js_name = search)]
    fn search_of(this: &Dom) -> String;
    #[wasm_bindgen(method, getter, js_name = userAgent)]
    fn user_agent_of(this: &Dom) -> String;
    #[wasm_bindgen(method, getter, js_name = scrollY)]
    fn scroll_y_of(this: &Dom) -> f64;
    #[wasm_bindgen(method, getter, js_name = innerHeight)]
    fn inner_height_of(this: &Dom) -> f64;
    #[wasm_bindgen(method, getter, js_name = history)]
    fn history_of(this: &Dom) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = crypto)]
    fn crypto_of(this: &Dom) -> Dom;
    #[wasm_bindgen(method, js_name = getRandomValues)]
    fn fill_random(this: &Dom, bytes: &mut [u8]);
    #[wasm_bindgen(method, js_name = get)]
    fn header_of(this: &Dom, name: &str) -> Option<String>;
    #[wasm_bindgen(method, js_name = attachShadow)]
    fn shadow_of(this: &Dom, init: &JsValue) -> ShadowRoot;
}

fn dom(v: &JsValue) -> &Dom {
    v.unchecked_ref()
}

/// The first element in `parent` that `selector` (a literal of the
/// widget's own, never the page's) matches.
pub fn find(parent: &Node, selector: &str) -> Option<Element> {
    dom(parent).query(selector)
}

/// `e` or its nearest ancestor that `selector` (a literal) matches.
pub fn closest(e: &Element, selector: &str) -> Option<Element> {
    dom(e).closest_to(selector)
}

/// Every element in `parent` that `selector` (a literal) matches.
pub fn find_all(parent: &Node, selector: &str) -> NodeList {
    dom(parent).query_all(selector)
}

/// Moves focus to `e`, if there is one (HTML and SVG elements both have
/// `focus()`).
pub fn focus(e: Option<Element>) {
    if let Some(e) = e {
        dom(&e).take_focus();
    }
}

/// Sets CSS property `name` of an element's inline style (`priority`:
/// `"important"` or `""`).
pub fn set_style(e: &Element, name: &str, value: &str, priority: &str) {
    dom(&prop(e, "style")).set_property(name, value, priority);
}

/// The page's `location.pathname`.
pub fn pathname() -> String {
    dom(&window().location()).pathname_of()
}

/// The page's query string, `location.search`.
pub fn search() -> String {
    dom(&window().location()).search_of()
}

/// The browser's `navigator.userAgent`.
pub fn user_agent() -> String {
    dom(&window().navigator()).user_agent_of()
}

/// The page's `history`.
pub fn history() -> JsValue {
    dom(&window()).history_of()
}

/// Fills `bytes` from `crypto.getRandomValues` (at most 64 KB at a time).
pub fn random_bytes(bytes: &mut [u8]) {
    dom(&window()).crypto_of().fill_random(bytes);
}

/// Header `name` of a fetch response's `headers`.
pub fn header(headers: &JsValue, name: &str) -> Option<String> {
    dom(headers).header_of(name)
}

/// An open shadow root on `host`, one of the widget's own elements.
pub fn open_shadow(host: &Element) -> ShadowRoot {
    let init = js_sys::Object::new();
    set_prop(&init, "mode", &"open".into());
    dom(host).shadow_of(&init)
}

/// How far the page is scrolled down (`scrollY`), in CSS pixels.
pub fn scroll_y() -> f64 {
    dom(&window()).scroll_y_of()
}

/// The height of the window's layout viewport (`innerHeight`).
pub fn inner_height() -> f64 {
    dom(&window()).inner_height_of()
}

/// Appends `child`, one of the widget's own elements, to `parent`.
pub fn append(parent: &Node, child: &Node) {
    dom(parent).add(child);
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
    dom(&window().location()).href_of()
}

/// Milliseconds since the Unix epoch from the browser clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
