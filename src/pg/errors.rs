//! Errors a user can cause. Each carries its own SQLSTATE and a message in core Postgres style;
//! none is ever raised as XX000, and no message carries a key, a secret or a whole token.

use pg_jwt_claims_core::claims::WrongType;
use pg_jwt_claims_core::jose::JoseError;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// An error on its way to the client.
#[derive(Debug, Clone)]
pub struct SqlError {
    code: PgSqlErrorCode,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
}

impl SqlError {
    pub fn new(code: PgSqlErrorCode, message: impl Into<String>) -> SqlError {
        SqlError {
            code,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    /// The primary message.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn detail(mut self, detail: impl Into<String>) -> SqlError {
        self.detail = Some(detail.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> SqlError {
        self.hint = Some(hint.into());
        self
    }

    /// Raises the error as an ERROR; Rust frames unwind before Postgres takes over.
    pub fn raise(&self) -> ! {
        let mut report = ErrorReport::new(self.code, self.message.clone(), "pg_jwt_claims");
        if let Some(detail) = &self.detail {
            report = report.set_detail(detail.clone());
        }
        if let Some(hint) = &self.hint {
            report = report.set_hint(hint.clone());
        }
        report.report(PgLogLevel::ERROR);
        // report(ERROR) does not return.
        unreachable!()
    }
}

/// A claim of the wrong JSON type for a typed reader (42804).
pub fn wrong_type(path: &[&str], wrong: &WrongType) -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
        format!(
            "claim \"{}\" is of type {}, not {}",
            path.join("."),
            wrong.found,
            wrong.wanted
        ),
    )
}

/// Text that Postgres cannot store (a NUL character from a `\u0000` escape) (22P05).
pub fn untranslatable(path: &[&str]) -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_UNTRANSLATABLE_CHARACTER,
        "unsupported Unicode escape sequence",
    )
    .detail(format!(
        "\\u0000 in claim \"{}\" cannot be converted to text.",
        path.join(".")
    ))
}

/// Maps the core's error kinds to SQLSTATEs (see `JoseError`), for a token being read.
pub fn sql_error(err: &JoseError) -> SqlError {
    with_prefix(err, token_prefix(err))
}

fn token_prefix(err: &JoseError) -> &'static str {
    match err {
        JoseError::Malformed(_) => "malformed token",
        JoseError::Rejected(_) => "token rejected",
        JoseError::InvalidKey(_) => "unusable key",
        JoseError::Unsupported(_) => "unsupported token",
    }
}

/// The same mapping for `jwt_sign`, where no token is involved yet.
pub fn sign_error(err: &JoseError) -> SqlError {
    with_prefix(err, "cannot sign")
}

fn with_prefix(err: &JoseError, prefix: &str) -> SqlError {
    let code = match err {
        JoseError::Malformed(_) => PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
        JoseError::Rejected(_) => PgSqlErrorCode::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
        JoseError::InvalidKey(_) => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        JoseError::Unsupported(_) => PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
    };
    SqlError::new(code, format!("{prefix}: {}", err.message()))
}

/// A line in the server log (LOG: not sent to a client). Through `ErrorReport` rather than
/// `pgrx::log!`, whose level filter drops LOG on PostgreSQL 13 at the default
/// `log_min_messages`.
pub fn log(message: impl Into<String>) {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        message.into(),
        "pg_jwt_claims",
    )
    .report(PgLogLevel::LOG);
}
