//! From page signals to a prompt: which surveys' triggers fired, what the
//! core's decision says about them (`touchpoint_core::decide`), the
//! trigger's delay, and, in debug mode, why each survey was or was not
//! shown. The visitor's state is read fresh from storage before every
//! decision, so other tabs' prompts and answers count at once.

use touchpoint_core::decide::{self, choose, eligible, Context, Plan, Reason};
use touchpoint_core::enrich::Device;
use touchpoint_core::event::EventKind;
use touchpoint_core::experiment::EffectiveTrigger;
use touchpoint_core::limits::{
    MAX_ATTRIBUTES, MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_NUMBER, MAX_ATTRIBUTE_VALUE_CHARS,
};
use touchpoint_core::rule::{Regex, Value};
use touchpoint_core::trigger::{Signal, Trigger};
use touchpoint_core::validate::is_id;
use touchpoint_core::visitor::VisitorState;
use touchpoint_core::wire::{self, Scalar};
use touchpoint_core::SiteConfig;
use wasm_bindgen::prelude::*;
use web_sys::Element;

use crate::api::{attr, Attrs};
use crate::app::{self, tracking, with_app, App};
use crate::dom::{after, href, info, now_ms, pathname, soon, user_agent, warn};
use crate::signals::{self, Needs, PageSignal};
use crate::{tabs, visitor};

#[wasm_bindgen]
extern "C" {
    /// `RegExp`, constructed with `catch`: a bad pattern is an `Err`, not a
    /// trap.
    #[wasm_bindgen(js_name = RegExp)]
    type JsRegExp;
    #[wasm_bindgen(constructor, js_class = "RegExp", catch)]
    fn new(pattern: &str) -> Result<JsRegExp, JsValue>;
    #[wasm_bindgen(method)]
    fn test(this: &JsRegExp, text: &str) -> bool;
}

/// Regular expressions in rules, with the browser's own engine (the
/// collector checks every pattern compiles before a config is stored).
struct BrowserRegex;

impl Regex for BrowserRegex {
    fn is_match(&self, pattern: &str, text: &str) -> bool {
        JsRegExp::new(pattern).is_ok_and(|re| re.test(text))
    }
}

/// The trigger that applies to survey `index` for this visitor.
fn trigger_of<'a>(
    config: &'a SiteConfig,
    app: &App,
    state: &VisitorState,
    index: usize,
) -> Option<EffectiveTrigger<'a>> {
    let forced = app.forced.as_ref().map(|(e, v)| (e.as_str(), v.as_str()));
    decide::trigger_of(config, state, &app.visitor, forced, index)
}

/// Called once the configuration is loaded: counts the visit and starts
/// listening to what the configured triggers need.
pub fn begin() {
    with_app(|app| {
        let Some(config) = app.config else { return };
        count_page_view(app);
        if tracking(app) {
            visitor::keep_id(&app.visitor);
            if !app.attrs.is_empty() {
                visitor::save_attrs(&app.site, &app.attrs);
            }
        }
        // Every variant's trigger, not only this visitor's: a reset on this
        // page may draw a visitor in another variant.
        let mut needs = Needs::default();
        let mut note = |t: &Trigger| {
            needs.scroll |= t.scroll_percent.is_some();
            needs.exit_intent |= t.exit_intent;
            needs.click |= t.click.is_some();
            needs.timers |= t.dwell_seconds.is_some() || t.inactivity_seconds.is_some();
        };
        let mut retimed = false;
        for survey in &config.surveys {
            note(&survey.trigger);
            for v in survey.experiment.iter().flat_map(|e| &e.variants) {
                note(v.trigger.as_ref().unwrap_or(&survey.trigger));
                retimed |= v.dwell_seconds.is_some();
            }
        }
        needs.timers |= retimed;
        if debugging(app) {
            let mut m = String::from("debug mode: visitor ");
            m.push_str(&app.visitor);
            m.push_str(if tracking(app) { ", tracking allowed" } else { ", no consent: nothing is shown or sent" });
            info(&m);
        }
        // Listening calls nothing back before this returns.
        app.signals.get_or_insert_with(|| signals::listen(needs, on_signal));
    });
}

/// A page view (the first of this page, or an SPA navigation): starts a
/// visit when the last activity is over 30 minutes old, and keeps the
/// state (stored when tracking is allowed).
pub fn count_page_view(app: &App) -> VisitorState {
    let mut state = visitor::load_state(&app.site);
    state.start_visit(now_ms());
    visitor::save_state(&app.site, &state, tracking(app));
    state
}

