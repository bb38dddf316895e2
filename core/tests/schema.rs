//! The issue-4 configuration fields: a complete example that validates and
//! round-trips, and field-named errors for each new field.

use serde_json::json;
use touchpoint_core::fatigue::{Frequency, RecontactAfter};
use touchpoint_core::SiteConfig;

/// The README's complete example: every trigger, rule, fatigue setting and experiment.
pub fn full_example() -> serde_json::Value {
    json!({
      "version": 1,
      "default_locale": "en",
      "require_consent": false,
      "respect_gpc": true,
      "fatigue": {"recontact_days": 30, "recontact_after": "impression", "dismiss_cooldown_days": 14},
      "surveys": [
        {
          "id": "post-checkout-nps", "metric": "nps", "touchpoint": "checkout_completed", "stage": "purchase",
          "question": {"en": "How likely are you to recommend us to a friend or colleague?"},
          "trigger": {
            "event": "checkout_completed",
            "where": {"all": [{"key": "value", "op": "gte", "value": 20}, {"key": "currency", "op": "in", "value": ["EUR", "USD"]}]},
            "page": {"all": [{"key": "path", "op": "starts_with", "value": "/checkout"}]}
          },
          "target": {
            "all": [{"key": "language", "op": "in", "value": ["en", "de", "fr"]}, {"key": "plan", "op": "exists"}],
            "any": [{"key": "visitor_type", "op": "eq", "value": "returning"}, {"key": "visits", "op": "gte", "value": 2}],
            "none": [{"key": "email", "op": "ends_with", "value": "@shop.example"}]
          },
          "frequency": {"every_days": 90},
          "priority": 10,
          "sample_rate": 0.5,
          "experiment": {"id": "nps-timing", "variants": [
            {"id": "now", "weight": 45, "delay_seconds": 0},
            {"id": "after-4s", "weight": 45, "delay_seconds": 4},
            {"id": "control", "weight": 10, "holdout": true}
          ]}
        },
        {
          "id": "help-csat", "metric": "csat", "touchpoint": "help_article_read", "stage": "use",
          "question": {"en": "Did this article help?"},
          "trigger": {"page_view": true, "dwell_seconds": 10,
                      "page": {"any": [{"key": "path", "op": "starts_with", "value": "/help/"},
                                       {"key": "url", "op": "regex", "value": "[?&]faq=1"}],
                               "none": [{"key": "path", "op": "ends_with", "value": "/contact"}]}},
          "target": {"all": [{"key": "days_since_first_visit", "op": "lte", "value": 365}]},
          "frequency": {"max_times": 3}
        },
        {
          "id": "checkout-ces", "metric": "ces", "scale": 7, "touchpoint": "checkout_abandoned", "stage": "purchase",
          "question": {"en": "How easy was it to check out?"},
          "trigger": {"exit_intent": true, "page": {"all": [{"key": "path", "op": "eq", "value": "/checkout"}]}},
          "frequency": "once",
          "experiment": {"id": "ces-mobile", "variants": [
            {"id": "exit"},
            {"id": "scroll-or-idle", "trigger": {"scroll_percent": 60, "inactivity_seconds": 20,
              "page": {"all": [{"key": "path", "op": "eq", "value": "/checkout"}]}}, "position": "center"}
          ]},
          "target": {"all": [{"key": "device", "op": "ne", "value": "tablet"}]}
        },
        {
          "id": "pricing-click", "metric": "csat", "touchpoint": "pricing_viewed",
          "question": {"en": "Was the pricing clear?"},
          "trigger": {"click": "[data-plan] button", "delay_seconds": 2},
          "frequency": "until_answered",
          "priority": -1,
          "sample_rate": 0.1,
          "target": {"all": [{"key": "journey_stage", "op": "not_in", "value": ["loyalty"]},
                             {"key": "url", "op": "not_contains", "value": "utm_source=email"},
                             {"key": "path", "op": "not_regex", "value": "^/admin"},
                             {"key": "path", "op": "not_starts_with", "value": "/account"},
                             {"key": "path", "op": "not_ends_with", "value": ".pdf"},
                             {"key": "visits", "op": "lt", "value": 50},
                             {"key": "visits", "op": "gt", "value": 0},
                             {"key": "region", "op": "not_exists"},
                             {"key": "device", "op": "contains", "value": "top"}]}
        }
      ]
    })
}

#[test]
fn the_full_example_validates_and_round_trips() {
    let c: SiteConfig = serde_json::from_value(full_example()).unwrap();
    assert_eq!(c.validate(), Ok(()));
    assert_eq!(c.fatigue.recontact_after, RecontactAfter::Impression);
    assert_eq!(c.surveys[0].frequency, Frequency::EveryDays(90));
    assert_eq!(c.surveys[1].frequency, Frequency::MaxTimes(3));
    assert_eq!(c.surveys[2].frequency, Frequency::Once);
    assert_eq!(c.surveys[3].sample_rate, 0.1);
    let again: SiteConfig = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
    assert_eq!(again, c);
    assert_eq!(c.surveys_for_event("checkout_completed").count(), 1);
}

#[test]
fn defaults_keep_old_configs_unchanged() {
    let old = json!({"surveys": [{"id": "a", "metric": "nps", "touchpoint": "t", "trigger": {"event": "e"}, "question": {"en": "Q"}}]});
    let c: SiteConfig = serde_json::from_value(old.clone()).unwrap();
    let s = &c.surveys[0];
    assert_eq!((s.frequency, s.priority, s.sample_rate), (Frequency::UntilAnswered, 0, 1.0));
    assert!(s.target.is_empty() && s.experiment.is_none() && !c.require_consent && !c.respect_gpc);
    let mut written = serde_json::to_value(&c).unwrap();
    written.as_object_mut().unwrap().retain(|k, _| k == "surveys");
    assert_eq!(written, old, "no new field is written when it has its default");
}

#[test]
fn each_new_field_is_validated_by_name() {
    let c: SiteConfig = serde_json::from_value(json!({
        "fatigue": {"recontact_days": 4000, "dismiss_cooldown_days": 3651},
        "surveys": [{"id": "a", "metric": "nps", "touchpoint": "t", "question": {"en": "Q"},
                     "trigger": {"scroll_percent": 0},
                     "target": {"all": [{"key": "visits", "op": "gte"}]},
                     "frequency": {"max_times": 0},
                     "sample_rate": 0.00001,
                     "experiment": {"id": "e", "variants": []}}]
    }))
    .unwrap();
    let fields: Vec<String> = c.validate().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "fatigue.recontact_days",
            "fatigue.dismiss_cooldown_days",
            "surveys[0].trigger.scroll_percent",
            "surveys[0].target.all[0].value",
            "surveys[0].frequency",
            "surveys[0].sample_rate",
            "surveys[0].experiment.variants",
        ]
    );
    let wrong_type = serde_json::from_value::<SiteConfig>(json!({"surveys": [{"id": "a", "metric": "nps",
        "touchpoint": "t", "question": {"en": "Q"}, "trigger": {"event": "e"}, "frequency": "sometimes"}]}));
    assert!(wrong_type.unwrap_err().to_string().contains("sometimes"));
}
