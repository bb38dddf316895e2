//! Renders a prompt inside an open shadow root on a `data-touchpoint` host.
//! Texts are set with `textContent` only. Styles come from constructable
//! stylesheets (allowed under `style-src 'self'`, and nothing leaks out);
//! the few host properties a page's CSS could break are set through CSSOM
//! as inline `!important`, which no page rule can beat.

use std::cell::RefCell;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use js_sys::{Array, Reflect};
use touchpoint_core::config::Display;
use touchpoint_core::i18n::UiText;
use touchpoint_core::limits::MAX_COMMENT_CHARS;
use touchpoint_core::prompt::{number, PromptView};
use touchpoint_core::theme::{Mode, Position, Theme};
use touchpoint_core::wire;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use web_sys::{CssStyleSheet, Element, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement};
use web_sys::{KeyboardEvent, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::dom::{append, cast, document, el, text_el};
use crate::style::CSS;

/// What the visitor did.
pub enum Action {
    /// Confirmed a score.
    Score(u8),
    /// Sent the follow-up answer.
    Comment(String),
    /// Skipped the follow-up.
    Skip,
    /// Closed the prompt (close button, Escape).
    Dismiss,
}

/// A prompt on screen; dropping it removes it and detaches its listeners.
pub struct Mounted {
    host: HtmlElement,
    body: Element,
    live: Element,
    modal: bool,
    /// Where focus was before a modal prompt took it.
    return_focus: Option<HtmlElement>,
    step_listeners: Vec<EventListener>,
    _listeners: Vec<EventListener>,
    timers: Vec<Timeout>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
        if let Some(el) = self.return_focus.take() {
            let _ = el.focus();
        }
    }
}

/// How long the thank-you step stays before closing itself, in ms.
const THANKS_MS: u32 = 3000;

/// Host properties a page stylesheet must not be able to change.
const HOST_STYLE: [(&str, &str); 12] = [
    ("all", "initial"),
    ("position", "fixed"),
    ("z-index", "2147483647"),
    ("top", "0"),
    ("left", "0"),
    ("width", "0"),
    ("height", "0"),
    ("margin", "0"),
    ("padding", "0"),
    ("border", "0"),
    ("transform", "none"),
    ("display", "block"),
];

/// Builds and shows `view`; `on` hears every visitor action, always after
/// the DOM event that caused it has finished dispatching.
pub fn mount(view: &PromptView<'_>, theme: &Theme, on: fn(Action)) -> Mounted {
    let host: HtmlElement = cast(el("div", &[("data-touchpoint", &view.survey.id)]));
    let style = host.style();
    for (name, value) in HOST_STYLE {
        let _ = style.set_property_with_priority(name, value, "important");
    }
    let modal = theme.position == Position::Center;
    let position = match theme.position {
        Position::BottomRight => "bottom-right",
        Position::BottomLeft => "bottom-left",
        Position::Center => "center",
    };
    let mode = match theme.mode {
        Mode::Light => "light",
        Mode::Dark => "dark",
        Mode::Auto => "auto",
    };
    let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).expect_throw("a div hosts a shadow root");
    adopt_styles(&root, &theme.css());
    let frame = el("div", &[("class", "frame"), ("data-position", position), ("data-mode", mode)]);
    root.append_child(&frame).expect_throw("append to a fresh shadow root");
    if modal {
        append(&frame, &el("div", &[("class", "backdrop"), ("part", "backdrop")]));
    }
    let dir = if view.rtl { "rtl" } else { "ltr" };
    let panel = el(
        "div",
        &[
            ("class", "tp"),
            ("part", "dialog"),
            ("role", "dialog"),
            ("aria-modal", if modal { "true" } else { "false" }),
            ("aria-labelledby", "tp-q"),
            ("aria-describedby", "tp-d"),
            ("lang", view.locale),
            ("dir", dir),
        ],
    );
    let mut listeners = Vec::new();
    let start = el("span", &[("class", "sentinel"), ("tabindex", if modal { "0" } else { "-1" })]);
    let end = el("span", &[("class", "sentinel"), ("tabindex", if modal { "0" } else { "-1" })]);
    append(&panel, &start);
    append(&panel, &close_button(view.ui.close, on, &mut listeners));
    let body = el("div", &[("class", "body")]);
    append(&panel, &body);
    append(&panel, &end);
    append(&frame, &panel);
    let live = el("div", &[("class", "sr"), ("aria-live", "polite")]);
    append(&frame, &live);
    listeners.push(EventListener::new(&panel, "keydown", move |e| {
        if e.unchecked_ref::<KeyboardEvent>().key() == "Escape" {
            later(on, Action::Dismiss);
        }
    }));
    if modal {
        listeners.extend(focus_trap(&panel, &start, &end));
    }
    let return_focus = if modal { document().active_element().and_then(|e| e.dyn_into().ok()) } else { None };
    let mut mounted = Mounted {
        host,
        body,
        live,
        modal,
        return_focus,
        step_listeners: Vec::new(),
        _listeners: listeners,
        timers: Vec::new(),
    };
    mounted.score_step(view, on);
    let parent = document().document_element().expect_throw("a document has a root element");
    append(&parent, &mounted.host);
    if modal {
        mounted.focus_first("input");
    } else {
        // Announce without taking focus: fill the live region once it exists.
        let live = mounted.live.clone();
        let mut text = String::from(view.ui.survey);
        text.push_str(": ");
        text.push_str(view.question);
        mounted.timers.push(Timeout::new(150, move || live.set_text_content(Some(&text))));
    }
    mounted
}

