//! The decision with a fake clock: privacy, page rules, targeting, sampling,
//! holdout, frequency, cool-down, recontact, priority and starvation, `show`.

use serde_json::json;
use touchpoint_core::decide::{choose, eligible, show, triggered, Context, Plan, Reason};
use touchpoint_core::fatigue::{RecontactAfter, DAY_MS};
use touchpoint_core::rule::Value;
use touchpoint_core::theme::Position;
use touchpoint_core::trigger::Signal;
use touchpoint_core::visitor::VisitorState;
use touchpoint_core::EventKind::{Dismiss, Impression, Response};
use touchpoint_core::SiteConfig;

mod common;
use common::FakeRegex;

const T0: u64 = 1_750_000_000_000;
const VISITOR: &str = "0123456789abcdef0123456789abcdef";

fn survey(id: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut s =
        json!({"id": id, "metric": "nps", "touchpoint": "t", "trigger": {"event": "go"}, "question": {"en": "Q"}});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

fn config(fatigue: serde_json::Value, surveys: Vec<serde_json::Value>) -> SiteConfig {
    let c: SiteConfig = serde_json::from_value(json!({"fatigue": fatigue, "surveys": surveys})).unwrap();
    assert_eq!(c.validate(), Ok(()));
    c
}

fn attrs(key: &str) -> Option<Value> {
    match key {
        "journey_stage" => Some(Value::Str("purchase".into())),
        "device" => Some(Value::Str("spoofed".into())),
        _ => None,
    }
}

fn ctx(now_ms: u64) -> Context<'static> {
    Context {
        now_ms,
        device: "desktop",
        language: "en",
        path: "/checkout/done",
        url: "https://shop.example/checkout/done",
        attrs: &attrs,
        on_screen: false,
        shown_this_page: false,
        forced_variant: None,
        consent: None,
        gpc: false,
    }
}

fn visitor() -> VisitorState {
    let mut s = VisitorState::default();
    s.start_visit(T0);
    s
}

fn why(c: &SiteConfig, s: &VisitorState, i: usize, cx: &Context<'_>) -> String {
    match eligible(c, s, VISITOR, i, cx, &FakeRegex) {
        Ok(_) => "eligible".into(),
        Err(r) => r.describe(),
    }
}

#[test]
fn each_check_names_its_reason() {
    let c = config(
        json!({}),
        vec![
            survey("plain", json!({})),
            survey(
                "help",
                json!({"trigger": {"page_view": true, "page": {"all": [{"key": "path", "op": "starts_with", "value": "/help"}]}}}),
            ),
            survey("mobile", json!({"target": {"all": [{"key": "device", "op": "eq", "value": "mobile"}]}})),
            survey("rare", json!({"sample_rate": 0.0001})),
            survey(
                "ab",
                json!({"experiment": {"id": "nps-timing", "variants": [{"id": "now"}, {"id": "control", "holdout": true}]}}),
            ),
            survey(
                "stage",
                json!({"target": {"all": [
                    {"key": "journey_stage", "op": "eq", "value": "purchase"},
                    {"key": "visitor_type", "op": "eq", "value": "new"},
                    {"key": "visits", "op": "eq", "value": 1},
                    {"key": "days_since_first_visit", "op": "lt", "value": 1},
                    {"key": "language", "op": "in", "value": ["en", "de"]},
                    {"key": "url", "op": "regex", "value": "^https://shop.example/"}
                ]}}),
            ),
        ],
    );
    let s = visitor();
    let now = ctx(T0);
    assert_eq!(why(&c, &s, 0, &now), "eligible");
    assert_eq!(
        why(&c, &s, 1, &now),
        "page: trigger.page.all[0]: path starts_with \"/help\" is false (path = /checkout/done)"
    );
    assert_eq!(
        why(&c, &s, 2, &now),
        "targeting: target.all[0]: device eq \"mobile\" is false (device = desktop)",
        "built-in keys win over custom attributes"
    );
    assert_eq!(why(&c, &s, 2, &Context { device: "mobile", ..ctx(T0) }), "eligible");
    let bucket = touchpoint_core::experiment::sample_bucket(VISITOR, "rare");
    assert_eq!(why(&c, &s, 3, &now), format!("sampled out: bucket {bucket} >= 100"));
    let forced = Context { forced_variant: Some(("nps-timing", "control")), ..ctx(T0) };
    assert_eq!(why(&c, &s, 4, &forced), "experiment nps-timing: holdout (variant control)");
    assert_eq!(why(&c, &s, 5, &now), "eligible");
    assert_eq!(why(&c, &s, 9, &now), "no such survey");
    assert_eq!(why(&c, &s, 0, &Context { on_screen: true, ..ctx(T0) }), "another prompt is on screen");
    assert_eq!(why(&c, &s, 0, &Context { shown_this_page: true, ..ctx(T0) }), "already asked this page view");
    let mut returning = s.clone();
    returning.start_visit(T0 + DAY_MS);
    assert_eq!(
        why(&c, &returning, 5, &ctx(T0 + DAY_MS)),
        "targeting: target.all[1]: visitor_type eq \"new\" is false (visitor_type = returning)"
    );
}

