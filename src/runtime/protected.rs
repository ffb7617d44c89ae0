//! Protected settings: what no role without the right to set them can read or weaken.
//!
//! # Design note
//! Every `pg_jwt_claims.*` setting but the token is superuser-only (`PGC_SUSET`), and the secret
//! is visible to superusers only. Postgres enforces both only once the library has loaded and
//! defined the settings. Before that, a value from `postgresql.conf`, `ALTER SYSTEM`,
//! `ALTER DATABASE/ROLE … SET`, the client's startup options or a `SET` lives in a
//! *placeholder*, which any role can read and which a client's value replaces. When the library
//! loads, Postgres re-applies each placeholder value with the privileges of whoever set it and
//! refuses, with only a WARNING, those its setter had no right to: the setting then falls back
//! to its built-in default and the value the server configured is lost for the session. So
//! `PGOPTIONS='-c pg_jwt_claims.mode=trust'` would turn verify mode off, and
//! `-c pg_jwt_claims.issuer=` would drop the issuer check.
//!
//! Three rules close this, with and without `shared_preload_libraries`:
//! 1. **A refusal at load fails closed.** Before defining the settings we note where each
//!    placeholder's values came from; after, a value whose source did not survive was refused.
//!    Then every claim reader and every verification raises 42501 for the rest of the session,
//!    naming the setting and the fix, and never answers from the fallback. (A first load inside
//!    a parallel operation, where Postgres refuses every setting, counts as such a refusal.)
//! 2. **A parallel worker checks its leader.** A worker loads the library with the server's
//!    configuration (file, `ALTER DATABASE/ROLE`), then Postgres copies the leader's settings
//!    over it. A protected setting that was configured when the worker loaded but that the
//!    leader left at its built-in default was lost in the leader: the worker fails closed too.
//! 3. **A secret that was readable is not used.** Since 0.6.0 `pg_jwt_claims.secret` refuses
//!    every source but a session's own `SET` (its check hook, `settings.rs`: Postgres logs a
//!    changed configuration value on reload), so a value from the server configuration or
//!    `ALTER DATABASE/ROLE … SET` is refused at load and rule 1 applies. Should one still be in
//!    force, verification refuses to use it (55000) and says to use `pg_jwt_claims.secret_file`,
//!    which keeps the secret in a file only the server can read.
//!
//! With the library preloaded, Postgres itself refuses such startup options (FATAL 42501) and
//! rule 1 only catches invalid values in the server's own configuration.

use crate::pg::errors::SqlError;
use crate::pg::guc_records::{find, find_string};
use pgrx::pg_sys::{self, GucSource};
use pgrx::PgSqlErrorCode;
use std::ffi::{c_char, CStr};
use std::sync::OnceLock;

/// A setting whose value Postgres refused when the library loaded.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub name: String,
    /// Where the refused value came from (`GucSource`).
    pub source: GucSource::Type,
}

/// What this process found at load (set once in `_PG_init`).
struct AtLoad {
    refused: Vec<Refusal>,
    /// Whether the load happened inside a parallel operation.
    in_parallel: bool,
    /// The protected settings that had a value from somewhere once defined.
    configured: Vec<&'static CStr>,
    /// The server-wide secret, when it sat readable in a placeholder before the library loaded.
    exposed_secret: Option<String>,
}

static AT_LOAD: OnceLock<AtLoad> = OnceLock::new();

/// Where a setting's values came from.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Sources {
    source: GucSource::Type,
    reset_source: GucSource::Type,
}

/// Postgres' record of a setting (placeholder or defined), if it exists.
fn record(name: &CStr) -> Option<Sources> {
    let found = find(name)?;
    // SAFETY: a live config_generic owned by the GUC machinery.
    let generic = unsafe { &*found };
    Some(Sources {
        source: generic.source,
        reset_source: generic.reset_source,
    })
}

