//! Validation errors that name the offending field, shared by both ends.

use std::fmt;

/// Why a piece of input was refused. The collector maps each code to an
/// HTTP status; the widget prints it in a console warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The body is not JSON.
    InvalidJson,
    /// A required field is absent or null.
    MissingField,
    /// A field has the wrong JSON type.
    InvalidType,
    /// A field has the right type but a value that is not allowed.
    InvalidValue,
    /// A number is outside its allowed range (a score off its scale).
    OutOfRange,
    /// A string or list is longer than its documented limit.
    TooLong,
    /// The site id names no configured site.
    UnknownSite,
    /// The survey id names no survey of this site.
    UnknownSurvey,
    /// The event's metric is not the metric of its survey.
    MetricMismatch,
}

impl ErrorCode {
    /// The wire name used in `{"error":{"code":..}}`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::MissingField => "missing_field",
            ErrorCode::InvalidType => "invalid_type",
            ErrorCode::InvalidValue => "invalid_value",
            ErrorCode::OutOfRange => "out_of_range",
            ErrorCode::TooLong => "too_long",
            ErrorCode::UnknownSite => "unknown_site",
            ErrorCode::UnknownSurvey => "unknown_survey",
            ErrorCode::MetricMismatch => "metric_mismatch",
        }
    }
}

/// One refused field: what is wrong (`code`), where (`field`, a path such as
/// `events[2].score`), and a sentence for humans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub code: ErrorCode,
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { code, field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code.as_str())
    }
}

impl std::error::Error for FieldError {}

/// Result of the core's validation functions.
pub type Result<T, E = FieldError> = std::result::Result<T, E>;