#[test]
fn consent_and_gpc() {
    let mut c = config(json!({}), vec![survey("a", json!({}))]);
    let s = visitor();
    let with = |consent, gpc| Context { consent, gpc, ..ctx(T0) };
    let no_consent = "no consent: touchpoint('consent', true) not called, or refused";
    assert_eq!(why(&c, &s, 0, &with(None, true)), "eligible", "GPC ignored unless respect_gpc");
    assert_eq!(why(&c, &s, 0, &with(Some(false), false)), no_consent);
    c.require_consent = true;
    assert_eq!(why(&c, &s, 0, &with(None, false)), no_consent);
    assert_eq!(why(&c, &s, 0, &with(Some(true), false)), "eligible");
    c.respect_gpc = true;
    let gpc = "Global Privacy Control / Do Not Track is on and the site respects it";
    assert_eq!(why(&c, &s, 0, &with(Some(true), true)), gpc);
    assert_eq!(show(&c, &s, VISITOR, 0, &with(Some(true), true)), Err(Reason::Gpc));
}

#[test]
fn recontact_counts_impressions_or_answers() {
    for (after, answered, blocked) in [
        (RecontactAfter::Impression, false, true),
        (RecontactAfter::Impression, true, true),
        (RecontactAfter::Answer, false, false),
        (RecontactAfter::Answer, true, true),
    ] {
        let c = config(
            json!({"recontact_days": 14, "recontact_after": after}),
            vec![survey("a", json!({})), survey("b", json!({}))],
        );
        let mut s = visitor();
        s.record("a", Impression, T0, 0, after);
        if answered {
            s.record("a", Response, T0 + 1000, 0, after);
        }
        let until = if answered && after == RecontactAfter::Answer { T0 + 1000 } else { T0 } + 14 * DAY_MS;
        let day13 = why(&c, &s, 1, &ctx(T0 + 13 * DAY_MS));
        let want = if blocked { format!("recontact wait until {until}") } else { "eligible".into() };
        assert_eq!(day13, want, "{after:?} answered={answered}");
        assert_eq!(why(&c, &s, 1, &ctx(until)), "eligible");
    }
}

#[test]
fn dismiss_cooldown_applies_to_the_dismissed_survey() {
    let c = config(json!({"dismiss_cooldown_days": 7}), vec![survey("a", json!({})), survey("b", json!({}))]);
    let mut s = visitor();
    s.record("a", Impression, T0, 0, RecontactAfter::Impression);
    s.record("a", Dismiss, T0 + 5, 0, RecontactAfter::Impression);
    assert_eq!(why(&c, &s, 0, &ctx(T0 + DAY_MS)), format!("dismissed: cool-down until {}", T0 + 5 + 7 * DAY_MS));
    assert_eq!(why(&c, &s, 1, &ctx(T0 + DAY_MS)), "eligible");
    assert_eq!(why(&c, &s, 0, &ctx(T0 + 5 + 7 * DAY_MS)), "eligible");
}

