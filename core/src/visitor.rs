//! What the widget remembers about a visitor between pages, in one
//! localStorage value: visits, what each survey showed/was answered/was
//! dismissed and when, the latest prompt per priority (recontact wait), and
//! experiment assignments. No cookies.
//!
//! ## Stored format, version 1 (hand-written: no JSON (de)serializer in the wasm)
//! ```text
//! tp1;<first_seen_ms>;<visits>;<last_seen_ms>;<prompts>;<surveys>;<assignments>
//! prompts     = <ms>:<priority>,...            (priority may be negative)
//! surveys     = <id>:<shown>:<last_shown_ms>:<answered_ms>:<dismissed_ms>,...
//!               (answered/dismissed empty when never)
//! assignments = <experiment_id>:<variant_id>,...
//! ```
//! Ids are `[A-Za-z0-9_-]` (validated by the config), so they need no
//! escaping. Anything else, including another version, decodes to `None`
//! and the caller starts afresh; state is never half-read.

use crate::event::EventKind;
use crate::fatigue::{RecontactAfter, DAY_MS};
use crate::validate::is_id;
use crate::wire::{cut, parse_small, parse_uint, pieces, uint};

/// Idle time after which the next page starts a new visit: 30 minutes.
pub const VISIT_IDLE_MS: u64 = 30 * 60 * 1000;
/// Most surveys remembered; the least recently active are dropped.
pub const MAX_SURVEY_STATES: usize = 100;
/// Most experiment assignments remembered (oldest dropped).
pub const MAX_ASSIGNMENTS: usize = 50;
/// Most distinct priorities remembered for the recontact wait.
pub const MAX_PROMPTS: usize = 8;
const PREFIX: &str = "tp1";

/// One visitor's history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitorState {
    /// First page view (ms since the epoch; 0 before [`VisitorState::start_visit`]).
    pub first_seen_ms: u64,
    /// Visits so far, counting the current one.
    pub visits: u32,
    /// Latest page view or activity (ms).
    pub last_seen_ms: u64,
    /// Latest prompt that started a recontact wait, per priority: `(ms, priority)`.
    pub prompts: Vec<(u64, i32)>,
    pub surveys: Vec<SurveyState>,
    /// Sticky experiment assignments: `(experiment id, variant id)`.
    pub assignments: Vec<(String, String)>,
}

/// One survey's history with this visitor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyState {
    pub id: String,
    /// Impressions so far.
    pub shown: u32,
    /// Latest impression (ms; 0: never).
    pub last_shown_ms: u64,
    /// Latest answer (ms).
    pub answered_ms: Option<u64>,
    /// Latest dismissal (ms).
    pub dismissed_ms: Option<u64>,
}

impl SurveyState {
    fn last_active(&self) -> u64 {
        self.last_shown_ms.max(self.answered_ms.unwrap_or(0)).max(self.dismissed_ms.unwrap_or(0))
    }
}

impl VisitorState {
    /// Called on every page view: counts a new visit when this is the first
    /// page or the previous activity is more than 30 minutes old. Returns
    /// whether a visit started.
    pub fn start_visit(&mut self, now_ms: u64) -> bool {
        if self.first_seen_ms == 0 {
            self.first_seen_ms = now_ms;
        }
        let new = self.visits == 0 || now_ms.saturating_sub(self.last_seen_ms) > VISIT_IDLE_MS;
        if new {
            self.visits = self.visits.saturating_add(1);
        }
        self.last_seen_ms = self.last_seen_ms.max(now_ms);
        new
    }

