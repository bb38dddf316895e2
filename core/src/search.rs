//! Text search in stored comments without a full-text index. SQLite's
//! `lower()` folds A-Z only, and D1 refuses `LIKE`/`GLOB` patterns over 50
//! bytes, so a search for "était" would miss "ÉTAIT". Comments with
//! letters `lower()` cannot fold are stored with their folded text beside
//! them ([`fold_for_search`]), and the search looks for the folded query
//! ([`fold`]) in that, or in `lower(comment)` for every other comment.

/// `text` in small letters for matching in any letter case: Unicode's
/// lowercase mapping, with final sigma as σ (a word's last letter is not a
/// different letter to someone searching).
pub fn fold(text: &str) -> String {
    text.to_lowercase().replace('ς', "σ")
}

/// The folded form to store beside `comment`, when SQLite's `lower()`
/// would not give it (a capital outside A-Z, a final sigma); `None` when
/// `lower(comment)` is already the folded text.
pub fn fold_for_search(comment: &str) -> Option<String> {
    let folded = fold(comment);
    (folded != comment.to_ascii_lowercase()).then_some(folded)
}
