//! Turning claim values into Datums with Postgres' own conversion rules (jsonb rendering,
//! numeric parsing, bigint rounding), so a claim reads exactly as the equivalent SQL would.
//! Every function allocates in the current memory context.

use crate::callsite::Answer;
use crate::claims::text_of;
use crate::errors::{untranslatable, SqlError};
use crate::verify::{Doc, Item, Kind};
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

/// The jsonb of a strictly parsed document, built from its nodes: the same jsonb that
/// `jsonb_in` makes of the document's text (numbers through `numeric_in`, object keys in jsonb's
/// order), without lexing the text again. The document's member names are unique (the strict
/// parser refuses duplicates), as jsonb's binary search needs.
pub fn jsonb_from_doc(doc: &Doc) -> Result<Datum, SqlError> {
    let (pairs, elements) = doc.counts();
    let pair_size = std::mem::size_of::<pg_sys::JsonbPair>();
    let value_size = std::mem::size_of::<pg_sys::JsonbValue>();
    // jsonb's own limit on the values it assembles (MaxAllocSize).
    if pairs.saturating_mul(pair_size) + elements.saturating_mul(value_size) > MAX_ALLOC {
        return Err(too_large("claims have too many members for a jsonb"));
    }
    let mut pairs = vec![pg_sys::JsonbPair::default(); pairs];
    let mut elements = vec![pg_sys::JsonbValue::default(); elements];
    let mut builder = JsonbBuilder {
        // Raw pointers taken once: the buffers never grow, and the tree points into them.
        pairs: pairs.as_mut_ptr(),
        pairs_left: pairs.len(),
        elements: elements.as_mut_ptr(),
        elements_left: elements.len(),
    };
    let mut root = builder.value(doc.root())?;
    // SAFETY: `root` and the buffers it points into outlive the call, which copies everything
    // into a new palloc'd jsonb; its errors (sizes past jsonb's limits) are Postgres errors.
    let jsonb = unsafe { pg_sys::JsonbValueToJsonb(&mut root) };
    drop((pairs, elements));
    Ok(Datum::from(jsonb))
}

const MAX_ALLOC: usize = 0x3fff_ffff;

fn too_large(message: &str) -> SqlError {
    SqlError::new(PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED, message)
}

/// Fills the pre-sized pair and element buffers depth first.
struct JsonbBuilder {
    pairs: *mut pg_sys::JsonbPair,
    pairs_left: usize,
    elements: *mut pg_sys::JsonbValue,
    elements_left: usize,
}

impl JsonbBuilder {
    fn value(&mut self, item: Item) -> Result<pg_sys::JsonbValue, SqlError> {
        let mut v = pg_sys::JsonbValue::default();
        match item.kind() {
            Kind::Null => v.type_ = pg_sys::jbvType::jbvNull,
            Kind::Bool(b) => {
                v.type_ = pg_sys::jbvType::jbvBool;
                v.val.boolean = b;
            }
            Kind::Number(text) => {
                v.type_ = pg_sys::jbvType::jbvNumeric;
                v.val.numeric = json_number(text)?.cast_mut_ptr();
            }
            Kind::String(s) => v = string(s)?,
            Kind::Array(items) => {
                let n = items.len();
                let start = self.take_elements(n)?;
                for (i, e) in items.enumerate() {
                    let value = self.value(e)?;
                    // SAFETY: `start + i` is inside the slots taken above.
                    unsafe { start.add(i).write(value) };
                }
                v.type_ = pg_sys::jbvType::jbvArray;
                v.val.array = pg_sys::JsonbValue__bindgen_ty_1__bindgen_ty_2 {
                    nElems: count(n)?,
                    elems: start,
                    rawScalar: false,
                };
            }
            Kind::Object(_) => {
                let members = item.jsonb_members();
                let n = members.len();
                let start = self.take_pairs(n)?;
                for (i, (key, e)) in members.enumerate() {
                    let pair = pg_sys::JsonbPair {
                        key: string(key)?,
                        value: self.value(e)?,
                        order: i as u32,
                    };
                    // SAFETY: `start + i` is inside the slots taken above.
                    unsafe { start.add(i).write(pair) };
                }
                v.type_ = pg_sys::jbvType::jbvObject;
                v.val.object = pg_sys::JsonbValue__bindgen_ty_1__bindgen_ty_3 {
                    nPairs: count(n)?,
                    pairs: start,
                };
            }
        }
        Ok(v)
    }

    fn take_elements(&mut self, n: usize) -> Result<*mut pg_sys::JsonbValue, SqlError> {
        take(&mut self.elements, &mut self.elements_left, n)
    }

    fn take_pairs(&mut self, n: usize) -> Result<*mut pg_sys::JsonbPair, SqlError> {
        take(&mut self.pairs, &mut self.pairs_left, n)
    }
}

/// The next `n` slots of a buffer at `next` with `left` slots.
fn take<T>(next: &mut *mut T, left: &mut usize, n: usize) -> Result<*mut T, SqlError> {
    *left = left.checked_sub(n).ok_or_else(miscounted)?;
    let start = *next;
    // SAFETY: stays within (or one past the end of) the buffer.
    *next = unsafe { start.add(n) };
    Ok(start)
}

fn miscounted() -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        "jsonb builder: the document's counts do not match its nodes",
    )
}

/// A numeric Datum of a JSON number's text, as `jsonb_in` makes it (`numeric_in`), with a
/// shortcut for integers of up to 18 digits (the common case: dates, counts), whose numeric is
/// the same either way.
fn json_number(text: &str) -> Result<Datum, SqlError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = (1..=18).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && text != "-0";
    match text.parse::<i64>() {
        #[cfg(not(feature = "pg13"))]
        // SAFETY: int64_to_numeric only allocates the result.
        Ok(n) if plain => Ok(Datum::from(unsafe { pg_sys::int64_to_numeric(n) })),
        #[cfg(feature = "pg13")]
        Ok(n) if plain => call(pg_sys::int8_numeric, &[Datum::from(n)]),
        _ => numeric(text, &[]),
    }
}

/// The number of members or elements of one container, within jsonb's limit.
fn count(n: usize) -> Result<i32, SqlError> {
    if n > pg_sys::JB_CMASK as usize {
        return Err(too_large(
            "number of jsonb object pairs or array elements exceeds the maximum allowed",
        ));
    }
    Ok(n as i32)
}

/// A jbvString pointing at `s` (jsonb copies it when the value is assembled).
fn string(s: &str) -> Result<pg_sys::JsonbValue, SqlError> {
    if s.len() > pg_sys::JENTRY_OFFLENMASK as usize {
        return Err(too_large("string too long to represent as jsonb string"));
    }
    let mut v = pg_sys::JsonbValue {
        type_: pg_sys::jbvType::jbvString,
        ..Default::default()
    };
    v.val.string = pg_sys::JsonbValue__bindgen_ty_1__bindgen_ty_1 {
        len: s.len() as i32,
        val: s.as_ptr() as *mut std::ffi::c_char,
    };
    Ok(v)
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
