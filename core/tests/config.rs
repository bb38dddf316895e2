//! Site configuration validation: every problem reported, each naming its field.

use serde_json::json;
use touchpoint_core::config::find_text;
use touchpoint_core::SiteConfig;

fn parse(v: serde_json::Value) -> SiteConfig {
    serde_json::from_value(v).unwrap()
}

fn nps(id: &str) -> serde_json::Value {
    json!({"id": id, "metric": "nps", "touchpoint": "checkout_completed",
           "trigger": {"event": "checkout_completed"},
           "question": {"en": "Recommend?", "fr": "Recommander ?"}, "follow_up": {"en": "Why?"}})
}

#[test]
fn a_valid_config_passes_and_its_public_view_hides_origins() {
    let c = parse(json!({"origins": ["https://shop.example", "http://127.0.0.1:8080"], "surveys": [nps("a")]}));
    assert_eq!(c.validate(), Ok(()));
    assert!(c.allows_origin("http://127.0.0.1:8080"));
    assert!(!c.allows_origin("http://127.0.0.1:8081"));
    let public = serde_json::to_value(c.public()).unwrap();
    assert!(public.get("origins").is_none());
    assert_eq!(public["surveys"][0]["id"], "a");
}

#[test]
fn the_served_theme_carries_its_css_and_a_site_cannot_write_its_own() {
    // A site's own `css` is ignored: only validated values reach the rule.
    let c = parse(json!({"surveys": [nps("a")],
        "theme": {"brand": "#0f766e", "radius": 40, "position": "center", "css": "}body{display:none"}}));
    assert_eq!(c.theme.css, None);
    let public = serde_json::to_value(c.public()).unwrap();
    assert_eq!(public["theme"]["css"], json!(c.theme.css()));
    let css = public["theme"]["css"].as_str().unwrap();
    assert!(css.starts_with(":host{--tp-brand:#0f766e;"), "{css}");
    assert!(
        !css.contains("radius") && !css.contains("display"),
        "out-of-range radius and the site's css left out: {css}"
    );
    assert_eq!(public["theme"]["position"], "center");
    // The colours, font and radius travel in the rule only.
    for field in ["brand", "radius"] {
        assert!(public["theme"].get(field).is_none(), "theme.{field} is served as css only");
        assert!(serde_json::to_value(&c).unwrap()["theme"].get(field).is_some(), "the stored theme keeps {field}");
    }
    // The stored configuration (what the dashboard edits) has none.
    assert!(serde_json::to_value(&c).unwrap()["theme"].get("css").is_none());
}

#[test]
fn a_survey_stage_is_kept_but_not_served_to_browsers() {
    let mut survey = nps("a");
    survey["stage"] = json!("purchase");
    let c = parse(json!({"surveys": [survey]}));
    assert_eq!(c.surveys[0].stage.as_deref(), Some("purchase"));
    let public = serde_json::to_value(c.public()).unwrap();
    assert!(public["surveys"][0].get("stage").is_none());
    assert_eq!(public["surveys"][0]["touchpoint"], "checkout_completed");
}

#[test]
fn an_origin_spelled_otherwise_than_browsers_send_it_is_refused_with_the_right_spelling() {
    let c = parse(json!({"origins": ["https://Shop.Example", "https://shop2.example:443", "http://127.0.0.1:80",
        "http://127.0.0.1:8080", "https://shop3.example:8443", "https://shop4.example:0443", "http://[::1]:80",
        "http://[::1]", "http://[::1]:8080", "https://shop5.example:"], "surveys": [nps("a")]}));
    let errors = c.validate().unwrap_err();
    let found: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.message.rsplit(' ').next().unwrap())).collect();
    assert_eq!(
        found,
        [
            ("origins[0]", "https://shop.example"),
            ("origins[1]", "https://shop2.example"),
            ("origins[2]", "http://127.0.0.1"),
            ("origins[5]", "https://shop4.example"),
            ("origins[6]", "http://[::1]"),
            ("origins[9]", "https://shop5.example"),
        ]
    );
}

#[test]
fn every_problem_is_reported_with_its_field() {
    let mut bad = nps("a");
    bad["question"] = json!({"fr": "Recommander ?"});
    let c = parse(json!({
        "version": 2,
        "origins": ["https://shop.example/path", "ftp://x"],
        "surveys": [nps("a"), bad, {"id": "c e s", "metric": "ces", "scale": 6, "touchpoint": "",
                    "trigger": {"event": "x"}, "question": {"en": "Easy?"}}]
    }));
    let fields: Vec<String> = c.validate().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "version",
            "origins[0]",
            "origins[1]",
            "surveys[1].id",
            "surveys[1].question.en",
            "surveys[2].id",
            "surveys[2].scale",
            "surveys[2].touchpoint"
        ]
    );
}

