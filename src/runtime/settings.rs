//! Settings (GUCs) under the reserved prefix `pg_jwt_claims`.
//!
//! Every setting that changes what a claim reader answers has an assign hook that bumps the
//! claims generation (see `watch.rs`), so cached answers can never outlive the setting they
//! came from.

use crate::pg::errors::SqlError;
use crate::runtime::protected;
use crate::runtime::watch::{bump_enum, bump_string, bump_verification, bump_verification_int};
use pg_jwt_claims_core::jose::find_private;
use pgrx::PgSqlErrorCode;
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

/// Where identity comes from.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// The claims setting, as the gateway put it there.
    #[name = c"trust"]
    Trust,
    /// Only a token that verifies now: `pg_jwt_claims.token`, else the Bearer token in
    /// `request.headers`.
    #[name = c"verify"]
    Verify,
}

pub const DEFAULT_CLAIMS_SETTING: &CStr = c"request.jwt.claims";

static CLAIMS_SETTING: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(DEFAULT_CLAIMS_SETTING));
static PENDING_SESSION: GucSetting<PendingSession> =
    GucSetting::<PendingSession>::new(PendingSession::SignedOut);
static MODE: GucSetting<Mode> = GucSetting::<Mode>::new(Mode::Trust);
static TOKEN: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static SECRET: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static SECRET_FILE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static JWKS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static ISSUER: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static AUDIENCE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static AUTHORIZED_PARTIES: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static ALGORITHMS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static TOKEN_TYPES: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(Some(c"JWT"));
static REQUIRED_CLAIMS: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"exp"));
/// Clerk's SDK allows 5 seconds of clock skew.
static LEEWAY: GucSetting<i32> = GucSetting::<i32>::new(5);
static ISSUERS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
// The key worker's settings (server-wide: the worker and every backend read the same values).
static JWKS_MIN_REFRESH: GucSetting<i32> = GucSetting::<i32>::new(300);
static JWKS_MAX_REFRESH: GucSetting<i32> = GucSetting::<i32>::new(86_400);
static JWKS_MAX_STALENESS: GucSetting<i32> = GucSetting::<i32>::new(172_800);
static JWKS_REFETCH_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(30);
static JWKS_WAIT: GucSetting<i32> = GucSetting::<i32>::new(2_000);
static HTTP_TIMEOUT: GucSetting<i32> = GucSetting::<i32>::new(5_000);
static HTTP_MAX_BYTES: GucSetting<i32> = GucSetting::<i32>::new(65_536);
static HTTP_CA_FILE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static INSECURE_LOOPBACK_HTTP: GucSetting<bool> = GucSetting::<bool>::new(false);

/// The largest JWK Set the key worker keeps for an issuer (its shared memory slot).
pub const JWKS_MAX_BYTES: i32 = 65_536;

/// A string setting: name, descriptions, storage, context, flags, check hook, assign hook.
type StringGuc = (
    &'static CStr,
    &'static CStr,
    &'static CStr,
    &'static GucSetting<Option<CString>>,
    GucContext,
    GucFlags,
    pgrx::pg_sys::GucStringCheckHook,
    pgrx::pg_sys::GucStringAssignHook,
);

/// An integer setting of the key worker: name, description, storage, minimum, maximum, unit.
type IntGuc = (
    &'static CStr,
    &'static CStr,
    &'static GucSetting<i32>,
    i32,
    i32,
    GucFlags,
);

/// Every setting only a superuser (or a role granted SET on it) may set: a value for one of
/// them that Postgres refuses when the library loads fails closed (see `protected.rs`).
const PROTECTED: [&CStr; 14] = [
    c"pg_jwt_claims.claims_setting",
    c"pg_jwt_claims.pending_session",
    c"pg_jwt_claims.mode",
    c"pg_jwt_claims.secret",
    c"pg_jwt_claims.secret_file",
    c"pg_jwt_claims.jwks",
    c"pg_jwt_claims.issuer",
    c"pg_jwt_claims.audience",
    c"pg_jwt_claims.authorized_parties",
    c"pg_jwt_claims.algorithms",
    c"pg_jwt_claims.token_types",
    c"pg_jwt_claims.required_claims",
    c"pg_jwt_claims.leeway",
    c"pg_jwt_claims.issuers",
];

