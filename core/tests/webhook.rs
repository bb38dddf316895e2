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
fn a_queued_message_counts_what_the_queue_counts_json_utf8() {
    use touchpoint_core::webhook::queued_size;
    // Deliveries are JSON texts: Chinese (three bytes each), escaped quotes
    // and backslashes, emoji, and escaped control characters.
    let comment = format!("{}{}\\ 😀 \n\t", "送货很快".repeat(50), "\"".repeat(30));
    let delivery = serde_json::json!({"site": "s", "url": "https://hooks.example/x", "events": [{"comment": comment}]});
    let text = delivery.to_string();
    assert_eq!(queued_size(&text), serde_json::to_string(&text).unwrap().len());
    assert!(queued_size(&text) > 2 * text.chars().count(), "more than the UTF-16 estimate for this text");
}

#[test]
fn batches_keep_order_and_stay_within_the_queue_limits() {
    use touchpoint_core::webhook::{batches, queued_size, MAX_BATCH_BYTES, MAX_BATCH_MESSAGES};
    // 60 KB messages of Chinese: three fit a batch, not four.
    let big: Vec<String> = (0..10).map(|i| format!("{i}{}", "满".repeat(20_000))).collect();
    let grouped = batches(big.clone());
    assert_eq!(grouped.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 3, 1]);
    assert_eq!(grouped.concat(), big);
    // Many small ones: at most 100 a batch.
    let small: Vec<String> = (0..250).map(|i| i.to_string()).collect();
    assert_eq!(batches(small).iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
    for batch in grouped {
        assert!(
            batch.len() <= MAX_BATCH_MESSAGES && batch.iter().map(|m| queued_size(m)).sum::<usize>() <= MAX_BATCH_BYTES
        );
    }
}
