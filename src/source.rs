//! Where claims come from: the settings, and the per-process caches that only accelerate them.
//!
//! # Sources, in order
//! 1. The JSON object in the setting named by `pg_jwt_claims.claims_setting`
//!    (default `request.jwt.claims`, as PostgREST 9+ and Supabase set it with `set_config(…, true)`).
//! 2. When that is unset or '': for a top-level claim, the legacy per-claim settings
//!    `request.jwt.claim.<name>` (PostgREST < 9) and then `jwt.claims.<name>` (PostGraphile).
//!
//! # Design note: the claims generation
//! A policy calls a claim reader once per row, so the per-call work must be close to nothing,
//! while the answer must follow every change of the settings exactly: COMMIT, ROLLBACK, RESET,
//! subtransactions, `set_config` in the same statement, parallel workers.
//!
//! Postgres runs an assign hook on every change of a setting's value, including the restores at
//! transaction and subtransaction end. So the settings this module reads on the hot path are
//! *watched*: our own settings carry a hook, and the claims setting (and `request.headers`) are
//! adopted — defined as custom string settings with the same flags Postgres gives a placeholder
//! (not shown by SHOW ALL, user-settable), whose only difference is our assign hook. Each hook
//! bumps [`generation`]. A cached answer records the generation it was computed at and is used
//! only while the generation is unchanged, so it can never answer for other settings.
//!
//! Settings read by name (the legacy per-claim ones, or a claims setting that another module
//! already defined) are not watched; answers that depended on them are marked uncacheable.
//!
//! # Caches
//! * `CURRENT`: the resolved claims for the current generation (one entry).
//! * `PARSED`: claims texts already parsed, keyed by the exact text, at most
//!   [`PARSED_ENTRIES`] entries and [`PARSED_BYTES`] bytes of text (a plpgsql loop that alternates
//!   between users parses each text once).
//! * Per call site (`callsite.rs`): the finished Datum of one SQL call.

use crate::claims::{legacy_claim_value, Claims, ParseError};
use crate::errors::SqlError;
use crate::gucs;
use pgrx::pg_sys;
use pgrx::PgSqlErrorCode;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// The claims generation: changes whenever a watched setting changes.
#[inline]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

fn bump() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Assign hook for watched string settings.
pub unsafe extern "C-unwind" fn bump_string(_new: *const c_char, _extra: *mut c_void) {
    bump();
}

/// Assign hook for watched enum settings.
pub unsafe extern "C-unwind" fn bump_enum(_new: c_int, _extra: *mut c_void) {
    bump();
}

/// Assign hook for watched integer settings.
pub unsafe extern "C-unwind" fn bump_int(_new: c_int, _extra: *mut c_void) {
    bump();
}

/// The most settings adopted in one backend (each is one small static allocation).
const MAX_ADOPTED: usize = 16;
/// Bounds of the parsed-claims cache.
const PARSED_ENTRIES: usize = 8;
const PARSED_BYTES: usize = 4 << 20;

/// A setting read on the hot path: `var` points at the value when we adopted it.
struct Watched {
    name: CString,
    var: Option<&'static mut *mut c_char>,
}

/// The claims as resolved for one generation.
#[derive(Clone)]
pub enum Resolved {
    /// The claims setting holds an object.
    Claims(Rc<Claims>),
    /// The claims setting is unset or '': readers fall back to the legacy per-claim settings.
    Legacy,
    /// The claims setting holds something that is not a JSON object.
    Invalid(Rc<SqlError>),
}

struct Current {
    generation: u64,
    resolved: Resolved,
    /// False when the answer came from a setting read by name (not watched).
    watched: bool,
}

thread_local! {
    static WATCHED: RefCell<Vec<Watched>> = const { RefCell::new(Vec::new()) };
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    static PARSED: RefCell<Vec<Rc<Claims>>> = const { RefCell::new(Vec::new()) };
}

/// Adopts the default claims setting at load time, while no query is running.
pub fn init() {
    let _ = read_setting(gucs::DEFAULT_CLAIMS_SETTING);
    let _ = read_setting(c"request.headers");
}

/// The current value of a setting and whether it is watched. `None` when unset.
pub fn read_setting(name: &CStr) -> (Option<&'static CStr>, bool) {
    WATCHED.with_borrow_mut(|watched| {
        if let Some(w) = watched.iter_mut().find(|w| w.name.as_c_str() == name) {
            if let Some(var) = w.var.as_deref() {
                return (value_of(*var), true);
            }
            return (by_name(name), false);
        }
        let var = adopt(name, watched.len());
        let answer = match var.as_deref() {
            Some(v) => (value_of(*v), true),
            None => (by_name(name), false),
        };
        watched.push(Watched {
            name: name.to_owned(),
            var,
        });
        answer
    })
}

fn value_of(raw: *mut c_char) -> Option<&'static CStr> {
    // SAFETY: a GUC string value is NUL-terminated and lives until the setting changes; callers
    // use it before running anything that could change it.
    (!raw.is_null()).then(|| unsafe { CStr::from_ptr(raw) })
}

/// Reads a setting by name, the way `current_setting(name, true)` does.
fn by_name(name: &CStr) -> Option<&'static CStr> {
    // SAFETY: GetConfigOption with missing_ok returns NULL or the setting's current string.
    let raw = unsafe { pg_sys::GetConfigOption(name.as_ptr(), true, false) };
    value_of(raw.cast_mut())
}

