//! The widget's state and its reactions: commands in, prompts out, events
//! to the collector. One prompt per page view; commands that arrive before
//! the site configuration are kept and replayed once it is loaded.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Function;
use serde::Serialize;
use touchpoint_core::event::{Event, EventKind};
use touchpoint_core::i18n::UiText;
use touchpoint_core::prompt::{resolve_locale, PromptView};
use touchpoint_core::{SiteConfig, Survey};
use wasm_bindgen::JsValue;

use crate::api::{Command, Hook};
use crate::dom::{document, now_ms, warn, window};
use crate::render::{self, Action, Mounted};
use crate::{transport, visitor};

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
    survey: Survey,
    ui: &'static UiText,
    locale: String,
    mounted: Mounted,
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
    wasm_bindgen_futures::spawn_local(async move {
        match transport::get_text(&url).await.map(|t| serde_json::from_str::<SiteConfig>(&t)) {
            Ok(Ok(config)) => loaded(config),
            Ok(Err(_)) => warn("the site configuration could not be read"),
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
            let survey = match &cmd {
                Command::Event(name) => config.surveys_for_event(name).next(),
                Command::Show(id) => {
                    let found = config.survey(id);
                    if found.is_none() {
                        warn("touchpoint('show', surveyId): no survey with that id in this site's configuration");
                    }
                    found
                }
                _ => None,
            };
            if let Some(survey) = survey {
                show(&config, survey, matches!(cmd, Command::Show(_)));
            }
        }
    }
}

fn show(config: &SiteConfig, survey: &Survey, explicit: bool) {
    let busy = with_app(|app| app.prompt.is_some() || (app.shown_this_page && !explicit)).unwrap_or(true);
    if busy {
        return;
    }
    let explicit_locale = with_app(|app| app.locale.clone()).flatten();
    let html_lang = document().document_element().map(|e| e.get_attribute("lang").unwrap_or_default());
    let nav = window().navigator().language();
    let candidates = [explicit_locale.as_deref(), html_lang.as_deref(), nav.as_deref()];
    let locale = resolve_locale(candidates.into_iter().flatten(), &config.default_locale).to_owned();
    let view = PromptView::new(config, survey, &locale);
    let mounted = render::mount(&view, on_action);
    with_app(|app| {
        app.shown_this_page = true;
        app.prompt = Some(Shown { survey: survey.clone(), ui: view.ui, locale, mounted });
    });
    emit(EventKind::Impression, None, None);
}

fn on_action(action: Action) {
    match action {
        Action::Submit { score, comment } => {
            emit(EventKind::Response, Some(score), comment);
            with_app(|app| {
                if let Some(shown) = &mut app.prompt {
                    shown.mounted.thank_you(shown.ui.thanks, shown.ui.close, on_action);
                }
            });
        }
        Action::Dismiss => {
            emit(EventKind::Dismiss, None, None);
            close();
        }
        Action::Close => close(),
    }
}

fn close() {
    // Dropping the mounted prompt removes it and detaches its listeners.
    let shown = with_app(|app| app.prompt.take()).flatten();
    drop(shown);
}

/// What `touchpoint('on', ...)` callbacks receive.
#[derive(Serialize)]
struct HookPayload<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    survey: &'a str,
    touchpoint: &'a str,
    metric: &'a str,
    score: Option<u8>,
    comment: Option<&'a str>,
}

fn emit(kind: EventKind, score: Option<u8>, comment: Option<String>) {
    let Some((event, collector, site, hooks)) = with_app(|app| {
        let shown = app.prompt.as_ref()?;
        let event = Event {
            id: visitor::random_id(),
            kind,
            survey: shown.survey.id.clone(),
            touchpoint: shown.survey.touchpoint.clone(),
            metric: shown.survey.metric,
            scale: (shown.survey.metric == touchpoint_core::Metric::Ces)
                .then(|| shown.survey.metric.top(shown.survey.scale)),
            score,
            comment,
            visitor: app.visitor.clone(),
            ts: now_ms(),
            url: window().location().href().unwrap_or_default(),
            locale: shown.locale.clone(),
        };
        let hook = match kind {
            EventKind::Impression => Hook::Impression,
            EventKind::Response => Hook::Response,
            EventKind::Dismiss => Hook::Dismiss,
        };
        let hooks: Vec<Function> = app.hooks.iter().filter(|(h, _)| *h == hook).map(|(_, f)| f.clone()).collect();
        Some((event, app.collector.clone(), app.site.clone(), hooks))
    })
    .flatten() else {
        return;
    };
    call_hooks(&hooks, &event);
    transport::send(&collector, &site, vec![event]);
}

/// Runs the page's callbacks; one that throws is reported, not propagated.
fn call_hooks(hooks: &[Function], event: &Event) {
    if hooks.is_empty() {
        return;
    }
    let payload = HookPayload {
        id: &event.id,
        kind: event.kind.as_str(),
        survey: &event.survey,
        touchpoint: &event.touchpoint,
        metric: event.metric.as_str(),
        score: event.score,
        comment: event.comment.as_deref(),
    };
    let Ok(value) = serde_wasm_bindgen::to_value(&payload) else {
        return;
    };
    for f in hooks {
        if f.call1(&JsValue::NULL, &value).is_err() {
            warn("a touchpoint('on', ...) callback threw an exception");
        }
    }
}
