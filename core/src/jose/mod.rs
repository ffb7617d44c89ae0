//! Token verification core of `pg_jwt_claims`: plain Rust over `&str` and
//! strictly parsed JSON documents ([`Doc`]), with no Postgres or pgrx
//! dependency, so it can be unit tested with `cargo test`.
//!
//! The pgrx glue reads settings, calls this API, caches results and maps
//! [`JoseError`] kinds to SQLSTATEs. Overview:
//!
//! * [`decode`]: structural decoding of a compact JWS, no verification.
//! * [`KeySet::parse`]: key material from a GUC: PEM public key(s) or
//!   certificate(s), a JWK, a JWK Set, or a raw HMAC secret.
//! * [`verify_signature`]: JWS level: strict parsing, `alg`/`crit` policy, key
//!   selection by `kid`/family/JWK `alg`/`use`/`key_ops`, signature check over
//!   the received `header.payload` octets. Returns header and raw payload.
//! * [`verify`]: JWT level: [`verify_signature`], then the payload must be a
//!   JSON object, then [`validate_claims`] with a [`Policy`].
//! * [`check_time`]: re-checks `exp`/`nbf`/`iat` for a cached verified token.
//! * [`sign()`]: creates a compact JWT (HS*, RS*, PS*, ES256/384, EdDSA).
//!
//! Supported algorithms: HS256/384/512, RS256/384/512, PS256/384/512, ES256,
//! ES384 and EdDSA (Ed25519). `none` (any letter case) is always rejected;
//! anything else (ES512, ES256K, RSA1_5, …) is [`JoseError::Unsupported`].
//!
//! RSA-PSS (PS*) verification is RFC 7518 §3.5 strict: the salt length must
//! equal the hash length (the crypto backend, AWS-LC, verifies with
//! `RSA_PSS_SALTLEN_DIGEST`). Tokens made with a different salt length (e.g.
//! golang-jwt's maximum-salt test tokens) are rejected.
//!
//! Nothing in here panics on any input (no `unwrap`/`expect`/indexing outside
//! tests), and no error message contains key material, a secret, or the token.

mod keys;
mod private;
mod sign;
mod token;
mod validate;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::json::{self, Doc};
pub use keys::{Key, KeyFamily, KeySet};
pub use private::{find_private, PrivateMaterial};
pub use sign::sign;
pub use token::{decode, decode_docs, Decoded};
pub use validate::{
    check_header, check_time, format_numeric_date, validate_claims, Policy, TimeClaims,
};

/// Every failure of this module.
///
/// Intended mapping to SQLSTATEs in the pgrx glue:
///
/// | variant | SQLSTATE | meaning |
/// |---|---|---|
/// | [`Malformed`](JoseError::Malformed) | `22P02` invalid_text_representation | not a well-formed compact JWS / JWT (segments, base64url, JSON, header fields, claims not an object) |
/// | [`Rejected`](JoseError::Rejected) | `28000` invalid_authorization_specification | well-formed but not acceptable: bad signature, unknown `kid`, no usable key, `alg: none`, algorithm not allowed, expired / not yet valid, wrong `iss`/`aud`/`azp`, bad claim types |
/// | [`InvalidKey`](JoseError::InvalidKey) | `22023` invalid_parameter_value | the configured key material (or the key given to `sign`) is unusable |
/// | [`Unsupported`](JoseError::Unsupported) | `0A000` feature_not_supported | a valid JOSE feature this extension does not implement (ES512, ES256K, RSA1_5, unknown `alg`, `crit` extensions, …) |
///
/// Messages never contain key material, secrets or the token; `kid`, `alg`,
/// `iss`, `aud` and `azp` values may appear, quoted, escaped and truncated to
/// 64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoseError {
    /// Structurally invalid token (maps to `22P02`).
    Malformed(String),
    /// Token well-formed but not acceptable (maps to `28000`).
    Rejected(String),
    /// Unusable key material (maps to `22023`).
    InvalidKey(String),
    /// Feature not implemented (maps to `0A000`).
    Unsupported(String),
}

impl JoseError {
    /// The human-readable message (same text as `Display`).
    pub fn message(&self) -> &str {
        match self {
            JoseError::Malformed(m)
            | JoseError::Rejected(m)
            | JoseError::InvalidKey(m)
            | JoseError::Unsupported(m) => m,
        }
    }

