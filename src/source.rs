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
//! adopted once they exist, in one of two ways:
//! * **No module has defined it** (Postgres made a placeholder when it was first set): it is
//!   turned into a custom string setting with the placeholder's flags (not shown by SHOW ALL,
//!   user-settable), value and transaction-local stack, and our assign hook. Our definition keeps
//!   the placeholder mark, so a module that defines the same setting later (Neon's
//!   `pg_session_jwt` defines `request.jwt.claims`) takes it over exactly as it would take over
//!   Postgres' placeholder, values and stack included, instead of failing with "attempt to
//!   redefine parameter". That hand-over clears the storage of our definition, which is never
//!   NULL otherwise; [`generation`] notices it before any cached answer is served, moves on, and
//!   chains onto the new owner's hook.
//! * **Another module defined it**: our hook is chained onto its record's assign hook (the
//!   module's own hook, if any, runs first), and its storage is read directly.
//!
//! Each hook bumps [`generation`]. A cached answer records the generation it was computed at and
//! is used only while the generation is unchanged, so it can never answer for other settings.
//! Nothing here keys an answer on where a value is stored: a freed value's address can be reused
//! for the next value.
//!
//! Settings read by name (the legacy per-claim ones, a claims setting that does not exist yet or
//! is built into Postgres, any setting inside a parallel worker, where Postgres forbids defining
//! one) are not watched; answers that depended on them are computed on every call.
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
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// The claims generation: changes whenever a watched setting changes, and when a setting we
/// defined was taken over by another module (checked here, on every call).
#[inline]
pub fn generation() -> u64 {
    if OURS[..OURS_COUNT.load(Ordering::Relaxed)]
        .iter()
        .any(|slot| handed_over(slot.load(Ordering::Relaxed)))
    {
        forget_handed_over();
    }
    GENERATION.load(Ordering::Relaxed)
}

/// The storage of the settings we defined (plain statics: a backend has one thread, and the
/// hot path should not pay for thread-local access).
static OURS: [AtomicPtr<*mut c_char>; MAX_ADOPTED] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; MAX_ADOPTED];
static OURS_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Whether the storage of a setting we defined was cleared by a module taking it over.
#[inline]
fn handed_over(var: *mut *mut c_char) -> bool {
    // SAFETY: the storage of a setting we defined (leaked, never freed), or NULL for a slot
    // already forgotten.
    !var.is_null() && unsafe { (*var).is_null() }
}