pub fn init() {
    let watch = protected::watch(&PROTECTED);
    define();
    watch.finish(c"pg_jwt_claims.secret");
    // SAFETY: reserves the prefix once every setting is defined.
    unsafe {
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        pgrx::pg_sys::EmitWarningsOnPlaceholders(c"pg_jwt_claims".as_ptr());
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        pgrx::pg_sys::MarkGUCPrefixReserved(c"pg_jwt_claims".as_ptr());
    }
}

fn define() {
    define_issuers();
    // SAFETY: the assign hooks only bump an atomic counter; the check hooks only read their
    // argument and set the check error strings.
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
        GucRegistry::define_enum_guc_with_hooks(
            c"pg_jwt_claims.mode",
            c"Where identity comes from: trust (the claims setting) or verify (a verified token).",
            c"In verify mode every claim reader takes claims only from a token that verifies now: pg_jwt_claims.token, else the Bearer token in request.headers.",
            &MODE,
            GucContext::Suset,
            GucFlags::default(),
            None,
            Some(bump_enum),
            None,
        );
        let secret = GucFlags::SUPERUSER_ONLY | GucFlags::NO_SHOW_ALL;
        let strings: [StringGuc; 10] = [
            (c"pg_jwt_claims.token", c"The compact JWT of the current request (verify mode).",
             c"Set transaction-locally by jwt_authenticate(); any role may set it, only a token that verifies counts.",
             &TOKEN, GucContext::Userset, GucFlags::NO_SHOW_ALL, None, Some(bump_string)),
            (c"pg_jwt_claims.secret", c"HMAC secret for HS256/384/512 tokens, for a session's SET only (deprecated).",
             c"Accepted only from SET in a session: from the configuration files it would be written to the server log on reload, and from ALTER DATABASE/ROLE it is readable by every role. Use pg_jwt_claims.secret_file.",
             &SECRET, GucContext::Suset, secret, Some(check_secret_source), Some(bump_verification)),
            (c"pg_jwt_claims.secret_file", c"File holding the HMAC secret for HS256/384/512 tokens.",
             c"Read by the server; it must be a regular file with no group or world access (0600, or 0640 when owned by root). One trailing newline is ignored.",
             &SECRET_FILE, GucContext::Suset, GucFlags::default(), None, Some(bump_verification)),
            (c"pg_jwt_claims.jwks", c"Verification keys: a JWK Set, a JWK, or PEM public keys.",
             c"Public keys only: private key material is refused. Visible only to superusers.",
             &JWKS, GucContext::Suset, secret, Some(check_jwks), Some(bump_verification)),
            (c"pg_jwt_claims.issuer", c"Required iss claim; empty: not checked.", c"",
             &ISSUER, GucContext::Suset, GucFlags::default(), None, Some(bump_verification)),
            (c"pg_jwt_claims.audience", c"Accepted aud values, comma-separated; empty: not checked.", c"",
             &AUDIENCE, GucContext::Suset, GucFlags::default(), None, Some(bump_verification)),
            (c"pg_jwt_claims.authorized_parties", c"Accepted azp values (origins), comma-separated; empty: not checked.",
             c"Clerk recommends checking azp against your frontend origins to prevent CSRF.",
             &AUTHORIZED_PARTIES, GucContext::Suset, GucFlags::default(), None, Some(bump_verification)),
            (c"pg_jwt_claims.algorithms", c"Accepted alg values, comma-separated; empty: every supported algorithm.", c"",
             &ALGORITHMS, GucContext::Suset, GucFlags::default(), None, Some(bump_verification)),
            (c"pg_jwt_claims.token_types", c"Accepted typ header values, comma-separated, compared exactly; empty: not checked.",
             c"A token without typ is accepted. The default, JWT, refuses an OAuth access token (at+jwt) signed by the same keys, as Clerk's SDK does.",
             &TOKEN_TYPES, GucContext::Suset, GucFlags::default(), None, Some(bump_verification)),
            (c"pg_jwt_claims.required_claims", c"Claims every token must carry, comma-separated; empty: none.",
             c"Clerk's SDK requires exp and sub; sub is optional by default because Supabase's anon key has none.",
             &REQUIRED_CLAIMS, GucContext::Suset, GucFlags::default(), None, Some(bump_verification)),
        ];
        for (name, short, long, setting, context, flags, check, assign) in strings {
            GucRegistry::define_string_guc_with_hooks(
                name, short, long, setting, context, flags, check, assign, None,
            );
        }
        GucRegistry::define_int_guc_with_hooks(
            c"pg_jwt_claims.leeway",
            c"Seconds of clock skew allowed for exp, nbf and iat.",
            c"",
            &LEEWAY,
            0,
            86_400,
            GucContext::Suset,
            GucFlags::UNIT_S,
            None,
            Some(bump_verification_int),
            None,
        );
    }
}