#[test]
fn unknown_fields_are_ignored_for_forward_compatibility() {
    let c = parse(json!({"surveys": [nps("a")], "future_field": {"x": 1}}));
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn texts_fall_back_from_region_to_language_to_default() {
    let c = parse(json!({"surveys": [nps("a")]}));
    let q = &c.surveys[0].question;
    assert_eq!(find_text(q, "fr-CA"), Some(("fr", "Recommander ?")));
    assert_eq!(find_text(q, "FR"), Some(("fr", "Recommander ?")));
    assert_eq!(find_text(q, "de"), None, "the caller decides whether to fall back or skip");
}

#[test]
fn theme_band_and_display_problems_are_reported() {
    let mut csat = nps("c");
    csat["metric"] = json!("csat");
    csat["display"] = json!("stars");
    csat["follow_up_by_band"] = json!({"low": {"en": "What went wrong?"}, "promoter": {"en": "x"}});
    let mut stars_nps = nps("n");
    stars_nps["display"] = json!("emoji");
    let c = parse(json!({
        "theme": {"brand": "red", "text": "#777", "background": "#888", "font": "x;}body{", "radius": 40},
        "surveys": [csat, stars_nps]
    }));
    let fields: Vec<String> = c.validate().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "theme.brand",
            "theme.font",
            "theme.radius",
            "theme.text",
            "surveys[0].follow_up_by_band.promoter",
            "surveys[1].display"
        ]
    );
}

#[test]
fn a_webhook_filter_admits_what_every_given_list_allows() {
    use touchpoint_core::config::Only;
    let hook: touchpoint_core::config::Webhook = serde_json::from_value(serde_json::json!({
        "url": "https://desk.example/hook", "secret": "s".repeat(16),
        "only": {"types": ["response"], "bands": ["detractor", "hard"], "with_comment": true}
    }))
    .unwrap();
    let event = |metric: &str, scale: Option<u8>, score: Option<u8>, comment: Option<&str>| {
        let kind = if score.is_some() { "response" } else { "impression" };
        serde_json::from_value::<touchpoint_core::Event>(serde_json::json!({
            "id": "e1", "type": kind, "survey": "s1", "touchpoint": "t", "metric": metric, "scale": scale,
            "score": score, "comment": comment, "visitor": "visitor-0001", "ts": 1, "url": "https://a.example/",
            "locale": "en"
        }))
        .unwrap()
    };
    assert!(hook.only.admits(&event("nps", None, Some(6), Some("slow"))));
    assert!(!hook.only.admits(&event("nps", None, Some(7), Some("ok"))), "a passive");
    assert!(!hook.only.admits(&event("nps", None, Some(0), None)), "no comment");
    assert!(!hook.only.admits(&event("nps", None, Some(0), Some("  "))), "a blank comment");
    assert!(!hook.only.admits(&event("nps", None, None, Some("x"))), "an impression has no band");
    // CES 4 is hard on 5 points, easy on 7.
    assert!(hook.only.admits(&event("ces", Some(5), Some(4), Some("why"))));
    assert!(!hook.only.admits(&event("ces", Some(7), Some(3), Some("why"))));
    assert!(Only::default().admits(&event("csat", None, None, None)), "no filter: everything");
    let typo = serde_json::from_value::<Only>(serde_json::json!({"band": ["detractor"]}));
    assert!(typo.is_err(), "an unknown key is refused");
    // Words: any of them in the comment, in any letter case.
    let words: Only =
        serde_json::from_value(serde_json::json!({"words": ["refund", " CASSÉ ", "not working"]})).unwrap();
    assert!(words.admits(&event("nps", None, Some(2), Some("I want a REFUND"))));
    assert!(words.admits(&event("csat", None, Some(1), Some("Écran cassé à l'arrivée"))));
    assert!(words.admits(&event("nps", None, Some(5), Some("Checkout NOT WORKING on phone"))));
    assert!(!words.admits(&event("nps", None, Some(5), Some("not really working"))), "a phrase as written");
    assert!(!words.admits(&event("nps", None, Some(9), None)), "no comment, no word");
    assert!(!words.admits(&event("nps", None, None, None)));
}

#[test]
fn webhook_words_are_checked() {
    let site = |words: serde_json::Value| {
        serde_json::from_value::<touchpoint_core::SiteConfig>(serde_json::json!({
            "webhooks": [{"url": "https://desk.example/hook", "secret": "s".repeat(16), "only": {"words": words}}]
        }))
        .unwrap()
    };
    assert_eq!(site(serde_json::json!(["refund"])).validate(), Ok(()));
    let fields = |words| site(words).validate().unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>();
    assert_eq!(
        fields(serde_json::json!(["ok", "  ", "x".repeat(101)])),
        ["webhooks[0].only.words[1]", "webhooks[0].only.words[2]"]
    );
    assert_eq!(fields(serde_json::json!(vec!["w"; 21])), ["webhooks[0].only.words"]);
}
