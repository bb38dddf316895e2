//! The widget's state and its reactions: commands in, prompts out, events
//! to the collector. Commands that arrive before the site configuration
//! are kept and replayed once it is loaded. Which survey shows when is
//! decided by `touchpoint_core::decide` ([`crate::journey`] feeds it); this
//! module owns the prompt on screen and what its events say.

use std::cell::RefCell;

use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use js_sys::{Array, Function, Promise, JSON};
use touchpoint_core::decide::Plan;
use touchpoint_core::event::EventKind;
use touchpoint_core::flow::Step;
use touchpoint_core::outbox::Queued;
use touchpoint_core::prompt::PromptView;
use touchpoint_core::rule::Value;
use touchpoint_core::wire::{self, cut, pieces};
use touchpoint_core::{SiteConfig, Survey};
use wasm_bindgen::{JsCast, JsValue};

use crate::api::{attr, Attrs, Command, Hook};
use crate::dom::{document, info, now_ms, page_url, prop, prop_str, search, set_prop, then, warn, window};
use crate::render::{self, Action, Mounted};
use crate::signals::Signals;
use crate::tabs::Lease;
use crate::{config, journey, outbox, transport, visitor};

pub struct App {
    pub site: String,
    /// This tab, for the cross-tab screen lease.
    pub tab: String,
    /// The anonymous visitor id (stored only with consent).
    pub visitor: String,
    /// The site configuration, once loaded: it lives as long as the page
    /// (leaked once), so nothing that holds it carries a reference count
    /// or the code that would free it.
    pub config: Option<&'static SiteConfig>,
    /// Commands received before the configuration arrived.
    pending: Vec<Command>,
    /// Attributes from `set` / `identify`, for targeting and segments.
    pub attrs: Attrs,
    hooks: Vec<(Hook, Function)>,
    pub prompt: Option<Shown>,
    /// A prompt waiting out its trigger's delay.
    pub delayed: Option<(Plan, Timeout)>,
    /// At most one prompt per page view.
    pub shown_this_page: bool,
    /// Surveys whose once-per-page signals (page view, scroll, dwell,
    /// inactivity, exit intent) already led to a decision on this page view.
    pub fired: Vec<usize>,
    /// The visitor's consent choice, if any was made.
    pub consent: Option<bool>,
    /// Debug mode: decisions explained in the console (only ever on in the
    /// debug build).
    pub debug: bool,
    /// The last debug line per survey, so a ticking signal logs once.
    pub logged: Vec<(usize, String)>,
    /// Configuration warnings already given on this page.
    pub warned: Vec<(usize, &'static str)>,
    /// `?touchpoint_variant=experiment:variant`.
    pub forced: Option<(String, String)>,
    pub signals: Option<Signals>,
}

/// The prompt on screen and what its events need to say.
pub struct Shown {
    pub config: &'static SiteConfig,
    pub plan: Plan,
    locale: String,
    /// The response's id once a score was sent; the comment reuses it.
    response: Option<(String, u8)>,
    mounted: Mounted,
    _lease: Lease,
}

/// The view of the prompt on screen, rebuilt from its survey and language.
fn view_of<'a>(config: &'a SiteConfig, survey: usize, locale: &str) -> Option<PromptView<'a>> {
    PromptView::new(config, config.surveys.get(survey)?, locale)
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

/// Runs `f` on the widget's state; `None` before [`start`], or when the
/// state is already in use further up the stack (see [`busy`]): never a
/// trap.
pub fn with_app<R>(f: impl FnOnce(&mut App) -> R) -> Option<R> {
    APP.with(|a| a.try_borrow_mut().ok()?.as_mut().map(f))
}

/// Whether the widget's state is in use further up the stack: a page
/// listener is running inside one of the widget's own DOM calls (its
/// `focus()` dispatches `focusin` to the page, which may call
/// `touchpoint()` or `history.pushState`). Callers run their work just
/// after instead, with [`crate::dom::soon`].
pub fn busy() -> bool {
    APP.with(|a| a.try_borrow_mut().is_err())
}

