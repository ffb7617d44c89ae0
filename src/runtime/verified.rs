//! Verified tokens: verification with the configured or given keys and the validation
//! settings, and the cache that makes a repeated token cost a lookup.
//!
//! The rules (strict decoding, key selection, algorithms, claim validation) live in the core's
//! `jose`. This module reads the settings and keeps the verified-token cache: keyed by the exact
//! token text, the key set and the verification generation; at most [`TOKEN_ENTRIES`] entries
//! and [`TOKEN_BYTES`] bytes. Only successes are kept, and a hit re-checks `exp`, `nbf` and `iat`
//! against the statement's start time, so a cached token expires exactly when an uncached one
//! would.

use crate::pg::clock::now_unix;
use crate::pg::errors::{sql_error, SqlError};
use crate::pg::jsonb;
use crate::runtime::issuers::{self, Chosen, Deadline, Declared};
use crate::runtime::keys::{self, KeySource};
use crate::runtime::settings;
use crate::runtime::watch::verification_generation;
use pg_jwt_claims_core::claims::Claims;
use pg_jwt_claims_core::jose::{self, check_time, Policy};
use pgrx::pg_sys;
use std::cell::{OnceCell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

const TOKEN_ENTRIES: usize = 256;
const TOKEN_BYTES: usize = 8 << 20;

/// A verified token: its claims and time claims (re-checked on every use).
///
/// Verify mode keeps the parsed claims its readers read. `jwt_verify` wants only their jsonb,
/// written from the parsed claims as they are verified: it keeps just the text, so that a
/// distinct token costs no more than its verification, and the parsed form is made again only
/// if the token comes back (then kept, with its jsonb).
pub struct VerifiedToken {
    claims: OnceCell<Rc<Claims>>,
    /// The claims text while `claims` is not set.
    text: Option<Box<str>>,
    /// The length of the claims text, for the cache's bounds.
    text_len: usize,
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
    /// The declared issuer it verified as (`pg_jwt_claims.issuers`), if any: a hit must find
    /// that issuer's keys unchanged.
    issuer: Option<Chosen>,
    verified: Rc<VerifiedToken>,
}

impl VerifiedToken {
    /// The parsed claims, parsed again from the kept text the first time they are asked for
    /// after `jwt_verify` verified the token.
    pub fn claims(&self) -> Result<Rc<Claims>, SqlError> {
        if let Some(claims) = self.claims.get() {
            return Ok(claims.clone());
        }
        let text = self.text.as_deref().unwrap_or_default();
        let doc = jose::parse_claims(text.as_bytes().to_vec()).map_err(|e| sql_error(&e))?;
        Ok(self
            .claims
            .get_or_init(|| Rc::new(Claims::from_verified(doc)))
            .clone())
    }
}

impl TokenEntry {
    /// What the entry holds or may come to hold: the token, the claims as text, as parsed
    /// nodes and as jsonb, each counted at about the text's size, the nodes at twice.
    fn bytes(&self) -> usize {
        self.token.len() + 4 * self.verified.text_len
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
    static TOKENS: RefCell<TokenCache> = RefCell::new(TokenCache::default());
}

/// What the caller will read of a verified token.
pub enum Want {
    Claims,
    /// The claims as jsonb too (`jwt_verify`), built from the parsed document on a miss.
    Jsonb,
}

/// Verifies `token` with `source` keys and the validation settings, using and filling the
/// verified-token cache. With [`Want::Jsonb`], a token verified now also comes with a new jsonb
/// of its claims. With the configured keys and declared issuers (`pg_jwt_claims.issuers`), the
/// token's `iss` chooses the issuer whose keys and rules verify it.
pub fn verify_token(
    token: &str,
    source: KeySource,
    want: Want,
) -> Result<(Rc<VerifiedToken>, Option<pg_sys::Datum>), SqlError> {
    settings::check_protected()?;
    let declared = match source {
        KeySource::Configured => issuers::declared()?,
        _ => None,
    };
    let keys = match &declared {
        None => Some(keys::keys(source)?),
        Some(_) => None,
    };
    let generation = verification_generation();
    let now = now_unix();
    let hash = token_hash(token);
    let hit = TOKENS.with_borrow_mut(|cache| {
        // With declared issuers, only an entry verified through them (never one verified with
        // keys given to jwt_verify) answers; otherwise only one verified with these keys.
        let i = cache.find(hash, |e| {
            e.generation == generation
                && keys.as_ref().map_or(e.issuer.is_some(), |k| {
                    e.keys == k.serial && e.issuer.is_none()
                })
                && *e.token == *token
        })?;
        let entry = cache.entries.get(i)?;
        let found = (entry.verified.clone(), entry.issuer, entry.keys);
        // Keep recently used tokens at the front.
        cache.promote(i);
        Some(found)
    });
    if let Some((v, issuer, serial)) = hit {
        // A hit counts only while the keys it was verified with are the current ones (a
        // declared issuer's keys change with the key worker's fetches).
        let (current, leeway) = match (&declared, issuer) {
            (Some(declared), Some(Chosen::Declared(i))) => (
                Some(declared.keys(i, Deadline::start())?.serial),
                declared.list[i].leeway.unwrap_or_else(settings::leeway),
            ),
            (Some(_), _) => (
                Some(keys::keys(KeySource::Configured)?.serial),
                settings::leeway(),
            ),
            (None, _) => (None, settings::leeway()),
        };
        if current.is_none_or(|current| current == serial) {
            let checked = check_time(v.exp, v.nbf, v.iat, now, leeway);
            if let (Some(declared), Some(chosen)) = (&declared, issuer) {
                let outcome = checked.as_ref().map_or_else(|e| e.reason(), |_| "verified");
                declared.count(chosen, outcome);
            }
            checked.map_err(|e| sql_error(&e))?;
            return Ok((v, None));
        }
    }
    let (verified, serial, issuer) = match (&declared, keys) {
        (Some(declared), _) => verify_declared(token, declared, now)?,
        (None, Some(keys)) => {
            let validation = settings::validation();
            let verified = jose::verify(token, &keys.set, &policy(&validation, now))
                .map_err(|e| sql_error(&e))?;
            (verified, keys.serial, None)
        }
        (None, None) => unreachable!("keys are read when no issuer is declared"),
    };
    // The cache keeps a copy of the jsonb only once the token comes again: most distinct
    // tokens never do.
    let datum = match want {
        Want::Jsonb => Some(jsonb::from_doc(&verified.claims)?),
        Want::Claims => None,
    };
    let text_len = verified.claims.text().len();
    let (claims, text) = match want {
        Want::Claims => (
            OnceCell::from(Rc::new(Claims::from_verified(verified.claims))),
            None,
        ),
        Want::Jsonb => (OnceCell::new(), Some(verified.claims.into_text().into())),
    };
    let jsonb = OnceCell::new();
    let verified = Rc::new(VerifiedToken {
        claims,
        text,
        text_len,
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
        let replaced =
            |e: &TokenEntry| issuer.is_some() && e.issuer.is_some() && *e.token == *token;
        if let Some(i) = cache.find(hash, replaced) {
            // The same token verified through a declared issuer before, with keys since replaced.
            cache.hashes.remove(i);
            if let Some(old) = cache.entries.remove(i) {
                cache.bytes -= old.bytes();
            }
        }
        let entry = TokenEntry {
            hash,
            token: token.into(),
            keys: serial,
            generation,
            issuer,
            verified: verified.clone(),
        };
        cache.push(entry);
    });
    Ok((verified, datum))
}

/// The policy of the single-issuer validation settings.
fn policy(validation: &settings::Validation, now: i64) -> Policy<'_> {
    Policy {
        now,
        leeway: validation.leeway,
        issuer: validation.issuer.as_deref(),
        audiences: &validation.audiences,
        authorized_parties: &validation.authorized_parties,
        algorithms: &validation.algorithms,
        token_types: &validation.token_types,
        required_claims: &validation.required_claims,
    }
}

/// Verification with declared issuers: the token's `iss` chooses the issuer, whose keys (one
/// refetch for an unknown `kid`) and rules alone decide. Counts the outcome for the issuer.
fn verify_declared(
    token: &str,
    declared: &Declared,
    now: i64,
) -> Result<(jose::Verified, u64, Option<Chosen>), SqlError> {
    let unverified = jose::read_unverified(token).map_err(|e| sql_error(&e))?;
    let chosen = declared.choose(unverified.issuer())?;
    let result = (|| {
        let Chosen::Declared(i) = chosen else {
            let keys = keys::keys(KeySource::Configured)?;
            let validation = settings::validation();
            let verified =
                jose::verify_unverified(unverified, &keys.set, &policy(&validation, now))
                    .map_err(Outcome::Jose)?;
            return Ok((verified, keys.serial));
        };
        let issuer = &declared.list[i];
        let deadline = Deadline::start();
        let mut keys = declared.keys(i, deadline)?;
        if let Some(kid) = unverified.kid() {
            if !keys.set.knows_kid(kid) && declared.refetch(i, deadline) {
                keys = declared.keys(i, deadline)?;
            }
        }
        let policy = Policy {
            now,
            leeway: issuer.leeway.unwrap_or_else(settings::leeway),
            issuer: Some(&issuer.issuer),
            audiences: &issuer.audiences,
            authorized_parties: &issuer.authorized_parties,
            algorithms: &issuer.algorithms,
            token_types: &issuer.token_types,
            required_claims: &issuer.required_claims,
        };
        let verified =
            jose::verify_unverified(unverified, &keys.set, &policy).map_err(Outcome::Jose)?;
        Ok((verified, keys.serial))
    })();
    match result {
        Ok((verified, serial)) => {
            declared.count(chosen, "verified");
            Ok((verified, serial, Some(chosen)))
        }
        Err(Outcome::Jose(e)) => {
            declared.count(chosen, e.reason());
            Err(sql_error(&e))
        }
        Err(Outcome::Sql(e)) => Err(e),
    }
}

/// Why a declared issuer's verification failed: the token (counted by reason) or the keys
/// (counted where they fail).
enum Outcome {
    Jose(jose::JoseError),
    Sql(SqlError),
}

impl From<SqlError> for Outcome {
    fn from(e: SqlError) -> Outcome {
        Outcome::Sql(e)
    }
}

/// The claims of the configured keys' verification of `token` (verify mode).
pub fn verified_claims(token: &str) -> Result<Rc<Claims>, SqlError> {
    verify_token(token, KeySource::Configured, Want::Claims).and_then(|(v, _)| v.claims())
}

/// A new jsonb of a cached token's claims: a copy of the bytes the cache keeps, which are
/// written from the parsed claims the first time they are asked for.
pub fn claims_jsonb(verified: &VerifiedToken) -> pg_sys::Datum {
    if let Some(bytes) = verified.jsonb.get() {
        // SAFETY: a palloc'd copy of a complete jsonb varlena.
        return unsafe {
            let copy = pg_sys::palloc(bytes.len()) as *mut u8;
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), copy, bytes.len());
            pg_sys::Datum::from(copy)
        };
    }
    let claims = verified.claims().unwrap_or_else(|e| e.raise());
    let datum = jsonb::from_doc(claims.doc()).unwrap_or_else(|e| e.raise());
    let _ = verified.jsonb.set(jsonb_copy(datum));
    datum
}

/// The bytes of a jsonb, for the token cache.
fn jsonb_copy(datum: pg_sys::Datum) -> Box<[u8]> {
    let ptr = datum.cast_mut_ptr::<pg_sys::varlena>();
    // SAFETY: a complete, untoasted jsonb varlena.
    unsafe { std::slice::from_raw_parts(ptr as *const u8, pgrx::varlena::varsize_any(ptr)) }.into()
}
