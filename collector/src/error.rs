//! The collector's one error type: every failure becomes a status code and
//! `{"error":{"code","message","field"}}`. Internal details are logged,
//! never sent to the client.

use serde_json::json;
use touchpoint_core::error::{ErrorCode, FieldError};
use worker::Response;

/// A failed request, ready to become a response.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Extra members of the error object (`rejected` events of a batch).
    pub details: Option<serde_json::Value>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<&'static str>,
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        let retry_after = (status == 503).then_some("5");
        ApiError { status, code, message: message.into(), field: None, details: None, retry_after }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 404 naming `site`: no site has this id.
    pub fn unknown_site() -> Self {
        ApiError::from(FieldError::new(ErrorCode::UnknownSite, "site", "no site with this id"))
    }

    pub fn not_found() -> Self {
        ApiError::new(404, "not_found", "no such endpoint")
    }

    pub fn unauthorized() -> Self {
        ApiError::new(401, "unauthorized", "send Authorization: Bearer <admin token>").field("Authorization")
    }

    pub fn internal() -> Self {
        ApiError::new(500, "internal", "internal error; it has been logged")
    }

    /// Storage did not answer: the client should retry later.
    pub fn unavailable() -> Self {
        ApiError::new(503, "unavailable", "storage is temporarily unavailable; retry later")
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let mut error = json!({"code": self.code, "message": self.message, "field": self.field});
        if let (Some(obj), Some(serde_json::Value::Object(extra))) = (error.as_object_mut(), self.details) {
            obj.extend(extra);
        }
        let body = json!({ "error": error });
        let mut response = crate::http::json(&body, self.status)?;
        if let Some(seconds) = self.retry_after {
            crate::http::set_header(&mut response, "Retry-After", seconds);
        }
        Ok(response)
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        let status = match e.code {
            ErrorCode::UnknownSite => 404,
            _ => 400,
        };
        ApiError {
            status,
            code: e.code.as_str(),
            message: e.message,
            field: Some(e.field),
            details: None,
            retry_after: None,
        }
    }
}

/// Binding and runtime failures: logged in full, answered as 503 (storage)
/// so the widget retries instead of losing the answer.
impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        worker::console_error!("storage error: {e}");
        ApiError::unavailable()
    }
}
