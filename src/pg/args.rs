//! Function arguments read from `fcinfo`: text decoded as UTF-8 with a 22021 error where
//! pgrx's own conversion would panic (possible in a SQL_ASCII database).

use crate::pg::errors::SqlError;
use pgrx::pg_sys::{self, FunctionCallInfo};
use pgrx::PgSqlErrorCode;

/// Argument `i` as text, NULL as `None`. Raises 22021 for bytes that are not UTF-8 (possible
/// in a SQL_ASCII database), where pgrx's own conversion would panic.
///
/// # Safety
/// `fcinfo` must be the call's own and argument `i` of a text type.
pub unsafe fn text_arg<'a>(fcinfo: FunctionCallInfo, i: usize) -> Option<&'a str> {
    unsafe {
        let arg = (*fcinfo).args.as_slice((*fcinfo).nargs as usize).get(i)?;
        if arg.isnull {
            return None;
        }
        Some(varlena_text(pg_sys::pg_detoast_datum_packed(
            arg.value.cast_mut_ptr(),
        )))
    }
}

/// The text of an untoasted (possibly short-header) text varlena, as UTF-8 or 22021.
///
/// # Safety
/// `v` must point to a complete, untoasted text varlena that outlives `'a`.
pub unsafe fn varlena_text<'a>(v: *const pg_sys::varlena) -> &'a str {
    unsafe {
        utf8(std::slice::from_raw_parts(
            pgrx::varlena::vardata_any(v) as *const u8,
            pgrx::varlena::varsize_any_exhdr(v),
        ))
    }
}

/// The `i`th argument, which `STRICT` makes non-NULL.
pub unsafe fn strict_text<'a>(fcinfo: FunctionCallInfo, i: usize) -> &'a str {
    unsafe { text_arg(fcinfo, i) }.unwrap_or_else(|| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            "argument is NULL",
        )
        .raise()
    })
}

/// Whether every byte is ASCII: 32 bytes a step, which the compiler vectorizes (tokens run to
/// kilobytes and are checked on every call).
fn is_ascii(bytes: &[u8]) -> bool {
    let (chunks, rest) = bytes.as_chunks::<32>();
    let high = chunks
        .iter()
        .fold([0u8; 32], |mut acc, chunk| {
            for (a, b) in acc.iter_mut().zip(chunk) {
                *a |= b;
            }
            acc
        })
        .iter()
        .fold(0u8, |acc, b| acc | b);
    high < 0x80 && rest.is_ascii()
}

/// `bytes` as UTF-8, or 22021.
pub fn utf8(bytes: &[u8]) -> &str {
    if is_ascii(bytes) {
        // SAFETY: ASCII is UTF-8 (and tokens, the longest inputs, are ASCII).
        return unsafe { std::str::from_utf8_unchecked(bytes) };
    }
    std::str::from_utf8(bytes).unwrap_or_else(|_| {
        SqlError::new(
            pgrx::PgSqlErrorCode::ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
            "invalid byte sequence for encoding \"UTF8\"",
        )
        .detail("pg_jwt_claims reads tokens, keys and claims as UTF-8.")
        .raise()
    })
}
