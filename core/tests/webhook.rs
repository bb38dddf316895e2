//! Webhook signatures match an independent HMAC-SHA256 computation.

use touchpoint_core::webhook::signature;

#[test]
fn signature_is_hmac_sha256_of_timestamp_dot_body() {
    // Reference: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test_secret_0001'
    assert_eq!(
        signature("whsec_test_secret_0001", 1_700_000_000, "{\"a\":1}"),
        "v1=d72004e54ee49c45c689a8f382207df55ea68689e30b4461db3af3021b8a176e"
    );
}

#[test]
fn any_change_changes_the_signature() {
    let base = signature("secret-one-1234567", 10, "body");
    assert_ne!(base, signature("secret-two-1234567", 10, "body"));
    assert_ne!(base, signature("secret-one-1234567", 11, "body"));
    assert_ne!(base, signature("secret-one-1234567", 10, "bodY"));
}

#[test]
fn a_chat_message_has_a_line_per_answer_and_alert_with_visitor_text_escaped() {
    use touchpoint_core::alert::{Measure, Notice, Status};
    use touchpoint_core::{Event, Metric};
    let event = |metric: &str, scale: Option<u8>, score: Option<u8>, comment: Option<&str>| {
        let kind = if score.is_some() { "response" } else { "dismiss" };
        serde_json::from_value::<Event>(serde_json::json!({
            "id": "e1", "type": kind, "survey": "order-nps", "touchpoint": "order_confirmed", "metric": metric,
            "scale": scale, "score": score, "comment": comment, "visitor": "visitor-0001", "ts": 1,
            "url": "https://a.example/", "locale": "en"
        }))
        .unwrap()
    };
    let long = "slow ".repeat(100);
    let events = [
        event("nps", None, Some(3), Some("  <!channel> late & cold, see <https://evil.example|your order>  ")),
        event("ces", Some(5), Some(4), None),
        event("csat", None, Some(2), Some(&long)),
        event("nps", None, None, None),
    ];
    let drop = Notice {
        alert: "nps-drop".into(),
        survey: "order-nps".into(),
        metric: Metric::Nps,
        status: Status::Firing,
        measure: Measure::Score,
        score: 12.5,
        interval: None,
        responses: 24,
        impressions: 300,
        below: Some(30.0),
        above: None,
        recovery: 0.0,
        days: 7,
        at: 1,
    };
    let rate = Notice { alert: "rate".into(), measure: Measure::ResponseRate, score: 8.0, ..drop.clone() };
    let hard = Notice {
        alert: "hard".into(),
        survey: "help-ces".into(),
        metric: Metric::Ces,
        status: Status::Resolved,
        score: 3.9,
        below: None,
        above: Some(4.5),
        recovery: 0.3,
        ..drop.clone()
    };
    let band = Notice { alert: "band".into(), below: Some(0.0), above: Some(60.0), recovery: 5.0, ..drop.clone() };
    let gone = Notice {
        alert: "gone".into(),
        measure: Measure::Impressions,
        status: Status::Resolved,
        score: 12.0,
        impressions: 12,
        below: Some(1.0),
        days: 1,
        ..drop.clone()
    };
    let alerts = [drop, rate, gone, hard, band];
    let text = touchpoint_core::webhook::chat_text("demo", &events, &alerts);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "[demo] NPS 3/10 (detractor) · order-nps at order_confirmed: \
         “&lt;!channel&gt; late &amp; cold, see &lt;https://evil.example|your order&gt;”"
    );
    assert_eq!(lines[1], "[demo] CES 4/5 (hard) · order-nps at order_confirmed");
    assert!(lines[2].starts_with("[demo] CSAT 2/5 (low) · order-nps at order_confirmed: “slow slow"));
    assert!(lines[2].ends_with("slow…”"), "a long comment is cut: {}", lines[2]);
    let quoted = lines[2].split_once('“').unwrap().1;
    assert_eq!(quoted.chars().count(), 299 + 2, "300 characters, the space at the cut dropped, then …”");
    assert_eq!(lines[3], "[demo] dismiss · order-nps at order_confirmed");
    assert_eq!(
        lines[4],
        "[demo] 🚨 Alert nps-drop firing: order-nps NPS 12.5 over the last 7 days (24 answers; fires when below 30)"
    );
    assert_eq!(
        lines[5],
        "[demo] 🚨 Alert rate firing: order-nps response rate 8.0% over the last 7 days \
         (24 answers of 300 impressions; fires when below 30)"
    );
    assert_eq!(
        lines[6],
        "[demo] ✅ Alert gone resolved: order-nps shown 12 times over the last day (fires when below 1)"
    );
    assert_eq!(
        lines[7],
        "[demo] ✅ Alert hard resolved: help-ces CES 3.90 over the last 7 days (24 answers; fires when above 4.5, \
         resolves at 4.2 or less)"
    );
    assert!(
        lines[8].ends_with("(24 answers; fires when below 0 or above 60, resolves between 5 and 55)"),
        "{}",
        lines[8]
    );
    assert_eq!(lines.len(), 9);
}
