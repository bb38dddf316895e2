//! Queued messages are measured as the queue measures them, grouped within
//! its batch limits, and split when one would be too large.

#[test]
fn a_queued_message_counts_what_the_queue_counts_json_utf8() {
    use touchpoint_core::queue::queued_size;
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
    use touchpoint_core::queue::{batches, queued_size, MAX_BATCH_BYTES, MAX_BATCH_MESSAGES};
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

#[test]
fn items_too_large_for_one_message_are_split_in_halves_until_each_fits() {
    use touchpoint_core::queue::{fit, queued_size, MAX_MESSAGE_BYTES};
    let encode = |items: &[String]| serde_json::to_string(items);
    // 20 comments of 2,000 quotes: 80 KB as JSON, twice that queued.
    let items: Vec<String> = (0..20).map(|_| "\"".repeat(2000)).collect();
    let parts = fit(&items, &encode).unwrap();
    assert!(parts.len() > 1);
    assert!(parts.iter().all(|p| queued_size(p) <= MAX_MESSAGE_BYTES));
    let back: Vec<String> = parts.iter().flat_map(|p| serde_json::from_str::<Vec<String>>(p).unwrap()).collect();
    assert_eq!(back, items, "every item once, in order");
    // Small enough: one message.
    assert_eq!(fit(&items[..2], &encode).unwrap().len(), 1);
}
