//! A jsonb written straight from a strictly parsed document, in the binary layout PostgreSQL's
//! own `JsonbValueToJsonb` produces (`utils/adt/jsonb_util.c`; the on-disk format, the same
//! from 9.4 to 18). `jwt_verify` returns a token's claims this way instead of printing them as
//! text for `jsonb_in` to lex again: the bytes are identical (a `#[pg_test]` compares them for
//! every shape of JSON), only cheaper to make.
//!
//! Layout, for reference: a varlena header, then the root container. A container is a `u32`
//! header (count and kind), one `JEntry` per array element, or per object key followed by one
//! per value (keys in jsonb's order: shorter first, then bytewise; the strict parser hands them
//! over sorted and unique), then the children's data. A `JEntry` holds the child's type and its
//! length, or, for every 32nd child, the end offset of its data. Numerics and nested
//! containers start on a 4-byte boundary (counted from the varlena start), the padding counted
//! in their length. A scalar at the root is an array of one, flagged as a raw scalar.

use crate::pg::datums::{self, canonical_number, text_array, Answer, Scratch};
use crate::pg::errors::{untranslatable, SqlError};
use pg_jwt_claims_core::interrupts;
use pg_jwt_claims_core::json::{Doc, Elements, Item, Kind};
use pgrx::pg_sys::{self, Datum};
use pgrx::PgSqlErrorCode;
use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::CString;

const STRIDE: usize = pg_sys::JB_OFFSET_STRIDE as usize;
const OFFLEN: usize = pg_sys::JENTRY_OFFLENMASK as usize;
/// The scratch buffer keeps its allocation between calls up to this size.
const KEEP: usize = 1 << 20;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A new jsonb of `doc`, palloc'd in the current memory context (see [`from_item`]).
pub fn from_doc(doc: &Doc) -> Result<Datum, SqlError> {
    from_item(doc.root(), &[])
}

/// A new jsonb of one value of a parsed document, palloc'd in the current memory context.
/// Raises 54000 where jsonb's own limits would (a string or a container past 256 MB, too many
/// members). In a database whose encoding is not UTF-8, `jsonb_in` reads the value's text
/// instead: it converts `\u` escapes to that encoding (or refuses them), which writing decoded
/// UTF-8 would not.
pub fn from_item(root: Item<'_>, path: &[&str]) -> Result<Datum, SqlError> {
    // SAFETY: reads the database encoding, fixed for the session.
    if unsafe { pg_sys::GetDatabaseEncoding() } != pg_sys::pg_enc::PG_UTF8 as i32 {
        let text = match root.kind() {
            Kind::String(s) => Cow::Owned(quote_ascii(s)),
            _ => Cow::Borrowed(root.raw_text().unwrap_or("null")),
        };
        return from_text(&text, path);
    }
    SCRATCH.with_borrow_mut(|buf| {
        buf.clear();
        buf.extend_from_slice(&[0; 4]);
        let written = match root.kind() {
            Kind::Array(elements) => array(buf, elements, false),
            Kind::Object(_) => object(buf, root),
            _ => array(buf, std::iter::once(root), true),
        };
        let datum = written.map(|_| {
            let len = buf.len();
            buf[..4].copy_from_slice(&varlena_header(len));
            // SAFETY: a fresh allocation of `len` bytes, filled from the buffer.
            unsafe {
                let ptr = pg_sys::palloc(len) as *mut u8;
                std::ptr::copy_nonoverlapping(buf.as_ptr(), ptr, len);
                Datum::from(ptr)
            }
        });
        if buf.capacity() > KEEP {
            *buf = Vec::new();
        }
        datum
    })
}

/// A jsonb of JSON text, through jsonb's own input function.
fn from_text(json: &str, path: &[&str]) -> Result<Datum, SqlError> {
    let text = CString::new(json).map_err(|_| untranslatable(path))?;
    datums::call(pg_sys::jsonb_in, &[Datum::from(text.as_ptr())])
}

