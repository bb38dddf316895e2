//! Threshold alerts: when one fires, and which configurations are refused
//! (each problem naming its field).

use serde_json::json;
use touchpoint_core::alert::{Alert, Figures, Measure, Notice, State, Status};
use touchpoint_core::config::Only;
use touchpoint_core::{Metric, SiteConfig};

fn site(alerts: serde_json::Value) -> SiteConfig {
    serde_json::from_value(json!({
        "surveys": [
            {"id": "order-nps", "metric": "nps", "touchpoint": "t", "trigger": {"event": "e"}, "question": {"en": "Q?"}},
            {"id": "help-ces", "metric": "ces", "scale": 5, "touchpoint": "t", "trigger": {"event": "e"},
             "question": {"en": "Q?"}}
        ],
        "alerts": alerts
    }))
    .unwrap()
}

fn alert(v: serde_json::Value) -> Alert {
    serde_json::from_value(v).unwrap()
}

#[test]
fn an_alert_fires_past_its_line_and_only_with_enough_answers() {
    let a = alert(json!({"id": "a", "survey": "order-nps", "below": 30, "min_responses": 10}));
    assert_eq!((a.days, a.min_responses), (7, 10), "a week by default");
    let score = |score: Option<f64>, responses: u64| Figures { score, responses, impressions: 100 };
    assert_eq!(a.judge(&score(Some(12.5), 10)), Some(State::Firing));
    assert_eq!(a.judge(&score(Some(30.0), 10)), Some(State::Ok), "on the line is not below it");
    assert_eq!(a.judge(&score(Some(-100.0), 9)), None, "nine answers decide nothing");
    assert_eq!(a.judge(&score(None, 50)), None);
    let band = alert(json!({"id": "b", "survey": "help-ces", "below": 1.5, "above": 3.5, "min_responses": 1}));
    assert_eq!(band.judge(&score(Some(3.6), 1)), Some(State::Firing), "too hard");
    assert_eq!(band.judge(&score(Some(1.4), 1)), Some(State::Firing));
    assert_eq!(band.judge(&score(Some(2.0), 1)), Some(State::Ok));
    assert_eq!(a.window_start(8 * 86_400_000), 86_400_000);
    assert_eq!(Status::from(State::Ok), Status::Resolved);
    assert_eq!(State::from(Status::Firing), State::Firing);
}

#[test]
fn a_firing_alert_resolves_only_past_its_recovery_margin() {
    let a = alert(json!({"id": "a", "survey": "order-nps", "below": 30, "recovery": 5, "min_responses": 1}));
    let score = |s: f64| Figures { score: Some(s), responses: 10, impressions: 10 };
    assert_eq!(a.judge(&score(29.9)), Some(State::Firing));
    assert_eq!(a.judge(&score(30.0)), None, "back on the line: the state stays as it was");
    assert_eq!(a.judge(&score(34.9)), None);
    assert_eq!(a.judge(&score(35.0)), Some(State::Ok));
    let band = alert(json!({"id": "b", "survey": "help-ces", "below": 1.5, "above": 3.5, "recovery": 0.5,
                            "min_responses": 1}));
    assert_eq!(band.recovered(), (Some(2.0), Some(3.0)));
    assert_eq!(band.judge(&score(3.6)), Some(State::Firing));
    assert_eq!(band.judge(&score(3.2)), None);
    assert_eq!(band.judge(&score(2.5)), Some(State::Ok));
    assert_eq!(band.judge(&score(1.8)), None);
    let c = site(json!([{"id": "b", "survey": "help-ces", "below": 1.5, "above": 3.5, "recovery": 1}]));
    assert_eq!(c.validate(), Ok(()), "resolving on one point between the lines is allowed");
    let plain = alert(json!({"id": "p", "survey": "order-nps", "below": 30}));
    assert_eq!(plain.recovery, 0.0);
    assert!(serde_json::to_value(&plain).unwrap().get("recovery").is_none());
}

#[test]
fn a_valid_alert_passes_and_stays_out_of_the_public_config() {
    let c = site(json!([{"id": "nps-drop", "survey": "order-nps", "below": 30},
                        {"id": "too-hard", "survey": "help-ces", "above": 3.5, "days": 30, "min_responses": 5}]));
    assert_eq!(c.validate(), Ok(()));
    let public = serde_json::to_value(c.public()).unwrap();
    assert!(public.get("alerts").is_none(), "thresholds are the team's business, not the visitor's");
}

