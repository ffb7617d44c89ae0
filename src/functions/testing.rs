//! Helpers for users' own RLS tests (pgTAP, pg_regress, `cargo pgrx test`): log in as PostgREST
//! does, log out, and in verify mode sign and authenticate in one call.
//!
//! None of them can do more than the caller could with `set_config`, `SET ROLE`, `jwt_sign` and
//! `jwt_authenticate`: they run as the caller (`SECURITY INVOKER`), Postgres checks the role
//! change as it checks `SET ROLE`, and in verify mode claims set this way count for nothing, as
//! any claims setting does. They set everything transaction-locally, so a test's `ROLLBACK` (or
//! its end) logs out.

use crate::pg::args::utf8;
use crate::pg::errors::SqlError;
use crate::runtime::{database, settings};
use pg_jwt_claims_core::claims::Claims;
use pg_jwt_claims_macros::sql_function;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::{IntoDatum, PgLogLevel, PgSqlErrorCode};
use std::ffi::CStr;

/// `set_config(name, value, true)`, called directly (no SPI): with Postgres' own checks, and on
/// a hot standby too.
fn set_local(name: &str, value: &str) {
    let args = [name.into_datum(), value.into_datum(), true.into_datum()];
    // SAFETY: set_config_by_name(text, text, bool) with three non-NULL arguments.
    unsafe { pgrx::direct_function_call_as_datum(pg_sys::set_config_by_name, &args) };
}

/// The role argument, if not NULL.
///
/// # Safety
/// Argument `i` of `fcinfo` is a `name` or NULL.
unsafe fn role_arg<'a>(fcinfo: pg_sys::FunctionCallInfo, i: usize) -> Option<&'a str> {
    // SAFETY: the caller's contract; a `name` Datum points at a NUL-terminated NameData.
    unsafe {
        let nargs = usize::try_from((*fcinfo).nargs).unwrap_or(0);
        let arg = (*fcinfo).args.as_slice(nargs).get(i)?;
        if arg.isnull {
            return None;
        }
        let name: *const pg_sys::NameData = arg.value.cast_mut_ptr();
        Some(utf8(CStr::from_ptr((*name).data.as_ptr()).to_bytes()))
    }
}

/// Warns, as `SET LOCAL` does, when a transaction-local change would end with this statement.
fn warn_outside_transaction(function: &str) {
    // SAFETY: reads the transaction state.
    if !unsafe { pg_sys::IsTransactionBlock() } {
        pgrx::ereport!(
            PgLogLevel::WARNING,
            PgSqlErrorCode::ERRCODE_NO_ACTIVE_SQL_TRANSACTION,
            format!(
                "{function}() outside a transaction block lasts only until this statement ends"
            ),
            "Call it after BEGIN, as a test does."
        );
    }
}

/// `jwt_test_login(claims jsonb, role name DEFAULT 'authenticated') → jsonb`: what PostgREST
/// does for a request: the claims into the claims setting (`request.jwt.claims`, or what
/// `pg_jwt_claims.claims_setting` names) and `SET LOCAL ROLE role`, both
/// transaction-locally; returns the claims. A NULL role keeps the current one. Claims that
/// are not a JSON object raise 22023, NULL claims 22004. In verify mode it warns that claims
/// set this way count for nothing (use `jwt_test_authenticate`).
#[sql_function(
    "jwt_test_login(claims jsonb, role name DEFAULT 'authenticated') RETURNS jsonb",
    "VOLATILE PARALLEL UNSAFE",
    comment = "For RLS tests: sets the claims and the role transaction-locally, as PostgREST does for a request."
)]
unsafe fn jwt_test_login(fcinfo: FunctionCallInfo) -> Datum {
    // SAFETY (the entry point's unsafe block): argument 0 is jsonb or NULL; jsonb_out gives
    // its text.
    let (datum, text) = {
        let arg = (*fcinfo).args.as_slice(2)[0];
        if arg.isnull {
            SqlError::new(
                PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
                "jwt_test_login() needs claims",
            )
            .hint("To log out, call jwt_test_logout().")
            .raise();
        }
        let out = pgrx::direct_function_call_as_datum(pg_sys::jsonb_out, &[Some(arg.value)])
            .unwrap_or_else(pg_sys::Datum::null);
        (
            arg.value,
            utf8(CStr::from_ptr(out.cast_mut_ptr()).to_bytes()).to_owned(),
        )
    };
    if let Err(e) = Claims::parse(&text) {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("jwt_test_login() claims must be a JSON object: {e}"),
        )
        .raise();
    }
    warn_outside_transaction("jwt_test_login");
    if database::mode() == settings::Mode::Verify {
        pgrx::ereport!(
            PgLogLevel::WARNING,
            PgSqlErrorCode::ERRCODE_WARNING,
            "verify mode is on: claims set by jwt_test_login() count for nothing",
            "Sign them with a key the configured keys verify: jwt_test_authenticate(claims, key)."
        );
    }
    let setting = settings::claims_setting_name()
        .to_string_lossy()
        .into_owned();
    set_local(&setting, &text);
    // SAFETY: argument 1 is a name or NULL.
    if let Some(role) = role_arg(fcinfo, 1) {
        set_local("role", role);
    }
    datum
}

/// `jwt_test_logout(role name DEFAULT NULL) → void`: empties the claims setting and
/// `pg_jwt_claims.token` transaction-locally, and sets the role back to the session's (or to
/// `role`, e.g. `anon`, as PostgREST does for a request without a token).
#[sql_function(
    "jwt_test_logout(role name DEFAULT NULL) RETURNS void",
    "VOLATILE PARALLEL UNSAFE",
    comment = "For RLS tests: clears the claims and the token transaction-locally and resets the role (or sets role)."
)]
unsafe fn jwt_test_logout(fcinfo: FunctionCallInfo) -> Datum {
    warn_outside_transaction("jwt_test_logout");
    let setting = settings::claims_setting_name()
        .to_string_lossy()
        .into_owned();
    set_local(&setting, "");
    set_local("pg_jwt_claims.token", "");
    // SAFETY: argument 0 is a name or NULL.
    let role = role_arg(fcinfo, 0);
    set_local("role", role.unwrap_or("none"));
    pg_sys::Datum::null()
}

// jwt_test_authenticate() is PL/pgSQL (it signs, authenticates and sets the role as any SQL
// caller could); its definition, with the search path it runs under, is in the SQL file.
pgrx::extension_sql_file!(
    "../../sql/testing.sql",
    name = "jwt_test_authenticate",
    requires = ["jwt_authenticate", "jwt_sign"],
);
