//! The widget's state and its reactions: commands in, prompts out, events
//! to the collector. One prompt per page view; commands that arrive before
//! the site configuration are kept and replayed once it is loaded.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use touchpoint_core::event::{Event, EventKind};
use touchpoint_core::flow::Step;
use touchpoint_core::prompt::{resolve_locale, PromptView};
use touchpoint_core::SiteConfig;
use wasm_bindgen::JsValue;

use crate::api::{Command, Hook};
use crate::dom::{document, now_ms, warn, window};
use crate::render::{self, Action, Mounted};
use crate::{config, outbox, transport, visitor};

struct App {
    site: String,
    collector: String,
    visitor: String,
    config: Option<Rc<SiteConfig>>,
    /// Commands received before the configuration arrived.
    pending: Vec<Command>,
    locale: Option<String>,
    hooks: Vec<(Hook, Function)>,
    prompt: Option<Shown>,
    /// At most one prompt per page view.
    shown_this_page: bool,
}

/// The prompt on screen and what its events need to say.
struct Shown {
    config: Rc<SiteConfig>,
    survey: usize,
    locale: String,
    /// The response's id once a score was sent; the comment reuses it.
    response: Option<(String, u8)>,
    mounted: Mounted,
}

/// The view of the prompt on screen, rebuilt from its survey and language.
fn view_of<'a>(config: &'a SiteConfig, survey: usize, locale: &str) -> Option<PromptView<'a>> {
    PromptView::new(config, config.surveys.get(survey)?, locale)
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

fn with_app<R>(f: impl FnOnce(&mut App) -> R) -> Option<R> {
    APP.with(|a| a.borrow_mut().as_mut().map(f))
}

pub fn start(site: String, collector: String) {
    let collector = collector.trim_end_matches('/').to_owned();
    let mut url = collector.clone();
    url.push_str("/v1/sites/");
    url.push_str(&site);
    url.push_str("/config");
    APP.with(|a| {
        *a.borrow_mut() = Some(App {
            site,
            collector,
            visitor: visitor::id(),
            config: None,
            pending: Vec::new(),
            locale: None,
            hooks: Vec::new(),
            prompt: None,
            shown_this_page: false,
        })
    });
    with_app(|app| outbox::init(&app.site, &app.collector));
    wasm_bindgen_futures::spawn_local(async move {
        match transport::get_json(&url).await.map(|v| config::read(&v)) {
            Ok(Some(config)) => loaded(config),
            Ok(None) => warn("the site configuration could not be read"),
            Err(_) => warn("the site configuration could not be loaded; is data-site right?"),
        }
    });
}

fn loaded(config: SiteConfig) {
    let pending = with_app(|app| {
        app.config = Some(Rc::new(config));
        std::mem::take(&mut app.pending)
    });
    for cmd in pending.into_iter().flatten() {
        run(cmd);
    }
}

/// Applies one command.
pub fn run(cmd: Command) {
    let config = with_app(|app| app.config.clone()).flatten();
    match cmd {
        Command::Set { locale } | Command::Identify { locale } => {
            if locale.is_some() {
                with_app(|app| app.locale = locale);
            }
        }
        Command::On(hook, callback) => {
            with_app(|app| app.hooks.push((hook, callback)));
        }
        cmd @ (Command::Event(_) | Command::Show(_)) => {
            let Some(config) = config else {
                with_app(|app| app.pending.push(cmd));
                return;
            };
            let found = match &cmd {
                Command::Event(name) => config.surveys.iter().position(|s| s.trigger.event == *name),
                Command::Show(id) => {
                    let found = config.surveys.iter().position(|s| s.id == *id);
                    if found.is_none() {
                        warn("touchpoint('show', surveyId): no survey with that id in this site's configuration");
                    }
                    found
                }
                _ => None,
            };
            if let Some(index) = found {
                show(config, index, matches!(cmd, Command::Show(_)));
            }
        }
    }
}

/// The visitor's language, by the documented order of precedence.
fn visitor_locale(config: &SiteConfig) -> String {
    let explicit = with_app(|app| app.locale.clone()).flatten();
    let html_lang = document().document_element().and_then(|e| e.get_attribute("lang"));
    let nav = window().navigator().language();
    let candidates = [explicit.as_deref(), config.locale_override.as_deref(), html_lang.as_deref(), nav.as_deref()];
    resolve_locale(candidates.into_iter().flatten(), &config.default_locale).to_owned()
}

