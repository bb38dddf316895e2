//! Visitor state: visits, recording, bounds, the stored text format.

use touchpoint_core::fatigue::{RecontactAfter, DAY_MS};
use touchpoint_core::visitor::{SurveyState, VisitorState, MAX_SURVEY_STATES, VISIT_IDLE_MS};
use touchpoint_core::EventKind::{Dismiss, Impression, Response};

const T0: u64 = 1_750_000_000_000;

#[test]
fn visits_start_after_thirty_idle_minutes() {
    let mut s = VisitorState::default();
    assert!(s.start_visit(T0));
    assert_eq!((s.first_seen_ms, s.visits, s.visitor_type()), (T0, 1, "new"));
    assert!(!s.start_visit(T0 + VISIT_IDLE_MS), "exactly 30 min idle is the same visit");
    assert!(s.start_visit(T0 + 2 * VISIT_IDLE_MS + 1));
    assert_eq!((s.visits, s.visitor_type()), (2, "returning"));
    assert_eq!(s.days_since_first_visit(T0 + 3 * DAY_MS - 1), 2);
    assert_eq!(s.first_seen_ms, T0);
}

#[test]
fn recording_counts_impressions_answers_dismissals_and_starts_the_wait() {
    let mut s = VisitorState::default();
    s.record("nps", Impression, T0, 5, RecontactAfter::Impression);
    s.record("nps", Dismiss, T0 + 1, 5, RecontactAfter::Impression);
    s.record("nps", Impression, T0 + 2, 5, RecontactAfter::Impression);
    s.record("nps", Response, T0 + 3, 5, RecontactAfter::Impression);
    let nps = s.survey("nps").unwrap();
    assert_eq!(
        *nps,
        SurveyState {
            id: "nps".into(),
            shown: 2,
            last_shown_ms: T0 + 2,
            answered_ms: Some(T0 + 3),
            dismissed_ms: Some(T0 + 1)
        }
    );
    assert_eq!(s.prompts, [(T0 + 2, 5)], "one entry per priority, the latest");
    let mut by_answer = VisitorState::default();
    by_answer.record("csat", Impression, T0, 0, RecontactAfter::Answer);
    assert!(by_answer.prompts.is_empty());
    by_answer.record("csat", Response, T0 + 9, 0, RecontactAfter::Answer);
    assert_eq!(by_answer.prompts, [(T0 + 9, 0)]);
}

#[test]
fn state_stays_bounded() {
    let mut s = VisitorState::default();
    for i in 0..150u64 {
        s.record(&format!("s{i}"), Impression, T0 + i, i as i32, RecontactAfter::Impression);
        s.set_assignment(&format!("e{i}"), "a");
    }
    assert_eq!(s.surveys.len(), MAX_SURVEY_STATES);
    assert_eq!(s.surveys[0].id, "s50", "least recently active dropped first");
    assert!(s.survey("s149").is_some());
    assert_eq!(s.prompts.len(), 8);
    assert_eq!(s.assignments.len(), 50);
    assert_eq!(s.assignment("e149"), Some("a"));
    assert_eq!(s.assignment("e0"), None);
    assert_eq!(VisitorState::decode(&s.encode()), Some(s));
}

#[test]
fn encode_decode_round_trips() {
    let mut s = VisitorState::default();
    s.start_visit(T0);
    s.record("post-checkout-nps", Impression, T0 + 5, -3, RecontactAfter::Impression);
    s.record("post-checkout-nps", Response, T0 + 9, -3, RecontactAfter::Impression);
    s.record("help_csat", Dismiss, T0 + 11, 2, RecontactAfter::Impression);
    s.set_assignment("nps-timing", "after-4s");
    s.set_assignment("nps-timing", "now");
    let text = s.encode();
    assert_eq!(
        text,
        "tp1;1750000000000;1;1750000000011;1750000000005:-3;\
         post-checkout-nps:1:1750000000005:1750000000009:,help_csat:0:0::1750000000011;nps-timing:now"
    );
    assert_eq!(VisitorState::decode(&text), Some(s));
    let empty = VisitorState::default();
    assert_eq!(empty.encode(), "tp1;0;0;0;;;");
    assert_eq!(VisitorState::decode("tp1;0;0;0;;;"), Some(empty));
}

#[test]
fn corrupt_or_old_state_decodes_to_none() {
    let bad = [
        "",
        "garbage",
        "{\"visits\":3}",
        "tp0;1;1;1;;;",
        "tp2;1;1;1;;;",
        "tp1;1;1;1;;",
        "tp1;1;1;1;;;;",
        "tp1;x;1;1;;;",
        "tp1;-1;1;1;;;",
        "tp1;1;1;1;5;;",
        "tp1;1;1;1;5:1.5;;",
        "tp1;1;1;1;;bad id:1:1::;",
        "tp1;1;1;1;;s:1:1:;",
        "tp1;1;1;1;;s:1:1:::9;",
        "tp1;1;1;1;;s:1:1:x:;",
        "tp1;1;1;1;;;e",
        "tp1;1;1;1;;;e:bad variant",
        "tp1;99999999999999999999999;1;1;;;",
    ];
    for text in bad {
        assert_eq!(VisitorState::decode(text), None, "{text:?}");
    }
}

#[test]
fn extreme_priorities_and_counts_survive_the_codec() {
    let mut s = VisitorState::default();
    s.start_visit(T0);
    s.record("a", Impression, T0 + 1, i32::MIN, RecontactAfter::Impression);
    s.record("b", Impression, T0 + 2, i32::MAX, RecontactAfter::Impression);
    s.record("c", Impression, T0 + 3, 0, RecontactAfter::Impression);
    assert_eq!(VisitorState::decode(&s.encode()), Some(s.clone()));
    // A priority below i32::MIN or a sign where none belongs is corrupt.
    let encoded = s.encode();
    assert_eq!(VisitorState::decode(&encoded.replace("-2147483648", "-2147483649")), None);
    assert_eq!(VisitorState::decode(&encoded.replacen(";1;", ";+1;", 1)), None);
}
