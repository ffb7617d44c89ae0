//! Verification in SQL: `jwt_verify`, `jwt_decode`, `jwt_sign`, `jwt_authenticate`, and the
//! verified identity that verify mode reads.
//!
//! The rules (strict decoding, key selection, algorithms, claim validation) live in the core,
//! `verify/`. This module reads the settings, keeps two caches and maps errors to SQLSTATEs.
//!
//! # Caches
//! * Key sets: parsed key material, keyed by the exact text (the configured keys by the
//!   verification generation, which every key or validation setting change bumps); at most
//!   [`KEYSET_ENTRIES`].
//! * Verified tokens: keyed by the exact token text, the key set and the verification generation;
//!   at most [`TOKEN_ENTRIES`] entries and [`TOKEN_BYTES`] bytes. Only successes are kept, and a
//!   hit re-checks `exp`, `nbf` and `iat` against the statement's start time, so a cached token
//!   expires exactly when an uncached one would.

use crate::callsite::{text_arg, utf8, v1_function};
use crate::claims::Claims;
use crate::errors::SqlError;
use crate::gucs;
use crate::jsonb;
use crate::source::verification_generation;
use crate::verify::{self, check_time, JoseError, KeySet, Policy};
use pgrx::prelude::*;
use pgrx::{pg_sys, JsonB, PgSqlErrorCode};
use std::cell::{OnceCell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

const KEYSET_ENTRIES: usize = 8;
const TOKEN_ENTRIES: usize = 256;
const TOKEN_BYTES: usize = 8 << 20;

/// Maps the core's error kinds to SQLSTATEs (see `verify::JoseError`), for a token being read.
pub fn sql_error(err: &JoseError) -> SqlError {
    with_prefix(err, token_prefix(err))
}

fn token_prefix(err: &JoseError) -> &'static str {
    match err {
        JoseError::Malformed(_) => "malformed token",
        JoseError::Rejected(_) => "token rejected",
        JoseError::InvalidKey(_) => "unusable key",
        JoseError::Unsupported(_) => "unsupported token",
    }
}

/// The same mapping for `jwt_sign`, where no token is involved yet.
fn sign_error(err: &JoseError) -> SqlError {
    with_prefix(err, "cannot sign")
}

fn with_prefix(err: &JoseError, prefix: &str) -> SqlError {
    let code = match err {
        JoseError::Malformed(_) => PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
        JoseError::Rejected(_) => PgSqlErrorCode::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
        JoseError::InvalidKey(_) => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        JoseError::Unsupported(_) => PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
    };
    SqlError::new(code, format!("{prefix}: {}", err.message()))
}

/// A parsed key set and the serial number that identifies it in the token cache.
struct Keys {
    serial: u64,
    set: KeySet,
}

/// Which key material a verification uses.
enum KeySource<'a> {
    Configured,
    Given(&'a str),
}

struct KeyEntry {
    /// The material text, or `None` for the configured keys.
    material: Option<Box<str>>,
    generation: u64,
    keys: Rc<Keys>,
    /// The configured keys: the secret file's identity when read ([`secret_file_stamp`]), and
    /// the statement that last found it unchanged (checked once per statement).
    stamp: Option<(u64, u64, i64, i64)>,
    checked: std::cell::Cell<i64>,
}

impl KeyEntry {
    /// Whether the configured keys were read from a secret file that has changed since.
    fn stale(&self) -> bool {
        if self.material.is_some() || gucs::secret_file().trim().is_empty() {
            return false;
        }
        let statement = crate::source::statement_start();
        if self.checked.get() == statement {
            return false;
        }
        let stale = secret_file_stamp() != self.stamp;
        if !stale {
            self.checked.set(statement);
        }
        stale
    }
}

/// A verified token: its claims and time claims (re-checked on every use).
pub struct VerifiedToken {
    pub claims: Rc<Claims>,
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
    /// The claims as jsonb bytes, kept once the token is verified again.
    jsonb: OnceCell<Box<[u8]>>,
}