    /// What kind of refusal this is, for counters: `malformed`, `unsupported`, `keys`,
    /// `unknown_kid`, `signature` (no usable key or a wrong signature), `algorithm` (not
    /// allowed), `time` (expired, not yet valid, issued in the future) or `claims` (`iss`, `aud`,
    /// `azp`, `typ`, required or mistyped claims).
    pub fn reason(&self) -> &'static str {
        let m = match self {
            JoseError::Malformed(_) => return "malformed",
            JoseError::Unsupported(_) => return "unsupported",
            JoseError::InvalidKey(_) => return "keys",
            JoseError::Rejected(m) => m.as_str(),
        };
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| m.starts_with(p));
        if starts(&["unknown kid"]) {
            "unknown_kid"
        } else if starts(&[
            "invalid signature",
            "token has no signature",
            "key ",
            "no key",
            "token header has no kid",
        ]) {
            "signature"
        } else if starts(&["algorithm ", "unsecured token"]) {
            "algorithm"
        } else if starts(&[
            "token expired",
            "token not valid before",
            "token issued in the future",
        ]) {
            "time"
        } else {
            "claims"
        }
    }

    #[cfg(test)]
    /// The variant name: `"Malformed"`, `"Rejected"`, `"InvalidKey"` or `"Unsupported"`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            JoseError::Malformed(_) => "Malformed",
            JoseError::Rejected(_) => "Rejected",
            JoseError::InvalidKey(_) => "InvalidKey",
            JoseError::Unsupported(_) => "Unsupported",
        }
    }
}

impl fmt::Display for JoseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for JoseError {}

pub(crate) use crate::json::quoted;

/// Strictly parses `bytes` (see [`crate::json`]); `what` names the part for messages.
pub(crate) fn parse_strict(bytes: Vec<u8>, what: &str) -> Result<Doc, JoseError> {
    json::parse_strict(bytes).map_err(|refusal| JoseError::Malformed(refusal.message(what)))
}

/// A JWS algorithm this module can verify and sign.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// HMAC SHA-256.
    HS256,
    /// HMAC SHA-384.
    HS384,
    /// HMAC SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 SHA-512.
    RS512,
    /// RSASSA-PSS SHA-256 (salt length 32).
    PS256,
    /// RSASSA-PSS SHA-384 (salt length 48).
    PS384,
    /// RSASSA-PSS SHA-512 (salt length 64).
    PS512,
    /// ECDSA P-256 SHA-256.
    ES256,
    /// ECDSA P-384 SHA-384.
    ES384,
    /// EdDSA with Ed25519.
    EdDSA,
}

impl Alg {
    /// All supported algorithms.
    pub const ALL: [Alg; 12] = [
        Alg::HS256,
        Alg::HS384,
        Alg::HS512,
        Alg::RS256,
        Alg::RS384,
        Alg::RS512,
        Alg::PS256,
        Alg::PS384,
        Alg::PS512,
        Alg::ES256,
        Alg::ES384,
        Alg::EdDSA,
    ];