/// A JSON string literal with every character past ASCII as a `\u` escape.
fn quote_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// `#>>` of one value: strings unescaped, JSON null as `None`, anything else as jsonb prints
/// it.
pub fn text<'d>(item: Item<'d>, path: &[&str]) -> Result<Option<Cow<'d, str>>, SqlError> {
    match item.kind() {
        Kind::Null => Ok(None),
        Kind::String(s) => Ok(Some(Cow::Borrowed(s))),
        _ => {
            let datum = from_item(item, path)?;
            let c = datums::call(pg_sys::jsonb_out, &[datum])?;
            // SAFETY: jsonb_out returns a palloc'd cstring.
            let out = unsafe { std::ffi::CStr::from_ptr(c.cast_mut_ptr()) };
            Ok(Some(Cow::Owned(out.to_string_lossy().into_owned())))
        }
    }
}

/// A one-dimensional `text[]` of a JSON array's elements, each as `#>>` gives it (JSON null
/// elements are NULL). Strings, booleans and plainly written numbers are borrowed as they are;
/// only other numbers, arrays and objects go through jsonb's own output, one at a time in a
/// scratch context, so the memory used is about the size of the answer whatever the elements.
pub fn text_elements(elements: Elements<'_>, path: &[&str]) -> Result<Answer, SqlError> {
    let scratch = Scratch::new();
    let mut texts: Vec<Option<Cow<'_, str>>> = Vec::with_capacity(elements.len());
    for item in elements {
        interrupts::check();
        texts.push(match item.kind() {
            Kind::Null => None,
            Kind::String(s) => Some(Cow::Borrowed(s)),
            Kind::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
            Kind::Number(n) => match canonical_number(n) {
                Some(t) => Some(Cow::Borrowed(t)),
                None => scratch.run(|| text(item, path))?,
            },
            Kind::Array(_) | Kind::Object(_) => scratch.run(|| text(item, path))?,
        });
    }
    drop(scratch);
    text_array(&texts, path)
}

/// A 4-byte varlena header for `len` bytes (`SET_VARSIZE`).
fn varlena_header(len: usize) -> [u8; 4] {
    #[cfg(target_endian = "little")]
    return ((len as u32) << 2).to_le_bytes();
    #[cfg(target_endian = "big")]
    return ((len as u32) & 0x3fff_ffff).to_be_bytes();
}

/// Zero bytes up to a 4-byte boundary; how many.
fn pad(buf: &mut Vec<u8>) -> usize {
    let padding = (4 - buf.len() % 4) % 4;
    buf.resize(buf.len() + padding, 0);
    padding
}

fn limit(message: String) -> SqlError {
    SqlError::new(PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED, message)
}

/// Appends the data of one value; returns its `JEntry` (type and length).
fn value(buf: &mut Vec<u8>, item: Item) -> Result<u32, SqlError> {
    Ok(match item.kind() {
        Kind::Null => pg_sys::JENTRY_ISNULL,
        Kind::Bool(true) => pg_sys::JENTRY_ISBOOL_TRUE,
        Kind::Bool(false) => pg_sys::JENTRY_ISBOOL_FALSE,
        Kind::String(s) => string(buf, s)?,
        Kind::Number(text) => {
            let padding = pad(buf);
            let len = numeric(buf, text)?;
            pg_sys::JENTRY_ISNUMERIC | (padding + len) as u32
        }
        Kind::Array(elements) => array(buf, elements, false)?,
        Kind::Object(_) => object(buf, item)?,
    })
}

fn string(buf: &mut Vec<u8>, s: &str) -> Result<u32, SqlError> {
    // Only a leniently parsed claims setting can hold `\u0000`: refused as `jsonb_in` refuses it.
    if s.contains('\0') {
        return Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_UNTRANSLATABLE_CHARACTER,
            "unsupported Unicode escape sequence",
        )
        .detail("\\u0000 cannot be converted to text."));
    }
    if s.len() > OFFLEN {
        return Err(
            limit("string too long to represent as jsonb string".into()).detail(format!(
                "Due to an implementation restriction, jsonb strings cannot exceed {OFFLEN} bytes."
            )),
        );
    }
    buf.extend_from_slice(s.as_bytes());
    Ok(s.len() as u32)
}