#[test]
fn frequencies() {
    let c = config(
        json!({}),
        vec![
            survey("once", json!({"frequency": "once"})),
            survey("until", json!({})),
            survey("max2", json!({"frequency": {"max_times": 2}})),
            survey("quarterly", json!({"frequency": {"every_days": 90}})),
        ],
    );
    let shown = |times: u32, answered: bool| {
        let mut s = visitor();
        for id in ["once", "until", "max2", "quarterly"] {
            for t in 0..times {
                s.record(id, Impression, T0 + u64::from(t), 0, RecontactAfter::Impression);
            }
            if answered {
                s.record(id, Response, T0 + 100, 0, RecontactAfter::Impression);
            }
        }
        s
    };
    let later = ctx(T0 + DAY_MS);
    let after_quarter = ctx(T0 + 91 * DAY_MS);
    #[rustfmt::skip]
    let table = [
        // (times shown, answered, survey, clock, expected)
        (1, false, 0, &later, format!("frequency once: shown on {T0}")),
        (0, false, 0, &later, "eligible".to_string()),
        (1, false, 1, &later, "eligible".to_string()),
        (1, true, 1, &later, format!("frequency: answered on {}", T0 + 100)),
        (1, false, 2, &later, "eligible".to_string()),
        (2, false, 2, &later, "frequency max_times: shown 2 times".to_string()),
        (1, true, 2, &later, format!("frequency: answered on {}", T0 + 100)),
        (1, true, 3, &later, format!("frequency every_days: not due until {}", T0 + 90 * DAY_MS)),
        (1, true, 3, &after_quarter, "eligible".to_string()),
    ];
    for (times, answered, index, clock, want) in table {
        assert_eq!(why(&c, &shown(times, answered), index, clock), want, "{times} {answered} {index}");
    }
}

fn starvation_config() -> SiteConfig {
    config(
        json!({"recontact_days": 30}),
        vec![
            survey("help-csat", json!({"priority": 0})),
            survey("quarterly-nps", json!({"priority": 10, "frequency": {"every_days": 90}})),
            survey("checkout-ces", json!({"priority": 0})),
        ],
    )
}

#[test]
fn the_highest_priority_wins_and_a_rare_survey_is_not_starved() {
    let c = starvation_config();
    let mut s = visitor();
    let (plan, rejected) = choose(&c, &s, VISITOR, &[0, 1, 2], &ctx(T0), &FakeRegex);
    assert_eq!(plan.map(|p| p.survey), Some(1));
    assert_eq!(rejected.len(), 2);
    assert!(rejected.iter().all(|(_, r)| r.describe() == "outranked by quarterly-nps"));
    // The frequent low-priority survey is shown first...
    s.record("help-csat", Impression, T0, 0, RecontactAfter::Impression);
    // ...and does not hold back the quarterly NPS the next day,
    let (plan, _) = choose(&c, &s, VISITOR, &[0, 1, 2], &ctx(T0 + DAY_MS), &FakeRegex);
    assert_eq!(plan.map(|p| p.survey), Some(1));
    // but it does hold back its peers.
    assert_eq!(why(&c, &s, 2, &ctx(T0 + DAY_MS)), format!("recontact wait until {}", T0 + 30 * DAY_MS));
    // After the NPS, the wait covers everyone at or below its priority,
    s.record("quarterly-nps", Impression, T0 + DAY_MS, 10, RecontactAfter::Impression);
    let nps_until = T0 + 31 * DAY_MS;
    assert_eq!(why(&c, &s, 2, &ctx(T0 + 30 * DAY_MS)), format!("recontact wait until {nps_until}"));
    // and a low-priority prompt forced through show() does not shorten it.
    s.record("checkout-ces", Impression, T0 + 2 * DAY_MS, 0, RecontactAfter::Impression);
    assert_eq!(why(&c, &s, 1, &ctx(T0 + 92 * DAY_MS)), "eligible");
    let (none, rejected) = choose(&c, &s, VISITOR, &[0, 2], &ctx(nps_until), &FakeRegex);
    assert_eq!(none, None);
    assert_eq!(rejected[0].1, Reason::Recontact { until_ms: T0 + 32 * DAY_MS });
}

#[test]
fn ties_go_to_the_longest_overdue_then_config_order() {
    let c = config(json!({}), vec![survey("a", json!({})), survey("b", json!({})), survey("c", json!({}))]);
    let mut s = visitor();
    let pick = |s: &VisitorState| choose(&c, s, VISITOR, &[0, 1, 2], &ctx(T0 + DAY_MS), &FakeRegex).0.map(|p| p.survey);
    assert_eq!(pick(&s), Some(0), "config order");
    s.record("a", Impression, T0 + 10, 0, RecontactAfter::Impression);
    assert_eq!(pick(&s), Some(1), "never shown is due since forever");
    s.record("b", Impression, T0 + 5, 0, RecontactAfter::Impression);
    s.record("c", Impression, T0 + 1, 0, RecontactAfter::Impression);
    assert_eq!(pick(&s), Some(2), "shown longest ago");
}