fn show(config: Rc<SiteConfig>, index: usize, explicit: bool) {
    let busy = with_app(|app| app.prompt.is_some() || (app.shown_this_page && !explicit)).unwrap_or(true);
    let Some(survey) = config.surveys.get(index).filter(|_| !busy) else {
        return;
    };
    let locale = visitor_locale(&config);
    let Some(view) = PromptView::new(&config, survey, &locale) else {
        return; // no text in the visitor's language, and the survey says skip
    };
    let mounted = render::mount(&view, &config.theme, on_action);
    let shown =
        Shown { config: config.clone(), survey: index, locale: view.locale.to_owned(), response: None, mounted };
    with_app(|app| {
        app.shown_this_page = true;
        app.prompt = Some(shown);
    });
    emit(EventKind::Impression, None);
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
            with_app(|app| {
                let Some(Shown { config, survey, locale, mounted, .. }) = &mut app.prompt else { return };
                let Some(view) = view_of(config, *survey, locale) else { return };
                match view.after_score(score) {
                    Step::FollowUp(band) => {
                        let question = view.follow_up(band).unwrap_or(view.ui.why);
                        mounted.follow_up(question, view.ui, on_action);
                    }
                    Step::Thanks | Step::Score => mounted.thank_you(view.thanks(), on_action),
                }
            });
        }
        Action::Comment(text) => {
            emit(EventKind::Response, Some(text));
            thank_you();
        }
        Action::Skip => thank_you(),
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

fn thank_you() {
    with_app(|app| {
        let Some(Shown { config, survey, locale, mounted, .. }) = &mut app.prompt else { return };
        if let Some(view) = view_of(config, *survey, locale) {
            mounted.thank_you(view.thanks(), on_action);
        }
    });
}

/// Sends one event about the prompt on screen and tells the page's hooks.
/// A response carries the score's response id; its comment update reuses it.
fn emit(kind: EventKind, comment: Option<String>) {
    let Some((event, hooks)) = with_app(|app| {
        let shown = app.prompt.as_ref()?;
        let survey = shown.config.surveys.get(shown.survey)?;
        let (id, score) = match (&shown.response, kind) {
            (Some((id, score)), EventKind::Response) => (id.clone(), Some(*score)),
            _ => (visitor::random_id(), None),
        };
        let event = Event {
            id,
            kind,
            survey: survey.id.clone(),
            touchpoint: survey.touchpoint.clone(),
            metric: survey.metric,
            scale: survey.answer_scale(),
            score,
            comment,
            visitor: app.visitor.clone(),
            ts: now_ms(),
            url: window().location().href().unwrap_or_default(),
            locale: shown.locale.clone(),
            experiment: None,
            variant: None,
            attributes: Default::default(),
        };
        let hook = match kind {
            EventKind::Impression => Hook::Impression,
            EventKind::Response => Hook::Response,
            EventKind::Dismiss => Hook::Dismiss,
        };
        let hooks: Vec<Function> = app.hooks.iter().filter(|(h, _)| *h == hook).map(|(_, f)| f.clone()).collect();
        Some((event, hooks))
    })
    .flatten() else {
        return;
    };
    call_hooks(&hooks, &event);
    outbox::enqueue(event);
}

/// Runs the page's callbacks with a plain object; one that throws is
/// reported, not propagated into the widget.
fn call_hooks(hooks: &[Function], event: &Event) {
    if hooks.is_empty() {
        return;
    }
    let payload = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&payload, &JsValue::from_str(k), &v);
    };
    set("id", event.id.as_str().into());
    set("type", event.kind.as_str().into());
    set("survey", event.survey.as_str().into());
    set("touchpoint", event.touchpoint.as_str().into());
    set("metric", event.metric.as_str().into());
    set("score", event.score.map_or(JsValue::NULL, JsValue::from));
    set("comment", event.comment.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    for f in hooks {
        if f.call1(&JsValue::NULL, &payload).is_err() {
            warn("a touchpoint('on', ...) callback threw an exception");
        }
    }
}
