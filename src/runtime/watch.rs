//! Watched settings and the claims generation: a counter that changes whenever a setting a
//! cached answer depends on changes.
//!
//! # Design note
//! A policy calls a claim reader once per row, so the per-call work must be close to nothing,
//! while the answer must follow every change of the settings exactly: COMMIT, ROLLBACK, RESET,
//! subtransactions, `set_config` in the same statement, parallel workers.
//!
//! Postgres runs an assign hook on every change of a setting's value, including the restores at
//! transaction and subtransaction end. So the settings read on the hot path are *watched*: our
//! own settings carry a hook (`settings.rs`), and the claims setting (and `request.headers`) are
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

use crate::pg::guc_records;
use pgrx::pg_sys;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
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

/// Makes every cached answer stale.
pub fn bump() {
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

/// A setting read on the hot path: `var` is its storage (ours or the owning module's), `None`
/// when it is read by name.
struct Watched {
    name: CString,
    var: Option<*mut *mut c_char>,
    /// Whether we defined it (and another module may take it over).
    ours: bool,
}

thread_local! {
    static WATCHED: RefCell<Vec<Watched>> = const { RefCell::new(Vec::new()) };
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
pub fn by_name(name: &CStr) -> Option<&'static CStr> {
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
    let Some(record) = exists.then(|| guc_records::find(name)).flatten() else {
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