struct TokenEntry {
    hash: u64,
    token: Box<str>,
    keys: u64,
    generation: u64,
    verified: Rc<VerifiedToken>,
}

impl TokenEntry {
    /// What the entry holds or may come to hold: the token, and the claims as text, as jsonb
    /// (kept once the token comes again) and as a parsed value (built when verify mode reads
    /// it), each counted at about the text's size, the value at twice.
    fn bytes(&self) -> usize {
        self.token.len() + 4 * self.verified.claims.text().len()
    }
}

/// The verified tokens, most recently used first, with the bytes they hold.
#[derive(Default)]
struct TokenCache {
    entries: VecDeque<TokenEntry>,
    /// The entries' hashes, in the same order: a compact array to scan.
    hashes: VecDeque<u64>,
    bytes: usize,
}

impl TokenCache {
    fn clear(&mut self) {
        self.entries.clear();
        self.hashes.clear();
        self.bytes = 0;
    }

    /// The position of the entry with `hash` that `matches`.
    fn find(&self, hash: u64, matches: impl Fn(&TokenEntry) -> bool) -> Option<usize> {
        self.hashes
            .iter()
            .enumerate()
            .filter(|(_, h)| **h == hash)
            .map(|(i, _)| i)
            .find(|i| self.entries.get(*i).is_some_and(&matches))
    }

    /// Moves entry `i` to the front.
    fn promote(&mut self, i: usize) {
        if i > 0 {
            if let (Some(entry), Some(hash)) = (self.entries.remove(i), self.hashes.remove(i)) {
                self.entries.push_front(entry);
                self.hashes.push_front(hash);
            }
        }
    }

    /// Adds an entry at the front, then drops the least recently used past the bounds.
    fn push(&mut self, entry: TokenEntry) {
        self.bytes += entry.bytes();
        self.hashes.push_front(entry.hash);
        self.entries.push_front(entry);
        while self.entries.len() > TOKEN_ENTRIES
            || (self.bytes > TOKEN_BYTES && self.entries.len() > 1)
        {
            self.hashes.pop_back();
            if let Some(old) = self.entries.pop_back() {
                self.bytes -= old.bytes();
            }
        }
    }
}