fn on_signal(signal: PageSignal) {
    if app::busy() {
        // Heard inside the widget's own DOM work (see `app::busy`).
        soon(Box::new(move || on_signal(signal)));
        return;
    }
    match signal {
        PageSignal::Navigated => navigated(),
        PageSignal::Scroll(p) => decide_on(Signal::Scroll(p), None, true),
        PageSignal::ExitIntent => decide_on(Signal::ExitIntent, None, true),
        PageSignal::Click(target) => clicked(&target),
        PageSignal::Tick { dwell_s, idle_s } => {
            decide_on(Signal::Dwell(dwell_s), None, true);
            decide_on(Signal::Inactivity(idle_s), None, true);
        }
    }
}

/// A new page view: the page-view signal fires.
pub fn page_view() {
    decide_on(Signal::PageView, None, true);
}

/// `touchpoint('event', name, props)`.
pub fn event(name: &str, props: &Attrs) {
    let lookup = |key: &str| attr(props, key).cloned();
    decide_on(Signal::Event { name, props: &lookup }, None, false);
}

/// A click: the surveys whose selector matches the element or an ancestor.
fn clicked(target: &Element) {
    let Some(matching) = with_app(|app| {
        let config = app.config?;
        let state = visitor::load_state(&app.site);
        let mut matching = Vec::new();
        for i in 0..config.surveys.len() {
            let selector = trigger_of(config, app, &state, i).and_then(|t| t.trigger.click.as_deref());
            let Some(selector) = selector else { continue };
            match target.closest(selector) {
                Ok(Some(_)) => matching.push(i),
                Ok(None) => {}
                Err(_) => warn_once(app, i, "trigger.click is not a valid CSS selector; the click trigger is ignored"),
            }
        }
        Some(matching)
    })
    .flatten() else {
        return;
    };
    if !matching.is_empty() {
        decide_on(Signal::Click, Some(&matching), false);
    }
}

/// SPA navigation: a new page view. A delayed or shown prompt whose URL
/// rules no longer hold goes away.
fn navigated() {
    let regex = BrowserRegex;
    let (path, url) = location();
    let removed = with_app(|app| {
        app.shown_this_page = false;
        app.fired.clear();
        let config = app.config?;
        let state = count_page_view(app);
        let holds = |app: &App, index: usize| {
            trigger_of(config, app, &state, index).is_some_and(|t| t.trigger.page_holds(&path, &url, &regex).is_ok())
        };
        if let Some(index) = app.delayed.as_ref().map(|(p, _)| p.survey).filter(|i| !holds(app, *i)) {
            app.delayed = None;
            debug(app, index, "not shown: the URL no longer matches trigger.page (delay cancelled)");
        }
        let index = app.prompt.as_ref().map(|s| s.plan.survey).filter(|i| !holds(app, *i))?;
        debug(app, index, "removed: the URL no longer matches trigger.page");
        app.prompt.take()
    });
    // Dropped outside the state's borrow: removing it may move focus.
    drop(removed);
    page_view();
}

/// `(location.pathname, location.href)`.
fn location() -> (String, String) {
    (pathname(), href())
}

fn device() -> Device {
    Device::from_user_agent(&user_agent())
}

/// The page's side of a decision context, read once per decision. Not
/// inlined into [`with_context`]'s instantiations: one copy serves them all.
struct Moment {
    now_ms: u64,
    device: &'static str,
    language: String,
    path: String,
    url: String,
    on_screen: bool,
    consent: Option<bool>,
    gpc: bool,
}

#[inline(never)]
fn moment(app: &App, config: &SiteConfig) -> Moment {
    let (path, url) = location();
    Moment {
        now_ms: now_ms(),
        device: device().as_str(),
        language: app::visitor_locale(config, app.locale(), None),
        path,
        url,
        on_screen: app.prompt.is_some() || app.delayed.is_some() || tabs::busy_elsewhere(&app.site, &app.tab),
        consent: app::consent_now(app),
        gpc: app::gpc(),
    }
}

