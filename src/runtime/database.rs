//! The mode a database requires: a row in the extension's configuration table
//! `jwt_database_mode` puts every session of the database in verify mode, whatever
//! `pg_jwt_claims.mode` says.
//!
//! # Design note
//! `ALTER DATABASE … SET pg_jwt_claims.mode = verify` is not part of what `pg_dump` writes
//! without `--create`, and a non-superuser owner cannot restore it with `--create`: a restored
//! copy silently ran in trust mode. The table is an extension configuration table
//! (`pg_extension_config_dump`), so its row travels with every dump of the database and comes
//! back with the extension. It can only make a database stricter: trust mode is the absence of a
//! row, never a row.
//!
//! The answer is read once per backend (`pg::catalog`, no SQL, no privilege check) and kept until
//! a relcache invalidation of the table: a statement trigger on the table sends one at the commit
//! of any change (`functions/database.rs`), and DROP or ALTER send their own. While no table was
//! found, any relcache invalidation drops the answer (an `ALTER EXTENSION … UPDATE` may create
//! the table). Each drop bumps the claims generation, so no cached identity outlives it. The
//! per-row path never comes here: only a claims generation miss does.

use crate::pg::catalog;
use crate::runtime::settings::{self, Mode};
use crate::runtime::watch;
use pgrx::pg_sys::{self, Datum, Oid};
use std::cell::Cell;

const EXTENSION: &std::ffi::CStr = c"pg_jwt_claims";
const TABLE: &std::ffi::CStr = c"jwt_database_mode";

/// What the table said: its oid (`InvalidOid` when there is none) and whether it holds a row.
#[derive(Clone, Copy)]
struct Required {
    table: Oid,
    verify: bool,
}

thread_local! {
    static REQUIRED: Cell<Option<Required>> = const { Cell::new(None) };
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// The mode in force: verify when `pg_jwt_claims.mode` says so or the database requires it.
pub fn mode() -> Mode {
    match settings::mode() {
        Mode::Verify => Mode::Verify,
        Mode::Trust if required().verify => Mode::Verify,
        Mode::Trust => Mode::Trust,
    }
}

fn required() -> Required {
    if let Some(known) = REQUIRED.get() {
        return known;
    }
    if !REGISTERED.replace(true) {
        // SAFETY: a backend-lifetime callback; Postgres keeps at most a few dozen, this is one.
        unsafe { pg_sys::CacheRegisterRelcacheCallback(Some(invalidated), Datum::from(0)) };
    }
    // Outside a transaction (no catalog access) nothing is known: no table, and nothing kept.
    // SAFETY: reads the backend's transaction state.
    if !unsafe { pg_sys::IsTransactionState() } {
        return Required {
            table: pg_sys::InvalidOid,
            verify: false,
        };
    }
    let found = catalog::extension_schema(EXTENSION)
        .and_then(|(schema, owner)| catalog::table_has_rows(schema, TABLE, owner))
        .map_or(
            Required {
                table: pg_sys::InvalidOid,
                verify: false,
            },
            |(table, verify)| Required { table, verify },
        );
    REQUIRED.set(Some(found));
    found
}

/// Relcache callback: the table changed (or every relation was invalidated, or the table may
/// have been created), so the kept answer and every identity resolved under it are dropped.
unsafe extern "C-unwind" fn invalidated(_arg: Datum, relid: Oid) {
    let drop = match REQUIRED.get() {
        None => false,
        Some(known) => {
            relid == pg_sys::InvalidOid || known.table == pg_sys::InvalidOid || relid == known.table
        }
    };
    if drop {
        REQUIRED.set(None);
        watch::bump();
    }
}
