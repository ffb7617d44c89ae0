//! The key sets verification uses: the configured keys and key material given to
//! `jwt_verify(token, keys)`, parsed once and cached.
//!
//! # Cache
//! Parsed key material, keyed by the exact text (the configured keys and a declared issuer's
//! static keys by the verification generation, which every key or validation setting change
//! bumps); at most [`KEYSET_ENTRIES`]. A secret file is checked for rotation once per
//! statement. Keys the key worker fetched are parsed in `issuers.rs` (with [`new_keys`]).

use crate::pg::clock::statement_start;
use crate::pg::errors::{sql_error, SqlError};
use crate::runtime::settings;
use crate::runtime::watch::verification_generation;
use pg_jwt_claims_core::jose::KeySet;
use pg_jwt_claims_core::json::quoted;
use pgrx::PgSqlErrorCode;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const KEYSET_ENTRIES: usize = 8;

/// A parsed key set and the serial number that identifies it in the token cache.
pub struct Keys {
    pub serial: u64,
    pub set: KeySet,
}

/// Which key material a verification uses.
pub enum KeySource<'a> {
    Configured,
    Given(&'a str),
    /// A declared issuer's static keys (`pg_jwt_claims.issuers`).
    Issuer {
        issuer: &'a str,
        jwks: Option<&'a str>,
        secret_file: Option<&'a str>,
    },
}

/// What a cached key set was made from.
#[derive(PartialEq, Eq)]
enum Id {
    Configured,
    Given(Box<str>),
    Issuer(Box<str>),
}

impl Id {
    fn of(source: &KeySource) -> Id {
        match source {
            KeySource::Configured => Id::Configured,
            KeySource::Given(text) => Id::Given((*text).into()),
            KeySource::Issuer { issuer, .. } => Id::Issuer((*issuer).into()),
        }
    }

    fn is(&self, source: &KeySource) -> bool {
        match (self, source) {
            (Id::Configured, KeySource::Configured) => true,
            (Id::Given(a), KeySource::Given(b)) => **a == **b,
            (Id::Issuer(a), KeySource::Issuer { issuer, .. }) => **a == **issuer,
            _ => false,
        }
    }
}

struct KeyEntry {
    id: Id,
    generation: u64,
    keys: Rc<Keys>,
    /// The secret file the keys were read with, its identity when read ([`secret_file_stamp`]),
    /// and the statement that last found it unchanged (checked once per statement).
    secret_file: Option<Box<str>>,
    stamp: Option<(u64, u64, i64, i64)>,
    checked: std::cell::Cell<i64>,
}

impl KeyEntry {
    /// Whether the keys were read from a secret file that has changed since.
    fn stale(&self) -> bool {
        let Some(path) = self.secret_file.as_deref() else {
            return false;
        };
        let statement = statement_start();
        if self.checked.get() == statement {
            return false;
        }
        let stale = secret_file_stamp(path) != self.stamp;
        if !stale {
            self.checked.set(statement);
        }
        stale
    }
}

thread_local! {
    static KEYSETS: RefCell<Vec<KeyEntry>> = const { RefCell::new(Vec::new()) };
    static SERIAL: Cell<u64> = const { Cell::new(0) };
}

/// A parsed key set with a new serial number.
pub fn new_keys(set: KeySet) -> Rc<Keys> {
    let serial = SERIAL.with(|s| {
        s.set(s.get() + 1);
        s.get()
    });
    Rc::new(Keys { serial, set })
}

