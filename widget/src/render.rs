//! Renders a prompt inside an open shadow root on a `data-touchpoint` host.
//! Its elements come from literal markup ([`crate::dom::build`]); texts from
//! the configuration fill slots in it, as Text nodes or attribute values,
//! never parsed as markup. Styles come from constructable
//! stylesheets (allowed under `style-src 'self'`, and nothing leaks out);
//! the few host properties a page's CSS could break are set through CSSOM
//! as inline `!important`, which no page rule can beat.

use std::cell::RefCell;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use js_sys::{Array, JsString};
use touchpoint_core::config::Display;
use touchpoint_core::i18n::UiText;
use touchpoint_core::limits::MAX_COMMENT_CHARS;
use touchpoint_core::prompt::{number, PromptView};
use touchpoint_core::theme::{Mode, Position, Theme};
use touchpoint_core::wire;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use web_sys::{Element, EventTarget, ShadowRoot};

use crate::dom::{
    after, append, build, closest, document, find, find_all, focus, inner_height, open_shadow, prop, prop_num,
    prop_str, set_prop, set_style, soon, window,
};
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
    host: Element,
    root: ShadowRoot,
    body: Element,
    live: Element,
    modal: bool,
    /// Where focus was before a modal prompt took it.
    return_focus: Option<Element>,
    /// The delegated listeners on the shadow root.
    _listeners: Vec<EventListener>,
    /// The comment step's `visualViewport` listeners.
    keyboard: Option<[EventListener; 2]>,
    timers: Vec<Timeout>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
        focus(self.return_focus.take());
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

/// Builds and shows `view` at `position` (the theme's, or an experiment
/// variant's); `on` hears every visitor action, always after the DOM event
/// that caused it has finished dispatching.
pub fn mount(view: &PromptView<'_>, theme: &Theme, position: Position, on: fn(Action)) -> Mounted {
    let host = build("<div data-touchpoint=\u{1}/>", &[&view.survey.id]);
    for (name, value) in HOST_STYLE {
        set_style(&host, name, value, "important");
    }
    let modal = position == Position::Center;
    let position = match position {
        Position::BottomRight => "bottom-right",
        Position::BottomLeft => "bottom-left",
        Position::Center => "center",
    };
    let mode = match theme.mode {
        Mode::Light => "light",
        Mode::Dark => "dark",
        Mode::Auto => "auto",
    };
    let root = open_shadow(&host);
    adopt_styles(&root, theme.css.as_deref().unwrap_or_default());
    let frame = build("<div class=frame data-position=\u{1} data-mode=\u{2}/>", &[position, mode]);
    append(&root, &frame);
    if modal {
        append(&frame, &build("<div class=backdrop part=backdrop/>", &[]));
    }
    let (aria_modal, sentinel_tab) = if modal { ("true", "0") } else { ("false", "-1") };
    let dir = if view.rtl { "rtl" } else { "ltr" };
    // In a modal, Tab into a sentinel at either end wraps round to the other.
    let panel = build(
        "<div class=tp part=dialog role=dialog aria-modal=\u{1} aria-labelledby=tp-q aria-describedby=tp-d lang=\u{2} \
         dir=\u{3}><span class=sentinel tabindex=\u{4} data-to=last/><button type=button class=x part=close \
         aria-label=\u{5}><span aria-hidden=true>\u{d7}</></><div class=body/><span class=sentinel tabindex=\u{4} \
         data-to=first/></>",
        &[aria_modal, view.locale, dir, sentinel_tab, view.ui.close],
    );
    append(&frame, &panel);
    let body = find(&panel, ".body").expect_throw("the panel has a body");
    let live = build("<div class=sr aria-live=polite/>", &[]);
    append(&frame, &live);
    let listeners = EVENTS
        .into_iter()
        .map(|kind| {
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&root, kind, options, move |e| react(e, modal, on))
        })
        .collect();
    let return_focus = if modal { focusable(prop(&document(), "activeElement")) } else { None };
    let mut mounted = Mounted {
        host,
        root,
        body,
        live,
        modal,
        return_focus,
        _listeners: listeners,
        keyboard: None,
        timers: Vec::new(),
    };
    mounted.score_step(view);
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
        mounted.timers.push(after(150, Box::new(move || live.set_text_content(Some(&text)))));
    }
    mounted
}