/// A cheap hash of a token to skip most string comparisons in the cache: its length and its
/// last 64 bytes, which hold the signature (effectively random per token). Equal hashes are
/// still compared in full.
fn token_hash(token: &str) -> u64 {
    let bytes = token.as_bytes();
    let tail = &bytes[bytes.len().saturating_sub(64)..];
    tail.iter()
        .fold(0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64, |hash, &b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

thread_local! {
    static KEYSETS: RefCell<Vec<KeyEntry>> = const { RefCell::new(Vec::new()) };
    static TOKENS: RefCell<TokenCache> = RefCell::new(TokenCache::default());
    static SERIAL: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn keys(source: KeySource) -> Result<Rc<Keys>, SqlError> {
    let generation = verification_generation();
    let material = match source {
        KeySource::Configured => None,
        KeySource::Given(text) => Some(text),
    };
    let hit = KEYSETS.with_borrow(|sets| {
        sets.iter()
            .find(|e| e.generation == generation && e.material.as_deref() == material)
            .filter(|e| !e.stale())
            .map(|e| e.keys.clone())
    });
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let stamp = material.is_none().then(secret_file_stamp).flatten();
    let set = match material {
        Some(text) => KeySet::parse(text).map_err(|e| sql_error(&e))?,
        None => configured_keys()?,
    };
    let serial = SERIAL.with(|s| {
        s.set(s.get() + 1);
        s.get()
    });
    let keys = Rc::new(Keys { serial, set });
    KEYSETS.with_borrow_mut(|sets| {
        sets.retain(|e| e.generation == generation && e.material.as_deref() != material);
        sets.insert(
            0,
            KeyEntry {
                material: material.map(Into::into),
                generation,
                keys: keys.clone(),
                stamp,
                checked: std::cell::Cell::new(crate::source::statement_start()),
            },
        );
        sets.truncate(KEYSET_ENTRIES);
    });
    Ok(keys)
}

/// The configured keys: the HMAC secret (`pg_jwt_claims.secret_file` or `pg_jwt_claims.secret`,
/// always a secret whatever it looks like) and the public keys of `pg_jwt_claims.jwks`.
fn configured_keys() -> Result<KeySet, SqlError> {
    let secret = configured_secret()?;
    let jwks = gucs::jwks();
    let no_keys = || {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "no verification keys are configured",
        )
        .hint("Set pg_jwt_claims.jwks (a JWK Set, JWK or PEM public key) or pg_jwt_claims.secret_file.")
    };
    let from_secret = |s: &[u8]| KeySet::from_secret(s).map_err(|e| sql_error(&e));
    let from_jwks = |j: &str| {
        KeySet::parse_public(j).map_err(|e| {
            sql_error(&e).detail("The key material in pg_jwt_claims.jwks could not be used.")
        })
    };
    match (secret, jwks.trim().is_empty()) {
        (None, true) => Err(no_keys()),
        (Some(secret), true) => from_secret(&secret),
        (None, false) => from_jwks(jwks),
        (Some(secret), false) => Ok(from_secret(&secret)?.merge(from_jwks(jwks)?)),
    }
}

/// The largest secret file read (a secret is tens of bytes; this bounds a wrong path).
const SECRET_FILE_MAX: u64 = 64 << 10;

/// The configured HMAC secret, `None` when there is none: the content of
/// `pg_jwt_claims.secret_file` (one trailing newline dropped), else `pg_jwt_claims.secret`
/// unless every role could read it before the library loaded (`protected.rs`).
fn configured_secret() -> Result<Option<Vec<u8>>, SqlError> {
    let (secret, path) = (gucs::secret(), gucs::secret_file().trim());
    if !secret.is_empty() && !path.is_empty() {
        return Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "pg_jwt_claims.secret and pg_jwt_claims.secret_file are both set",
        )
        .hint("Keep the secret in pg_jwt_claims.secret_file only."));
    }
    if path.is_empty() {
        if secret.is_empty() {
            return Ok(None);
        }
        gucs::check_secret(secret)?;
        return Ok(Some(secret.as_bytes().to_vec()));
    }
    read_secret_file(path).map(Some)
}

/// Reads a secret file with the rules Postgres applies to `ssl_key_file`: no group or world
/// access, or group read only when root owns it.
fn read_secret_file(path: &str) -> Result<Vec<u8>, SqlError> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let file_error =
        |message: String| SqlError::new(PgSqlErrorCode::ERRCODE_CONFIG_FILE_ERROR, message);
    let unreadable =
        |e: std::io::Error| file_error(format!("could not read secret file \"{path}\": {e}"));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(file_error(format!(
            "secret file \"{path}\" is not a regular file"
        )));
    }
    let allowed = if meta.uid() == 0 { 0o640 } else { 0o600 };
    if meta.mode() & 0o777 & !allowed != 0 {
        return Err(file_error(format!("secret file \"{path}\" has group or world access"))
            .detail("The file must have permissions u=rw (0600) or less if owned by the database user, or u=rw,g=r (0640) or less if owned by root."));
    }
    let mut bytes = Vec::new();
    file.take(SECRET_FILE_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > SECRET_FILE_MAX {
        return Err(file_error(format!(
            "secret file \"{path}\" is larger than {SECRET_FILE_MAX} bytes"
        )));
    }
    if bytes.ends_with(b"\r\n") {
        bytes.truncate(bytes.len() - 2);
    } else if bytes.ends_with(b"\n") {
        bytes.truncate(bytes.len() - 1);
    }
    if bytes.is_empty() {
        return Err(file_error(format!("secret file \"{path}\" is empty")));
    }
    Ok(bytes)
}

