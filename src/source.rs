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
//! adopted once they exist — the placeholder Postgres made when they were first set is turned
//! into a custom string setting with the same flags (not shown by SHOW ALL, user-settable), the
//! same value and the same transaction-local stack, whose only difference is our assign hook.
//! Each hook bumps [`generation`]. A cached answer records the generation it was computed at and
//! is used only while the generation is unchanged, so it can never answer for other settings.
//!
//! Settings read by name (the legacy per-claim ones, a claims setting that does not exist yet or
//! that another module defined, any setting inside a parallel worker, where Postgres forbids
//! defining one) are not watched; answers that depended on them are computed on every call.
//!
//! # Caches
//! * `CURRENT`: the resolved claims for the current generation (one entry).
//! * `PARSED`: claims texts already parsed, keyed by the exact text, at most
//!   [`PARSED_ENTRIES`] entries and [`PARSED_BYTES`] bytes of text (a plpgsql loop that alternates
//!   between users parses each text once).
//! * Per call site (`callsite.rs`): the finished Datum of one SQL call.

use crate::claims::{legacy_claim_value, Claims, ParseError};
use crate::errors::SqlError;
use crate::{gucs, verification};
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

static VERIFICATION_GENERATION: AtomicU64 = AtomicU64::new(1);

/// Changes whenever a key or validation setting changes: verified tokens and parsed key sets
/// are cached for one verification generation.
pub fn verification_generation() -> u64 {
    VERIFICATION_GENERATION.load(Ordering::Relaxed)
}

/// Assign hook for key and validation string settings.
pub unsafe extern "C-unwind" fn bump_verification(_new: *const c_char, _extra: *mut c_void) {
    VERIFICATION_GENERATION.fetch_add(1, Ordering::Relaxed);
    bump();
}

/// Assign hook for key and validation integer settings.
pub unsafe extern "C-unwind" fn bump_verification_int(_new: c_int, _extra: *mut c_void) {
    VERIFICATION_GENERATION.fetch_add(1, Ordering::Relaxed);
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
    /// The claims setting holds an object, or (verify mode) the token verified.
    Claims(Rc<Claims>),
    /// The claims setting is unset or '': readers fall back to the legacy per-claim settings.
    Legacy,
    /// Verify mode without a token: no identity.
    Nothing,
    /// The claims setting is not a JSON object, or (verify mode) the token failed.
    Invalid(Rc<SqlError>),
}

/// How long an answer computed from the current claims stays right.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Validity {
    /// Only for this call: it read settings that are not watched.
    Call,
    /// While the claims generation is unchanged.
    Generation,
    /// While the generation is unchanged and the statement started at this time (verify
    /// mode: `exp`, `nbf` and `iat` are judged against the statement's start).
    Statement(i64),
}

impl Validity {
    /// The validity of an answer computed now, given what the claims were resolved from.
    pub fn holds(self, generation_unchanged: bool) -> bool {
        match self {
            Validity::Call => false,
            Validity::Generation => generation_unchanged,
            Validity::Statement(start) => generation_unchanged && statement_start() == start,
        }
    }
}

/// The current statement's start (TimestampTz, microseconds): what verify mode judges time
/// claims by, so an answer stays the same within a statement and a token expires between two
/// statements of one transaction.
pub fn statement_start() -> i64 {
    // SAFETY: reads the current statement's start timestamp.
    unsafe { pg_sys::GetCurrentStatementStartTimestamp() }
}

struct Current {
    generation: u64,
    resolved: Resolved,
    validity: Validity,
}

thread_local! {
    static WATCHED: RefCell<Vec<Watched>> = const { RefCell::new(Vec::new()) };
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    static PARSED: RefCell<Vec<Rc<Claims>>> = const { RefCell::new(Vec::new()) };
}

/// Adopts the default claims setting at load time if it was already set.
pub fn init() {
    let _ = read_setting(gucs::DEFAULT_CLAIMS_SETTING);
    let _ = read_setting(c"request.headers");
}

