//! Verification in SQL: `jwt_verify`, `jwt_decode`, `jwt_sign`, `jwt_authenticate`.
//!
//! Verification itself and its caches are `runtime/verified.rs` and `runtime/keys.rs`.
//!
//! Before 0.4.0, `jwt_decode`, `jwt_sign` and `jwt_authenticate` had symbols of another scheme
//! (`jwt_*_wrapper`); the scripts of those releases, never edited, still name them, so each
//! stays exported as well (`old_symbol`).

use crate::pg::args::{strict_text, text_arg, utf8};
use crate::pg::datums::{self, Answer};
use crate::pg::errors::{sign_error, sql_error, SqlError};
use crate::pg::{jsonb, rows};
use crate::runtime::keys::KeySource;
use crate::runtime::verified::{claims_jsonb, verify_token, Want};
use pg_jwt_claims_core::{jose, json};
use pg_jwt_claims_macros::sql_function;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::{IntoDatum, PgSqlErrorCode};

/// `jwt_verify(token text, keys text DEFAULT NULL) → jsonb`: verifies the signature and
/// validates the claims, returning them; NULL for a NULL token. `keys` may be an HMAC secret,
/// a PEM public key, a JWK or a JWK Set; NULL means the configured keys
/// (`pg_jwt_claims.jwks`, `pg_jwt_claims.secret`). Raises 22P02 for a malformed token, 28000
/// when verification or validation fails (with the reason), 22023 for unusable keys, 55000
/// when no keys are configured, 0A000 for an unsupported algorithm.
/// Example: `select jwt_verify(:token) ->> 'sub'`.
#[sql_function(
    "jwt_verify(token text, keys text DEFAULT NULL) RETURNS jsonb",
    "STABLE PARALLEL SAFE",
    comment = "Verifies a compact JWT (signature, exp/nbf/iat, iss, aud, azp, algorithms) and returns its claims."
)]
unsafe fn jwt_verify(fcinfo: FunctionCallInfo) -> Datum {
    let Some(token) = text_arg(fcinfo, 0) else {
        (*fcinfo).isnull = true;
        return pg_sys::Datum::null();
    };
    let source = text_arg(fcinfo, 1).map_or(KeySource::Configured, KeySource::Given);
    let (verified, fresh) = verify_token(token, source, Want::Jsonb).unwrap_or_else(|e| e.raise());
    fresh.unwrap_or_else(|| claims_jsonb(&verified))
}

/// `jwt_decode(token text) → TABLE(header jsonb, payload jsonb)`: the token's header and
/// payload **without any verification** — never use it to decide who a user is. Raises 22P02
/// for a malformed token. Example: `select header ->> 'kid' from jwt_decode(:token)`.
#[sql_function(
    "jwt_decode(token text) RETURNS TABLE(header jsonb, payload jsonb)",
    "IMMUTABLE STRICT PARALLEL SAFE",
    comment = "The header and payload of a compact JWT, WITHOUT verification: never use it to decide who a user is.",
    old_symbol = "jwt_decode_wrapper"
)]
unsafe fn jwt_decode(fcinfo: FunctionCallInfo) -> Datum {
    let token = strict_text(fcinfo, 0);
    let (header, payload) = jose::decode_docs(token).unwrap_or_else(|e| sql_error(&e).raise());
    let mut row = [&header, &payload].map(|doc| jsonb::from_doc(doc).unwrap_or_else(|e| e.raise()));
    rows::one_row(fcinfo, &mut row)
}

/// `jwt_sign(claims jsonb, key text, algorithm text DEFAULT 'HS256') → text`: a compact JWT
/// signed with `key` (an HMAC secret, or a PEM or JWK private key) for tests and service
/// tokens. Algorithms: HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA.
/// Raises 22023 for an unusable key, 0A000 for an unsupported algorithm. Volatile: ECDSA and
/// RSA-PSS signatures are randomized.
#[sql_function(
    "jwt_sign(claims jsonb, key text, algorithm text DEFAULT 'HS256') RETURNS text",
    "VOLATILE STRICT PARALLEL SAFE",
    comment = "A compact JWT of claims signed with key (HMAC secret, PEM or JWK private key), for tests and service tokens.",
    old_symbol = "jwt_sign_wrapper"
)]
unsafe fn jwt_sign(fcinfo: FunctionCallInfo) -> Datum {
    // SAFETY: argument 0 is a non-NULL jsonb (STRICT); jsonb_out gives its text.
    let claims = unsafe {
        let arg = (*fcinfo).args.as_slice(3)[0].value;
        let text = pgrx::direct_function_call_as_datum(pg_sys::jsonb_out, &[Some(arg)])
            .unwrap_or_else(pg_sys::Datum::null);
        utf8(std::ffi::CStr::from_ptr(text.cast_mut_ptr()).to_bytes()).to_owned()
    };
    let claims = json::parse_value(&claims).unwrap_or_else(|e| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            format!("cannot sign: {e}"),
        )
        .raise()
    });
    let (key, algorithm) = unsafe { (strict_text(fcinfo, 1), strict_text(fcinfo, 2)) };
    let token = jose::sign(&claims, key, algorithm).unwrap_or_else(|e| sign_error(&e).raise());
    match datums::text(&token, &[]) {
        Ok(Answer::Varlena(datum)) => datum,
        Ok(_) => Datum::null(),
        Err(e) => e.raise(),
    }
}

/// `jwt_authenticate(token text) → jsonb`: verifies `token` with the configured keys
/// (raising as `jwt_verify` does when it fails), stores it transaction-locally in
/// `pg_jwt_claims.token` — where verify mode reads identity from — and returns its claims.
/// Example: `select jwt_authenticate(:token); select * from todos;` in one transaction.
#[sql_function(
    "jwt_authenticate(token text) RETURNS jsonb",
    "VOLATILE STRICT PARALLEL UNSAFE",
    comment = "Verifies token with the configured keys, stores it transaction-locally in pg_jwt_claims.token, returns its claims.",
    old_symbol = "jwt_authenticate_wrapper"
)]
unsafe fn jwt_authenticate(fcinfo: FunctionCallInfo) -> Datum {
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