/// The secret file's identity when the configured keys were read: a rotated file (new content,
/// or a new file renamed into place) is read again at the next statement.
fn secret_file_stamp() -> Option<(u64, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let path = gucs::secret_file().trim();
    if path.is_empty() {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.ino(), meta.size(), meta.mtime(), meta.mtime_nsec()))
}

/// Unix seconds at the start of the current statement: what every time claim is judged by.
fn now_unix() -> i64 {
    // TimestampTz counts microseconds from 2000-01-01.
    crate::source::statement_start().div_euclid(1_000_000) + 946_684_800
}

/// What the caller will read of a verified token.
enum Want {
    Claims,
    /// The claims as jsonb too (`jwt_verify`), built from the parsed document on a miss.
    Jsonb,
}

/// Verifies `token` with `source` keys and the validation settings, using and filling the
/// verified-token cache. With [`Want::Jsonb`], a token verified now also comes with a new jsonb
/// of its claims.
fn verify_token(
    token: &str,
    source: KeySource,
    want: Want,
) -> Result<(Rc<VerifiedToken>, Option<pg_sys::Datum>), SqlError> {
    gucs::check_protected()?;
    let keys = keys(source)?;
    let generation = verification_generation();
    let now = now_unix();
    let hash = token_hash(token);
    let hit = TOKENS.with_borrow_mut(|cache| {
        let i = cache.find(hash, |e| {
            e.keys == keys.serial && e.generation == generation && *e.token == *token
        })?;
        let verified = cache.entries.get(i)?.verified.clone();
        // Keep recently used tokens at the front.
        cache.promote(i);
        Some(verified)
    });
    if let Some(v) = hit {
        check_time(v.exp, v.nbf, v.iat, now, gucs::leeway()).map_err(|e| sql_error(&e))?;
        return Ok((v, None));
    }
    let validation = gucs::validation();
    let policy = Policy {
        now,
        leeway: validation.leeway,
        issuer: validation.issuer.as_deref(),
        audiences: &validation.audiences,
        authorized_parties: &validation.authorized_parties,
        algorithms: &validation.algorithms,
        token_types: &validation.token_types,
        required_claims: &validation.required_claims,
    };
    let verified = verify::verify(token, &keys.set, &policy).map_err(|e| sql_error(&e))?;
    // The cache keeps a copy of the jsonb only once the token comes again: most distinct
    // tokens never do.
    let datum = match want {
        Want::Jsonb => Some(jsonb::from_doc(&verified.claims)?),
        Want::Claims => None,
    };
    let jsonb = OnceCell::new();
    let verified = Rc::new(VerifiedToken {
        claims: Rc::new(Claims::from_verified(verified.claims)),
        exp: verified.exp,
        nbf: verified.nbf,
        iat: verified.iat,
        jsonb,
    });
    TOKENS.with_borrow_mut(|cache| {
        if cache
            .entries
            .front()
            .is_some_and(|e| e.generation != generation)
        {
            cache.clear();
        }
        let entry = TokenEntry {
            hash,
            token: token.into(),
            keys: keys.serial,
            generation,
            verified: verified.clone(),
        };
        cache.push(entry);
    });
    Ok((verified, datum))
}

/// The claims of the configured keys' verification of `token` (verify mode).
pub fn verified_claims(token: &str) -> Result<Rc<Claims>, SqlError> {
    verify_token(token, KeySource::Configured, Want::Claims).map(|(v, _)| v.claims.clone())
}

/// A new jsonb of a cached token's claims: a copy of the bytes the cache keeps, which are made
/// from the claims text (strict JSON, parsed again) the first time they are asked for.
fn claims_jsonb(verified: &VerifiedToken) -> pg_sys::Datum {
    if let Some(bytes) = verified.jsonb.get() {
        // SAFETY: a palloc'd copy of a complete jsonb varlena.
        return unsafe {
            let copy = pg_sys::palloc(bytes.len()) as *mut u8;
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), copy, bytes.len());
            pg_sys::Datum::from(copy)
        };
    }
    let text = verified.claims.text().as_bytes().to_vec();
    let datum = verify::parse_claims(text)
        .map_err(|e| sql_error(&e))
        .and_then(|doc| jsonb::from_doc(&doc))
        .unwrap_or_else(|e| e.raise());
    let _ = verified.jsonb.set(jsonb_copy(datum));
    datum
}