pub fn start(site: String, collector: String, config: JsValue) {
    let collector = collector.trim_end_matches('/');
    let mut url = String::from(collector);
    url.push_str("/v1/sites/");
    url.push_str(&site);
    url.push_str("/config");
    let query = search();
    let consent = visitor::consent(&site);
    let attrs = visitor::load_attrs(&site);
    outbox::init(&site, collector);
    // Consent withdrawn in another tab of the site: the prompt on screen
    // here goes too, unanswered and unreported (that tab has already
    // removed what was stored), and so does this page's visitor id.
    let consent_key = visitor::consent_key(&site);
    EventListener::new(&window(), "storage", move |e| {
        if prop_str(e, "key").as_deref() == Some(consent_key.as_str())
            && prop_str(e, "newValue").as_deref() == Some("0")
        {
            with_app(|app| {
                app.consent = Some(false);
                app.visitor = visitor::random_id();
            });
            close();
        }
    })
    .forget();
    // Filled once, never replaced: the state lives as long as the page, so
    // the wasm carries no code to drop a whole `App`.
    APP.with(|a| {
        a.borrow_mut().get_or_insert_with(|| App {
            site,
            tab: visitor::random_id(),
            visitor: visitor::stored_id().unwrap_or_else(visitor::random_id),
            config: None,
            pending: Vec::new(),
            attrs,
            hooks: Vec::new(),
            prompt: None,
            delayed: None,
            shown_this_page: false,
            fired: Vec::new(),
            consent,
            debug: cfg!(feature = "debug")
                && query_param(&query, "touchpoint_debug").map_or_else(debug_choice, |v| v != "0"),
            logged: Vec::new(),
            warned: Vec::new(),
            forced: query_param(&query, "touchpoint_variant")
                .and_then(|v| cut(&v, b':').map(|(e, v)| (e.to_owned(), v.to_owned()))),
            signals: None,
        });
    });
    let done: Box<dyn FnOnce(Result<JsValue, JsValue>)> = Box::new(|json| match json.map(|v| config::read(&v)) {
        Ok(Some(config)) => loaded(config),
        Ok(None) => warn("the site configuration could not be read"),
        Err(_) => warn("the site configuration could not be loaded; is data-site right?"),
    });
    if config.is_undefined() {
        transport::get_json(&url, done);
    } else {
        then(&Promise::resolve(&config), done);
    }
}

/// Where a tab keeps its `touchpoint('debug', on)` choice (sessionStorage:
/// this tab, until it closes). The entry points load the debug build while
/// it is on; `?touchpoint_debug=` in the address overrides it.
const DEBUG_KEY: &str = "touchpoint:debug";

/// This tab's sessionStorage, when the browser lets the page use it.
fn tab_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn debug_choice() -> bool {
    tab_storage().and_then(|s| s.get_item(DEBUG_KEY).ok().flatten()).as_deref() == Some("1")
}

fn keep_debug_choice(on: bool) {
    if let Some(s) = tab_storage() {
        let _ = s.set_item(DEBUG_KEY, if on { "1" } else { "0" });
    }
}

/// `name=value` of a query string (`?a=1&b=2`), percent-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    let pairs = pieces(query.strip_prefix('?').unwrap_or(query), b'&');
    let raw = pairs.filter_map(|p| cut(p, b'=')).find(|(k, _)| *k == name).map(|(_, v)| v)?;
    js_sys::decode_uri_component(raw).ok().and_then(|v| v.as_string())
}

impl App {
    /// `touchpoint('set', {locale})`, if given.
    pub fn locale(&self) -> Option<&str> {
        match attr(&self.attrs, "locale") {
            Some(Value::Str(l)) => Some(l),
            _ => None,
        }
    }
}

fn loaded(config: SiteConfig) {
    // Leaked before anything else: no path drops it, so the wasm carries
    // no code to free a configuration.
    let config: &'static SiteConfig = Box::leak(Box::new(config));
    let pending = with_app(|app| {
        app.config = Some(config);
        std::mem::take(&mut app.pending)
    });
    journey::begin();
    for cmd in pending.into_iter().flatten() {
        run(cmd);
    }
    journey::page_view();
}

/// Whether the site's privacy settings and the visitor's choice allow
/// storing and sending anything (false until the configuration is known).
pub fn tracking(app: &App) -> bool {
    app.config.as_ref().is_some_and(|c| touchpoint_core::decide::privacy(c, consent_now(app), gpc()).is_ok())
}

/// The visitor's consent choice, read fresh: consent withdrawn in another
/// tab of the site counts here at once. This page's own record serves when
/// storage cannot be read.
pub fn consent_now(app: &App) -> Option<bool> {
    visitor::consent(&app.site).or(app.consent)
}

/// The browser's Global Privacy Control or Do Not Track signal.
pub fn gpc() -> bool {
    let nav = window().navigator();
    prop(&nav, "globalPrivacyControl").is_truthy() || prop_str(&nav, "doNotTrack").as_deref() == Some("1")
}