impl Mounted {
    fn score_step(&mut self, view: &PromptView<'_>) {
        let kind = match view.display {
            Display::Numbers => "scale numbers",
            Display::Stars => "scale stars",
            Display::Emoji => "scale emoji",
        };
        let count = number(view.top - view.bottom + 1);
        let form = build(
            "<form class=step novalidate=><fieldset class=group><legend id=tp-q class=q part=question>\u{1}</><div \
             class=\u{2} part=scale data-points=\u{3}/><div class=ends id=tp-d part=ends><span>\u{4}</><span>\u{5}</>\
             </></><div class=actions><button type=submit class=send part=send disabled=>\u{6}</></></>",
            &[view.question, kind, &count, view.low_label, view.high_label, view.ui.send],
        );
        let scale = find(&form, ".scale").expect_throw("the step has a scale");
        for score in view.bottom..=view.top {
            let label = build(
                "<label class=pt part=point><input type=radio name=score value=\u{1} aria-label=\u{2}/><span \
                 aria-hidden=true>\u{3}</></>",
                &[&number(score), &view.point_label(score), &view.point_face(score)],
            );
            // Faces drawn in SVG: the visitor's fonts may have no emoji.
            if view.display == Display::Emoji {
                let face = build(
                    "<svg viewBox=\"0 0 24 24\" width=30 height=30 class=face><circle cx=12 cy=12 r=10.5/><circle \
                     cx=8.5 cy=9.5 r=1.3 class=eye/><circle cx=15.5 cy=9.5 r=1.3 class=eye/><path d=\u{1}/></>",
                    &[PromptView::face_mouth(score)],
                );
                if let Some(span) = find(&label, "span") {
                    append(&span, &face);
                }
            }
            append(&scale, &label);
        }
        self.replace_step(&form);
    }

    /// Shows the "why?" question for the chosen score. Its answer goes to
    /// the `on` that [`mount`] was given, like every other action.
    pub fn follow_up(&mut self, question: &str, ui: &UiText) {
        let had_focus = self.has_focus();
        let max = wire::decimal(MAX_COMMENT_CHARS as u64);
        // Send is enabled once something is typed: an empty Send would skip
        // the question, which a double click on the score's Send did at once.
        let form = build(
            "<form class=step novalidate=><label id=tp-q for=tp-why class=\"q why\" part=question>\u{1}</><textarea \
             id=tp-why part=comment rows=3 maxlength=\u{2} aria-describedby=tp-d/><span id=tp-d hidden=/><div \
             class=actions><button type=button class=skip part=skip>\u{3}</><button type=submit class=send part=send \
             disabled=>\u{4}</></></>",
            &[question, &max, ui.skip, ui.send],
        );
        let area = find(&form, "textarea").expect_throw("the step has a textarea");
        self.replace_step(&form);
        self.keyboard = keep_above_keyboard(&area);
        if had_focus || self.modal {
            self.focus_first("textarea");
        }
    }

    /// Replaces the prompt with the thank-you note, which closes itself.
    pub fn thank_you(&mut self, text: &str, on: fn(Action)) {
        let had_focus = self.has_focus();
        let note = build("<p id=tp-q class=thanks role=status tabindex=-1 part=thanks>\u{1}</>", &[text]);
        self.replace_step(&note);
        append(&self.body, &build("<span id=tp-d hidden=/>", &[]));
        if had_focus || self.modal {
            focus(Some(note));
        }
        self.timers.push(after(THANKS_MS, Box::new(move || later(on, Action::Dismiss))));
    }

    fn replace_step(&mut self, content: &Element) {
        // The comment step's lift above the keyboard goes with it.
        self.keyboard = None;
        if let Some(panel) = self.body.parent_element() {
            lift(&panel, 0.0);
        }
        self.body.set_text_content(None);
        append(&self.body, content);
    }

    fn has_focus(&self) -> bool {
        prop(&self.root, "activeElement").is_object()
    }

    fn focus_first(&self, selector: &str) {
        focus(find(&self.body, selector));
    }
}

/// The DOM events the prompt reacts to, each heard once on its shadow root
/// (they all bubble there) and told apart by their target.
const EVENTS: [&str; 6] = ["click", "change", "input", "submit", "keydown", "focusin"];

/// One DOM event inside the prompt: turns it into the visitor's [`Action`],
/// or into the small DOM reactions that need no state (enabling Send, the
/// modal's focus trap).
fn react(e: &web_sys::Event, modal: bool, on: fn(Action)) {
    let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
    let within = |selector: &str| closest(&target, selector);
    match prop_str(e, "type").as_deref().unwrap_or("") {
        // Not the Escape that cancels an input method's composition (the
        // comment typed so far would be lost).
        "keydown" if prop_str(e, "key").as_deref() == Some("Escape") && !composing(e) => later(on, Action::Dismiss),
        "click" if within(".x").is_some() => later(on, Action::Dismiss),
        "click" if within(".skip").is_some() => later(on, Action::Skip),
        // A score chosen, or the comment typed: Send is enabled when there
        // is something to send.
        "change" | "input" => {
            let Some(form) = within("form") else { return };
            let blank = |area: Element| field_text(&area).is_empty();
            let ready = !find(&form, "textarea").is_some_and(blank);
            if let Some(send) = find(&form, ".send") {
                set_prop(&send, "disabled", &JsValue::from_bool(!ready));
            }
        }
        "submit" => {
            e.prevent_default();
            if let Some(action) = read_answer(&target) {
                later(on, action);
            }
        }
        // Tab reached a sentinel at one end of a modal: wrap to the other.
        "focusin" if modal => {
            let Some(to) = target.get_attribute("data-to") else { return };
            let Some(panel) = within(".tp") else { return };
            let all = find_all(&panel, "button:not([disabled]),input:checked,input,textarea");
            let index = if to == "last" { all.length().saturating_sub(1) } else { 0 };
            focus(all.get(index).map(JsCast::unchecked_into));
        }
        _ => {}
    }
}

