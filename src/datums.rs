//! Turning claim values into Datums with Postgres' own conversion rules (jsonb rendering,
//! numeric parsing, bigint rounding), so a claim reads exactly as the equivalent SQL would.
//! Every function allocates in the current memory context.

use crate::callsite::Answer;
use crate::claims::text_of;
use crate::errors::{untranslatable, SqlError};
use pgrx::pg_sys::{self, Datum};
use pgrx::{IntoDatum, PgSqlErrorCode};
use serde_json::Value;
use std::borrow::Cow;
use std::ffi::CString;

/// A text Datum; NUL cannot be stored in text (22P05).
pub fn text(s: &str, path: &[&str]) -> Result<Answer, SqlError> {
    if s.contains('\0') {
        return Err(untranslatable(path));
    }
    // SAFETY: cstring_to_text_with_len copies `len` bytes into a new palloc'd text.
    let t = unsafe { pg_sys::cstring_to_text_with_len(s.as_ptr().cast(), s.len() as i32) };
    Ok(Answer::Varlena(Datum::from(t)))
}

/// `text` of an optional string: `None` becomes SQL NULL.
pub fn opt_text(s: Option<&str>, path: &[&str]) -> Result<Answer, SqlError> {
    s.map_or(Ok(Answer::Null), |s| text(s, path))
}

fn cstring(s: &str, path: &[&str]) -> Result<CString, SqlError> {
    CString::new(s).map_err(|_| untranslatable(path))
}

/// Calls a built-in SQL function on non-NULL arguments; its errors (with their own SQLSTATEs)
/// propagate as Postgres errors.
fn call(
    func: unsafe fn(pg_sys::FunctionCallInfo) -> Datum,
    args: &[Datum],
) -> Result<Datum, SqlError> {
    let args: Vec<Option<Datum>> = args.iter().copied().map(Some).collect();
    // SAFETY: every caller passes the argument Datums the function's C signature takes.
    unsafe { pgrx::direct_function_call_as_datum(func, &args) }.ok_or_else(|| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            "conversion returned NULL",
        )
    })
}

/// A jsonb Datum of `value`, through jsonb's own input function.
pub fn jsonb(value: &Value, path: &[&str]) -> Result<Datum, SqlError> {
    jsonb_from_text(&value.to_string(), path)
}

/// A jsonb Datum of JSON text.
pub fn jsonb_from_text(json: &str, path: &[&str]) -> Result<Datum, SqlError> {
    let text = cstring(json, path)?;
    call(pg_sys::jsonb_in, &[Datum::from(text.as_ptr())])
}

/// `#>>` of one value: strings unescaped, JSON null as `None`, anything else as jsonb prints it.
pub fn jsonb_text<'v>(value: &'v Value, path: &[&str]) -> Result<Option<Cow<'v, str>>, SqlError> {
    match value {
        Value::Null | Value::String(_) => Ok(text_of(value)),
        other => {
            let datum = jsonb(other, path)?;
            let c = call(pg_sys::jsonb_out, &[datum])?;
            // SAFETY: jsonb_out returns a palloc'd cstring.
            let out = unsafe { std::ffi::CStr::from_ptr(c.cast_mut_ptr()) };
            let out = out.to_string_lossy().into_owned();
            Ok(Some(Cow::Owned(out)))
        }
    }
}

/// A numeric Datum from a JSON number's text, through numeric's own input function.
pub fn numeric(number: &str, path: &[&str]) -> Result<Datum, SqlError> {
    let text = cstring(number, path)?;
    call(
        pg_sys::numeric_in,
        &[
            Datum::from(text.as_ptr()),
            Datum::from(pg_sys::InvalidOid),
            Datum::from(-1i32),
        ],
    )
}

/// A bigint from a JSON number, rounded as `numeric::bigint` rounds (22003 when out of range).
pub fn bigint(number: &str, path: &[&str]) -> Result<Datum, SqlError> {
    let n = numeric(number, path)?;
    call(pg_sys::numeric_int8, &[n])
}

/// A timestamptz from NumericDate seconds, as `to_timestamp(double precision)` reads them.
pub fn timestamptz(number: &str, path: &[&str]) -> Result<Datum, SqlError> {
    let seconds = number
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite())
        .ok_or_else(|| {
            SqlError::new(
                PgSqlErrorCode::ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                format!(
                    "claim \"{}\" is out of range for a NumericDate",
                    path.join(".")
                ),
            )
        })?;
    // to_timestamp() raises 22008 when out of range.
    call(
        pg_sys::float8_timestamptz,
        &[seconds.into_datum().unwrap_or_else(Datum::null)],
    )
}

/// A text[] Datum.
pub fn text_array(items: Vec<Option<String>>, path: &[&str]) -> Result<Answer, SqlError> {
    if items.iter().flatten().any(|s| s.contains('\0')) {
        return Err(untranslatable(path));
    }
    Ok(items.into_datum().map_or(Answer::Null, Answer::Varlena))
}