/// The bytes of a jsonb, for the token cache.
fn jsonb_copy(datum: pg_sys::Datum) -> Box<[u8]> {
    let ptr = datum.cast_mut_ptr::<pg_sys::varlena>();
    // SAFETY: a complete, untoasted jsonb varlena.
    unsafe { std::slice::from_raw_parts(ptr as *const u8, pgrx::varlena::varsize_any(ptr)) }.into()
}

v1_function!(
    /// `jwt_verify(token text, keys text DEFAULT NULL) → jsonb`: verifies the signature and
    /// validates the claims, returning them; NULL for a NULL token. `keys` may be an HMAC secret,
    /// a PEM public key, a JWK or a JWK Set; NULL means the configured keys
    /// (`pg_jwt_claims.jwks`, `pg_jwt_claims.secret`). Raises 22P02 for a malformed token, 28000
    /// when verification or validation fails (with the reason), 22023 for unusable keys, 55000
    /// when no keys are configured, 0A000 for an unsupported algorithm.
    /// Example: `select jwt_verify(:token) ->> 'sub'`.
    pg_jwt_claims_jwt_verify, pg_finfo_pg_jwt_claims_jwt_verify,
    |fcinfo| {
        let Some(token) = text_arg(fcinfo, 0) else {
            (*fcinfo).isnull = true;
            return pg_sys::Datum::null();
        };
        let source = text_arg(fcinfo, 1).map_or(KeySource::Configured, KeySource::Given);
        let (verified, fresh) = verify_token(token, source, Want::Jsonb).unwrap_or_else(|e| e.raise());
        fresh.unwrap_or_else(|| claims_jsonb(&verified))
    }
);

pgrx::extension_sql!(
    r#"
CREATE FUNCTION jwt_verify(token text, keys text DEFAULT NULL) RETURNS jsonb
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_verify';
COMMENT ON FUNCTION jwt_verify(text, text) IS
    'Verifies a compact JWT (signature, exp/nbf/iat, iss, aud, azp, algorithms) and returns its claims.';
"#,
    name = "jwt_verify",
);

// The three functions below take their arguments from `fcinfo` (their SQL signatures are
// written out) so that text that is not UTF-8 is a 22021 error rather than a pgrx panic.

/// The `i`th argument, which `STRICT` makes non-NULL.
unsafe fn strict_text<'a>(fcinfo: pg_sys::FunctionCallInfo, i: usize) -> &'a str {
    unsafe { text_arg(fcinfo, i) }.unwrap_or_else(|| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            "argument is NULL",
        )
        .raise()
    })
}

/// `jwt_decode(token text) → TABLE(header jsonb, payload jsonb)`: the token's header and
/// payload **without any verification** — never use it to decide who a user is. Raises 22P02
/// for a malformed token. Example: `select header ->> 'kid' from jwt_decode(:token)`.
#[pg_extern(sql = "
CREATE FUNCTION jwt_decode(token text) RETURNS TABLE(header jsonb, payload jsonb)
    IMMUTABLE STRICT PARALLEL SAFE LANGUAGE c
    AS 'MODULE_PATHNAME', 'jwt_decode_wrapper';")]
fn jwt_decode(
    fcinfo: pg_sys::FunctionCallInfo,
) -> TableIterator<'static, (name!(header, JsonB), name!(payload, JsonB))> {
    let token = unsafe { strict_text(fcinfo, 0) };
    let decoded = verify::decode(token).unwrap_or_else(|e| sql_error(&e).raise());
    TableIterator::once((JsonB(decoded.header), JsonB(decoded.payload)))
}

