//! Outbox policy: bounds, batching, retry timing, answer classification.

use touchpoint_core::event::{Event, EventKind};
use touchpoint_core::outbox::{backoff_ms, classify, Outbox, Outcome, Queued, MAX_DELAY_MS, MAX_EVENTS};
use touchpoint_core::Metric;

fn ev(id: usize, kind: EventKind) -> Queued {
    Queued::from(&event(id, kind))
}

fn event(id: usize, kind: EventKind) -> Event {
    Event {
        id: format!("event-{id:08}"),
        kind,
        survey: "s".into(),
        touchpoint: "t".into(),
        metric: Metric::Nps,
        scale: None,
        score: (kind == EventKind::Response).then_some(9),
        comment: None,
        visitor: "visitor-1".into(),
        ts: 1,
        url: "https://x.example/".into(),
        locale: "en".into(),
        experiment: None,
        variant: None,
        attributes: Default::default(),
    }
}

#[test]
fn when_full_impressions_go_first_then_dismisses_and_responses_never() {
    let mut o = Outbox::default();
    o.push(ev(0, EventKind::Response));
    o.push(ev(1, EventKind::Dismiss));
    for i in 2..MAX_EVENTS + 10 {
        o.push(ev(i, EventKind::Impression));
    }
    assert_eq!(o.events.len(), MAX_EVENTS);
    assert_eq!(o.events[0].kind, EventKind::Response, "the response survived");
    assert_eq!(o.events[1].kind, EventKind::Dismiss, "dismisses outlive impressions");
    for i in 0..MAX_EVENTS + 5 {
        o.push(ev(1000 + i, EventKind::Response));
    }
    assert!(o.events.iter().all(|e| e.kind == EventKind::Response));
    assert_eq!(o.events.len(), MAX_EVENTS + 6, "responses are never dropped, even past the bound");
}

#[test]
fn a_comment_update_replaces_the_queued_score_only_response() {
    let mut o = Outbox::default();
    o.push(ev(1, EventKind::Response));
    let mut update = event(1, EventKind::Response);
    update.comment = Some("why".into());
    o.push(Queued::from(&update));
    assert_eq!(o.events, vec![Queued::from(&update)]);
    assert!(o.events[0].json.contains(r#""comment":"why""#));
}

#[test]
fn removing_sent_events_keeps_one_replaced_while_in_flight() {
    let mut o = Outbox::default();
    o.push(ev(1, EventKind::Response));
    o.push(ev(2, EventKind::Impression));
    let sent: Vec<Queued> = o.events.clone();
    let mut update = event(1, EventKind::Response);
    update.comment = Some("later".into());
    o.push(Queued::from(&update));
    o.remove(&sent);
    assert_eq!(o.events, vec![Queued::from(&update)], "the newer comment still has to go");
}

#[test]
fn batches_respect_count_and_byte_limits() {
    let mut o = Outbox::default();
    for i in 0..80 {
        let mut e = event(i, EventKind::Response);
        e.comment = Some("x".repeat(1900));
        o.push(Queued::from(&e));
    }
    let batch = o.next_batch("demo");
    assert!(batch.len() < 50 && batch.len() > 20, "{} events", batch.len());
    assert_eq!(batch, &o.events[..batch.len()], "oldest first");
    let body = touchpoint_core::wire::batch_of("demo", batch.iter().map(|e| e.json.as_str()));
    assert!(body.len() <= touchpoint_core::outbox::MAX_BATCH_BYTES);
    let next = touchpoint_core::wire::batch_of("demo", o.events[..batch.len() + 1].iter().map(|e| e.json.as_str()));
    assert!(next.len() > touchpoint_core::outbox::MAX_BATCH_BYTES, "one more would not fit");
    let small: Outbox = Outbox { events: (0..80).map(|i| ev(i, EventKind::Impression)).collect() };
    assert_eq!(small.next_batch("demo").len(), 50);
}

#[test]
fn answers_are_classified() {
    assert_eq!(classify(Some(202), vec![], None), Outcome::Delivered { rejected: vec![] });
    assert_eq!(classify(Some(202), vec![1], None), Outcome::Delivered { rejected: vec![1] });
    assert_eq!(classify(Some(400), vec![0, 1], None), Outcome::Delivered { rejected: vec![0, 1] });
    assert_eq!(classify(Some(429), vec![], Some(7)), Outcome::Retry { after_ms: Some(7000) });
    assert_eq!(classify(Some(503), vec![], None), Outcome::Retry { after_ms: None });
    assert_eq!(classify(None, vec![], None), Outcome::Retry { after_ms: None }, "network error");
    assert_eq!(classify(Some(403), vec![], None), Outcome::Refused);
    assert_eq!(classify(Some(413), vec![], None), Outcome::Refused);
}

#[test]
fn backoff_grows_with_jitter_caps_and_honours_retry_after() {
    assert_eq!(backoff_ms(0, None, 1.0), 1_000);
    assert_eq!(backoff_ms(3, None, 1.0), 8_000);
    assert_eq!(backoff_ms(3, None, 0.25), 2_000);
    assert_eq!(backoff_ms(30, None, 1.0), MAX_DELAY_MS);
    assert_eq!(backoff_ms(0, None, 0.0), 500, "never a hot loop");
    assert_eq!(backoff_ms(0, Some(30_000), 0.5), 30_000);
}