/// Defines `name` as a custom string setting with our assign hook, if nobody else has defined
/// it: a placeholder (set before we were loaded) is converted, keeping its value and its
/// transaction-local stack, exactly as for any extension's own settings.
fn adopt(name: &CStr, adopted: usize) -> Option<&'static mut *mut c_char> {
    // SAFETY: plain reads of process-global state; DefineCustomStringVariable is the documented
    // way to define a setting, and copies the name.
    unsafe {
        // Defining re-applies a placeholder's value, which Postgres forbids in parallel mode.
        if adopted >= MAX_ADOPTED || pg_sys::IsInParallelMode() || !name.to_bytes().contains(&b'.')
        {
            return None;
        }
        let flags = pg_sys::GetConfigOptionFlags(name.as_ptr(), true);
        let placeholder = flags & pg_sys::GUC_CUSTOM_PLACEHOLDER as c_int != 0;
        let missing = flags == 0 && pg_sys::GetConfigOption(name.as_ptr(), true, false).is_null();
        if !placeholder && !missing {
            return None;
        }
        let var: &'static mut *mut c_char = Box::leak(Box::new(std::ptr::null_mut()));
        pg_sys::DefineCustomStringVariable(
            name.as_ptr(),
            c"JWT claims or request data, read by pg_jwt_claims.".as_ptr(),
            std::ptr::null(),
            var,
            std::ptr::null(),
            pg_sys::GucContext::PGC_USERSET,
            (pg_sys::GUC_NO_SHOW_ALL | pg_sys::GUC_NOT_IN_SAMPLE) as c_int,
            None,
            Some(bump_string),
            None,
        );
        Some(var)
    }
}

/// The claims for the current settings, and whether that answer may be cached by generation.
pub fn current() -> (Resolved, bool) {
    let generation = generation();
    if let Some(hit) = CURRENT.with_borrow(|c| {
        c.as_ref()
            .filter(|c| c.watched && c.generation == generation)
            .map(|c| c.resolved.clone())
    }) {
        return (hit, true);
    }
    let name = gucs::claims_setting_name();
    let (text, watched) = read_setting(name);
    let resolved = match text.map(CStr::to_bytes).filter(|t| !t.is_empty()) {
        None => Resolved::Legacy,
        Some(bytes) => match parse_cached(bytes) {
            Ok(claims) => Resolved::Claims(claims),
            Err(err) => Resolved::Invalid(Rc::new(invalid_claims(name, &err))),
        },
    };
    // Legacy answers depend on settings read by name: they are never cached.
    let watched = watched && !matches!(resolved, Resolved::Legacy);
    CURRENT.set(Some(Current {
        generation,
        resolved: resolved.clone(),
        watched,
    }));
    (resolved, watched)
}

fn invalid_claims(setting: &CStr, err: &ParseError) -> SqlError {
    let setting = setting.to_string_lossy();
    match err {
        ParseError::TooDeep => SqlError::new(
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            format!("claims in setting \"{setting}\" are nested too deeply"),
        )
        .detail("JSON nested deeper than 128 levels is not read."),
        ParseError::NotJson(msg) => SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            format!("setting \"{setting}\" is not valid JSON"),
        )
        .detail(msg.clone()),
        ParseError::NotObject(found) => SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            format!("setting \"{setting}\" is not a JSON object"),
        )
        .detail(format!("The claims must be a JSON object; found {found}.")),
    }
}

/// Parses a claims text, reusing an earlier parse of the exact same text.
fn parse_cached(bytes: &[u8]) -> Result<Rc<Claims>, ParseError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ParseError::NotJson(format!("invalid UTF-8: {e}")))?;
    if let Some(hit) = PARSED.with_borrow(|p| p.iter().find(|c| c.text() == text).cloned()) {
        return Ok(hit);
    }
    let claims = Rc::new(Claims::parse(text)?);
    PARSED.with_borrow_mut(|parsed| {
        if claims.text().len() > PARSED_BYTES / 2 {
            return;
        }
        parsed.insert(0, claims.clone());
        let mut bytes = 0;
        let keep = parsed
            .iter()
            .take(PARSED_ENTRIES)
            .take_while(|c| {
                bytes += c.text().len();
                bytes <= PARSED_BYTES
            })
            .count();
        parsed.truncate(keep);
    });
    Ok(claims)
}

/// Claims as a reader sees them: the shared parsed object, or one assembled from the legacy
/// per-claim settings for the claim names the reader needs.
pub enum View {
    Shared(Rc<Claims>),
    Assembled(Value),
}

impl View {
    pub fn value(&self) -> &Value {
        match self {
            View::Shared(c) => c.value(),
            View::Assembled(v) => v,
        }
    }
}

/// The claims a reader of the top-level claims `names` sees, `None` when there are none, and
/// whether the answer may be cached by generation. Raises for a claims setting that is not a
/// JSON object.
pub fn view(names: &[&str]) -> (Option<View>, bool) {
    match current() {
        (Resolved::Claims(c), watched) => (Some(View::Shared(c)), watched),
        (Resolved::Invalid(err), _) => err.raise(),
        (Resolved::Legacy, _) => (legacy(names).map(View::Assembled), false),
    }
}

/// An object of the claims `names` found in the legacy per-claim settings.
fn legacy(names: &[&str]) -> Option<Value> {
    let mut map = Map::new();
    for name in names {
        for prefix in ["request.jwt.claim.", "jwt.claims."] {
            let Ok(setting) = CString::new(format!("{prefix}{name}")) else {
                continue;
            };
            let value = by_name(&setting).and_then(|t| legacy_claim_value(&t.to_string_lossy()));
            if let Some(value) = value {
                map.insert((*name).to_owned(), value);
                break;
            }
        }
    }
    (!map.is_empty()).then_some(Value::Object(map))
}