/// `jwt_sign(claims jsonb, key text, algorithm text DEFAULT 'HS256') → text`: a compact JWT
/// signed with `key` (an HMAC secret, or a PEM or JWK private key) for tests and service
/// tokens. Algorithms: HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA.
/// Raises 22023 for an unusable key, 0A000 for an unsupported algorithm. Volatile: ECDSA and
/// RSA-PSS signatures are randomized.
#[pg_extern(sql = "
CREATE FUNCTION jwt_sign(claims jsonb, key text, algorithm text DEFAULT 'HS256') RETURNS text
    VOLATILE STRICT PARALLEL SAFE LANGUAGE c
    AS 'MODULE_PATHNAME', 'jwt_sign_wrapper';")]
fn jwt_sign(fcinfo: pg_sys::FunctionCallInfo) -> String {
    // SAFETY: argument 0 is a non-NULL jsonb (STRICT); jsonb_out gives its text.
    let claims = unsafe {
        let arg = (*fcinfo).args.as_slice(3)[0].value;
        let text = pgrx::direct_function_call_as_datum(pg_sys::jsonb_out, &[Some(arg)])
            .unwrap_or_else(pg_sys::Datum::null);
        utf8(std::ffi::CStr::from_ptr(text.cast_mut_ptr()).to_bytes()).to_owned()
    };
    let claims = verify::parse_value(&claims).unwrap_or_else(|e| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            format!("cannot sign: {e}"),
        )
        .raise()
    });
    let (key, algorithm) = unsafe { (strict_text(fcinfo, 1), strict_text(fcinfo, 2)) };
    verify::sign(&claims, key, algorithm).unwrap_or_else(|e| sign_error(&e).raise())
}

v1_function!(
    /// `jwt_authenticate(token text) → jsonb`: verifies `token` with the configured keys
    /// (raising as `jwt_verify` does when it fails), stores it transaction-locally in
    /// `pg_jwt_claims.token` — where verify mode reads identity from — and returns its claims.
    /// Example: `select jwt_authenticate(:token); select * from todos;` in one transaction.
    jwt_authenticate_wrapper, pg_finfo_jwt_authenticate_wrapper,
    |fcinfo| {
        let token = strict_text(fcinfo, 0);
        let (verified, fresh) =
            verify_token(token, KeySource::Configured, Want::Jsonb).unwrap_or_else(|e| e.raise());
        // set_config('pg_jwt_claims.token', token, true), called directly: no SPI, so no
        // transaction ID is taken and it works on a hot standby.
        let args = [
            "pg_jwt_claims.token".into_datum(),
            token.into_datum(),
            true.into_datum(),
        ];
        // set_config_by_name(text, text, bool) with three non-NULL arguments.
        pgrx::direct_function_call_as_datum(pg_sys::set_config_by_name, &args);
        fresh.unwrap_or_else(|| claims_jsonb(&verified))
    }
);

pgrx::extension_sql!(
    r#"
CREATE FUNCTION jwt_authenticate(token text) RETURNS jsonb
    VOLATILE STRICT PARALLEL UNSAFE LANGUAGE c
    AS 'MODULE_PATHNAME', 'jwt_authenticate_wrapper';
"#,
    name = "jwt_authenticate",
);

pgrx::extension_sql!(
    r#"
COMMENT ON FUNCTION jwt_decode(text) IS
    'The header and payload of a compact JWT, WITHOUT verification: never use it to decide who a user is.';
COMMENT ON FUNCTION jwt_sign(jsonb, text, text) IS
    'A compact JWT of claims signed with key (HMAC secret, PEM or JWK private key), for tests and service tokens.';
COMMENT ON FUNCTION jwt_authenticate(text) IS
    'Verifies token with the configured keys, stores it transaction-locally in pg_jwt_claims.token, returns its claims.';
"#,
    name = "verification_comments",
    requires = [jwt_decode, jwt_sign, "jwt_authenticate"],
);