/// `pg_jwt_claims.issuers` and the key worker's settings.
fn define_issuers() {
    // SAFETY: the check hook only parses its argument; the assign hook bumps a counter.
    unsafe {
        GucRegistry::define_string_guc_with_hooks(
            c"pg_jwt_claims.issuers",
            c"The issuers whose tokens verify mode accepts: a JSON array, one object per issuer.",
            c"Each object: issuer (the exact iss), and jwks_uri, static keys (jwks, secret_file) or neither (OpenID discovery); audience, authorized_parties, algorithms, token_types, required_claims, leeway. Fetched keys need the library in shared_preload_libraries.",
            &ISSUERS,
            GucContext::Suset,
            GucFlags::default(),
            Some(check_issuers),
            Some(bump_verification),
            None,
        );
        let (s, ms, bytes) = (GucFlags::UNIT_S, GucFlags::UNIT_MS, GucFlags::UNIT_BYTE);
        let ints: [IntGuc; 7] = [
            (c"pg_jwt_claims.jwks_min_refresh", c"Shortest time fetched keys are kept before the key worker fetches them again (Cache-Control max-age is clamped to it).", &JWKS_MIN_REFRESH, 1, 86_400, s),
            (c"pg_jwt_claims.jwks_max_refresh", c"Longest time fetched keys are kept before the key worker fetches them again (Cache-Control max-age is clamped to it).", &JWKS_MAX_REFRESH, 1, 30 * 86_400, s),
            (c"pg_jwt_claims.jwks_max_staleness", c"How long the last fetched keys stay in use after they were fetched, while fetches fail; then verification for that issuer fails closed.", &JWKS_MAX_STALENESS, 1, 365 * 86_400, s),
            (c"pg_jwt_claims.jwks_refetch_interval", c"Least time between two fetches of one issuer's keys for a token whose kid is unknown, and between retries after a failure.", &JWKS_REFETCH_INTERVAL, 1, 86_400, s),
            (c"pg_jwt_claims.jwks_wait", c"How long a query waits for the key worker to fetch keys for a token whose kid is unknown (0: does not wait).", &JWKS_WAIT, 0, 60_000, ms),
            (c"pg_jwt_claims.http_timeout", c"Deadline of one fetch of the key worker (a discovery document or a JWK Set), redirects included.", &HTTP_TIMEOUT, 100, 300_000, ms),
            (c"pg_jwt_claims.http_max_bytes", c"The largest discovery document or JWK Set the key worker accepts.", &HTTP_MAX_BYTES, 1_024, JWKS_MAX_BYTES, bytes),
        ];
        for (name, short, setting, min, max, unit) in ints {
            GucRegistry::define_int_guc_with_hooks(
                name,
                short,
                c"",
                setting,
                min,
                max,
                GucContext::Sighup,
                unit,
                None,
                Some(bump_verification_int),
                None,
            );
        }
        GucRegistry::define_string_guc_with_hooks(
            c"pg_jwt_claims.http_ca_file",
            c"PEM file of the CA certificates the key worker trusts; empty: the system's roots.",
            c"For private issuers and tests.",
            &HTTP_CA_FILE,
            GucContext::Sighup,
            GucFlags::default(),
            None,
            Some(bump_verification),
            None,
        );
        GucRegistry::define_bool_guc_with_hooks(
            c"pg_jwt_claims.insecure_loopback_http",
            c"Lets the key worker fetch plain http URLs of loopback addresses. For tests only.",
            c"",
            &INSECURE_LOOPBACK_HTTP,
            GucContext::Sighup,
            GucFlags::default(),
            None,
            None,
            None,
        );
    }
}

/// Refuses an issuers value the core cannot read, or one holding private key material, with
/// the reason as the detail: the last good value stays (a reload with a typo changes nothing).
/// The message never quotes the value (Postgres' default one would), which may hold a key.
#[pgrx::pg_guard]
unsafe extern "C-unwind" fn check_issuers(
    newval: *mut *mut c_char,
    _extra: *mut *mut std::ffi::c_void,
    _source: pgrx::pg_sys::GucSource::Type,
) -> bool {
    // SAFETY: Postgres passes the proposed value, NULL or NUL-terminated.
    let value = unsafe { (*newval).as_ref().map(|p| CStr::from_ptr(p)) };
    let Some(value) = value else { return true };
    let name = "pg_jwt_claims.issuers";
    let problem = match value.to_str() {
        Err(_) => "the value is not valid UTF-8".to_string(),
        Ok(text) => {
            if let Some(found) = find_private(text) {
                return refuse_private(name, &found);
            }
            match pg_jwt_claims_core::issuers::parse(text) {
                Ok(_) => return true,
                Err(e) => e,
            }
        }
    };
    refuse(
        &format!("invalid value for parameter \"{name}\""),
        &problem,
        None,
    )
}

