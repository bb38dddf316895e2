//! Documented input limits. The README's HTTP API section lists the same numbers.

/// Largest accepted `POST /v1/events` body, in bytes (bigger: 413).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most events in one batch.
pub const MAX_EVENTS_PER_BATCH: usize = 50;
/// Longest free-text comment, in characters (Unicode scalar values).
pub const MAX_COMMENT_CHARS: usize = 2000;
/// Longest page URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Longest id (event, visitor, survey, site), in bytes.
pub const MAX_ID_BYTES: usize = 64;
/// Shortest event or visitor id, in bytes: ids must be unguessable enough
/// that de-duplication by id never merges two different answers.
pub const MIN_RANDOM_ID_BYTES: usize = 8;
/// Longest touchpoint or event name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;
/// Longest locale tag, in bytes (BCP 47 tags in practice stay far below).
pub const MAX_LOCALE_BYTES: usize = 35;
/// Longest configured prompt text, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Most surveys in one site configuration.
pub const MAX_SURVEYS: usize = 100;
/// Most allowed origins in one site configuration.
pub const MAX_ORIGINS: usize = 50;
/// Largest accepted site configuration document, in bytes.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;
/// Most segment attributes on one event.
pub const MAX_ATTRIBUTES: usize = 20;
/// Longest attribute key, in bytes (keys are `A-Za-z0-9_-`).
pub const MAX_ATTRIBUTE_KEY_BYTES: usize = 64;
/// Longest string attribute value, in characters (Unicode scalar values).
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 256;
/// Largest magnitude of a number attribute: 2^53 - 1, exact in JavaScript.
pub const MAX_ATTRIBUTE_NUMBER: i64 = (1 << 53) - 1;
