//! Declared issuers in SQL: `jwt_issuers()` shows each issuer's keys and the key worker's
//! state; `jwt_refresh_keys(issuer)` makes the worker fetch an issuer's keys now.

use crate::pg::args::strict_text;
use crate::pg::errors::SqlError;
use crate::pg::{jsonb, rows};
use crate::runtime::issuers::{self, Report};
use crate::runtime::keystore::OUTCOMES;
use pg_jwt_claims_core::json;
use pg_jwt_claims_macros::sql_function;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::{IntoDatum, PgSqlErrorCode};

/// Unix µs → timestamptz (µs since 2000-01-01).
const PG_EPOCH_US: i64 = 946_684_800_000_000;

/// `jwt_issuers() → TABLE(…)`: one row per declared issuer (`pg_jwt_claims.issuers`), then one
/// for the single-issuer settings when they hold keys. Fetched issuers show the key worker's
/// state; `verified` and `refused` count verification outcomes server-wide (this session's for
/// an issuer the key worker does not know). Never shows key material. A fetch's `last_error`
/// is shown whole to superusers and members of pg_read_all_stats; other roles see only its
/// kind (`fetch failed: connection`, `… redirect refused`), never the hosts and ports it names.
#[sql_function(
    "jwt_issuers() RETURNS TABLE(issuer text, key_source text, discovery_uri text, jwks_uri text, keys jsonb, generation bigint, fetched_at timestamptz, expires_at timestamptz, last_attempt_at timestamptz, last_error text, fetches bigint, refetches bigint, failures bigint, verified bigint, refused jsonb)",
    "VOLATILE PARALLEL RESTRICTED",
    comment = "The declared issuers: their URLs, key ids and algorithms, the key worker's fetches and last error, and verification outcomes."
)]
unsafe fn jwt_issuers(fcinfo: FunctionCallInfo) -> Datum {
    let reports = issuers::report().unwrap_or_else(|e| e.raise());
    let mut all = Vec::with_capacity(reports.len());
    for report in &reports {
        all.push(row(report).unwrap_or_else(|e| e.raise()));
    }
    rows::rows(fcinfo, all)
}

fn row(r: &Report) -> Result<(Vec<Datum>, Vec<bool>), SqlError> {
    let text = |s: Option<&str>| s.map(|s| s.replace('\0', "").into_datum());
    let bigint = |v: Option<i64>| v.map(|v| v.into_datum());
    let time = |v: Option<i64>| v.map(|us| Some(Datum::from(us - PG_EPOCH_US)));
    let keys = match &r.keys {
        None => None,
        Some(keys) => {
            let list: Vec<serde_json::Value> = keys
                .iter()
                // A kid may hold NUL (a JWK's "\u0000"), which jsonb cannot: dropped here.
                .map(|(kid, alg)| {
                    let kid = kid.as_ref().map(|k| k.replace('\0', ""));
                    serde_json::json!({"kid": kid, "alg": alg.replace('\0', "")})
                })
                .collect();
            Some(Some(json_datum(&serde_json::Value::Array(list))?))
        }
    };
    let (verified, refused) = match &r.outcomes {
        None => (None, None),
        Some(counts) => {
            let refused: serde_json::Map<String, serde_json::Value> = OUTCOMES
                .iter()
                .zip(counts)
                .skip(1)
                .filter(|(_, n)| **n > 0)
                .map(|(name, n)| (name.to_string(), (*n).into()))
                .collect();
            (
                Some((counts[0] as i64).into_datum()),
                Some(Some(json_datum(&serde_json::Value::Object(refused))?)),
            )
        }
    };
    let values: [Option<Option<Datum>>; 15] = [
        text(r.issuer.as_deref()),
        text(Some(r.source)),
        text(r.discovery_uri.as_deref()),
        text(r.jwks_uri.as_deref()),
        keys,
        bigint(r.generation),
        time(r.fetched_at),
        time(r.expires_at),
        time(r.attempted_at),
        text(r.last_error.as_deref()),
        bigint(r.fetches),
        bigint(r.refetches),
        bigint(r.failures),
        verified,
        refused,
    ];
    let nulls = values.iter().map(|v| v.flatten().is_none()).collect();
    let datums = values
        .iter()
        .map(|v| v.flatten().unwrap_or_else(Datum::null))
        .collect();
    Ok((datums, nulls))
}

/// A jsonb Datum of a small value made here.
fn json_datum(value: &serde_json::Value) -> Result<Datum, SqlError> {
    let doc = json::parse_strict(value.to_string().into_bytes()).map_err(|r| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            r.message("a report"),
        )
    })?;
    jsonb::from_doc(&doc)
}

/// `jwt_refresh_keys(issuer text) → boolean`: makes the key worker fetch a declared issuer's
/// keys now, bypassing the refetch rate limit, and waits for the attempt. True when it brought
/// keys; false, with a WARNING giving the cause, when it failed (the last good keys stay).
/// Superuser-only unless granted: EXECUTE is revoked from PUBLIC.
#[sql_function(
    "jwt_refresh_keys(issuer text) RETURNS boolean",
    "VOLATILE STRICT PARALLEL UNSAFE",
    comment = "Makes the key worker fetch a declared issuer's keys now and waits for it; superuser-only unless granted."
)]
unsafe fn jwt_refresh_keys(fcinfo: FunctionCallInfo) -> Datum {
    let issuer = strict_text(fcinfo, 0);
    match issuers::refresh(issuer).unwrap_or_else(|e| e.raise()) {
        Ok(()) => true.into_datum().unwrap_or_else(pg_sys::Datum::null),
        Err(error) => {
            pgrx::warning!("could not fetch the keys of issuer \"{issuer}\": {error}");
            false.into_datum().unwrap_or_else(pg_sys::Datum::null)
        }
    }
}

pgrx::extension_sql!(
    r#"
REVOKE EXECUTE ON FUNCTION jwt_refresh_keys(text) FROM PUBLIC;
"#,
    name = "jwt_refresh_keys_grant",
    requires = ["jwt_refresh_keys"],
);