impl Mounted {
    fn score_step(&mut self, view: &PromptView<'_>, on: fn(Action)) {
        let form = el("form", &[("class", "step"), ("novalidate", "")]);
        let group = el("fieldset", &[("class", "group")]);
        append(&group, &text_el("legend", &[("id", "tp-q"), ("class", "q"), ("part", "question")], view.question));
        let kind = match view.display {
            Display::Numbers => "scale numbers",
            Display::Stars => "scale stars",
            Display::Emoji => "scale emoji",
        };
        let count = number(view.top - view.bottom + 1);
        let scale = el("div", &[("class", kind), ("part", "scale"), ("data-points", &count)]);
        for score in view.bottom..=view.top {
            let value = number(score);
            let label = el("label", &[("class", "pt"), ("part", "point")]);
            let input = el(
                "input",
                &[("type", "radio"), ("name", "score"), ("value", &value), ("aria-label", &view.point_label(score))],
            );
            append(&label, &input);
            let face = text_el("span", &[("aria-hidden", "true")], &view.point_face(score));
            if view.display == Display::Emoji {
                append(&face, &face_svg(score));
            }
            append(&label, &face);
            append(&scale, &label);
        }
        append(&group, &scale);
        let ends = el("div", &[("class", "ends"), ("id", "tp-d"), ("part", "ends")]);
        append(&ends, &text_el("span", &[], view.low_label));
        append(&ends, &text_el("span", &[], view.high_label));
        append(&group, &ends);
        append(&form, &group);
        let actions = el("div", &[("class", "actions")]);
        append(
            &actions,
            &text_el(
                "button",
                &[("type", "submit"), ("class", "send"), ("part", "send"), ("disabled", "")],
                view.ui.send,
            ),
        );
        append(&form, &actions);
        let f: HtmlFormElement = cast(form.clone());
        let changed = EventListener::new(&form, "change", move |_| {
            if let Some(send) = f.query_selector(".send").ok().flatten() {
                let _ = send.remove_attribute("disabled");
            }
        });
        let f: HtmlFormElement = cast(form.clone());
        let submitted = on_submit(
            &form,
            move || {
                let input = f.query_selector("input:checked").ok().flatten()?;
                cast::<HtmlInputElement>(input).value().parse().ok().map(Action::Score)
            },
            on,
        );
        self.replace_step(&form, vec![changed, submitted]);
    }

    /// Shows the "why?" question for the chosen score.
    pub fn follow_up(&mut self, question: &str, ui: &UiText, on: fn(Action)) {
        let had_focus = self.has_focus();
        let form = el("form", &[("class", "step"), ("novalidate", "")]);
        append(
            &form,
            &text_el("label", &[("id", "tp-q"), ("for", "tp-why"), ("class", "q why"), ("part", "question")], question),
        );
        let max = wire::decimal(MAX_COMMENT_CHARS as u64);
        let area = el(
            "textarea",
            &[("id", "tp-why"), ("part", "comment"), ("rows", "3"), ("maxlength", &max), ("aria-describedby", "tp-d")],
        );
        append(&form, &area);
        append(&form, &el("span", &[("id", "tp-d"), ("hidden", "")]));
        let actions = el("div", &[("class", "actions")]);
        let skip = text_el("button", &[("type", "button"), ("class", "skip"), ("part", "skip")], ui.skip);
        append(&actions, &skip);
        append(&actions, &text_el("button", &[("type", "submit"), ("class", "send"), ("part", "send")], ui.send));
        append(&form, &actions);
        let skipped = EventListener::new(&skip, "click", move |_| later(on, Action::Skip));
        let area_el: HtmlTextAreaElement = cast(area.clone());
        let submitted = on_submit(
            &form,
            move || {
                let text = area_el.value().trim().to_owned();
                Some(if text.is_empty() { Action::Skip } else { Action::Comment(text) })
            },
            on,
        );
        self.replace_step(&form, vec![skipped, submitted]);
        keep_above_keyboard(&area, &mut self.step_listeners);
        if had_focus || self.modal {
            self.focus_first("textarea");
        }
    }

    /// Replaces the prompt with the thank-you note, which closes itself.
    pub fn thank_you(&mut self, text: &str, on: fn(Action)) {
        let had_focus = self.has_focus();
        let note = text_el(
            "p",
            &[("id", "tp-q"), ("class", "thanks"), ("role", "status"), ("tabindex", "-1"), ("part", "thanks")],
            text,
        );
        self.replace_step(&note, Vec::new());
        append(&self.body, &el("span", &[("id", "tp-d"), ("hidden", "")]));
        if had_focus || self.modal {
            let _ = cast::<HtmlElement>(note).focus();
        }
        self.timers.push(Timeout::new(THANKS_MS, move || later(on, Action::Dismiss)));
    }

