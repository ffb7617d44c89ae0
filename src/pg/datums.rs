//! Turning claim values into Datums with Postgres' own conversion rules (jsonb rendering,
//! numeric parsing, bigint rounding), so a claim reads exactly as the equivalent SQL would.
//! Every function allocates in the current memory context.

use crate::pg::errors::{untranslatable, SqlError};
use pg_jwt_claims_core::interrupts;
use pgrx::pg_sys::{self, Datum};
use pgrx::PgSqlErrorCode;
use std::ffi::CString;

/// What a reader computed.
pub enum Answer {
    Null,
    /// A by-value Datum (boolean, bigint, timestamptz).
    Value(Datum),
    /// A by-reference varlena Datum allocated in the current memory context.
    Varlena(Datum),
}

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
pub fn call(
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

/// A timestamptz from NumericDate seconds, as `to_timestamp(claim::float8)` reads them: the
/// number through float8's own input (22003 when it over- or underflows a double), then
/// `to_timestamp` (22008 when out of range).
pub fn timestamptz(number: &str, path: &[&str]) -> Result<Datum, SqlError> {
    let text = cstring(number, path)?;
    let seconds = call(pg_sys::float8in, &[Datum::from(text.as_ptr())])?;
    call(pg_sys::float8_timestamptz, &[seconds])
}

/// The text of a JSON number as jsonb prints it, when that is the text it was written with:
/// no exponent and no negative zero (which numeric's output normalizes).
pub fn canonical_number(text: &str) -> Option<&str> {
    let exponent = text.bytes().any(|b| b == b'e' || b == b'E');
    let negative_zero = text.starts_with('-') && !text.bytes().any(|b| matches!(b, b'1'..=b'9'));
    (!exponent && !negative_zero).then_some(text)
}

/// Runs `f` in a memory context of its own and frees what it allocated, however many times it
/// is called: one conversion's garbage never outlives it.
pub struct Scratch {
    context: pg_sys::MemoryContext,
    parent: pg_sys::MemoryContext,
}

impl Scratch {
    pub fn new() -> Scratch {
        // SAFETY: a child of the current context, so it goes with it even if an error unwinds.
        unsafe {
            let parent = pg_sys::CurrentMemoryContext;
            let context = pg_sys::AllocSetContextCreateExtended(
                parent,
                c"pg_jwt_claims scratch".as_ptr(),
                pg_sys::ALLOCSET_SMALL_MINSIZE as usize,
                pg_sys::ALLOCSET_SMALL_INITSIZE as usize,
                pg_sys::ALLOCSET_SMALL_MAXSIZE as usize,
            );
            Scratch { context, parent }
        }
    }

    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        // SAFETY: switches to a live context and back; the reset frees only what `f` allocated
        // there, and `f`'s result is Rust-owned.
        unsafe {
            pg_sys::MemoryContextSwitchTo(self.context);
            let out = f();
            pg_sys::MemoryContextSwitchTo(self.parent);
            pg_sys::MemoryContextReset(self.context);
            out
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // SAFETY: the context is ours and nothing allocated in it is referenced any more; an
        // error that unwound out of `run` left it current, so switch back first.
        unsafe {
            if pg_sys::CurrentMemoryContext == self.context {
                pg_sys::MemoryContextSwitchTo(self.parent);
            }
            pg_sys::MemoryContextDelete(self.context);
        }
    }
}

/// Postgres' `MaxAllocSize`: the largest value a varlena can be.
const MAX_ALLOC_SIZE: usize = 0x3fff_ffff;
/// The most elements of an array (Postgres' `MaxArraySize`).
const MAX_ARRAY_ELEMENTS: usize = MAX_ALLOC_SIZE / size_of::<Datum>();

/// A one-dimensional `text[]`, laid out directly in one allocation (no Datum per element).
/// NUL cannot be stored in text (22P05).
pub fn text_array<S: AsRef<str>>(texts: &[Option<S>], path: &[&str]) -> Result<Answer, SqlError> {
    if texts.is_empty() {
        // SAFETY: an empty array of text, as '{}'::text[] is.
        return Ok(Answer::Varlena(Datum::from(unsafe {
            pg_sys::construct_empty_array(pg_sys::TEXTOID)
        })));
    }
    if texts.len() > MAX_ARRAY_ELEMENTS {
        return Err(array_too_large());
    }
    if texts.iter().flatten().any(|t| t.as_ref().contains('\0')) {
        return Err(untranslatable(path));
    }

    // The layout of `construct_md_array`: header, dimension, lower bound, the null bitmap when
    // there are NULLs, then each element as a 4-byte-header varlena at an int-aligned offset.
    let nulls = texts.iter().any(Option::is_none);
    let header = size_of::<pg_sys::ArrayType>() + 2 * size_of::<i32>();
    let bitmap = if nulls { texts.len().div_ceil(8) } else { 0 };
    let data_start = maxalign(header + bitmap);
    let mut data_len = 0usize;
    for text in texts.iter().flatten() {
        interrupts::check_every(data_len, 1 << 16);
        data_len = intalign(data_len) + pg_sys::VARHDRSZ + text.as_ref().len();
        if data_len > MAX_ALLOC_SIZE {
            return Err(array_too_large());
        }
    }
    let total = data_start + data_len;
    if total > MAX_ALLOC_SIZE {
        return Err(array_too_large());
    }
    // SAFETY: `total` bytes, zeroed (padding included), written within bounds below.
    unsafe {
        let base = pg_sys::palloc0(total).cast::<u8>();
        let array = base.cast::<pg_sys::ArrayType>();
        pgrx::set_varsize_4b(base.cast(), total as i32);
        (*array).ndim = 1;
        (*array).dataoffset = if nulls { data_start as i32 } else { 0 };
        (*array).elemtype = pg_sys::TEXTOID;
        let dims = base.add(size_of::<pg_sys::ArrayType>()).cast::<i32>();
        *dims = texts.len() as i32;
        *dims.add(1) = 1;
        let bits = base.add(header);
        let mut offset = data_start;
        for (i, text) in texts.iter().enumerate() {
            let Some(text) = text else { continue };
            let text = text.as_ref();
            if nulls {
                *bits.add(i / 8) |= 1 << (i % 8);
            }
            offset = data_start + intalign(offset - data_start);
            let element = base.add(offset);
            pgrx::set_varsize_4b(element.cast(), (pg_sys::VARHDRSZ + text.len()) as i32);
            std::ptr::copy_nonoverlapping(text.as_ptr(), element.add(pg_sys::VARHDRSZ), text.len());
            offset += pg_sys::VARHDRSZ + text.len();
        }
        Ok(Answer::Varlena(Datum::from(base)))
    }
}

fn intalign(n: usize) -> usize {
    n.next_multiple_of(4)
}

fn maxalign(n: usize) -> usize {
    n.next_multiple_of(pg_sys::MAXIMUM_ALIGNOF as usize)
}

fn array_too_large() -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
        "array size exceeds the maximum allowed",
    )
}
