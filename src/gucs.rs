//! Settings (GUCs) under the reserved prefix `pg_jwt_claims`.
//!
//! Every setting that changes what a claim reader answers has an assign hook that bumps the
//! claims generation (see `source.rs`), so cached answers can never outlive the setting they
//! came from.

use crate::source::{bump_enum, bump_string};
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};
use std::ffi::{c_char, CStr, CString};

/// What a session whose `sts` claim is `pending` counts as.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum PendingSession {
    #[name = c"signed_out"]
    SignedOut,
    #[name = c"allow"]
    Allow,
}

pub const DEFAULT_CLAIMS_SETTING: &CStr = c"request.jwt.claims";

static CLAIMS_SETTING: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(DEFAULT_CLAIMS_SETTING));
static PENDING_SESSION: GucSetting<PendingSession> =
    GucSetting::<PendingSession>::new(PendingSession::SignedOut);

pub fn init() {
    // SAFETY: the hooks only bump an atomic counter; they cannot panic.
    unsafe {
        GucRegistry::define_string_guc_with_hooks(
            c"pg_jwt_claims.claims_setting",
            c"Name of the setting that holds the JSON claims object.",
            c"PostgREST 9 and later and Supabase set request.jwt.claims, transaction-locally.",
            &CLAIMS_SETTING,
            GucContext::Suset,
            GucFlags::default(),
            None,
            Some(bump_string),
            None,
        );
        GucRegistry::define_enum_guc_with_hooks(
            c"pg_jwt_claims.pending_session",
            c"Whether a Clerk session whose sts claim is pending counts as signed in.",
            c"signed_out (the default, as Clerk's SDKs do) makes requesting_user_id() and the organization helpers return NULL or false for it.",
            &PENDING_SESSION,
            GucContext::Suset,
            GucFlags::default(),
            None,
            Some(bump_enum),
            None,
        );
        pgrx::pg_sys::MarkGUCPrefixReserved(c"pg_jwt_claims".as_ptr());
    }
}

/// The configured claims setting's name, borrowed from the GUC's own storage. Only valid until
/// the setting changes: callers copy it or use it before running any other SQL.
pub fn claims_setting_name() -> &'static CStr {
    let raw: *mut c_char = CLAIMS_SETTING.get_raw();
    if raw.is_null() {
        DEFAULT_CLAIMS_SETTING
    } else {
        // SAFETY: a non-null GUC string is a NUL-terminated string owned by the GUC machinery.
        unsafe { CStr::from_ptr(raw) }
    }
}

pub fn pending_session() -> PendingSession {
    PENDING_SESSION.get()
}

/// Raw access to a string setting without copying it (the hot path reads it often).
trait RawString {
    fn get_raw(&self) -> *mut c_char;
}

impl RawString for GucSetting<Option<CString>> {
    fn get_raw(&self) -> *mut c_char {
        // SAFETY: the cell holds the GUC's current `char *`; reading it is what Postgres does.
        unsafe { *self.as_ptr() }
    }
}