/// The current value of a setting and whether it is watched. `None` when unset.
pub fn read_setting(name: &CStr) -> (Option<&'static CStr>, bool) {
    WATCHED.with_borrow_mut(|watched| {
        if let Some(w) = watched.iter().find(|w| w.name.as_c_str() == name) {
            return match w.var.as_deref() {
                Some(var) => (value_of(*var), true),
                None => (by_name(name), false),
            };
        }
        match adopt(name, watched.len()) {
            Adoption::Adopted(var) => {
                let answer = (value_of(*var), true);
                watched.push(Watched {
                    name: name.to_owned(),
                    var: Some(var),
                });
                answer
            }
            // Someone else defined it: read it by name from now on.
            Adoption::Never => {
                watched.push(Watched {
                    name: name.to_owned(),
                    var: None,
                });
                (by_name(name), false)
            }
            Adoption::NotNow => (by_name(name), false),
        }
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

enum Adoption {
    Adopted(&'static mut *mut c_char),
    /// Not yet: the setting does not exist, or we are in parallel mode.
    NotNow,
    /// Another module defined it (or it is not a custom setting, or too many are adopted).
    Never,
}

/// Defines `name` as a custom string setting with our assign hook once it exists as a
/// placeholder (it was set before): the placeholder's value and transaction-local stack are
/// kept, exactly as for any extension's own settings. A setting that does not exist yet is left
/// alone, so `current_setting(name, true)` stays NULL in a session that never set it, as it
/// would without the extension.
fn adopt(name: &CStr, adopted: usize) -> Adoption {
    // SAFETY: plain reads of process-global state; DefineCustomStringVariable is the documented
    // way to define a setting, and copies the name.
    unsafe {
        if adopted >= MAX_ADOPTED || !name.to_bytes().contains(&b'.') {
            return Adoption::Never;
        }
        let flags = pg_sys::GetConfigOptionFlags(name.as_ptr(), true);
        if flags & pg_sys::GUC_CUSTOM_PLACEHOLDER as c_int == 0 {
            let missing =
                flags == 0 && pg_sys::GetConfigOption(name.as_ptr(), true, false).is_null();
            return if missing {
                Adoption::NotNow
            } else {
                Adoption::Never
            };
        }
        // Defining re-applies the placeholder's value, which Postgres forbids in parallel mode.
        if pg_sys::IsInParallelMode() {
            return Adoption::NotNow;
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
        Adoption::Adopted(var)
    }
}

/// The claims for the current settings, and how long that answer stays right.
pub fn current() -> (Resolved, Validity) {
    let generation = generation();
    let hit = CURRENT.with_borrow(|c| {
        c.as_ref()
            .filter(|c| c.generation == generation && c.validity.holds(true))
            .map(|c| (c.resolved.clone(), c.validity))
    });
    if let Some(hit) = hit {
        return hit;
    }
    if let Err(err) = gucs::check_protected() {
        err.raise();
    }
    let (resolved, validity) = match gucs::mode() {
        gucs::Mode::Trust => trusted(),
        gucs::Mode::Verify => verified(),
    };
    CURRENT.set(Some(Current {
        generation,
        resolved: resolved.clone(),
        validity,
    }));
    (resolved, validity)
}

/// Trust mode: the claims setting as it is.
fn trusted() -> (Resolved, Validity) {
    let name = gucs::claims_setting_name();
    let (text, watched) = read_setting(name);
    let resolved = match text.map(CStr::to_bytes).filter(|t| !t.is_empty()) {
        None => Resolved::Legacy,
        Some(bytes) => match parse_cached(bytes) {
            Ok(claims) => Resolved::Claims(claims),
            Err(err) => Resolved::Invalid(Rc::new(invalid_claims(name, &err))),
        },
    };
    // Legacy answers depend on settings read by name: they are never kept.
    let validity = if watched && !matches!(resolved, Resolved::Legacy) {
        Validity::Generation
    } else {
        Validity::Call
    };
    (resolved, validity)
}

/// Verify mode: only a token that verifies now — `pg_jwt_claims.token`, else the Bearer token
/// of PostgREST's `request.headers`. The claims setting is never read.
fn verified() -> (Resolved, Validity) {
    let validity = Validity::Statement(statement_start());
    let token = match gucs::token() {
        "" => {
            let (headers, watched) = read_setting(c"request.headers");
            let validity = if watched { validity } else { Validity::Call };
            let headers = headers.map(|h| h.to_string_lossy()).unwrap_or_default();
            match bearer_token(&headers) {
                Ok(Some(token)) => (token, validity),
                Ok(None) => return (Resolved::Nothing, validity),
                Err(err) => return (Resolved::Invalid(Rc::new(err)), validity),
            }
        }
        token => (token.to_owned(), validity),
    };
    match verification::verified_claims(&token.0) {
        Ok(claims) => (Resolved::Claims(claims), token.1),
        Err(err) => (Resolved::Invalid(Rc::new(err)), token.1),
    }
}

/// The Bearer token of PostgREST's `request.headers` JSON (header names in lower case).
/// `Ok(None)` without an `authorization` header or with another scheme.
pub fn bearer_token(headers: &str) -> Result<Option<String>, SqlError> {
    if headers.trim().is_empty() {
        return Ok(None);
    }
    let bad = |detail: String| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            "setting \"request.headers\" is not a JSON object",
        )
        .detail(detail)
    };
    let value = crate::verify::parse_value(headers).map_err(bad)?;
    let Value::Object(map) = value else {
        return Err(bad("The request headers must be a JSON object.".into()));
    };
    let Some(Value::String(auth)) = map.get("authorization") else {
        return Ok(None);
    };
    let auth = auth.trim();
    let token = auth
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .filter(|t| !t.is_empty());
    Ok(token)
}

fn invalid_claims(setting: &CStr, err: &ParseError) -> SqlError {
    let setting = setting.to_string_lossy();
    match err {
        ParseError::TooDeep => SqlError::new(
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            format!("claims in setting \"{setting}\" are nested too deeply"),
        )
        .detail("JSON nested 128 or more levels deep is not read."),
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
/// how long the answer stays right. Raises for a claims setting that is not a JSON object, and
/// in verify mode for a token that does not verify.
pub fn view(names: &[&str]) -> (Option<View>, Validity) {
    match current() {
        (Resolved::Claims(c), validity) => (Some(View::Shared(c)), validity),
        (Resolved::Nothing, validity) => (None, validity),
        (Resolved::Invalid(err), _) => err.raise(),
        (Resolved::Legacy, _) => (legacy(names).map(View::Assembled), Validity::Call),
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

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_tokens_from_postgrest_headers() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                r#"{"authorization":"Bearer abc.def.ghi"}"#,
                Some("abc.def.ghi"),
            ),
            (
                r#"{"authorization":"bearer  abc.def.ghi "}"#,
                Some("abc.def.ghi"),
            ),
            (r#"{"authorization":"Basic dXNlcjpwYXNz"}"#, None),
            (r#"{"authorization":"Bearer"}"#, None),
            (r#"{"authorization":"Bearer "}"#, None),
            (r#"{"authorization":42}"#, None),
            (r#"{"accept":"*/*"}"#, None),
            ("", None),
        ];
        for (headers, want) in cases {
            assert_eq!(
                bearer_token(headers).ok().flatten().as_deref(),
                *want,
                "{headers}"
            );
        }
        assert!(bearer_token("not json").is_err());
        assert!(bearer_token("[1]").is_err());
    }
}
