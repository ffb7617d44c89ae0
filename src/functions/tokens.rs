//! Verification in SQL: `jwt_verify`, `jwt_decode`, `jwt_sign`, `jwt_authenticate`.
//!
//! Verification itself and its caches are `runtime/tokens.rs` and `runtime/keys.rs`.

use crate::functions::v1_function;
use crate::pg::args::{strict_text, text_arg, utf8};
use crate::pg::errors::{sign_error, sql_error, SqlError};
use crate::runtime::keys::KeySource;
use crate::runtime::tokens::{claims_jsonb, verify_token, Want};
use pg_jwt_claims_core::{jose, json};
use pgrx::prelude::*;
use pgrx::{pg_sys, JsonB, PgSqlErrorCode};

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
    let decoded = jose::decode(token).unwrap_or_else(|e| sql_error(&e).raise());
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
    let claims = json::parse_value(&claims).unwrap_or_else(|e| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            format!("cannot sign: {e}"),
        )
        .raise()
    });
    let (key, algorithm) = unsafe { (strict_text(fcinfo, 1), strict_text(fcinfo, 2)) };
    jose::sign(&claims, key, algorithm).unwrap_or_else(|e| sign_error(&e).raise())
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
