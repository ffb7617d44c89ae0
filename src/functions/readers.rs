//! The claim readers: `requesting_user_id()`, `jwt_claims()`, `jwt_claim*()` and friends.
//!
//! Each is a V1 function served through the per-call-site cache (`callsite.rs`); on a miss it
//! asks `runtime::identity` for the claims and the core's `claims` for the value. All are
//! `STABLE PARALLEL SAFE`; the path readers are `STRICT` (a NULL path gives NULL, as `#>>` does).

use crate::pg::args::varlena_text;
use crate::pg::datums::{self, Answer};
use crate::pg::errors::{wrong_type, SqlError};
use crate::pg::jsonb;
use crate::runtime::callsite::serve;
use crate::runtime::identity::{view, Validity, View};
use pg_jwt_claims_core::claims::{as_array, as_bool, as_number_text, get_path};
use pg_jwt_claims_core::json::Item;
use pg_jwt_claims_macros::sql_function;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};

/// Reads the claims a top-level reader needs and applies `read` to them. `None` claims (no
/// setting, nothing in the legacy settings) answer NULL.
fn with_view(
    names: &[&str],
    read: impl FnOnce(&View) -> Result<Answer, SqlError>,
) -> Result<(Answer, Validity), SqlError> {
    let (view, validity) = view(names);
    let answer = match view {
        Some(v) => read(&v)?,
        None => Answer::Null,
    };
    Ok((answer, validity))
}

/// A top-level string identity claim, NULL when absent, '' or the session is pending.
fn identity(fcinfo: pgrx::pg_sys::FunctionCallInfo, claim: &'static str) -> Datum {
    // SAFETY: called from a V1 entry point with its own fcinfo; no arguments.
    unsafe {
        serve(fcinfo, |_| {
            with_view(&[claim, "sts"], |v| {
                if v.signed_out() {
                    return Ok(Answer::Null);
                }
                let value = v.claims().json_field_text(claim);
                datums::opt_text(value.as_deref().filter(|s| !s.is_empty()), &[claim])
            })
        })
    }
}

/// A top-level claim as text (`claims ->> name`), NULL when absent.
fn top_text(fcinfo: pgrx::pg_sys::FunctionCallInfo, claim: &'static str) -> Datum {
    // SAFETY: as for `identity`.
    unsafe {
        serve(fcinfo, |_| {
            with_view(&[claim], |v| match v.root().get(claim) {
                None => Ok(Answer::Null),
                Some(value) => datums::opt_text(jsonb::text(value, &[claim])?.as_deref(), &[claim]),
            })
        })
    }
}

/// `requesting_user_id() → text`: the `sub` claim, exactly as the guide's
/// `nullif(current_setting('request.jwt.claims', true)::json->>'sub', '')` computes it.
/// NULL when there are no claims, no `sub`, `sub` is '', or the Clerk session is pending
/// (unless `pg_jwt_claims.pending_session = allow`). Raises 22P02 when the claims setting is
/// not a JSON object. Example: `using (user_id = requesting_user_id())`.
#[sql_function(
    "requesting_user_id() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "The sub claim of the request's JWT claims; NULL when absent, empty or the session is pending."
)]
unsafe fn requesting_user_id(fcinfo: FunctionCallInfo) -> Datum {
    identity(fcinfo, "sub")
}

/// `requesting_session_id() → text`: the `sid` claim; NULL as for `requesting_user_id()`.
#[sql_function(
    "requesting_session_id() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "The sid claim; NULL when absent, empty or the session is pending."
)]
unsafe fn requesting_session_id(fcinfo: FunctionCallInfo) -> Datum {
    identity(fcinfo, "sid")
}

/// `jwt_role() → text`: the `role` claim (`authenticated`, `anon`, …), NULL when absent.
#[sql_function(
    "jwt_role() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "The role claim; NULL when absent."
)]
unsafe fn jwt_role(fcinfo: FunctionCallInfo) -> Datum {
    top_text(fcinfo, "role")
}

/// `jwt_email() → text`: the `email` claim, NULL when absent.
#[sql_function(
    "jwt_email() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "The email claim; NULL when absent."
)]
unsafe fn jwt_email(fcinfo: FunctionCallInfo) -> Datum {
    top_text(fcinfo, "email")
}

