//! Sampling and experiments: the specified hash, stickiness, weights, forced
//! variants, effective timing.

mod common;

use common::FakeRegex;
use serde_json::json;
use touchpoint_core::experiment::{
    bucket, effective_trigger, hash, sample_bucket, sample_threshold, EffectiveTrigger, Experiment, BUCKETS,
};
use touchpoint_core::theme::Position;
use touchpoint_core::trigger::Signal;
use touchpoint_core::Survey;

#[test]
fn the_hash_matches_the_documented_spec() {
    // Values computed independently (Python) from the module header's spec.
    assert_eq!(hash(&[""]), 0xefd0_1f60_ba99_2926);
    assert_eq!(hash(&["sample:v1:s1"]), 0xa07f_e74c_2464_5aa7);
    assert_eq!(bucket(&["sample:", "v1", ":", "s1"]), 810_407);
    assert_eq!(sample_bucket("v1", "s1"), 810_407);
    assert_eq!(bucket(&["experiment:v1:nps-timing"]), 618_803);
    assert_eq!(sample_bucket("0123456789abcdef0123456789abcdef", "post-checkout-nps"), 52_765);
}

#[test]
fn sampling_is_sticky_and_matches_the_rate() {
    assert_eq!(sample_threshold(1.0), BUCKETS);
    assert_eq!(sample_threshold(0.25), 250_000);
    assert_eq!(sample_threshold(0.0001), 100);
    let visitors: Vec<String> = (0..100_000).map(|i| format!("visitor-{i}")).collect();
    let first: Vec<u32> = visitors.iter().map(|v| sample_bucket(v, "nps")).collect();
    let again: Vec<u32> = visitors.iter().map(|v| sample_bucket(v, "nps")).collect();
    assert_eq!(first, again, "same input, same bucket");
    let inside = first.iter().filter(|b| **b < sample_threshold(0.25)).count();
    assert!((24_000..=26_000).contains(&inside), "25% sample took {inside}");
    // Another survey draws independently: about a quarter of those sampled in are in again.
    let both = visitors.iter().zip(&first).filter(|(v, b)| **b < 250_000 && sample_bucket(v, "csat") < 250_000).count();
    assert!((5_750..=6_750).contains(&both), "independent draws overlap {both}");
}

fn experiment(v: serde_json::Value) -> Experiment {
    serde_json::from_value(v).unwrap()
}

#[test]
fn weights_are_respected_over_100k_visitors_and_assignment_is_sticky() {
    let exp = experiment(json!({"id": "nps-timing", "variants": [
        {"id": "now", "weight": 45}, {"id": "after-4s", "weight": 45}, {"id": "holdout", "weight": 10, "holdout": true}
    ]}));
    let mut counts = [0u32; 3];
    for i in 0..100_000 {
        let v = format!("visitor-{i}");
        let a = exp.assign(&v, None);
        assert_eq!(a, exp.assign(&v, None));
        counts[a] += 1;
    }
    for (count, want) in counts.iter().zip([45_000, 45_000, 10_000]) {
        assert!(count.abs_diff(want) <= 1_000, "{counts:?}");
    }
    // Independent of sampling: the salt differs.
    let sampled_in_and_now = (0..100_000)
        .map(|i| format!("visitor-{i}"))
        .filter(|v| sample_bucket(v, "nps-timing") < 500_000 && exp.assign(v, None) == 0)
        .count();
    assert!(sampled_in_and_now.abs_diff(22_500) <= 800, "{sampled_in_and_now}");
}

#[test]
fn a_forced_variant_wins_only_when_it_names_this_experiment() {
    let exp = experiment(json!({"id": "e", "variants": [{"id": "a"}, {"id": "b", "weight": 0}]}));
    assert_eq!(exp.assign("anyone", None), 0, "weight 0 is never drawn");
    assert_eq!(exp.assign("anyone", Some(("e", "b"))), 1);
    assert_eq!(touchpoint_core::experiment::assign(&exp, "anyone", Some(("e", "b"))), 1);
    assert_eq!(exp.assign("anyone", Some(("other", "b"))), 0);
    assert_eq!(exp.assign("anyone", Some(("e", "zzz"))), 0);
}

fn survey(trigger: serde_json::Value, experiment: serde_json::Value) -> Survey {
    serde_json::from_value(json!({"id": "s", "metric": "nps", "touchpoint": "t", "trigger": trigger,
        "question": {"en": "Q"}, "experiment": experiment}))
    .unwrap()
}

#[test]
fn a_variant_overrides_timing_and_position() {
    let s = survey(
        json!({"event": "checkout_completed", "delay_seconds": 1}),
        json!({"id": "e", "variants": [
            {"id": "same"},
            {"id": "later", "delay_seconds": 4, "dwell_seconds": 20, "position": "center"},
            {"id": "exit", "trigger": {"exit_intent": true}},
        ]}),
    );
    let variants = &s.experiment.as_ref().unwrap().variants;
    let own = EffectiveTrigger { trigger: &s.trigger, delay_seconds: 1, dwell_seconds: None };
    assert_eq!(effective_trigger(&s, None), own);
    assert_eq!(effective_trigger(&s, Some(&variants[0])), own);
    let later = effective_trigger(&s, Some(&variants[1]));
    assert_eq!(later.trigger.event.as_deref(), Some("checkout_completed"));
    assert_eq!((later.delay_seconds, later.dwell_seconds), (4, Some(20)));
    assert_eq!(variants[1].position, Some(Position::Center));
    let exit = effective_trigger(&s, Some(&variants[2]));
    assert!(exit.trigger.exit_intent && exit.trigger.event.is_none() && exit.delay_seconds == 0);
    // The variant's dwell time is the one that fires, on the survey's own trigger.
    let re = FakeRegex;
    assert!(!own.fires(Signal::Dwell(60), &re), "the survey's own trigger has no dwell time");
    assert!(!later.fires(Signal::Dwell(19), &re) && later.fires(Signal::Dwell(20), &re));
    assert!(exit.fires(Signal::ExitIntent, &re) && !own.fires(Signal::ExitIntent, &re));
}

#[test]
fn experiment_validation_names_fields() {
    let mut errors = Vec::new();
    experiment(json!({"id": "bad id", "variants": [
        {"id": "a", "holdout": true},
        {"id": "a", "weight": 2000000, "holdout": true, "delay_seconds": 4000, "dwell_seconds": 0, "trigger": {}}
    ]}))
    .validate("surveys[0].experiment", &mut errors);
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "surveys[0].experiment.id",
            "surveys[0].experiment.variants",
            "surveys[0].experiment.variants[1].id",
            "surveys[0].experiment.variants[1].weight",
            "surveys[0].experiment.variants[1].trigger",
            "surveys[0].experiment.variants[1].delay_seconds",
            "surveys[0].experiment.variants[1].dwell_seconds",
        ]
    );
}
