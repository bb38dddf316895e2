//! What the page does, as trigger signals: SPA navigation (history
//! `pushState`/`replaceState`, `popstate`, `hashchange`), scroll depth,
//! exit intent (the pointer leaving through the top where the pointer can
//! hover; a fast upward scroll after reading on touch screens, which
//! cannot, decided by the core),
//! clicks (delegated, so elements added later count too), dwell time and
//! inactivity (one 1 s ticker). Only what the configuration needs is
//! listened to; everything is detached when dropped.

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Interval;
use js_sys::{Function, Reflect};
use touchpoint_core::trigger::{scroll_percent, ExitIntent};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, MouseEvent};

use crate::dom::{document, history, href, inner_height, media, now_ms, scroll_y, window};

/// One thing the page did.
pub enum PageSignal {
    /// The URL changed without a page load (or the page was just loaded).
    Navigated,
    /// The visitor scrolled to this depth, in percent of the page.
    Scroll(u8),
    /// The visitor looks about to leave.
    ExitIntent,
    /// A click; the element clicked.
    Click(Element),
    /// Once a second: seconds on this page view, and since the last input.
    Tick { dwell_s: u32, idle_s: u32 },
}

/// Which signals the configuration listens to.
#[derive(Clone, Copy, Default)]
pub struct Needs {
    pub scroll: bool,
    pub exit_intent: bool,
    pub click: bool,
    pub timers: bool,
}

/// The page listeners; dropping them detaches every one and puts
/// `history.pushState`/`replaceState` back.
pub struct Signals {
    _listeners: Vec<EventListener>,
    _ticker: Option<Interval>,
    history: Option<HistoryHook>,
}

impl Drop for Signals {
    fn drop(&mut self) {
        if let Some(hook) = self.history.take() {
            hook.restore();
        }
    }
}

/// State shared by the listeners: the last URL seen, when this page view
/// began, the last input, the mobile exit-intent detector.
struct Page {
    href: String,
    view_start_ms: u64,
    last_input_ms: u64,
    exit: ExitIntent,
}

thread_local! {
    static PAGE: std::cell::RefCell<Page> = std::cell::RefCell::new(Page {
        href: String::new(),
        view_start_ms: 0,
        last_input_ms: 0,
        exit: ExitIntent::default(),
    });
}

/// Starts listening; `on` hears every signal, after the DOM event that
/// caused it.
pub fn listen(needs: Needs, on: fn(PageSignal)) -> Signals {
    let now = now_ms();
    PAGE.with(|p| {
        let mut p = p.borrow_mut();
        p.href = href();
        p.view_start_ms = now;
        p.last_input_ms = now;
    });
    let win = window();
    let doc = document();
    // Capture phase: a page calling stopPropagation() does not hide clicks.
    let capture = EventListenerOptions::run_in_capture_phase();
    let mut listeners = vec![
        EventListener::new(&win, "popstate", move |_| navigated(on)),
        EventListener::new(&win, "hashchange", move |_| navigated(on)),
    ];
    // A desktop visitor scrolling back up (Home, "back to top") is not
    // leaving: the fling counts only where no pointer hovers (touch screens).
    let hover = media("(hover: hover)");
    let fling = needs.exit_intent && !hover;
    if needs.scroll || fling {
        listeners
            .push(EventListener::new_with_options(&win, "scroll", capture, move |_| scrolled(needs.scroll, fling, on)));
    }
    if needs.exit_intent && hover {
        listeners.push(EventListener::new(&doc, "mouseout", move |e| {
            let e: &MouseEvent = e.unchecked_ref();
            // Leaving the window through its top edge, towards tabs and the
            // address bar.
            if e.related_target().is_none() && e.client_y() <= 0 {
                on(PageSignal::ExitIntent);
            }
        }));
    }
    if needs.click {
        listeners.push(EventListener::new_with_options(&doc, "click", capture, move |e| {
            if let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                on(PageSignal::Click(target));
            }
        }));
    }
    let ticker = needs.timers.then(|| {
        for kind in ["pointerdown", "keydown", "pointermove", "touchstart", "wheel"] {
            listeners.push(EventListener::new_with_options(&doc, kind, capture, |_| input()));
        }
        Interval::new(1000, move || {
            let now = now_ms();
            let (dwell_s, idle_s) = PAGE.with(|p| {
                let p = p.borrow();
                (secs(now, p.view_start_ms), secs(now, p.last_input_ms))
            });
            on(PageSignal::Tick { dwell_s, idle_s });
        })
    });
    Signals { _listeners: listeners, _ticker: ticker, history: HistoryHook::install(on) }
}

fn secs(now: u64, since: u64) -> u32 {
    u32::try_from(now.saturating_sub(since) / 1000).unwrap_or(u32::MAX)
}

fn input() {
    PAGE.with(|p| p.borrow_mut().last_input_ms = now_ms());
}

/// A navigation happened if the URL is not the one seen last.
fn navigated(on: fn(PageSignal)) {
    let now_href = href();
    let changed = PAGE.with(|p| {
        let mut p = p.borrow_mut();
        if p.href == now_href {
            return false;
        }
        p.href = now_href;
        p.view_start_ms = now_ms();
        p.exit = ExitIntent::default();
        true
    });
    if changed {
        on(PageSignal::Navigated);
    }
}

/// A scroll: the depth reached (`depth`) and the exit-intent fling (`fling`).
fn scrolled(depth: bool, fling: bool, on: fn(PageSignal)) {
    input();
    let (scroll_y, viewport) = (scroll_y(), inner_height());
    let height = document().document_element().map_or(0.0, |e| f64::from(e.scroll_height()));
    if fling {
        let leaving = PAGE.with(|p| p.borrow_mut().exit.observe(now_ms(), scroll_y, viewport, height));
        if leaving {
            on(PageSignal::ExitIntent);
        }
    }
    if depth {
        on(PageSignal::Scroll(scroll_percent(scroll_y, viewport, height)));
    }
}

/// `history.pushState`/`replaceState` wrapped so that SPA navigations are
/// seen; the page's own calls behave exactly as before.
struct HistoryHook {
    originals: [(&'static str, Function); 2],
    _wrappers: [Wrapper; 2],
}

/// `pushState`/`replaceState` as the page calls them: `(state, title, url)`.
type Wrapper = Closure<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>;

impl HistoryHook {
    fn install(on: fn(PageSignal)) -> Option<HistoryHook> {
        let history = history();
        let wrap = |name: &'static str| -> Option<_> {
            let original: Function = Reflect::get(&history, &name.into()).ok()?.dyn_into().ok()?;
            let (h, f) = (history.clone(), original.clone());
            let wrapper: Wrapper = Closure::new(move |state: JsValue, title: JsValue, url: JsValue| {
                let result = f.call3(&h, &state, &title, &url);
                navigated(on);
                result
            });
            Reflect::set(&history, &name.into(), wrapper.as_ref()).ok()?;
            Some(((name, original), wrapper))
        };
        let (push, push_wrapper) = wrap("pushState")?;
        let (replace, replace_wrapper) = wrap("replaceState")?;
        Some(HistoryHook { originals: [push, replace], _wrappers: [push_wrapper, replace_wrapper] })
    }

    fn restore(self) {
        let history = history();
        for (name, original) in &self.originals {
            let _ = Reflect::set(&history, &JsValue::from_str(name), original);
        }
    }
}