/// The placeholders of the protected settings, noted before the library defines them.
pub struct Watch {
    before: Vec<(&'static CStr, Option<Sources>)>,
    preloaded: bool,
}

/// Notes where each protected setting's placeholder values came from. Call before defining.
pub fn watch(names: &[&'static CStr]) -> Watch {
    Watch {
        before: names.iter().map(|name| (*name, record(name))).collect(),
        preloaded: preloaded(),
    }
}

impl Watch {
    /// After defining: finds the values Postgres refused, the settings that are configured, and
    /// a secret that was readable before the load.
    pub fn finish(self, secret: &'static CStr) {
        let mut refused = Vec::new();
        let mut configured = Vec::new();
        let mut exposed_secret = None;
        for (name, before) in &self.before {
            let Some(after) = record(name) else {
                continue;
            };
            if after.source != GucSource::PGC_S_DEFAULT {
                configured.push(*name);
            }
            let Some(before) = before else {
                continue;
            };
            let lost = |was: GucSource::Type, now: GucSource::Type| {
                was != GucSource::PGC_S_DEFAULT && was != now
            };
            if lost(before.reset_source, after.reset_source) {
                refused.push(refusal(name, before.reset_source));
            } else if lost(before.source, after.source) {
                refused.push(refusal(name, before.source));
            }
            if *name == secret && !self.preloaded && before.reset_source != GucSource::PGC_S_DEFAULT
            {
                exposed_secret = reset_string(name).filter(|s| !s.is_empty());
            }
        }
        let _ = AT_LOAD.set(AtLoad {
            refused,
            // SAFETY: a plain read of the backend's parallel-mode state.
            in_parallel: unsafe { pg_sys::IsInParallelMode() },
            configured,
            exposed_secret,
        });
    }
}

fn refusal(name: &CStr, source: GucSource::Type) -> Refusal {
    Refusal {
        name: name.to_string_lossy().into_owned(),
        source,
    }
}

/// The reset value of a defined string setting, read from Postgres' record directly (the
/// lookup functions refuse superuser-only settings to ordinary roles, and this runs as any).
fn reset_string(name: &CStr) -> Option<String> {
    let found = find_string(name)?;
    // SAFETY: its reset value is a NUL-terminated string or NULL, copied at once.
    unsafe {
        let raw = (*found).reset_val;
        (!raw.is_null()).then(|| CStr::from_ptr(raw).to_string_lossy().into_owned())
    }
}

/// Whether the library is being loaded before any client statement can run: from
/// `shared_preload_libraries` (in the postmaster) or `session_preload_libraries`.
fn preloaded() -> bool {
    // SAFETY: a plain read of a flag Postgres sets around shared_preload_libraries.
    let shared = unsafe { pg_sys::process_shared_preload_libraries_in_progress };
    shared || listed(c"session_preload_libraries")
}

/// Whether this library is named in a library-list setting (`'$libdir/pg_jwt_claims'`,
/// `pg_jwt_claims`, `"pg_jwt_claims.so"` …).
fn listed(setting: &CStr) -> bool {
    // SAFETY: the setting's current string, read at once.
    let raw: *const c_char = unsafe { pg_sys::GetConfigOption(setting.as_ptr(), true, false) };
    if raw.is_null() {
        return false;
    }
    let list = unsafe { CStr::from_ptr(raw) }.to_string_lossy();
    list.split(',').any(|item| {
        let item = item.trim().trim_matches('"');
        let base = item.rsplit('/').next().unwrap_or(item);
        base.strip_suffix(".so").unwrap_or(base) == "pg_jwt_claims"
    })
}

/// Fails closed when a protected setting was refused at load in this process, or (in a
/// parallel worker) was lost in the leader.
pub fn check() -> Result<(), SqlError> {
    let Some(at_load) = AT_LOAD.get() else {
        return Ok(());
    };
    let hint = "Set pg_jwt_claims.* settings only in postgresql.conf, ALTER SYSTEM or \
                ALTER DATABASE/ROLE as a superuser, never in connection options; add pg_jwt_claims \
                to shared_preload_libraries (or session_preload_libraries) so that Postgres refuses \
                such values when the session starts and the library never first loads inside a query.";
    if let Some(first) = at_load.refused.first() {
        let names: Vec<&str> = at_load.refused.iter().map(|r| r.name.as_str()).collect();
        let detail = if at_load.in_parallel {
            "pg_jwt_claims first loaded inside a parallel operation, where Postgres refuses every \
             setting, so the configured values are lost for this session."
                .to_owned()
        } else {
            format!(
                "A value from {} replaced the server's configured value before pg_jwt_claims \
                 loaded, and Postgres refused it, so the configured value is lost for this session.",
                source_name(first.source)
            )
        };
        return Err(refused(&names.join(", ")).detail(detail).hint(hint));
    }
    if let Some(lost) = lost_in_leader(at_load) {
        return Err(refused(lost)
            .detail(
                "This parallel worker found the setting configured, but the session it serves \
                 runs with the built-in default: the configured value was lost there.",
            )
            .hint(hint));
    }
    Ok(())
}

fn refused(names: &str) -> SqlError {
    SqlError::new(
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        format!("pg_jwt_claims refuses to answer: the value of {names} was refused when the library loaded"),
    )
}

/// In a parallel worker, the first protected setting that was configured when this process
/// loaded but that the leader's settings (copied over ours) left at the built-in default.
/// Workers cannot change settings, so the answer is worked out once.
fn lost_in_leader(at_load: &AtLoad) -> Option<&'static str> {
    static LOST: OnceLock<Option<&'static str>> = OnceLock::new();
    // SAFETY: a plain read of the worker number (-1 outside parallel workers).
    if unsafe { pg_sys::ParallelWorkerNumber } < 0 {
        return None;
    }
    *LOST.get_or_init(|| {
        at_load
            .configured
            .iter()
            .find(|name| record(name).is_some_and(|r| r.source == GucSource::PGC_S_DEFAULT))
            .and_then(|name| name.to_str().ok())
    })
}

/// Refuses a secret that other roles could read: one from `ALTER DATABASE/ROLE … SET` (stored
/// in `pg_db_role_setting`, which every role can read), or the server-wide one that sat in a
/// placeholder before the library loaded without preloading.
pub fn check_secret(name: &CStr, secret: &str) -> Result<(), SqlError> {
    let from_catalog = record(name).is_some_and(|r| {
        matches!(
            r.source,
            GucSource::PGC_S_GLOBAL
                | GucSource::PGC_S_DATABASE
                | GucSource::PGC_S_USER
                | GucSource::PGC_S_DATABASE_USER
        )
    });
    let exposed = AT_LOAD.get().and_then(|a| a.exposed_secret.as_deref()) == Some(secret);
    if !from_catalog && !exposed {
        return Ok(());
    }
    let detail = if from_catalog {
        "A secret set with ALTER DATABASE or ALTER ROLE … SET is stored in pg_db_role_setting, \
         which every role can read."
    } else {
        "A secret set in the server configuration sits in a setting any role can show until \
         pg_jwt_claims loads, unless the library is preloaded."
    };
    Err(SqlError::new(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        "pg_jwt_claims.secret is not used: other roles could read it",
    )
    .detail(detail)
    .hint(
        "Put the secret in a file only the server can read and set pg_jwt_claims.secret_file; \
         then rotate the secret, since it may have been read.",
    ))
}

/// A placeholder value's origin, in words.
fn source_name(source: GucSource::Type) -> &'static str {
    match source {
        GucSource::PGC_S_FILE | GucSource::PGC_S_ARGV | GucSource::PGC_S_GLOBAL => {
            "the server configuration (an invalid value)"
        }
        GucSource::PGC_S_DATABASE | GucSource::PGC_S_USER | GucSource::PGC_S_DATABASE_USER => {
            "ALTER DATABASE or ALTER ROLE … SET by a role without the right to set it"
        }
        GucSource::PGC_S_CLIENT => "the client's connection options",
        _ => "a SET in this session by a role without the right to set it",
    }
}