#[test]
fn a_bad_alert_is_refused_naming_each_field() {
    let c = site(json!([
        {"id": "a", "survey": "nope", "below": 30},
        {"id": "b", "survey": "order-nps", "below": 130},
        {"id": "c", "survey": "help-ces", "above": 6},
        {"id": "d", "survey": "order-nps"},
        {"id": "e", "survey": "order-nps", "below": 50, "above": 10},
        {"id": "f", "survey": "order-nps", "below": 0, "days": 0, "min_responses": 0},
        {"id": "a", "survey": "order-nps", "below": 0},
        {"id": "no spaces", "survey": "order-nps", "below": 0},
        {"id": "g", "survey": "order-nps", "below": 0, "recovery": -1},
        {"id": "h", "survey": "help-ces", "below": 2, "above": 4, "recovery": 1.5}
    ]));
    let errors = c.validate().unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "alerts[0].survey",
            "alerts[1].below",
            "alerts[2].above",
            "alerts[3]",
            "alerts[4].below",
            "alerts[5].days",
            "alerts[5].min_responses",
            "alerts[6].id",
            "alerts[7].id",
            "alerts[8].recovery",
            "alerts[9].recovery"
        ]
    );
    assert!(errors[2].message.contains("1 to 5"), "a 5-point CES mean: {}", errors[2].message);
    let typo = serde_json::from_value::<Alert>(json!({"id": "a", "survey": "s", "bellow": 30}));
    assert!(typo.is_err(), "a misspelt threshold is refused, not ignored");
    let many = site(serde_json::Value::Array(
        (0..21).map(|i| json!({"id": format!("a{i}"), "survey": "order-nps", "below": 0})).collect(),
    ));
    assert_eq!(many.validate().unwrap_err()[0].field, "alerts");
}

#[test]
fn an_erasure_reaches_every_webhook_that_takes_events() {
    let only = |v: serde_json::Value| serde_json::from_value::<Only>(v).unwrap();
    assert!(Only::default().admits_erasure());
    assert!(only(json!({"types": ["response"], "bands": ["detractor"]})).admits_erasure(), "it may hold their answers");
    assert!(only(json!({"surveys": ["other"], "with_comment": true})).admits_erasure());
    assert!(only(json!({"types": ["alert", "dismiss"]})).admits_erasure());
    assert!(!only(json!({"types": ["alert"]})).admits_erasure(), "alerts carry no visitor");
}

#[test]
fn an_alert_reaches_unfiltered_webhooks_and_those_that_ask_for_alerts() {
    let notice = Notice {
        alert: "a".into(),
        survey: "order-nps".into(),
        metric: Metric::Nps,
        status: Status::Firing,
        measure: Measure::Score,
        score: 12.0,
        interval: Some((-5.0, 29.0)),
        responses: 25,
        impressions: 40,
        below: Some(30.0),
        above: None,
        recovery: 0.0,
        days: 7,
        at: 1,
    };
    let only = |v: serde_json::Value| serde_json::from_value::<Only>(v).unwrap();
    assert!(Only::default().admits_notice(&notice));
    assert!(only(json!({"types": ["alert"]})).admits_notice(&notice));
    assert!(only(json!({"types": ["alert"], "surveys": ["order-nps"]})).admits_notice(&notice));
    assert!(!only(json!({"types": ["alert"], "surveys": ["other"]})).admits_notice(&notice));
    assert!(!only(json!({"types": ["response"]})).admits_notice(&notice), "answers only");
    assert!(!only(json!({"bands": ["detractor"]})).admits_notice(&notice), "a filter on answers");
}

#[test]
fn response_rate_and_impressions_alerts() {
    let rate =
        alert(json!({"id": "r", "survey": "order-nps", "measure": "response_rate", "below": 10, "min_responses": 50}));
    assert_eq!(rate.measure, Measure::ResponseRate);
    let window = |responses: u64, impressions: u64| Figures { score: Some(50.0), responses, impressions };
    // 4 answers of 50 impressions: 8% < 10%.
    assert_eq!(rate.reading(&window(4, 50)), Some(8.0));
    assert_eq!(rate.judge(&window(4, 50)), Some(State::Firing));
    assert_eq!(rate.judge(&window(5, 50)), Some(State::Ok), "10% is on the line");
    assert_eq!(rate.judge(&window(0, 49)), None, "judged from min_responses impressions");
    let shown = alert(json!({"id": "s", "survey": "order-nps", "measure": "impressions", "below": 1, "days": 1}));
    assert_eq!(shown.judge(&window(0, 0)), Some(State::Firing), "a prompt that stopped showing, however few answers");
    assert_eq!(shown.judge(&window(0, 1)), Some(State::Ok));
    assert_eq!(shown.reading(&Figures::default()), Some(0.0));
    // A score alert leaves `measure` out of its JSON, as it was written.
    let score = alert(json!({"id": "a", "survey": "order-nps", "below": 30}));
    assert!(serde_json::to_value(&score).unwrap().get("measure").is_none());
    assert_eq!(serde_json::to_value(&rate).unwrap()["measure"], "response_rate");

    let c = site(json!([
        {"id": "a", "survey": "order-nps", "measure": "response_rate", "below": 120},
        {"id": "b", "survey": "order-nps", "measure": "impressions", "below": 0},
        {"id": "c", "survey": "order-nps", "measure": "impressions", "above": -1},
        {"id": "d", "survey": "help-ces", "measure": "response_rate", "below": 20},
        {"id": "e", "survey": "help-ces", "measure": "impressions", "below": 200, "days": 1}
    ]));
    let errors = c.validate().unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["alerts[0].below", "alerts[1].below", "alerts[2].above"]);
    assert!(errors[0].message.contains("response rate"), "{}", errors[0].message);
    assert!(errors[1].message.contains("1 or more"), "{}", errors[1].message);
    assert!(
        serde_json::from_value::<Alert>(json!({"id": "a", "survey": "s", "below": 1, "measure": "volume"})).is_err()
    );
}