/// Refuses private key material in `pg_jwt_claims.jwks` (the rest of the value is checked
/// when it is used, as before).
#[pgrx::pg_guard]
unsafe extern "C-unwind" fn check_jwks(
    newval: *mut *mut c_char,
    _extra: *mut *mut std::ffi::c_void,
    _source: pgrx::pg_sys::GucSource::Type,
) -> bool {
    // SAFETY: Postgres passes the proposed value, NULL or NUL-terminated.
    let value = unsafe { (*newval).as_ref().map(|p| CStr::from_ptr(p)) };
    let text = value.map(|v| v.to_string_lossy()).unwrap_or_default();
    match find_private(&text) {
        None => true,
        Some(found) => refuse_private("pg_jwt_claims.jwks", &found),
    }
}

/// `pg_jwt_claims.secret` only from a session's SET: from the configuration files (and so
/// ALTER SYSTEM) the postmaster writes every changed value to the server log on reload, and no
/// flag hides it; from ALTER DATABASE/ROLE … SET or a function's SET clause (validated as
/// PGC_S_TEST) it is stored in a catalog every role can read. A refused file value never
/// reaches that log line, which is written only for a value that was applied.
#[pgrx::pg_guard]
unsafe extern "C-unwind" fn check_secret_source(
    newval: *mut *mut c_char,
    _extra: *mut *mut std::ffi::c_void,
    source: pgrx::pg_sys::GucSource::Type,
) -> bool {
    use pgrx::pg_sys::GucSource;
    // SAFETY: Postgres passes the proposed value, NULL or NUL-terminated.
    let empty = unsafe { (*newval).as_ref().is_none_or(|p| *p == 0) };
    if empty || matches!(source, GucSource::PGC_S_DEFAULT | GucSource::PGC_S_SESSION) {
        return true;
    }
    refuse(
        "pg_jwt_claims.secret is accepted only from SET in a session",
        "A secret in the configuration files (or ALTER SYSTEM) is written to the server log when the configuration is reloaded, and one in ALTER DATABASE, ALTER ROLE or a function's SET clause is stored where every role can read it.",
        Some("Put the secret in a file only the server can read and set pg_jwt_claims.secret_file."),
    )
}

/// The refusal of private key material in a setting: what was found, never the value.
fn refuse_private(name: &str, found: &pg_jwt_claims_core::jose::PrivateMaterial) -> bool {
    refuse(
        &format!("{name} must hold public keys only"),
        &format!("The value holds {found}. Settings are not secrets: every role can read them (SHOW, pg_settings, or the setting's placeholder before the library loads)."),
        Some("Give public keys only (a JWK Set, a JWK or PEM public keys); keep an HMAC secret in a file only the server can read, named by pg_jwt_claims.secret_file or an issuer's \"secret_file\"."),
    )
}

/// Fails a check hook with this message, detail and hint (SQLSTATE 22023, the check hooks'
/// default), in place of Postgres' message, which would quote the value.
fn refuse(message: &str, detail: &str, hint: Option<&str>) -> bool {
    let text = |s: &str| CString::new(s.replace('\0', "")).unwrap_or_default();
    let (message, detail) = (text(message), text(detail));
    let hint = hint.map(text);
    // SAFETY: the strings are copied into the current memory context, as GUC_check_errmsg and
    // its siblings do.
    unsafe {
        use pgrx::pg_sys::{pstrdup, GUC_check_errdetail_string, GUC_check_errmsg_string};
        GUC_check_errmsg_string = pstrdup(message.as_ptr());
        GUC_check_errdetail_string = pstrdup(detail.as_ptr());
        if let Some(hint) = hint {
            pgrx::pg_sys::GUC_check_errhint_string = pstrdup(hint.as_ptr());
        }
    }
    false
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

pub fn mode() -> Mode {
    MODE.get()
}

/// A string setting's current value ('' when unset), borrowed until the setting changes.
/// Raises 22021 for bytes that are not UTF-8 (possible in a SQL_ASCII database): a value is
/// never read as unset because it could not be read.
fn text(setting: &GucSetting<Option<CString>>, name: &str) -> &'static str {
    let raw = setting.get_raw();
    if raw.is_null() {
        return "";
    }
    // SAFETY: a non-null GUC string is NUL-terminated and owned by the GUC machinery.
    let value = unsafe { CStr::from_ptr(raw) };
    value.to_str().unwrap_or_else(|_| not_utf8(name).raise())
}