/// Applies one command.
pub fn run(cmd: Command) {
    let loaded = with_app(|app| app.config.is_some()).unwrap_or(false);
    match cmd {
        Command::Set(attrs) => set_attrs(attrs),
        Command::Identify(user, mut attrs) => {
            attrs.push(("user_id".into(), Value::Str(user)));
            set_attrs(attrs);
        }
        Command::On(hook, callback) => {
            with_app(|app| app.hooks.push((hook, callback)));
        }
        Command::Debug(on) => {
            keep_debug_choice(on);
            if on && !cfg!(feature = "debug") {
                info(
                    "debug mode: the reasons are in the debug build, which this tab loads from its next page on \
                     (or with ?touchpoint_debug=1 in the address)",
                );
            }
            with_app(|app| {
                app.debug = cfg!(feature = "debug") && on;
                app.logged.clear();
            });
        }
        Command::Consent(granted) => consent(granted),
        Command::Reset => reset(),
        cmd @ (Command::Event(..) | Command::Show(_)) if !loaded => {
            with_app(|app| app.pending.push(cmd));
        }
        Command::Event(name, props) => journey::event(&name, &props),
        Command::Show(id) => journey::show(&id),
    }
}

fn set_attrs(attrs: Attrs) {
    with_app(|app| {
        for (k, v) in attrs {
            app.attrs.retain(|(old, _)| *old != k);
            app.attrs.push((k, v));
        }
        if tracking(app) {
            visitor::save_attrs(&app.site, &app.attrs);
        }
    });
}

fn consent(granted: bool) {
    let known = with_app(|app| {
        app.consent = Some(granted);
        visitor::set_consent(&app.site, granted);
        if !granted {
            // Withdrawn: nothing more is stored or sent, and what was kept
            // goes, the id with it (consent given again starts a new one).
            visitor::forget(&app.site);
            app.visitor = visitor::random_id();
            return;
        }
        // Signals refused for want of consent may count now.
        app.fired.clear();
        if tracking(app) {
            visitor::keep_id(&app.visitor);
            visitor::save_attrs(&app.site, &app.attrs);
            // What this page kept unstored (its visit) is stored now.
            journey::count_page_view(app);
        }
    });
    if known.is_none() {
        return;
    }
    if granted {
        journey::page_view();
    } else {
        outbox::clear();
        close();
    }
}

/// `touchpoint('reset')`: a new anonymous visitor, with no history.
fn reset() {
    with_app(|app| {
        visitor::forget(&app.site);
        app.visitor = visitor::random_id();
        app.attrs.clear();
        // A new visitor has not been asked anything on this page yet, and
        // is on the first page of their first visit.
        app.shown_this_page = false;
        app.fired.clear();
        if tracking(app) {
            visitor::keep_id(&app.visitor);
        }
        journey::count_page_view(app);
    });
    close();
}

/// Removes the prompt on screen and any delayed one, sending nothing.
pub fn close() {
    let gone = with_app(|app| (app.prompt.take(), app.delayed.take()));
    drop(gone);
}

/// The visitor's language, by the documented order of precedence
/// (`explicit`: `touchpoint('set', {locale})`); for `survey`, the first of
/// the browser's languages it is written in.
pub fn visitor_locale(config: &SiteConfig, explicit: Option<&str>, survey: Option<&Survey>) -> String {
    let html_lang = document().document_element().and_then(|e| e.get_attribute("lang"));
    let nav = window().navigator();
    let mut preferred: Vec<String> = Vec::new();
    if let Some(languages) = prop(&nav, "languages").dyn_ref::<Array>() {
        for i in 0..languages.length() {
            if let Some(language) = languages.get(i).as_string() {
                preferred.push(language);
            }
        }
    }
    if let (true, Some(language)) = (preferred.is_empty(), nav.language()) {
        preferred.push(language);
    }
    let fixed = [explicit, config.locale_override.as_deref(), html_lang.as_deref()];
    touchpoint_core::prompt::visitor_locale(&fixed, &preferred, &config.default_locale, survey).to_owned()
}

