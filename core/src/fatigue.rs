//! Don't pester: how often a visitor may be asked, site-wide and per survey.
//!
//! - **Recontact wait** (site, `fatigue.recontact_days`): after a prompt is
//!   shown (`recontact_after: "impression"`, the default) or answered
//!   (`"answer"`), no other prompt for that many days.
//! - **Starvation rule**: the wait started by a prompt of priority `p`
//!   blocks only surveys of priority `<= p`. A rarely due, high-priority
//!   survey (a quarterly NPS at priority 10) is therefore never starved by
//!   frequent low-priority ones (a help-page CSAT at 0): it may appear the
//!   day after the CSAT, and after it the CSAT waits the full period. The
//!   visitor state keeps the latest prompt time per priority
//!   (`VisitorState::prompts`) so a low-priority prompt shown through
//!   `touchpoint('show')` never shortens the wait of a higher one.
//! - **Order among eligible surveys** at the same moment: highest `priority`
//!   first, then the one longest overdue ([`Frequency::due_since`]: never
//!   shown = due since forever; `every_days` = last shown + n days; others =
//!   last shown), then config order.
//! - **Dismiss cool-down** (site, `fatigue.dismiss_cooldown_days`): a
//!   dismissed survey is not shown again for that many days (per survey;
//!   the recontact wait already spaces out the others).
//! - **Frequency** (per survey, default `until_answered`): see [`Frequency`].

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::visitor::SurveyState;

/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;
/// Longest configurable wait, days (about ten years).
pub const MAX_DAYS: u32 = 3650;

/// Site-wide fatigue settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fatigue {
    /// Days without prompts after one (0: no wait).
    #[serde(default)]
    pub recontact_days: u32,
    /// What starts the wait.
    #[serde(default)]
    pub recontact_after: RecontactAfter,
    /// Days before a dismissed survey may be shown again (0: no cool-down).
    #[serde(default)]
    pub dismiss_cooldown_days: u32,
}

/// What starts the recontact wait.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecontactAfter {
    /// Any prompt shown (answered, dismissed or ignored).
    #[default]
    Impression,
    /// Only answered prompts.
    Answer,
}

/// How often one survey may ask the same visitor. JSON: `"once"`,
/// `"until_answered"`, `{"max_times": n}`, `{"every_days": n}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Shown at most once, answered or not.
    Once,
    /// Shown again (subject to the waits) until answered, then never.
    #[default]
    UntilAnswered,
    /// Shown at most n times, and never after an answer.
    MaxTimes(u32),
    /// Asked again n days after it was last shown, answered or not
    /// (a quarterly relationship NPS: 90).
    EveryDays(u32),
}

/// Why a survey's frequency forbids it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spent {
    /// `once`: shown at (ms).
    Once { shown_ms: u64 },
    /// `until_answered` or `max_times`: answered at (ms).
    Answered { answered_ms: u64 },
    /// `max_times`: shown that many times already.
    MaxTimes { shown: u32 },
    /// `every_days`: not due before (ms).
    NotDue { until_ms: u64 },
}

impl Frequency {
    /// `Ok` when this survey may be shown at `now_ms` given its history.
    pub fn allows(self, s: Option<&SurveyState>, now_ms: u64) -> Result<(), Spent> {
        let Some(s) = s.filter(|s| s.shown > 0 || s.answered_ms.is_some()) else {
            return Ok(());
        };
        match (self, s.answered_ms) {
            (Frequency::Once, _) if s.shown > 0 => Err(Spent::Once { shown_ms: s.last_shown_ms }),
            (Frequency::Once | Frequency::UntilAnswered | Frequency::MaxTimes(_), Some(answered_ms)) => {
                Err(Spent::Answered { answered_ms })
            }
            (Frequency::MaxTimes(n), None) if s.shown >= n => Err(Spent::MaxTimes { shown: s.shown }),
            (Frequency::EveryDays(n), _) if s.shown > 0 => {
                let until_ms = s.last_shown_ms.saturating_add(u64::from(n) * DAY_MS);
                if now_ms < until_ms {
                    Err(Spent::NotDue { until_ms })
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// Since when the survey has been due (ms; 0 = never shown), for
    /// ordering: the smaller, the longer overdue.
    pub fn due_since(self, s: Option<&SurveyState>) -> u64 {
        match (self, s.filter(|s| s.shown > 0)) {
            (_, None) => 0,
            (Frequency::EveryDays(n), Some(s)) => s.last_shown_ms.saturating_add(u64::from(n) * DAY_MS),
            (_, Some(s)) => s.last_shown_ms,
        }
    }

    /// Checks the value; `field` names it (`surveys[0].frequency`).
    pub fn validate(self, field: &str, errors: &mut Vec<FieldError>) {
        let bad = match self {
            Frequency::MaxTimes(n) => !(1..=1000).contains(&n),
            Frequency::EveryDays(n) => !(1..=MAX_DAYS).contains(&n),
            _ => false,
        };
        if bad {
            errors.push(FieldError::new(ErrorCode::InvalidValue, field, "max_times 1-1000, every_days 1-3650"));
        }
    }
}

impl Fatigue {
    /// When the dismiss cool-down of a survey dismissed at `dismissed_ms` ends.
    pub fn cooldown_until(&self, dismissed_ms: u64) -> u64 {
        dismissed_ms.saturating_add(u64::from(self.dismiss_cooldown_days) * DAY_MS)
    }

    /// When the recontact wait for a survey of `priority` ends, given the
    /// latest prompt per priority `(ms, priority)`; `None`: no wait.
    pub fn recontact_until(&self, prompts: &[(u64, i32)], priority: i32) -> Option<u64> {
        if self.recontact_days == 0 {
            return None;
        }
        let wait = u64::from(self.recontact_days) * DAY_MS;
        prompts.iter().filter(|(_, p)| *p >= priority).map(|(ms, _)| ms.saturating_add(wait)).max()
    }

    /// Checks every field, named under `fatigue.`.
    pub fn validate(&self, errors: &mut Vec<FieldError>) {
        for (field, days) in [
            ("fatigue.recontact_days", self.recontact_days),
            ("fatigue.dismiss_cooldown_days", self.dismiss_cooldown_days),
        ] {
            if days > MAX_DAYS {
                errors.push(FieldError::new(ErrorCode::OutOfRange, field, "0-3650 days"));
            }
        }
    }
}