pub fn keys(source: KeySource) -> Result<Rc<Keys>, SqlError> {
    let generation = verification_generation();
    let hit = KEYSETS.with_borrow(|sets| {
        sets.iter()
            .find(|e| e.generation == generation && e.id.is(&source))
            .filter(|e| !e.stale())
            .map(|e| e.keys.clone())
    });
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let secret_file = match &source {
        KeySource::Configured => Some(settings::secret_file().trim()),
        KeySource::Given(_) => None,
        KeySource::Issuer { secret_file, .. } => secret_file.map(str::trim),
    }
    .filter(|path| !path.is_empty());
    let stamp = secret_file.and_then(secret_file_stamp);
    let set = match &source {
        KeySource::Given(text) => KeySet::parse(text).map_err(|e| sql_error(&e))?,
        KeySource::Configured => configured_keys()?,
        KeySource::Issuer {
            issuer,
            jwks,
            secret_file,
        } => issuer_keys(issuer, *jwks, *secret_file)?,
    };
    let keys = new_keys(set);
    KEYSETS.with_borrow_mut(|sets| {
        sets.retain(|e| e.generation == generation && !e.id.is(&source));
        sets.insert(
            0,
            KeyEntry {
                id: Id::of(&source),
                generation,
                keys: keys.clone(),
                secret_file: secret_file.map(Into::into),
                stamp,
                checked: Cell::new(statement_start()),
            },
        );
        sets.truncate(KEYSET_ENTRIES);
    });
    Ok(keys)
}

/// A declared issuer's static keys: its public keys and its secret file's HMAC secret.
fn issuer_keys(
    issuer: &str,
    jwks: Option<&str>,
    secret_file: Option<&str>,
) -> Result<KeySet, SqlError> {
    let detail = || {
        format!(
            "The static keys of issuer {} could not be used.",
            quoted(issuer)
        )
    };
    let mut set = KeySet::default();
    if let Some(path) = secret_file {
        let secret = read_secret_file(path.trim())?;
        set = set.merge(KeySet::from_secret(&secret).map_err(|e| sql_error(&e).detail(detail()))?);
    }
    if let Some(jwks) = jwks {
        set = set.merge(KeySet::parse_public(jwks).map_err(|e| sql_error(&e).detail(detail()))?);
    }
    Ok(set)
}

/// The configured keys: the HMAC secret (`pg_jwt_claims.secret_file` or `pg_jwt_claims.secret`,
/// always a secret whatever it looks like) and the public keys of `pg_jwt_claims.jwks`.
fn configured_keys() -> Result<KeySet, SqlError> {
    let secret = configured_secret()?;
    let jwks = settings::jwks();
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
    let (secret, path) = (settings::secret(), settings::secret_file().trim());
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
        settings::check_secret(secret)?;
        return Ok(Some(secret.as_bytes().to_vec()));
    }
    read_secret_file(path).map(Some)
}

/// Reads a secret file with the rules Postgres applies to `ssl_key_file`: a regular file with no
/// group or world access, or group read only when root owns it.
///
/// Nothing here can block: the path is checked with `stat` before it is opened, so a FIFO or a
/// device is refused unopened (opening a FIFO for reading waits for a writer, and a backend
/// waiting in `open(2)` serves no cancel or termination); the open itself is non-blocking, and
/// `fstat` of the opened file must find the same regular file, so a swap in between is refused
/// too. A symbolic link is followed, as Postgres follows one for `ssl_key_file`: mounted
/// secrets (Kubernetes, systemd credentials) are links to regular files, and the checks apply
/// to the file itself.
fn read_secret_file(path: &str) -> Result<Vec<u8>, SqlError> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file_error =
        |message: String| SqlError::new(PgSqlErrorCode::ERRCODE_CONFIG_FILE_ERROR, message);
    let unreadable =
        |e: std::io::Error| file_error(format!("could not read secret file \"{path}\": {e}"));
    let not_regular = || file_error(format!("secret file \"{path}\" is not a regular file"));
    let before = std::fs::metadata(path).map_err(unreadable)?;
    if !before.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() || (meta.dev(), meta.ino()) != (before.dev(), before.ino()) {
        return Err(not_regular());
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

/// A secret file's identity when keys were read from it: a rotated file (new content, or a new
/// file renamed into place) is read again at the next statement.
fn secret_file_stamp(path: &str) -> Option<(u64, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.ino(), meta.size(), meta.mtime(), meta.mtime_nsec()))
}