/// Puts the planned prompt on screen; `Err` with the reason when it has no
/// text in the visitor's language.
pub fn present(config: &'static SiteConfig, plan: Plan) -> Result<(), &'static str> {
    let survey = config.surveys.get(plan.survey).ok_or("no such survey")?;
    let locale = with_app(|app| visitor_locale(config, app.locale(), Some(survey))).ok_or("no widget state")?;
    let view = PromptView::new(config, survey, &locale)
        .ok_or("no text in the visitor's language and the survey says untranslated: skip")?;
    // An experiment variant may move it.
    let position = plan.position.unwrap_or(config.theme.position);
    let mounted = render::mount(&view, &config.theme, position, on_action);
    let locale = view.locale.to_owned();
    with_app(|app| {
        let lease = Lease::take(&app.site, &app.tab);
        app.shown_this_page = true;
        app.prompt = Some(Shown { config, plan, locale, response: None, mounted, _lease: lease });
    });
    emit(EventKind::Impression, None);
    Ok(())
}

fn on_action(action: Action) {
    match action {
        Action::Score(score) => {
            let id = visitor::random_id();
            with_app(|app| {
                if let Some(shown) = &mut app.prompt {
                    shown.response = Some((id, score));
                }
            });
            emit(EventKind::Response, None);
            next_step(Some(score));
        }
        Action::Comment(text) => {
            emit(EventKind::Response, Some(text));
            next_step(None);
        }
        Action::Skip => next_step(None),
        Action::Dismiss => {
            let answered = with_app(|app| app.prompt.as_ref().is_some_and(|s| s.response.is_some())).unwrap_or(true);
            if !answered {
                emit(EventKind::Dismiss, None);
            }
            // Dropping the mounted prompt removes it and detaches its listeners.
            let shown = with_app(|app| app.prompt.take()).flatten();
            drop(shown);
        }
    }
}

/// Moves the prompt on screen on: to the follow-up question for `score`
/// when the survey asks one, else to the thank-you note.
fn next_step(score: Option<u8>) {
    with_app(|app| {
        let Some(Shown { config, plan, locale, mounted, .. }) = &mut app.prompt else { return };
        let Some(view) = view_of(config, plan.survey, locale) else { return };
        match score.map(|s| view.after_score(s)) {
            Some(Step::FollowUp(band)) => {
                let question = view.follow_up(band).unwrap_or(view.ui.why);
                mounted.follow_up(question, view.ui);
            }
            _ => mounted.thank_you(view.thanks(), on_action),
        }
    });
}

/// Sends one event about the prompt on screen, records it in the visitor's
/// state and tells the page's hooks. A response carries the score's
/// response id; its comment update reuses it. The event is written
/// straight from the configuration and the widget's state
/// ([`wire::EventView`]), no text copied.
fn emit(kind: EventKind, comment: Option<String>) {
    let ts = now_ms();
    let Some((queued, hooks, allowed)) = with_app(|app| {
        let shown = app.prompt.as_ref()?;
        let survey = shown.config.surveys.get(shown.plan.survey)?;
        let (id, score) = match (&shown.response, kind) {
            (Some((id, score)), EventKind::Response) => (id.clone(), Some(*score)),
            _ => (visitor::random_id(), None),
        };
        let experiment = shown.plan.experiment(shown.config);
        let url = page_url();
        let attributes = journey::event_attributes(&app.attrs);
        let json = wire::view_json(&wire::EventView {
            id: &id,
            kind,
            survey: &survey.id,
            touchpoint: &survey.touchpoint,
            metric: survey.metric,
            scale: survey.answer_scale(),
            score,
            comment: comment.as_deref(),
            visitor: &app.visitor,
            ts,
            url: &url,
            locale: &shown.locale,
            experiment: experiment.map(|(e, _)| e),
            variant: experiment.map(|(_, v)| v),
            attributes: &attributes,
        });
        let hook = match kind {
            EventKind::Impression => Hook::Impression,
            EventKind::Response => Hook::Response,
            EventKind::Dismiss => Hook::Dismiss,
        };
        let hooks: Vec<Function> = app.hooks.iter().filter(|(h, _)| *h == hook).map(|(_, f)| f.clone()).collect();
        Some((Queued { id, kind, json }, hooks, tracking(app)))
    })
    .flatten() else {
        return;
    };
    call_hooks(&hooks, &queued.json);
    if allowed {
        // A comment updates the response already recorded with its score.
        journey::remember(kind, comment.is_some(), ts);
        outbox::enqueue(queued);
    }
}

/// Runs the page's callbacks with the event as the collector receives it
/// (`JSON.parse` of its wire form: one serializer, not a second one field
/// by field), `experiment` and `variant` null when there is none. The page
/// can keep `visitor` with its own record of the person, to find their
/// answers again (an access or erasure request). A callback that throws is
/// reported, not propagated into the widget.
fn call_hooks(hooks: &[Function], json: &str) {
    if hooks.is_empty() {
        return;
    }
    let Ok(payload) = JSON::parse(json) else { return };
    for key in ["experiment", "variant"] {
        if prop(&payload, key).is_undefined() {
            set_prop(&payload, key, &JsValue::NULL);
        }
    }
    for f in hooks {
        if f.call1(&JsValue::NULL, &payload).is_err() {
            warn("a touchpoint('on', ...) callback threw an exception");
        }
    }
}