/// `jwt_claims() → jsonb`: the whole claims object; when the claims setting is unset or '',
/// the object of the legacy per-claim settings that exist; SQL NULL when there are none.
/// Raises 22P02 when the claims setting is not a JSON object.
#[sql_function(
    "jwt_claims() RETURNS jsonb",
    "STABLE PARALLEL SAFE",
    comment = "The whole claims object; NULL when there are none."
)]
unsafe fn jwt_claims(fcinfo: FunctionCallInfo) -> Datum {
    serve(fcinfo, |_| {
        let (view, validity) = view(&[]);
        let answer = match view {
            Some(v) => Answer::Varlena(jsonb::from_doc(v.claims().doc())?),
            None => Answer::Null,
        };
        Ok((answer, validity))
    })
}

/// The elements of a `text[]` path, `None` when one is NULL. Raises 22021 for an element that
/// is not UTF-8 (possible in a SQL_ASCII database), as for every other text argument.
///
/// # Safety
/// `array` must be the bytes of a `text[]` varlena.
unsafe fn path_elements(array: &[u8]) -> Option<Vec<&str>> {
    unsafe {
        let array = pg_sys::pg_detoast_datum(array.as_ptr() as *mut pg_sys::varlena);
        let (mut elements, mut nulls, mut count) = (std::ptr::null_mut(), std::ptr::null_mut(), 0);
        pg_sys::deconstruct_array(
            array.cast(),
            pg_sys::TEXTOID,
            -1,
            false,
            pg_sys::TYPALIGN_INT as std::ffi::c_char,
            &mut elements,
            &mut nulls,
            &mut count,
        );
        let count = usize::try_from(count).unwrap_or(0);
        let mut path = Vec::with_capacity(count);
        for i in 0..count {
            if *nulls.add(i) {
                return None;
            }
            path.push(varlena_text((*elements.add(i)).cast_mut_ptr()));
        }
        Some(path)
    }
}

/// Reads the `VARIADIC path text[]` argument and the value at that path, then applies `read`.
/// A NULL path element answers NULL, as `#>>` does.
unsafe fn at_path(
    fcinfo: pgrx::pg_sys::FunctionCallInfo,
    read: impl FnOnce(Option<Item<'_>>, &[&str]) -> Result<Answer, SqlError>,
) -> Datum {
    unsafe {
        serve(fcinfo, |args| {
            let Some(Some(bytes)) = args.first() else {
                return Ok((Answer::Null, Validity::Generation));
            };
            let Some(path) = path_elements(bytes) else {
                return Ok((Answer::Null, Validity::Generation));
            };
            // Through the legacy per-claim settings: the top-level claim's setting (every one
            // for the empty path, the whole object), then the path inside its JSON.
            let (view, validity) = view(path.first().map_or(&[][..], std::slice::from_ref));
            let value = view.as_ref().and_then(|v| get_path(v.root(), &path));
            Ok((read(value, &path)?, validity))
        })
    }
}

/// `jwt_claim(VARIADIC path text[]) → text`: the claim at `path` with `#>>` semantics
/// (`jwt_claim('email')`, `jwt_claim('o', 'id')`, array elements by index); NULL when absent
/// or JSON null. Objects, arrays and numbers come back as jsonb prints them.
#[sql_function(
    "jwt_claim(VARIADIC path text[]) RETURNS text",
    "STABLE STRICT PARALLEL SAFE",
    comment = "The claim at path, as jsonb #>> gives it."
)]
unsafe fn jwt_claim(fcinfo: FunctionCallInfo) -> Datum {
    at_path(fcinfo, |value, path| match value {
        None => Ok(Answer::Null),
        Some(v) => datums::opt_text(jsonb::text(v, path)?.as_deref(), path),
    })
}

/// `jwt_claim_json(VARIADIC path text[]) → jsonb`: the claim at `path` with `#>` semantics;
/// SQL NULL when absent (a JSON null claim is the jsonb `null`).
#[sql_function(
    "jwt_claim_json(VARIADIC path text[]) RETURNS jsonb",
    "STABLE STRICT PARALLEL SAFE",
    comment = "The claim at path, as jsonb #> gives it; NULL when absent."
)]
unsafe fn jwt_claim_json(fcinfo: FunctionCallInfo) -> Datum {
    at_path(fcinfo, |value, path| match value {
        None => Ok(Answer::Null),
        Some(v) => Ok(Answer::Varlena(jsonb::from_item(v, path)?)),
    })
}

