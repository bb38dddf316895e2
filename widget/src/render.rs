//! Renders a prompt inside an open shadow root on a `data-touchpoint` host.
//! Texts are set with `textContent` only; styles come from one constructable
//! stylesheet (works under `style-src 'self'`, leaks nothing to the page).

use std::cell::RefCell;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use js_sys::{Array, Reflect};
use touchpoint_core::limits::MAX_COMMENT_CHARS;
use touchpoint_core::prompt::PromptView;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use web_sys::{CssStyleSheet, Element, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement, KeyboardEvent};
use web_sys::{ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::dom::{append, cast, document, el, text_el};
use crate::style::CSS;

/// What the visitor did.
pub enum Action {
    /// Confirmed a score, with the optional comment.
    Submit { score: u8, comment: Option<String> },
    /// Closed the prompt without answering (close button, Escape).
    Dismiss,
    /// Closed the thank-you step.
    Close,
}

/// A prompt on screen; dropping it removes it and detaches its listeners.
pub struct Mounted {
    host: Element,
    panel: Element,
    listeners: Vec<EventListener>,
    timer: Option<Timeout>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
    }
}

/// How long the thank-you step stays before closing itself, in ms.
const THANKS_MS: u32 = 2500;

/// Builds and shows `view`; `on` hears every visitor action, always after
/// the DOM event that caused it has finished dispatching.
pub fn mount(view: &PromptView<'_>, on: fn(Action)) -> Mounted {
    let host = el("div", &[("data-touchpoint", view.survey.id.as_str())]);
    let root =
        host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).expect_throw("a div can host a shadow root");
    adopt_styles(&root);
    let panel = el(
        "div",
        &[
            ("class", "tp"),
            ("part", "dialog"),
            ("role", "dialog"),
            ("aria-modal", "false"),
            ("aria-labelledby", "tp-q"),
            ("aria-describedby", "tp-d"),
            ("lang", &view.locale),
        ],
    );
    root.append_child(&panel).expect_throw("append to a fresh shadow root");
    let mut listeners = Vec::new();
    let close = close_button(view.ui.close, on, Action::Dismiss, &mut listeners);
    append(&panel, &close);
    let form = form(view);
    append(&panel, &form);
    listeners.extend(form_listeners(&form, on));
    let escape = EventListener::new(&panel, "keydown", move |e| {
        if e.unchecked_ref::<KeyboardEvent>().key() == "Escape" {
            later(on, Action::Dismiss);
        }
    });
    listeners.push(escape);
    let parent = document().body().map(Element::from).or_else(|| document().document_element());
    if let Some(parent) = parent {
        append(&parent, &host);
    }
    Mounted { host, panel, listeners, timer: None }
}

impl Mounted {
    /// Replaces the question with the thank-you step, which closes itself.
    pub fn thank_you(&mut self, thanks: &str, close_label: &str, on: fn(Action)) {
        self.listeners.clear();
        self.panel.set_text_content(None);
        let mut listeners = Vec::new();
        let close = close_button(close_label, on, Action::Close, &mut listeners);
        append(&self.panel, &close);
        append(&self.panel, &text_el("p", &[("class", "thanks"), ("role", "status"), ("part", "thanks")], thanks));
        self.listeners = listeners;
        self.timer = Some(Timeout::new(THANKS_MS, move || later(on, Action::Close)));
    }
}

fn close_button(label: &str, on: fn(Action), action: Action, listeners: &mut Vec<EventListener>) -> Element {
    let button =
        text_el("button", &[("type", "button"), ("class", "x"), ("part", "close"), ("aria-label", label)], "\u{00d7}");
    let action = RefCell::new(Some(action));
    listeners.push(EventListener::new(&button, "click", move |_| {
        if let Some(a) = action.borrow_mut().take() {
            later(on, a);
        }
    }));
    button
}

fn form(view: &PromptView<'_>) -> Element {
    let form = el("form", &[("class", "body"), ("novalidate", "")]);
    let group = el("fieldset", &[("class", "group")]);
    append(&group, &text_el("legend", &[("id", "tp-q"), ("class", "q"), ("part", "question")], view.question));
    let scale = el("div", &[("class", "scale"), ("part", "scale")]);
    for score in view.bottom..=view.top {
        let number = score.to_string();
        let label = el("label", &[("class", "pt"), ("part", "point")]);
        let input = el(
            "input",
            &[("type", "radio"), ("name", "score"), ("value", &number), ("aria-label", &view.point_label(score))],
        );
        append(&label, &input);
        append(&label, &text_el("span", &[("aria-hidden", "true")], &number));
        append(&scale, &label);
    }
    append(&group, &scale);
    let ends = el("div", &[("class", "ends"), ("id", "tp-d"), ("part", "ends")]);
    append(&ends, &text_el("span", &[], view.low_label));
    append(&ends, &text_el("span", &[], view.high_label));
    append(&group, &ends);
    append(&form, &group);
    if let Some(follow_up) = view.follow_up {
        append(&form, &text_el("label", &[("for", "tp-why"), ("class", "why")], follow_up));
        let max = MAX_COMMENT_CHARS.to_string();
        append(&form, &el("textarea", &[("id", "tp-why"), ("part", "comment"), ("rows", "3"), ("maxlength", &max)]));
    }
    append(
        &form,
        &text_el("button", &[("type", "submit"), ("class", "send"), ("part", "send"), ("disabled", "")], view.ui.send),
    );
    form
}

fn form_listeners(form: &Element, on: fn(Action)) -> [EventListener; 2] {
    let f: HtmlFormElement = cast(form.clone());
    let changed = EventListener::new(form, "change", move |_| {
        if let Some(send) = f.query_selector(".send").ok().flatten() {
            let _ = send.remove_attribute("disabled");
        }
    });
    let f: HtmlFormElement = cast(form.clone());
    let options = EventListenerOptions::enable_prevent_default();
    let submitted = EventListener::new_with_options(form, "submit", options, move |e| {
        e.prevent_default();
        let Some(score) = checked_score(&f) else {
            return;
        };
        let comment = f
            .query_selector("textarea")
            .ok()
            .flatten()
            .map(|t| cast::<HtmlTextAreaElement>(t).value().trim().to_owned())
            .filter(|c| !c.is_empty());
        later(on, Action::Submit { score, comment });
    });
    [changed, submitted]
}

fn checked_score(form: &HtmlFormElement) -> Option<u8> {
    let input = form.query_selector("input:checked").ok().flatten()?;
    cast::<HtmlInputElement>(input).value().parse().ok()
}

/// Runs `on(action)` on the microtask queue, once the listener that called
/// this has returned, so `on` may drop the listener's owner safely.
fn later(on: fn(Action), action: Action) {
    wasm_bindgen_futures::spawn_local(async move { on(action) });
}

thread_local! {
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// Adopts the widget's one stylesheet (built once, shared by every prompt).
fn adopt_styles(root: &ShadowRoot) {
    let sheet = SHEET.with(|s| {
        s.borrow_mut()
            .get_or_insert_with(|| {
                let sheet = CssStyleSheet::new().expect_throw("constructable stylesheets are supported");
                sheet.replace_sync(CSS).expect_throw("the widget's CSS is valid");
                sheet
            })
            .clone()
    });
    let list = Array::of1(&sheet);
    let _ = Reflect::set(root, &JsValue::from_str("adoptedStyleSheets"), &list);
}