/// Writes the container header and room for `entries` JEntries; returns where they start.
fn open(buf: &mut Vec<u8>, header: u32, entries: usize) -> usize {
    buf.extend_from_slice(&header.to_ne_bytes());
    let at = buf.len();
    buf.resize(at + 4 * entries, 0);
    at
}

/// Adds one child's `JEntry` (number `i` among the container's entries) to the running data
/// length `total`, and stores it at `entries`.
fn entry(
    buf: &mut [u8],
    entries: usize,
    i: usize,
    meta: u32,
    total: &mut usize,
    what: &str,
) -> Result<(), SqlError> {
    *total += (meta & pg_sys::JENTRY_OFFLENMASK) as usize;
    if *total > OFFLEN {
        return Err(too_big(what));
    }
    let meta = if i.is_multiple_of(STRIDE) {
        (meta & pg_sys::JENTRY_TYPEMASK) | *total as u32 | pg_sys::JENTRY_HAS_OFF
    } else {
        meta
    };
    buf[entries + 4 * i..entries + 4 * i + 4].copy_from_slice(&meta.to_ne_bytes());
    Ok(())
}

fn too_big(what: &str) -> SqlError {
    limit(format!(
        "total size of jsonb {what} elements exceeds the maximum of {OFFLEN} bytes"
    ))
}

/// The members or elements of one container, within the limit `jsonb_in` has for them
/// (`JSONB_MAX_PAIRS`, `JSONB_MAX_ELEMS`: what fits one allocation, at most `JB_CMASK`).
fn count(n: usize, what: &str, size: usize) -> Result<u32, SqlError> {
    const MAX_ALLOC: usize = 0x3fff_ffff;
    let max = (MAX_ALLOC / size).min(pg_sys::JB_CMASK as usize);
    if n > max {
        return Err(limit(format!(
            "number of jsonb {what} exceeds the maximum allowed ({max})"
        )));
    }
    Ok(n as u32)
}

/// The container's `JEntry`, once its data is complete.
fn close(buf: &[u8], base: usize, what: &str) -> Result<u32, SqlError> {
    let total = buf.len() - base;
    if total > OFFLEN {
        return Err(too_big(what));
    }
    Ok(pg_sys::JENTRY_ISCONTAINER | total as u32)
}

fn array<'d>(
    buf: &mut Vec<u8>,
    elements: impl ExactSizeIterator<Item = Item<'d>>,
    raw_scalar: bool,
) -> Result<u32, SqlError> {
    let base = buf.len();
    pad(buf);
    let n = elements.len();
    let size = std::mem::size_of::<pg_sys::JsonbValue>();
    let mut header = count(n, "array elements", size)? | pg_sys::JB_FARRAY;
    if raw_scalar {
        header |= pg_sys::JB_FSCALAR;
    }
    let entries = open(buf, header, n);
    let mut total = 0;
    for (i, element) in elements.enumerate() {
        let meta = value(buf, element)?;
        entry(buf, entries, i, meta, &mut total, "array")?;
    }
    close(buf, base, "array")
}

fn object(buf: &mut Vec<u8>, item: Item) -> Result<u32, SqlError> {
    let base = buf.len();
    pad(buf);
    let members = item.jsonb_members();
    let n = members.len();
    let size = std::mem::size_of::<pg_sys::JsonbPair>();
    let entries = open(
        buf,
        count(n, "object pairs", size)? | pg_sys::JB_FOBJECT,
        2 * n,
    );
    let mut total = 0;
    // All the keys, then all the values.
    for (i, (key, _)) in members.clone().enumerate() {
        let meta = string(buf, key)?;
        entry(buf, entries, i, meta, &mut total, "object")?;
    }
    for (i, (_, member)) in members.enumerate() {
        let meta = value(buf, member)?;
        entry(buf, entries, n + i, meta, &mut total, "object")?;
    }
    close(buf, base, "object")
}