    /// `"new"` during the first visit, `"returning"` after.
    pub fn visitor_type(&self) -> &'static str {
        if self.visits <= 1 {
            "new"
        } else {
            "returning"
        }
    }

    /// Whole days since the first visit (0 before any was counted, never
    /// the days since 1970).
    pub fn days_since_first_visit(&self, now_ms: u64) -> u64 {
        if self.first_seen_ms == 0 {
            return 0;
        }
        now_ms.saturating_sub(self.first_seen_ms) / DAY_MS
    }

    /// The history of survey `id`, if any.
    pub fn survey(&self, id: &str) -> Option<&SurveyState> {
        self.surveys.iter().find(|s| s.id == id)
    }

    /// The stored variant of experiment `id`, if any.
    pub fn assignment(&self, experiment: &str) -> Option<&str> {
        self.assignments.iter().find(|(e, _)| e == experiment).map(|(_, v)| v.as_str())
    }

    /// Remembers an assignment so it survives weight changes. Not for
    /// forced (preview) variants.
    pub fn set_assignment(&mut self, experiment: &str, variant: &str) {
        self.assignments.retain(|(e, _)| e != experiment);
        if self.assignments.len() >= MAX_ASSIGNMENTS {
            self.assignments.remove(0);
        }
        self.assignments.push((experiment.into(), variant.into()));
    }

    /// Records what happened to a prompt of `priority` at `now_ms`; starts
    /// the recontact wait when `kind` is what `recontact_after` counts.
    pub fn record(&mut self, survey_id: &str, kind: EventKind, now_ms: u64, priority: i32, after: RecontactAfter) {
        let s = self.survey_mut(survey_id);
        match kind {
            EventKind::Impression => {
                s.shown = s.shown.saturating_add(1);
                s.last_shown_ms = now_ms;
            }
            EventKind::Response => s.answered_ms = Some(now_ms),
            EventKind::Dismiss => s.dismissed_ms = Some(now_ms),
        }
        let starts_wait = matches!(
            (kind, after),
            (EventKind::Impression, RecontactAfter::Impression) | (EventKind::Response, RecontactAfter::Answer)
        );
        if starts_wait {
            self.prompts.retain(|(_, p)| *p != priority);
            if self.prompts.len() >= MAX_PROMPTS {
                if let Some(oldest) = (0..self.prompts.len()).min_by_key(|i| self.prompts[*i].0) {
                    self.prompts.remove(oldest);
                }
            }
            self.prompts.push((now_ms, priority));
        }
        self.last_seen_ms = self.last_seen_ms.max(now_ms);
    }

    fn survey_mut(&mut self, id: &str) -> &mut SurveyState {
        let index = match self.surveys.iter().position(|s| s.id == id) {
            Some(i) => i,
            None => {
                if self.surveys.len() >= MAX_SURVEY_STATES {
                    let oldest = (0..self.surveys.len()).min_by_key(|i| self.surveys[*i].last_active());
                    self.surveys.remove(oldest.unwrap_or(0));
                }
                self.surveys.push(SurveyState { id: id.into(), ..SurveyState::default() });
                self.surveys.len() - 1
            }
        };
        &mut self.surveys[index]
    }

    /// The stored form (see the module header).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + 48 * self.surveys.len());
        out.push_str(PREFIX);
        for n in [self.first_seen_ms, u64::from(self.visits), self.last_seen_ms] {
            out.push(';');
            uint(&mut out, n);
        }
        out.push(';');
        for (i, (ms, priority)) in self.prompts.iter().enumerate() {
            sep(&mut out, i);
            uint(&mut out, *ms);
            out.push(':');
            if *priority < 0 {
                out.push('-');
            }
            uint(&mut out, u64::from(priority.unsigned_abs()));
        }
        out.push(';');
        for (i, s) in self.surveys.iter().enumerate() {
            sep(&mut out, i);
            out.push_str(&s.id);
            for n in [Some(u64::from(s.shown)), Some(s.last_shown_ms), s.answered_ms, s.dismissed_ms] {
                out.push(':');
                if let Some(n) = n {
                    uint(&mut out, n);
                }
            }
        }
        out.push(';');
        for (i, (e, v)) in self.assignments.iter().enumerate() {
            sep(&mut out, i);
            out.push_str(e);
            out.push(':');
            out.push_str(v);
        }
        out
    }

    /// Reads [`VisitorState::encode`]'s output; `None` for anything else.
    pub fn decode(s: &str) -> Option<Self> {
        let mut parts = pieces(s, b';');
        if parts.next()? != PREFIX {
            return None;
        }
        let mut state = VisitorState {
            first_seen_ms: parse_uint(parts.next()?)?,
            visits: parse_small(parts.next()?)?,
            last_seen_ms: parse_uint(parts.next()?)?,
            ..VisitorState::default()
        };
        for p in items(parts.next()?) {
            let (ms, priority) = cut(p, b':')?;
            state.prompts.push((parse_uint(ms)?, signed(priority)?));
        }
        for item in items(parts.next()?) {
            let mut f = pieces(item, b':');
            let id = f.next().filter(|id| is_id(id))?;
            let shown = parse_small(f.next()?)?;
            let last_shown_ms = parse_uint(f.next()?)?;
            let answered_ms = optional(f.next()?)?;
            let dismissed_ms = optional(f.next()?)?;
            if f.next().is_some() {
                return None;
            }
            state.surveys.push(SurveyState { id: id.into(), shown, last_shown_ms, answered_ms, dismissed_ms });
        }
        for item in items(parts.next()?) {
            let (e, v) = cut(item, b':').filter(|(e, v)| is_id(e) && is_id(v))?;
            state.assignments.push((e.into(), v.into()));
        }
        let bounded = state.prompts.len() <= MAX_PROMPTS
            && state.surveys.len() <= MAX_SURVEY_STATES
            && state.assignments.len() <= MAX_ASSIGNMENTS;
        (parts.next().is_none() && bounded).then_some(state)
    }
}

fn sep(out: &mut String, i: usize) {
    if i > 0 {
        out.push(',');
    }
}

fn items(list: &str) -> impl Iterator<Item = &str> {
    pieces(list, b',').filter(|s| !s.is_empty())
}

/// `""` -> `Some(None)`, digits -> `Some(Some(n))`, else `None`.
fn optional(s: &str) -> Option<Option<u64>> {
    if s.is_empty() {
        Some(None)
    } else {
        parse_uint(s).map(Some)
    }
}

/// A priority as [`VisitorState::encode`] writes it: digits, maybe after `-`.
fn signed(s: &str) -> Option<i32> {
    match s.strip_prefix('-') {
        Some(digits) => parse_uint(digits).and_then(|n| i32::try_from(-i64::try_from(n).ok()?).ok()),
        None => parse_small(s),
    }
}