/// Whether a key event belongs to an input method's composition
/// (`keyCode` 229: Safari's keydown that ends one).
fn composing(e: &web_sys::Event) -> bool {
    prop(e, "isComposing").is_truthy() || prop_num(e, "keyCode") == Some(229.0)
}

/// What a submitted step's form says: the chosen score, or the comment
/// (an empty one skips).
fn read_answer(form: &Element) -> Option<Action> {
    let field = |selector: &str| find(form, selector);
    if let Some(area) = field("textarea") {
        let text = field_text(&area);
        return Some(if text.is_empty() { Action::Skip } else { Action::Comment(text) });
    }
    touchpoint_core::wire::parse_small(&field_text(&field("input:checked")?)).map(Action::Score)
}

/// A form field's value without the white space around it, trimmed by the
/// browser's own `trim` (Unicode white space, such as the ideographic
/// space of a Japanese keyboard), so the wasm carries no table of it.
fn field_text(field: &Element) -> String {
    prop(field, "value").dyn_into::<JsString>().map(|s| String::from(s.trim())).unwrap_or_default()
}

/// The element `v` is, if it is one.
fn focusable(v: JsValue) -> Option<Element> {
    v.dyn_into::<Element>().ok()
}

/// On phones, keeps the comment field above the on-screen keyboard: the
/// sheet is lifted by the height the visual viewport lost at the bottom,
/// whenever it resizes or moves (iOS moves it without resizing).
fn keep_above_keyboard(area: &Element) -> Option<[EventListener; 2]> {
    let vv: EventTarget = Some(prop(&window(), "visualViewport")).filter(JsValue::is_object)?.unchecked_into();
    let panel = closest(area, ".tp")?;
    let listen = |kind: &'static str| {
        let (vv, panel) = (vv.clone(), panel.clone());
        EventListener::new(&vv.clone(), kind, move |_| {
            let px = |v: &JsValue, key: &str| prop_num(v, key).unwrap_or(0.0);
            lift(&panel, inner_height() - px(&vv, "height") - px(&vv, "offsetTop"));
        })
    };
    Some([listen("resize"), listen("scroll")])
}

/// Lifts the sheet by `px` CSS pixels (none when 0 or less).
fn lift(panel: &Element, px: f64) {
    let mut value = wire::decimal(px.max(0.0) as u64);
    value.push_str("px");
    set_style(panel, "--tp-keyboard", &value, "");
}

/// Runs `on(action)` on the microtask queue, once the listener that called
/// this has returned, so `on` may drop the listener's owner safely.
fn later(on: fn(Action), action: Action) {
    soon(Box::new(move || on(action)));
}

#[wasm_bindgen]
extern "C" {
    /// A constructable stylesheet (`adoptedStyleSheets` needs one; allowed
    /// under `style-src 'self'`). Without `catch`: the constructor throws
    /// only in browsers without constructable stylesheets, where the prompt
    /// cannot be styled anyway, and `replaceSync` skips what it cannot
    /// parse instead of throwing.
    #[wasm_bindgen(js_name = CSSStyleSheet)]
    type Sheet;
    #[wasm_bindgen(constructor, js_class = CSSStyleSheet)]
    fn new() -> Sheet;
    #[wasm_bindgen(method, js_name = replaceSync)]
    fn replace_sync(this: &Sheet, css: &str);
}

thread_local! {
    static SHEET: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

fn sheet(css: &str) -> JsValue {
    let sheet = Sheet::new();
    sheet.replace_sync(css);
    sheet.into()
}

/// Adopts the widget's stylesheet (built once) and the site's theme.
fn adopt_styles(root: &ShadowRoot, theme_css: &str) {
    let base = SHEET.with(|s| s.borrow_mut().get_or_insert_with(|| sheet(CSS)).clone());
    let list = Array::of2(&base, &sheet(theme_css));
    set_prop(root, "adoptedStyleSheets", &list);
}