/// Appends the numeric of a JSON number's text, exactly as `numeric_in` makes it; returns its
/// length. Integers of up to 18 digits (dates, counts, flags: nearly every number in claims)
/// are encoded here; anything else goes through `numeric_in` itself.
fn numeric(buf: &mut Vec<u8>, text: &str) -> Result<usize, SqlError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = (1..=18).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if let (true, Ok(n)) = (plain, text.parse::<i64>()) {
        return Ok(integer_numeric(buf, n));
    }
    let datum = datums::numeric(text, &[])?;
    let ptr = datum.cast_mut_ptr::<pg_sys::varlena>();
    // SAFETY: numeric_in's result, a complete varlena, freed once copied.
    unsafe {
        let len = pgrx::varlena::varsize_any(ptr);
        buf.extend_from_slice(std::slice::from_raw_parts(ptr as *const u8, len));
        pg_sys::pfree(ptr.cast());
        Ok(len)
    }
}

/// The numeric of an integer in PostgreSQL's short format (`make_result` in numeric.c): a
/// 16-bit header (short-format flag, sign, display scale 0, weight) and the base-10000 digits
/// from the most significant, without trailing zero digits; zero has no digits and is positive.
fn integer_numeric(buf: &mut Vec<u8>, n: i64) -> usize {
    const SHORT: u16 = 0x8000;
    const SHORT_NEGATIVE: u16 = 0x2000;
    let mut rest = n.unsigned_abs();
    // Base-10000 digits, least significant first (an i64 has at most five).
    let mut groups = [0i16; 5];
    let mut len = 0;
    while rest > 0 {
        groups[len] = (rest % 10_000) as i16;
        rest /= 10_000;
        len += 1;
    }
    let weight = len.saturating_sub(1) as u16;
    let trailing_zeros = groups[..len].iter().take_while(|g| **g == 0).count();
    let digits = &groups[trailing_zeros..len];
    let mut header = SHORT | (weight & 0x3f);
    if n < 0 {
        header |= SHORT_NEGATIVE;
    }
    let size = 4 + 2 + 2 * digits.len();
    buf.extend_from_slice(&varlena_header(size));
    buf.extend_from_slice(&header.to_ne_bytes());
    for digit in digits.iter().rev() {
        buf.extend_from_slice(&digit.to_ne_bytes());
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(n: i64) -> (u16, Vec<i16>) {
        let mut buf = Vec::new();
        let size = integer_numeric(&mut buf, n);
        assert_eq!(size, buf.len());
        let header = u16::from_ne_bytes([buf[4], buf[5]]);
        let digits = buf[6..]
            .chunks(2)
            .map(|c| i16::from_ne_bytes([c[0], c[1]]))
            .collect();
        (header, digits)
    }

    #[test]
    fn integers_in_short_numeric_format() {
        assert_eq!(short(0), (0x8000, vec![]));
        assert_eq!(short(7), (0x8000, vec![7]));
        assert_eq!(short(-7), (0xa000, vec![7]));
        assert_eq!(short(10_000), (0x8001, vec![1]));
        assert_eq!(short(4_102_444_800), (0x8002, vec![41, 244, 4800]));
        assert_eq!(short(-1_000_000_000_000), (0xa003, vec![1]));
        assert_eq!(short(i64::MIN), (0xa004, vec![922, 3372, 368, 5477, 5808]));
    }

    #[test]
    fn padding_and_headers() {
        let mut buf = vec![1u8];
        assert_eq!(pad(&mut buf), 3);
        assert_eq!(buf, [1, 0, 0, 0]);
        assert_eq!(pad(&mut buf), 0);
        #[cfg(target_endian = "little")]
        assert_eq!(varlena_header(10), [40, 0, 0, 0]);
    }
}