/// A setting we defined was taken over: stop reading our storage (the next read adopts the
/// new owner's) and make every cached answer stale.
#[cold]
fn forget_handed_over() {
    for slot in &OURS {
        if handed_over(slot.load(Ordering::Relaxed)) {
            slot.store(std::ptr::null_mut(), Ordering::Relaxed);
        }
    }
    WATCHED.with_borrow_mut(|watched| {
        watched.retain(|w| !(w.ours && w.var.is_some_and(handed_over)));
    });
    bump();
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

/// A setting read on the hot path: `var` is its storage (ours or the owning module's), `None`
/// when it is read by name.
struct Watched {
    name: CString,
    var: Option<*mut *mut c_char>,
    /// Whether we defined it (and another module may take it over).
    ours: bool,
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
    // A take-over noticed here drops the stale entry before it is looked up.
    generation();
    WATCHED.with_borrow_mut(|watched| {
        if let Some(w) = watched.iter().find(|w| w.name.as_c_str() == name) {
            return match w.var {
                // SAFETY: the storage of a live setting.
                Some(var) => (value_of(unsafe { *var }), true),
                None => (by_name(name), false),
            };
        }
        let adoption = adopt(name, watched.len());
        let (var, ours) = match adoption {
            Adoption::Defined(var) => (Some(var), true),
            Adoption::Chained(var) => (Some(var), false),
            // Built into Postgres, or too many adopted: read it by name from now on.
            Adoption::Never => (None, false),
            Adoption::NotNow => return (by_name(name), false),
        };
        watched.push(Watched {
            name: name.to_owned(),
            var,
            ours,
        });
        match var {
            // SAFETY: as above.
            Some(var) => (value_of(unsafe { *var }), true),
            None => (by_name(name), false),
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
    /// We defined it (from Postgres' placeholder): our storage.
    Defined(*mut *mut c_char),
    /// Another module defined it: our hook is chained onto its own, and this is its storage.
    Chained(*mut *mut c_char),
    /// Not yet: the setting does not exist, or we are in parallel mode.
    NotNow,
    /// Built into Postgres (or too many are adopted).
    Never,
}

/// Watches setting `name` once it exists (see the design note). A setting that does not exist
/// yet is left alone, so `current_setting(name, true)` stays NULL in a session that never set
/// it, as it would without the extension.
fn adopt(name: &CStr, adopted: usize) -> Adoption {
    if adopted >= MAX_ADOPTED || !name.to_bytes().contains(&b'.') {
        return Adoption::Never;
    }
    // A setting that does not exist is the common case in legacy mode, on every call: Postgres'
    // own lookup (a binary search, or a hash before 16) answers it, not the record scan.
    // SAFETY: plain lookups by name; neither creates a placeholder nor raises.
    let exists = unsafe {
        pg_sys::GetConfigOptionFlags(name.as_ptr(), true) != 0
            || !pg_sys::GetConfigOption(name.as_ptr(), true, false).is_null()
    };
    let Some(record) = exists.then(|| crate::guc_records::find(name)).flatten() else {
        return Adoption::NotNow;
    };
    // SAFETY: a live record, read and (for a defined string setting) given a chained hook;
    // DefineCustomStringVariable is the documented way to define a setting, and copies the name.
    unsafe {
        if (*record).flags & pg_sys::GUC_CUSTOM_PLACEHOLDER as c_int == 0 {
            return chain(record);
        }
        // Defining re-applies the placeholder's value, which Postgres forbids in parallel mode.
        if pg_sys::IsInParallelMode() {
            return Adoption::NotNow;
        }
        let slot = OURS_COUNT.load(Ordering::Relaxed);
        if slot >= MAX_ADOPTED {
            return Adoption::Never;
        }
        let var: *mut *mut c_char = Box::leak(Box::new(std::ptr::null_mut()));
        pg_sys::DefineCustomStringVariable(
            name.as_ptr(),
            c"JWT claims or request data, read by pg_jwt_claims.".as_ptr(),
            std::ptr::null(),
            var,
            // Never NULL while ours: NULL is how a take-over shows.
            c"".as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            (pg_sys::GUC_NO_SHOW_ALL | pg_sys::GUC_NOT_IN_SAMPLE | pg_sys::GUC_CUSTOM_PLACEHOLDER)
                as c_int,
            None,
            Some(bump_string),
            None,
        );
        OURS[slot].store(var, Ordering::Relaxed);
        OURS_COUNT.store(slot + 1, Ordering::Relaxed);
        Adoption::Defined(var)
    }
}

/// The original assign hooks of the string settings other modules defined, by slot.
static CHAINED: [std::sync::OnceLock<pg_sys::GucStringAssignHook>; MAX_ADOPTED] =
    [const { std::sync::OnceLock::new() }; MAX_ADOPTED];

/// Our assign hook for chain slot `N`: the owner's own hook, then a bump.
unsafe extern "C-unwind" fn chained<const N: usize>(new: *const c_char, extra: *mut c_void) {
    if let Some(Some(original)) = CHAINED[N].get() {
        // SAFETY: the owner's hook, called as Postgres would have called it.
        unsafe { original(new, extra) };
    }
    bump();
}

/// One distinct hook per slot (a hook cannot be told which setting it serves).
const CHAIN_HOOKS: [unsafe extern "C-unwind" fn(*const c_char, *mut c_void); MAX_ADOPTED] = [
    chained::<0>,
    chained::<1>,
    chained::<2>,
    chained::<3>,
    chained::<4>,
    chained::<5>,
    chained::<6>,
    chained::<7>,
    chained::<8>,
    chained::<9>,
    chained::<10>,
    chained::<11>,
    chained::<12>,
    chained::<13>,
    chained::<14>,
    chained::<15>,
];

/// Chains our hook onto a string setting another module defined, and reads its storage.
///
/// # Safety
/// `record` must be a live record of a defined setting.
unsafe fn chain(record: *mut pg_sys::config_generic) -> Adoption {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    unsafe {
        if (*record).vartype != pg_sys::config_type::PGC_STRING {
            return Adoption::Never;
        }
        let string = record.cast::<pg_sys::config_string>();
        let slot = NEXT.fetch_add(1, Ordering::Relaxed);
        let (Some(cell), Some(hook)) = (CHAINED.get(slot), CHAIN_HOOKS.get(slot)) else {
            return Adoption::Never;
        };
        let _ = cell.set((*string).assign_hook);
        (*string).assign_hook = Some(*hook);
        // The value may have changed while nobody told us.
        bump();
        Adoption::Chained((*string).variable)
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