    /// Parses a JOSE `alg` value (case-sensitive, RFC 7518 names).
    ///
    /// `none` in any letter case → [`JoseError::Rejected`]; any other
    /// unknown or unimplemented name → [`JoseError::Unsupported`]
    /// (`unsupported algorithm "ES512"`).
    pub fn from_name(name: &str) -> Result<Alg, JoseError> {
        if name.eq_ignore_ascii_case("none") {
            return Err(JoseError::Rejected(
                "unsecured token (alg \"none\") is never accepted".into(),
            ));
        }
        Alg::ALL
            .iter()
            .copied()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                JoseError::Unsupported(format!("unsupported algorithm {}", quoted(name)))
            })
    }

    /// The JOSE name, e.g. `"RS256"`.
    pub fn name(self) -> &'static str {
        match self {
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::PS256 => "PS256",
            Alg::PS384 => "PS384",
            Alg::PS512 => "PS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::EdDSA => "EdDSA",
        }
    }

    pub(crate) fn to_jwt(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            Alg::HS256 => A::HS256,
            Alg::HS384 => A::HS384,
            Alg::HS512 => A::HS512,
            Alg::RS256 => A::RS256,
            Alg::RS384 => A::RS384,
            Alg::RS512 => A::RS512,
            Alg::PS256 => A::PS256,
            Alg::PS384 => A::PS384,
            Alg::PS512 => A::PS512,
            Alg::ES256 => A::ES256,
            Alg::ES384 => A::ES384,
            Alg::EdDSA => A::EdDSA,
        }
    }

    /// Signature length fixed by the algorithm (RFC 7518 §3.4, RFC 8037 §3.1).
    pub(crate) fn fixed_signature_len(self) -> Option<usize> {
        match self {
            Alg::ES256 => Some(64),
            Alg::ES384 => Some(96),
            Alg::EdDSA => Some(64),
            _ => None,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Result of [`verify_signature`]: a JWS whose signature checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct Jws {
    /// The protected header (JSON object).
    pub header: Doc,
    /// The payload octets, base64url-decoded, not interpreted.
    pub payload: Vec<u8>,
    /// The verified algorithm.
    pub alg: Alg,
    /// The header `kid`, if any.
    pub kid: Option<String>,
}

/// Result of [`verify`]: a verified JWT with validated claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The protected header (JSON object).
    pub header: Doc,
    /// The claims set (a JSON object), with the text the token carries.
    pub claims: Doc,
    /// `exp` as a NumericDate, if present.
    pub exp: Option<f64>,
    /// `nbf` as a NumericDate, if present.
    pub nbf: Option<f64>,
    /// `iat` as a NumericDate, if present.
    pub iat: Option<f64>,
    /// The verified algorithm.
    pub alg: Alg,
}

/// Verifies a compact JWS signature (JWS level: the payload is not
/// interpreted).
///
/// Steps: exactly three segments; strict base64url; header a JSON object
/// with a string `alg` (duplicate member names and `\u0000` rejected);
/// `alg: none` (any case) rejected; unknown algorithms unsupported; a
/// `crit` listing names → `Unsupported` (we implement no extension), an
/// empty or non-array `crit` → `Malformed`; if `algorithms` is non-empty
/// the token `alg` must be in it; a non-empty signature of the right length
/// (ES256: 64, ES384: 96, EdDSA: 64 bytes); then the signature is
/// checked over the received ASCII `header.payload` with a key chosen from
/// `keys`:
///
/// * header has `kid` and some key of the set has one → only keys with
///   exactly that `kid` are tried (none → `Rejected("unknown kid …")`; no
///   fallback to kid-less keys or secrets); when no key has a `kid` (a PEM
///   key, a bare secret), the token's `kid` cannot select and is ignored;
/// * no `kid` → every key *without* a `kid` whose family fits the algorithm:
///   a key that has a name is only used for tokens that name it (Clerk's SDK
///   refuses a kid-less token on its JWKS path the same way);
/// * in both cases a key is skipped unless its type fits the algorithm (so an
///   HS256 token never meets an RSA/EC/OKP key), its JWK `alg` (if any)
///   equals the token `alg`, its `use` (if any) is `sig` and its `key_ops`
///   (if any) contain `verify`.
pub fn verify_signature(
    token: &str,
    keys: &KeySet,
    algorithms: &[String],
) -> Result<Jws, JoseError> {
    let prepared = token::prepare(token, algorithms)?;
    prepared.check_signature(keys)?;
    Ok(Jws {
        header: prepared.header.doc,
        payload: prepared.payload,
        alg: prepared.alg,
        kid: prepared.header.kid,
    })
}

/// Strictly parses a claims set (as [`verify`] does after the signature check).
pub fn parse_claims(bytes: Vec<u8>) -> Result<Doc, JoseError> {
    parse_strict(bytes, "claims")
}

/// A compact JWT read but not verified: its header checked (supported `alg`, no `crit`, a
/// signature of the right length) and its claims parsed, so that its `iss` can choose the keys
/// and rules that will verify it ([`verify_unverified`]). Nothing read here is trusted.
pub struct Unverified<'a> {
    prepared: token::Prepared<'a>,
    /// The parsed claims, or why they could not be: reported only after the signature checks,
    /// as [`verify`] reports it.
    claims: Result<Doc, JoseError>,
}

impl Unverified<'_> {
    /// The header `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.prepared.header.kid.as_deref()
    }

    /// The `iss` claim when the claims are an object with a string `iss`.
    pub fn issuer(&self) -> Option<&str> {
        self.claims.as_ref().ok()?.root().get("iss")?.as_str()
    }
}

/// Reads `token` without verifying it (see [`Unverified`]).
pub fn read_unverified(token: &str) -> Result<Unverified<'_>, JoseError> {
    let prepared = token::prepare(token, &[])?;
    let claims = parse_claims(prepared.payload.clone());
    Ok(Unverified { prepared, claims })
}

/// [`verify`] of a token already read: the same checks, in the same order, with the same
/// errors.
pub fn verify_unverified(
    token: Unverified,
    keys: &KeySet,
    policy: &Policy,
) -> Result<Verified, JoseError> {
    let Unverified { prepared, claims } = token;
    token::check_algorithm(prepared.alg, policy.algorithms)?;
    prepared.check_signature(keys)?;
    check_header(prepared.header.doc.root(), policy)?;
    let claims = claims?;
    finish(prepared.header.doc, claims, prepared.alg, policy)
}

/// Verifies a JWT: [`verify_signature`] with `policy.algorithms`, then
/// [`check_header`] (`typ`), then the payload must be a JSON object (strict: no duplicate names, no `\u0000`),
/// then [`validate_claims`] applies `policy` (time window, `iss`, `aud`,
/// `azp`, claim types).
pub fn verify(token: &str, keys: &KeySet, policy: &Policy) -> Result<Verified, JoseError> {
    let jws = verify_signature(token, keys, policy.algorithms)?;
    check_header(jws.header.root(), policy)?;
    let claims = parse_claims(jws.payload)?;
    finish(jws.header, claims, jws.alg, policy)
}

/// The claim checks of a token whose signature and header passed.
fn finish(header: Doc, claims: Doc, alg: Alg, policy: &Policy) -> Result<Verified, JoseError> {
    if !claims.root().is_object() {
        return Err(JoseError::Malformed("claims are not a JSON object".into()));
    }
    let times = validate_claims(claims.root(), policy)?;
    Ok(Verified {
        header,
        claims,
        exp: times.exp,
        nbf: times.nbf,
        iat: times.iat,
        alg,
    })
}