    fn replace_step(&mut self, content: &Element, listeners: Vec<EventListener>) {
        self.step_listeners = listeners;
        self.body.set_text_content(None);
        append(&self.body, content);
    }

    fn has_focus(&self) -> bool {
        self.host.shadow_root().and_then(|r| r.active_element()).is_some()
    }

    fn focus_first(&self, selector: &str) {
        let found = self.body.query_selector(selector).ok().flatten();
        if let Some(e) = found.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = e.focus();
        }
    }
}

/// A face drawn in SVG (the visitor's fonts may have no emoji).
fn face_svg(score: u8) -> Element {
    const SVG: &str = "http://www.w3.org/2000/svg";
    let make = |tag: &str, attrs: &[(&str, &str)]| {
        let e = document().create_element_ns(Some(SVG), tag).expect_throw("SVG element");
        for (k, v) in attrs {
            let _ = e.set_attribute(k, v);
        }
        e
    };
    let svg = make("svg", &[("viewBox", "0 0 24 24"), ("width", "30"), ("height", "30"), ("class", "face")]);
    append(&svg, &make("circle", &[("cx", "12"), ("cy", "12"), ("r", "10.5")]));
    append(&svg, &make("circle", &[("cx", "8.5"), ("cy", "9.5"), ("r", "1.3"), ("class", "eye")]));
    append(&svg, &make("circle", &[("cx", "15.5"), ("cy", "9.5"), ("r", "1.3"), ("class", "eye")]));
    append(&svg, &make("path", &[("d", PromptView::face_mouth(score))]));
    svg
}

fn on_submit(form: &Element, read: impl Fn() -> Option<Action> + 'static, on: fn(Action)) -> EventListener {
    let options = EventListenerOptions::enable_prevent_default();
    EventListener::new_with_options(form, "submit", options, move |e| {
        e.prevent_default();
        if let Some(action) = read() {
            later(on, action);
        }
    })
}

fn close_button(label: &str, on: fn(Action), listeners: &mut Vec<EventListener>) -> Element {
    let button = el("button", &[("type", "button"), ("class", "x"), ("part", "close"), ("aria-label", label)]);
    append(&button, &text_el("span", &[("aria-hidden", "true")], "\u{00d7}"));
    listeners.push(EventListener::new(&button, "click", move |_| later(on, Action::Dismiss)));
    button
}

/// Keeps Tab inside a modal prompt: the sentinels at both ends send focus
/// round to the other end.
fn focus_trap(panel: &Element, start: &Element, end: &Element) -> [EventListener; 2] {
    let wrap = |from: &Element, last: bool| {
        let panel = panel.clone();
        EventListener::new(from, "focus", move |_| {
            let all = panel.query_selector_all("button:not([disabled]),input:checked,input,textarea").ok();
            let n = all.as_ref().map_or(0, |l| l.length());
            let target = all.and_then(|l| l.get(if last { n.saturating_sub(1) } else { 0 }));
            if let Some(e) = target.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                let _ = e.focus();
            }
        })
    };
    [wrap(start, true), wrap(end, false)]
}

/// On phones, keeps the comment field above the on-screen keyboard: the
/// sheet is lifted by the height the visual viewport lost at the bottom.
fn keep_above_keyboard(area: &Element, listeners: &mut Vec<EventListener>) {
    let Some(vv) = crate::dom::window().visual_viewport() else { return };
    let panel: Option<HtmlElement> = area.closest(".tp").ok().flatten().and_then(|e| e.dyn_into().ok());
    let Some(panel) = panel else { return };
    let vv2 = vv.clone();
    listeners.push(EventListener::new(&vv, "resize", move |_| {
        let inner = crate::dom::window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
        let hidden = (inner - vv2.height() - vv2.offset_top()).max(0.0);
        let mut px = wire::decimal(hidden as u64);
        px.push_str("px");
        let _ = panel.style().set_property("--tp-keyboard", &px);
    }));
}

/// Runs `on(action)` on the microtask queue, once the listener that called
/// this has returned, so `on` may drop the listener's owner safely.
fn later(on: fn(Action), action: Action) {
    wasm_bindgen_futures::spawn_local(async move { on(action) });
}

thread_local! {
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

fn sheet(css: &str) -> CssStyleSheet {
    let sheet = CssStyleSheet::new().expect_throw("constructable stylesheets are supported");
    let _ = sheet.replace_sync(css);
    sheet
}

/// Adopts the widget's stylesheet (built once) and the site's theme.
fn adopt_styles(root: &ShadowRoot, theme_css: &str) {
    let base = SHEET.with(|s| s.borrow_mut().get_or_insert_with(|| sheet(CSS)).clone());
    let list = Array::of2(&base, &sheet(theme_css));
    let _ = Reflect::set(root, &JsValue::from_str("adoptedStyleSheets"), &list);
}