/// `jwt_claim_bool(VARIADIC path text[]) → boolean`: a JSON boolean; NULL when absent or
/// JSON null; 42804 for any other JSON type.
#[sql_function(
    "jwt_claim_bool(VARIADIC path text[]) RETURNS boolean",
    "STABLE STRICT PARALLEL SAFE",
    comment = "A boolean claim; NULL when absent or null; 42804 for another JSON type."
)]
unsafe fn jwt_claim_bool(fcinfo: FunctionCallInfo) -> Datum {
    at_path(fcinfo, |value, path| match as_bool(value) {
        Ok(Some(b)) => Ok(Answer::Value(Datum::from(b))),
        Ok(None) => Ok(Answer::Null),
        Err(wrong) => Err(wrong_type(path, &wrong)),
    })
}

/// The typed readers over JSON numbers share this: NULL, a conversion, or 42804.
unsafe fn number_at_path(
    fcinfo: pgrx::pg_sys::FunctionCallInfo,
    convert: fn(&str, &[&str]) -> Result<Answer, SqlError>,
) -> Datum {
    unsafe {
        at_path(fcinfo, |value, path| match as_number_text(value) {
            Ok(Some(n)) => convert(n, path),
            Ok(None) => Ok(Answer::Null),
            Err(wrong) => Err(wrong_type(path, &wrong)),
        })
    }
}

/// `jwt_claim_bigint(VARIADIC path text[]) → bigint`: a JSON number, rounded as
/// `numeric::bigint` rounds; NULL when absent or JSON null; 42804 for another JSON type;
/// 22003 when out of range. Example: `jwt_claim_bigint('exp')`.
#[sql_function(
    "jwt_claim_bigint(VARIADIC path text[]) RETURNS bigint",
    "STABLE STRICT PARALLEL SAFE",
    comment = "A number claim as bigint; NULL when absent or null; 42804 for another JSON type."
)]
unsafe fn jwt_claim_bigint(fcinfo: FunctionCallInfo) -> Datum {
    number_at_path(fcinfo, |n, p| datums::bigint(n, p).map(Answer::Value))
}

/// `jwt_claim_numeric(VARIADIC path text[]) → numeric`: a JSON number, exactly; NULL when
/// absent or JSON null; 42804 for another JSON type.
#[sql_function(
    "jwt_claim_numeric(VARIADIC path text[]) RETURNS numeric",
    "STABLE STRICT PARALLEL SAFE",
    comment = "A number claim as numeric; NULL when absent or null; 42804 for another JSON type."
)]
unsafe fn jwt_claim_numeric(fcinfo: FunctionCallInfo) -> Datum {
    number_at_path(fcinfo, |n, p| datums::numeric(n, p).map(Answer::Varlena))
}

/// `jwt_claim_timestamptz(VARIADIC path text[]) → timestamptz`: a NumericDate (seconds
/// since the epoch, fractions allowed) as `to_timestamp()` reads it; NULL when absent or
/// JSON null; 42804 for another JSON type. Example: `jwt_claim_timestamptz('exp')`.
#[sql_function(
    "jwt_claim_timestamptz(VARIADIC path text[]) RETURNS timestamptz",
    "STABLE STRICT PARALLEL SAFE",
    comment = "A NumericDate claim as timestamptz; NULL when absent or null; 42804 for another JSON type."
)]
unsafe fn jwt_claim_timestamptz(fcinfo: FunctionCallInfo) -> Datum {
    number_at_path(fcinfo, |n, p| datums::timestamptz(n, p).map(Answer::Value))
}

/// `jwt_claim_array(VARIADIC path text[]) → text[]`: a JSON array, each element as `#>>`
/// gives it (JSON null elements are NULL); NULL when absent or JSON null; 42804 for another
/// JSON type. Example: `'editor' = any(jwt_claim_array('roles'))`.
#[sql_function(
    "jwt_claim_array(VARIADIC path text[]) RETURNS text[]",
    "STABLE STRICT PARALLEL SAFE",
    comment = "An array claim as text[]; NULL when absent or null; 42804 for another JSON type."
)]
unsafe fn jwt_claim_array(fcinfo: FunctionCallInfo) -> Datum {
    at_path(fcinfo, |value, path| match as_array(value) {
        Ok(Some(items)) => jsonb::text_elements(items, path),
        Ok(None) => Ok(Answer::Null),
        Err(wrong) => Err(wrong_type(path, &wrong)),
    })
}