/// The error for a setting whose value is not UTF-8.
pub fn not_utf8(name: &str) -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
        format!("setting \"{name}\" is not valid UTF-8"),
    )
    .detail("pg_jwt_claims reads tokens, keys and claims as UTF-8.")
}

/// A comma-separated list setting, items trimmed, empty items dropped.
fn list(setting: &GucSetting<Option<CString>>, name: &str) -> Vec<String> {
    text(setting, name)
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub fn token() -> &'static str {
    text(&TOKEN, "pg_jwt_claims.token")
}

pub fn secret() -> &'static str {
    text(&SECRET, "pg_jwt_claims.secret")
}

pub fn secret_file() -> &'static str {
    text(&SECRET_FILE, "pg_jwt_claims.secret_file")
}

pub fn jwks() -> &'static str {
    text(&JWKS, "pg_jwt_claims.jwks")
}

/// Fails closed when a protected setting was refused at load (see `protected.rs`).
pub fn check_protected() -> Result<(), SqlError> {
    protected::check()
}

/// Refuses a secret other roles could read (see `protected.rs`).
pub fn check_secret(secret: &str) -> Result<(), SqlError> {
    protected::check_secret(c"pg_jwt_claims.secret", secret)
}

/// The validation settings, as the core's policy wants them (owned: they are read once per
/// verification, not per row).
pub struct Validation {
    pub issuer: Option<String>,
    pub audiences: Vec<String>,
    pub authorized_parties: Vec<String>,
    pub algorithms: Vec<String>,
    pub token_types: Vec<String>,
    pub required_claims: Vec<String>,
    pub leeway: i64,
}

/// `pg_jwt_claims.leeway` in seconds.
pub fn leeway() -> i64 {
    i64::from(LEEWAY.get())
}

pub fn validation() -> Validation {
    let issuer = text(&ISSUER, "pg_jwt_claims.issuer").trim();
    Validation {
        issuer: (!issuer.is_empty()).then(|| issuer.to_owned()),
        audiences: list(&AUDIENCE, "pg_jwt_claims.audience"),
        authorized_parties: list(&AUTHORIZED_PARTIES, "pg_jwt_claims.authorized_parties"),
        algorithms: list(&ALGORITHMS, "pg_jwt_claims.algorithms"),
        token_types: list(&TOKEN_TYPES, "pg_jwt_claims.token_types"),
        required_claims: list(&REQUIRED_CLAIMS, "pg_jwt_claims.required_claims"),
        leeway: leeway(),
    }
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

/// `pg_jwt_claims.issuers`: the declared issuers' text ('' when none).
pub fn issuers() -> &'static str {
    text(&ISSUERS, "pg_jwt_claims.issuers")
}

/// The key worker's timing and HTTP settings.
pub struct KeyWorker {
    pub min_refresh_s: i64,
    pub max_refresh_s: i64,
    pub max_staleness_s: i64,
    pub refetch_interval_s: i64,
    pub wait_ms: i64,
    pub http: pg_jwt_claims_core::fetch::Settings,
}

pub fn key_worker() -> KeyWorker {
    let min = i64::from(JWKS_MIN_REFRESH.get());
    KeyWorker {
        min_refresh_s: min,
        max_refresh_s: i64::from(JWKS_MAX_REFRESH.get()).max(min),
        max_staleness_s: i64::from(JWKS_MAX_STALENESS.get()),
        refetch_interval_s: i64::from(JWKS_REFETCH_INTERVAL.get()),
        wait_ms: i64::from(JWKS_WAIT.get()),
        http: pg_jwt_claims_core::fetch::Settings {
            timeout: std::time::Duration::from_millis(HTTP_TIMEOUT.get().max(1) as u64),
            max_bytes: HTTP_MAX_BYTES.get().clamp(1_024, JWKS_MAX_BYTES) as usize,
            ca_file: text(&HTTP_CA_FILE, "pg_jwt_claims.http_ca_file").to_string(),
            loopback_http: INSECURE_LOOPBACK_HTTP.get(),
        },
    }
}
