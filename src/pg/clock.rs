//! The one clock verification reads: the start of the current statement.
//!
//! An answer stays the same within a statement, and a token expires between two statements of
//! one transaction. Two units, one source: Postgres' `TimestampTz` for cache validity, Unix
//! seconds for the time claims.

use pgrx::pg_sys;

/// Seconds from 1970-01-01 (Unix) to 2000-01-01 (Postgres' epoch).
const POSTGRES_EPOCH_UNIX: i64 = 946_684_800;

/// The current statement's start as a `TimestampTz`: microseconds since 2000-01-01.
pub fn statement_start() -> i64 {
    // SAFETY: reads the current statement's start timestamp.
    unsafe { pg_sys::GetCurrentStatementStartTimestamp() }
}

/// The current statement's start in Unix seconds: what `exp`, `nbf` and `iat` are judged by.
pub fn now_unix() -> i64 {
    statement_start().div_euclid(1_000_000) + POSTGRES_EPOCH_UNIX
}
