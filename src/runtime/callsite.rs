//! Per-call-site answers for the claim readers, and the V1 function plumbing they share.
//!
//! # Design note
//! *What.* Each call site of a claim reader (one `FuncExpr` in one plan, one `FmgrInfo`) keeps the
//! Datum it last returned in `fn_extra`, with the claims generation (`watch.rs`) and the exact
//! argument bytes it was computed from. A call with the same generation and the same argument
//! bytes returns that Datum: a counter read and a short `memcmp`, no settings lookup, no JSON,
//! no copy. That is what lets `user_id = requesting_user_id()` in a policy cost about what
//! `user_id = (select requesting_user_id())` costs.
//!
//! *Lifetime.* Every answer is computed in the caller's memory (the executor's per-call or
//! per-tuple context), so whatever the computation allocates, and every answer that is not kept,
//! goes when the caller's memory is reset. An answer that is kept is copied once into `fn_mcxt`,
//! the memory of the call site itself, which outlives every use of a value the call site
//! returned. When the claims change, the old copy is left where it is (a value returned earlier
//! in the statement may still be in use). A call site keeps at most [`RETAINED_BYTES`] of such
//! copies; past that it stops keeping by-reference answers, so a plpgsql loop that changes the
//! claims millions of times in one transaction stays flat.
//!
//! *Safety.* An answer is reused only when the generation is the one it was computed at, which
//! every change of a watched setting bumps; answers from settings read by name are never kept.

use crate::pg::datums::Answer;
use crate::pg::errors::SqlError;
use crate::runtime::identity::Validity;
use crate::runtime::watch;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::varlena::{varatt_is_1b, varatt_is_1b_e, varatt_is_4b_u, varsize_any};
use std::ptr;

/// The most bytes of superseded answers one call site keeps alive.
const RETAINED_BYTES: usize = 1 << 20;

#[repr(C)]
struct Site {
    /// 0 while nothing is cached.
    generation: u64,
    validity: Validity,
    isnull: bool,
    value: Datum,
    key: *mut u8,
    key_len: usize,
    retained: usize,
}

/// Serves one call of a claim reader: the cached answer when the generation and the argument
/// bytes match, else `compute`, run in the caller's memory. `compute` returns the answer and
/// how long it stays right; an answer that stays right past this call is copied into the call
/// site's memory and kept.
///
/// # Safety
/// `fcinfo` must be the call's own, and every argument a varlena (or NULL).
pub unsafe fn serve(
    fcinfo: FunctionCallInfo,
    compute: impl FnOnce(&[Option<&[u8]>]) -> Result<(Answer, Validity), SqlError>,
) -> Datum {
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        let mut site = (*flinfo).fn_extra as *mut Site;
        if site.is_null() {
            site = pg_sys::MemoryContextAllocZero((*flinfo).fn_mcxt, size_of::<Site>()).cast();
            (*flinfo).fn_extra = site.cast();
        }
        let site = &mut *site;
        let generation = watch::generation();
        let (slots, nargs) = arguments(fcinfo);
        let args = &slots[..nargs];
        if site.generation != 0
            && site.validity.holds(site.generation == generation)
            && key_matches(site, args)
        {
            (*fcinfo).isnull = site.isnull;
            return site.value;
        }

        let (answer, validity) = match compute(args) {
            Ok(done) => done,
            Err(err) => err.raise(),
        };
        let (isnull, value, bytes) = match answer {
            Answer::Null => (true, Datum::null(), 0),
            Answer::Value(v) => (false, v, 0),
            Answer::Varlena(v) => (false, v, varsize_any(v.cast_mut_ptr())),
        };
        let cacheable =
            validity != Validity::Call && (bytes == 0 || site.retained < RETAINED_BYTES);
        if !cacheable {
            site.generation = 0;
            (*fcinfo).isnull = isnull;
            return value;
        }
        let kept = if bytes == 0 {
            value
        } else {
            // The answer was built in the caller's memory: keep a copy where the site lives.
            let copy = pg_sys::MemoryContextAlloc((*flinfo).fn_mcxt, bytes);
            ptr::copy_nonoverlapping(value.cast_mut_ptr::<u8>(), copy.cast::<u8>(), bytes);
            Datum::from(copy)
        };
        site.retained += bytes;
        store_key(site, (*flinfo).fn_mcxt, args);
        site.generation = generation;
        site.validity = validity;
        site.isnull = isnull;
        site.value = kept;
        (*fcinfo).isnull = isnull;
        value
    }
}

/// The most arguments a claim reader takes (kept on the stack: no allocation per call).
const MAX_ARGS: usize = 2;

/// The arguments' bytes (detoasted when compressed or external).
unsafe fn arguments<'a>(fcinfo: FunctionCallInfo) -> ([Option<&'a [u8]>; MAX_ARGS], usize) {
    let mut slots = [None; MAX_ARGS];
    unsafe {
        let nargs = ((*fcinfo).nargs as usize).min(MAX_ARGS);
        for (slot, arg) in slots.iter_mut().zip((*fcinfo).args.as_slice(nargs)) {
            if !arg.isnull {
                let mut v: *mut pg_sys::varlena = arg.value.cast_mut_ptr();
                // Plain (4-byte header, uncompressed) and short (1-byte header) values are read
                // in place: no call into Postgres per row. Compressed or external ones are
                // detoasted first.
                if !(varatt_is_4b_u(v) || (varatt_is_1b(v) && !varatt_is_1b_e(v))) {
                    v = pg_sys::pg_detoast_datum_packed(v);
                }
                *slot = Some(std::slice::from_raw_parts(v as *const u8, varsize_any(v)));
            }
        }
        (slots, nargs)
    }
}

fn stored_key(site: &Site) -> &[u8] {
    if site.key.is_null() {
        &[]
    } else {
        // SAFETY: key points at key_len bytes in fn_mcxt, written by store_key.
        unsafe { std::slice::from_raw_parts(site.key, site.key_len) }
    }
}

/// Key layout: per argument, one tag byte (0 NULL, 1 present), then for present ones an 8-byte
/// length and the bytes.
fn key_matches(site: &Site, args: &[Option<&[u8]>]) -> bool {
    let mut rest = stored_key(site);
    for arg in args {
        let Some((&tag, tail)) = rest.split_first() else {
            return false;
        };
        rest = tail;
        match (tag, arg) {
            (0, None) => {}
            (1, Some(bytes)) => {
                let Some((len, tail)) = rest.split_first_chunk::<8>() else {
                    return false;
                };
                if usize::from_ne_bytes(*len) != bytes.len() || !tail.starts_with(bytes) {
                    return false;
                }
                rest = &tail[bytes.len()..];
            }
            _ => return false,
        }
    }
    rest.is_empty()
}

unsafe fn store_key(site: &mut Site, context: pg_sys::MemoryContext, args: &[Option<&[u8]>]) {
    let mut key = Vec::new();
    for arg in args {
        match arg {
            None => key.push(0u8),
            Some(bytes) => {
                key.push(1);
                key.extend_from_slice(&bytes.len().to_ne_bytes());
                key.extend_from_slice(bytes);
            }
        }
    }
    if key == stored_key(site) {
        return;
    }
    unsafe {
        let copy: *mut u8 = if key.is_empty() {
            ptr::null_mut()
        } else {
            pg_sys::MemoryContextAlloc(context, key.len()).cast()
        };
        if !copy.is_null() {
            ptr::copy_nonoverlapping(key.as_ptr(), copy, key.len());
        }
        site.retained += key.len();
        site.key = copy;
        site.key_len = key.len();
    }
}