#[test]
fn variants_give_the_plan_its_timing_and_stay_sticky() {
    let c = config(
        json!({}),
        vec![survey(
            "nps",
            json!({"trigger": {"event": "checkout_completed", "delay_seconds": 1},
                   "experiment": {"id": "nps-timing", "variants": [
                       {"id": "now", "delay_seconds": 0},
                       {"id": "after-4s", "delay_seconds": 4, "position": "center"}]}}),
        )],
    );
    let mut s = visitor();
    let forced = Context { forced_variant: Some(("nps-timing", "after-4s")), ..ctx(T0) };
    let plan = eligible(&c, &s, VISITOR, 0, &forced, &FakeRegex).unwrap();
    assert_eq!(plan, Plan { survey: 0, variant: Some(1), delay_ms: 4000, position: Some(Position::Center) });
    assert_eq!(plan.experiment(&c), Some(("nps-timing", "after-4s")));
    // A stored assignment wins over the hash, so weight changes do not move visitors.
    for variant in ["now", "after-4s"] {
        s.set_assignment("nps-timing", variant);
        let plan = eligible(&c, &s, VISITOR, 0, &ctx(T0), &FakeRegex).unwrap();
        assert_eq!(plan.experiment(&c).map(|e| e.1), Some(variant));
    }
    // A stored variant that no longer exists falls back to the hash.
    s.set_assignment("nps-timing", "gone");
    let plan = eligible(&c, &s, VISITOR, 0, &ctx(T0), &FakeRegex).unwrap();
    assert_eq!(plan.variant, Some(c.surveys[0].experiment.as_ref().unwrap().assign(VISITOR, None)));
}

#[test]
fn show_bypasses_everything_but_consent_and_the_prompt_on_screen() {
    let c = config(
        json!({"recontact_days": 30, "dismiss_cooldown_days": 30}),
        vec![survey(
            "a",
            json!({"frequency": "once", "sample_rate": 0.0001,
                   "trigger": {"event": "go", "delay_seconds": 9, "page": {"all": [{"key": "path", "op": "eq", "value": "/x"}]}},
                   "target": {"all": [{"key": "plan", "op": "exists"}]},
                   "experiment": {"id": "e", "variants": [{"id": "hold", "holdout": true}, {"id": "b"}]}}),
        )],
    );
    let mut s = visitor();
    s.record("a", Impression, T0, 0, RecontactAfter::Impression);
    s.record("a", Dismiss, T0, 0, RecontactAfter::Impression);
    s.set_assignment("e", "hold");
    let cx = Context { shown_this_page: true, ..ctx(T0 + 1) };
    assert!(eligible(&c, &s, VISITOR, 0, &cx, &FakeRegex).is_err());
    let plan = show(&c, &s, VISITOR, 0, &cx).unwrap();
    assert_eq!((plan.survey, plan.delay_ms, plan.variant), (0, 0, Some(0)));
    assert_eq!(show(&c, &s, VISITOR, 0, &Context { on_screen: true, ..ctx(T0) }), Err(Reason::OnScreen));
    assert_eq!(show(&c, &s, VISITOR, 1, &cx), Err(Reason::NoSurvey));
}

#[test]
fn triggered_lists_the_surveys_whose_variant_trigger_waits_for_the_signal() {
    let c = config(
        json!({}),
        vec![
            survey("a", json!({})),
            survey(
                "b",
                json!({"trigger": {"exit_intent": true},
                "experiment": {"id": "e", "variants": [{"id": "exit"}, {"id": "event", "trigger": {"event": "go"}}]}}),
            ),
            survey("c", json!({"trigger": {"event": "other"}})),
        ],
    );
    let s = visitor();
    let no_props = |_: &str| None;
    let go = Signal::Event { name: "go", props: &no_props };
    assert_eq!(triggered(&c, &s, VISITOR, Some(("e", "exit")), go, &FakeRegex), [0]);
    assert_eq!(triggered(&c, &s, VISITOR, Some(("e", "event")), go, &FakeRegex), [0, 1]);
    assert_eq!(triggered(&c, &s, VISITOR, Some(("e", "exit")), Signal::ExitIntent, &FakeRegex), [1]);
    assert!(triggered(&c, &s, VISITOR, None, Signal::PageView, &FakeRegex).is_empty());
}