/// Runs `f` with the decision context of this moment.
fn with_context<R>(app: &App, config: &SiteConfig, f: impl FnOnce(&Context<'_>) -> R) -> R {
    let m = moment(app, config);
    let attrs = |key: &str| attr(&app.attrs, key).cloned();
    let ctx = Context {
        now_ms: m.now_ms,
        device: m.device,
        language: &m.language,
        path: &m.path,
        url: &m.url,
        attrs: &attrs,
        on_screen: m.on_screen,
        shown_this_page: app.shown_this_page,
        forced_variant: app.forced.as_ref().map(|(e, v)| (e.as_str(), v.as_str())),
        consent: m.consent,
        gpc: m.gpc,
    };
    f(&ctx)
}

/// A signal happened: the surveys whose (effective) trigger it fires are
/// the candidates; the core picks at most one. `once`: the signal counts
/// once per survey and page view (ticks, scrolling). `only`: candidates
/// limited to these surveys (clicks).
fn decide_on(signal: Signal<'_>, only: Option<&[usize]>, once: bool) {
    let regex = BrowserRegex;
    let plan = with_app(|app| {
        let config = app.config?;
        let state = visitor::load_state(&app.site);
        let mut candidates = Vec::new();
        for i in 0..config.surveys.len() {
            if only.is_some_and(|o| !o.contains(&i)) || (once && app.fired.contains(&i)) {
                continue;
            }
            let fires = trigger_of(config, app, &state, i).is_some_and(|t| t.fires(signal, &regex));
            if fires {
                candidates.push(i);
                if once {
                    app.fired.push(i);
                }
            } else if !once {
                debug(app, i, "not shown: trigger not met by this event");
            }
        }
        if candidates.is_empty() {
            return None;
        }
        let (plan, rejected) =
            with_context(app, config, |ctx| choose(config, &state, &app.visitor, &candidates, ctx, &regex));
        for (i, reason) in rejected {
            debug_reason(app, i, &reason);
        }
        plan.map(|p| (config, p))
    })
    .flatten();
    if let Some((config, plan)) = plan {
        schedule(config, plan);
    }
}

/// `touchpoint('show', id)`: bypasses triggers and the other rules, not
/// consent, and not a prompt already on screen. It replaces a prompt still
/// waiting out its delay (nothing of that one is on screen yet).
pub fn show(id: &str) {
    let plan = with_app(|app| {
        let config = app.config?;
        let Some(index) = config.surveys.iter().position(|s| s.id == id) else {
            warn("touchpoint('show', surveyId): no survey with that id in this site's configuration");
            return None;
        };
        let waiting = app.delayed.take();
        let state = visitor::load_state(&app.site);
        let planned = with_context(app, config, |ctx| decide::show(config, &state, &app.visitor, index, ctx));
        let plan = logged(app, index, planned);
        if plan.is_none() {
            app.delayed = waiting;
        }
        Some((config, plan?))
    })
    .flatten();
    if let Some((config, plan)) = plan {
        schedule(config, plan);
    }
}

/// Shows the plan now, or after its delay (checked again then).
fn schedule(config: &'static SiteConfig, plan: Plan) {
    if plan.delay_ms == 0 {
        present(config, plan);
        return;
    }
    let index = plan.survey;
    let timer = after(
        plan.delay_ms,
        Box::new(move || {
            // Not from inside the callback: taking `delayed` drops this Timeout.
            soon(Box::new(move || delay_over(index)));
        }),
    );
    with_app(|app| {
        debug(app, index, "trigger met; waiting for trigger.delay_seconds");
        app.delayed = Some((plan, timer));
    });
}

fn delay_over(index: usize) {
    let regex = BrowserRegex;
    let plan = with_app(|app| {
        let (plan, _timer) = app.delayed.take().filter(|(p, _)| p.survey == index)?;
        let config = app.config?;
        let state = visitor::load_state(&app.site);
        let checked = with_context(app, config, |ctx| eligible(config, &state, &app.visitor, index, ctx, &regex));
        logged(app, index, checked)?;
        Some((config, plan))
    })
    .flatten();
    if let Some((config, plan)) = plan {
        present(config, plan);
    }
}

fn present(config: &'static SiteConfig, plan: Plan) {
    let index = plan.survey;
    let result = app::present(config, plan);
    with_app(|app| match result {
        Ok(()) => debug(app, index, "shown"),
        Err(why) => not_shown(app, index, why),
    });
}

/// Records an event of the prompt on screen in the visitor's state
/// (impressions, answers and dismissals drive fatigue; the variant is kept
/// so the assignment survives weight changes). A `comment_update` (the
/// comment of a response already recorded with its score) is not counted
/// again.
pub fn remember(kind: EventKind, comment_update: bool, ts: u64) {
    with_app(|app| {
        let Some(shown) = &app.prompt else { return };
        let config = shown.config;
        let Some(survey) = config.surveys.get(shown.plan.survey) else { return };
        let mut state = visitor::load_state(&app.site);
        if !comment_update {
            state.record(&survey.id, kind, ts, survey.priority, config.fatigue.recontact_after);
        }
        let forced = app.forced.as_ref().map(|(e, _)| e.as_str());
        if let Some((e, v)) = shown.plan.experiment(config).filter(|(e, _)| Some(*e) != forced) {
            state.set_assignment(e, v);
        }
        visitor::save_state(&app.site, &state, true);
    });
}

/// The attributes sent with events, as the JSON object the event carries
/// (`""`: none): what `set`/`identify` gave, except the user id and the
/// locale (the event has its own), kept within the collector's limits so
/// that an odd attribute never costs an answer: lists and over-long or
/// oddly named entries are left out. Written straight from the page's
/// values (`set` keeps one value per name), without a map in between.
pub fn event_attributes(attrs: &Attrs) -> String {
    let mut out = String::new();
    let mut count = 0;
    for (key, value) in attrs {
        let named = is_id(key) && key.len() <= MAX_ATTRIBUTE_KEY_BYTES;
        if !named || key == "user_id" || key == "locale" || count >= MAX_ATTRIBUTES {
            continue;
        }
        let decimal;
        let value = match value {
            Value::Str(s) if s.chars().count() <= MAX_ATTRIBUTE_VALUE_CHARS => Scalar::Text(s),
            Value::Num(n) if n.fract() == 0.0 && n.abs() <= MAX_ATTRIBUTE_NUMBER as f64 => Scalar::Number(*n as i64),
            // Decimals travel as text, written by JS (rules still read
            // numeric strings as numbers).
            Value::Num(n) => {
                decimal = js_sys::Number::from(*n).to_string_with_radix(10).map(String::from).unwrap_or_default();
                Scalar::Text(&decimal)
            }
            Value::Bool(b) => Scalar::Bool(*b),
            _ => continue,
        };
        wire::attribute(&mut out, key, value);
        count += 1;
    }
    wire::end_attributes(&mut out);
    out
}

/// A console warning about survey `index`'s configuration, once per page.
fn warn_once(app: &mut App, index: usize, message: &'static str) {
    if !app.warned.contains(&(index, message)) {
        app.warned.push((index, message));
        warn(&about(app, index, message));
    }
}

/// `survey 'ID': message`, for the console.
fn about(app: &App, index: usize, message: &str) -> String {
    let id = app.config.as_ref().and_then(|c| c.surveys.get(index)).map_or("?", |s| s.id.as_str());
    let mut m = String::from("survey '");
    m.push_str(id);
    m.push_str("': ");
    m.push_str(message);
    m
}

/// Whether decisions are explained. `app.debug` is only ever on in the
/// debug build, but the compiler drops the texts from the visitors' build
/// only when the check itself is a constant there (measured: 1.5 KB gzip).
fn debugging(app: &App) -> bool {
    cfg!(feature = "debug") && app.debug
}

/// In debug mode, one console line per survey and distinct message.
fn debug(app: &mut App, index: usize, message: &str) {
    if !debugging(app) {
        return;
    }
    if app.logged.iter().any(|(i, m)| *i == index && m == message) {
        return;
    }
    app.logged.retain(|(i, _)| *i != index);
    app.logged.push((index, message.to_owned()));
    info(&about(app, index, message));
}

/// `debug`, for a survey that is not shown and why.
fn not_shown(app: &mut App, index: usize, why: &str) {
    let mut m = String::from("not shown: ");
    m.push_str(why);
    debug(app, index, &m);
}

/// The decision's value, or `None` once the reason is logged (debug mode).
fn logged<T>(app: &mut App, index: usize, decision: Result<T, Reason>) -> Option<T> {
    decision.map_err(|reason| debug_reason(app, index, &reason)).ok()
}

fn debug_reason(app: &mut App, index: usize, reason: &Reason) {
    if debugging(app) {
        not_shown(app, index, &reason.describe());
    }
}
