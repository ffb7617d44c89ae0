//! The key sets verification uses: the configured keys and key material given to
//! `jwt_verify(token, keys)`, parsed once and cached.
//!
//! # Cache
//! Parsed key material, keyed by the exact text (the configured keys by the verification
//! generation, which every key or validation setting change bumps); at most [`KEYSET_ENTRIES`].
//! A secret file is checked for rotation once per statement.

use crate::pg::clock::statement_start;
use crate::pg::errors::{sql_error, SqlError};
use crate::runtime::settings;
use crate::runtime::watch::verification_generation;
use pg_jwt_claims_core::jose::KeySet;
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
        if self.material.is_some() || settings::secret_file().trim().is_empty() {
            return false;
        }
        let statement = statement_start();
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

thread_local! {
    static KEYSETS: RefCell<Vec<KeyEntry>> = const { RefCell::new(Vec::new()) };
    static SERIAL: Cell<u64> = const { Cell::new(0) };
}

pub fn keys(source: KeySource) -> Result<Rc<Keys>, SqlError> {
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
                checked: Cell::new(statement_start()),
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
    let path = settings::secret_file().trim();
    if path.is_empty() {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.ino(), meta.size(), meta.mtime(), meta.mtime_nsec()))
}
