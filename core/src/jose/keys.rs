//! Verification key material: PEM public keys / certificates, JWK, JWK Set,
//! raw HMAC secrets; and key selection for a token.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};

use super::der::{self, Reader};
use super::token::b64url_decode;
use super::{quoted, Alg, JoseError};

/// What kind of key a [`Key`] is, which decides the algorithms it may verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFamily {
    /// Symmetric secret: HS256/384/512.
    Hmac,
    /// RSA public key: RS256/384/512, PS256/384/512.
    Rsa,
    /// EC P-256 public key: ES256.
    EcP256,
    /// EC P-384 public key: ES384.
    EcP384,
    /// Ed25519 public key: EdDSA.
    Ed25519,
    /// A recognised key this extension cannot use (EC P-521, secp256k1,
    /// Ed448, X25519…). Kept so that a JWK Set containing it still parses;
    /// it never verifies anything. The string names the key type.
    Unsupported(String),
}

impl KeyFamily {
    /// Whether a key of this family may verify/sign `alg`.
    pub fn fits(&self, alg: Alg) -> bool {
        matches!(
            (self, alg),
            (KeyFamily::Hmac, Alg::HS256 | Alg::HS384 | Alg::HS512)
                | (
                    KeyFamily::Rsa,
                    Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512
                )
                | (KeyFamily::EcP256, Alg::ES256)
                | (KeyFamily::EcP384, Alg::ES384)
                | (KeyFamily::Ed25519, Alg::EdDSA)
        )
    }
}

impl fmt::Display for KeyFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFamily::Hmac => f.write_str("HMAC secret"),
            KeyFamily::Rsa => f.write_str("RSA"),
            KeyFamily::EcP256 => f.write_str("EC P-256"),
            KeyFamily::EcP384 => f.write_str("EC P-384"),
            KeyFamily::Ed25519 => f.write_str("Ed25519"),
            KeyFamily::Unsupported(what) => write!(f, "unsupported {what}"),
        }
    }
}

/// One verification key with its JWK metadata.
///
/// `Debug` never prints key material (the `jsonwebtoken` key type redacts it).
#[derive(Clone, Debug)]
pub struct Key {
    kid: Option<String>,
    family: KeyFamily,
    alg: Option<String>,
    key_use: Option<String>,
    key_ops: Option<Vec<String>>,
    decoding: Option<DecodingKey>,
}

impl Key {
    fn new(family: KeyFamily, decoding: Option<DecodingKey>) -> Key {
        Key {
            kid: None,
            family,
            alg: None,
            key_use: None,
            key_ops: None,
            decoding,
        }
    }

    /// JWK `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    #[cfg(test)]
    /// Key family (derived from `kty`/`crv` or the PEM algorithm).
    pub fn family(&self) -> &KeyFamily {
        &self.family
    }

    /// False when `use` is present and not `sig`, or `key_ops` is present
    /// without `verify` (RFC 7517 §4.2, §4.3).
    pub fn can_verify(&self) -> bool {
        let use_ok = self.key_use.as_deref().is_none_or(|u| u == "sig");
        let ops_ok = self
            .key_ops
            .as_ref()
            .is_none_or(|ops| ops.iter().any(|o| o == "verify"));
        use_ok && ops_ok
    }

    /// Whether this key may verify a token signed with `alg`.
    pub fn usable_with(&self, alg: Alg) -> bool {
        self.decoding.is_some()
            && self.can_verify()
            && self.family.fits(alg)
            && self.alg.as_deref().is_none_or(|a| a == alg.name())
    }
}

/// A set of verification keys (possibly a single secret or PEM key).
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<Key>,
}

impl KeySet {
    /// Parses key material, detecting its form:
    ///
    /// * contains `-----BEGIN` → PEM: one or more `PUBLIC KEY` (SPKI: RSA,
    ///   EC P-256/P-384, Ed25519), `RSA PUBLIC KEY` (PKCS#1) or `CERTIFICATE`
    ///   blocks (the certificate's subject key is used; the certificate itself
    ///   is not validated). Every block becomes a kid-less key (so every
    ///   certificate of a pasted chain is trusted). Private key blocks are
    ///   refused.
    /// * JSON object with `keys` → JWK Set. Entries that cannot be parsed are
    ///   skipped if at least one other entry parses; none → `InvalidKey`.
    /// * JSON object with `kty` → a single JWK.
    /// * anything else starting with `{` (or a JSON array) → `InvalidKey`: it
    ///   is never silently used as a secret.
    /// * otherwise → the exact bytes (untrimmed) are an HMAC secret; empty or
    ///   whitespace-only material is `InvalidKey`.
    ///
    /// PEM keys and raw secrets have no `kid`. When any key of the set has a
    /// `kid`, a token's `kid` selects: it is checked only against keys with
    /// that exact `kid`. When none has one (a PEM key such as Clerk's "JWT
    /// public key", or a bare secret), the token's `kid` cannot select and is
    /// only a hint, as in Clerk's SDK: the signature decides.
    pub fn parse(material: &str) -> Result<KeySet, JoseError> {
        let trimmed = material.trim();
        if trimmed.is_empty() {
            return Err(JoseError::InvalidKey("key material is empty".into()));
        }
        if trimmed.contains("-----BEGIN") {
            return parse_pem_public(trimmed).map(|keys| KeySet { keys });
        }
        if trimmed.starts_with('{') {
            let value = crate::json::parse_value(trimmed).map_err(|e| {
                JoseError::InvalidKey(format!(
                    "key material starts with '{{' but is not valid JSON (JWK / JWK Set): {e}"
                ))
            })?;
            return parse_json_keys(&value).map(|keys| KeySet { keys });
        }
        if trimmed.starts_with('[') && crate::json::parse_value(trimmed).is_ok() {
            return Err(JoseError::InvalidKey(
                "a JSON array is not a JWK Set; use {\"keys\": [...]}".into(),
            ));
        }
        KeySet::from_secret(material.as_bytes())
    }

    /// Public key material only, for a place that may be readable before it is protected (the
    /// `pg_jwt_claims.jwks` setting): PEM public keys, a JWK or a JWK Set, without symmetric
    /// (`oct`) keys. Anything else is an error, never an HMAC secret: a URL or a public text
    /// pasted there must not become a key anyone can sign with.
    pub fn parse_public(material: &str) -> Result<KeySet, JoseError> {
        let trimmed = material.trim();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.contains("-----BEGIN"))
        {
            return Err(JoseError::InvalidKey(
                "public key material must be a JWK Set, a JWK or PEM public keys".into(),
            ));
        }
        let set = KeySet::parse(trimmed)?;
        if set.keys.iter().any(|k| k.family == KeyFamily::Hmac) {
            return Err(JoseError::InvalidKey(
                "public key material holds a symmetric (oct) key; HMAC secrets belong in the secret setting"
                    .into(),
            ));
        }
        Ok(set)
    }

    /// An HMAC secret given as raw bytes (e.g. after base64-decoding a
    /// setting). Empty secrets are refused.
    pub fn from_secret(secret: &[u8]) -> Result<KeySet, JoseError> {
        if secret.is_empty() {
            return Err(JoseError::InvalidKey("HMAC secret is empty".into()));
        }
        Ok(KeySet {
            keys: vec![Key::new(
                KeyFamily::Hmac,
                Some(DecodingKey::from_secret(secret)),
            )],
        })
    }

    #[cfg(test)]
    /// Parses several pieces of key material (e.g. a configured secret and a
    /// configured JWK Set) and merges them. Parts that are empty or
    /// whitespace-only are skipped (an unset setting); any other part that
    /// fails to parse fails the whole call. At least one key is required.
    pub fn from_parts(parts: &[&str]) -> Result<KeySet, JoseError> {
        let mut set = KeySet::default();
        for part in parts {
            if part.trim().is_empty() {
                continue;
            }
            set = set.merge(KeySet::parse(part)?);
        }
        if set.keys.is_empty() {
            return Err(JoseError::InvalidKey("no key material configured".into()));
        }
        Ok(set)
    }

    /// Concatenates two key sets (`self` first).
    pub fn merge(mut self, other: KeySet) -> KeySet {
        self.keys.extend(other.keys);
        self
    }

    #[cfg(test)]
    /// The keys, in configuration order.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Number of keys (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Selects candidate keys for (`alg`, `kid`) and checks the signature.
    pub(crate) fn verify(
        &self,
        alg: Alg,
        kid: Option<&str>,
        signing_input: &[u8],
        signature_b64: &str,
    ) -> Result<(), JoseError> {
        // A kid selects among keys that have kids. Key material without any kid (a PEM key such
        // as Clerk's "JWT public key", or a bare secret) cannot be selected by one, so the kid is
        // only a hint there, as in Clerk's own SDK; the signature must still verify.
        let kid = kid.filter(|_| self.keys.iter().any(|k| k.kid().is_some()));
        let candidates: Vec<&Key> = match kid {
            Some(kid) => {
                let named: Vec<&Key> = self.keys.iter().filter(|k| k.kid() == Some(kid)).collect();
                if named.is_empty() {
                    return Err(JoseError::Rejected(format!("unknown kid {}", quoted(kid))));
                }
                let usable: Vec<&Key> = named.into_iter().filter(|k| k.usable_with(alg)).collect();
                if usable.is_empty() {
                    return Err(JoseError::Rejected(format!(
                        "key {} cannot verify {} tokens (key type, JWK alg, use or key_ops)",
                        quoted(kid),
                        alg
                    )));
                }
                usable
            }
            None => {
                let usable: Vec<&Key> = self.keys.iter().filter(|k| k.usable_with(alg)).collect();
                let unnamed: Vec<&Key> = usable
                    .iter()
                    .copied()
                    .filter(|k| k.kid().is_none())
                    .collect();
                if unnamed.is_empty() && !usable.is_empty() {
                    return Err(JoseError::Rejected(
                        "token header has no kid, and the keys that could verify it are chosen by kid".into(),
                    ));
                }
                let usable = unnamed;
                if usable.is_empty() {
                    return Err(JoseError::Rejected(format!(
                        "no key for algorithm {}",
                        quoted(alg.name())
                    )));
                }
                usable
            }
        };
        for key in candidates {
            if let Some(dk) = &key.decoding {
                if let Ok(true) =
                    jsonwebtoken::crypto::verify(signature_b64, signing_input, dk, alg.to_jwt())
                {
                    return Ok(());
                }
            }
        }
        Err(JoseError::Rejected("invalid signature".into()))
    }
}

// ---------------------------------------------------------------------------
// PEM

/// One PEM block: label (e.g. `PUBLIC KEY`) and DER contents.
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// Extracts every PEM block from `text` (text between blocks is ignored).
pub(crate) fn parse_pem_blocks(text: &str) -> Result<Vec<PemBlock>, JoseError> {
    const BEGIN: &str = "-----BEGIN ";
    let bad = |m: &str| JoseError::InvalidKey(format!("invalid PEM: {m}"));
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(BEGIN) {
        let after = rest.get(pos + BEGIN.len()..).unwrap_or_default();
        let label_end = after
            .find("-----")
            .ok_or_else(|| bad("unterminated BEGIN line"))?;
        let label = after.get(..label_end).unwrap_or_default();
        if label.is_empty()
            || label.len() > 64
            || !label
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b' ' || b.is_ascii_digit())
        {
            return Err(bad("bad BEGIN label"));
        }
        let body_and_rest = after.get(label_end + 5..).unwrap_or_default();
        let end_marker = format!("-----END {label}-----");
        let end = body_and_rest
            .find(&end_marker)
            .ok_or_else(|| bad(&format!("no END line for {label}")))?;
        let body = body_and_rest.get(..end).unwrap_or_default();
        if body.contains(':') {
            return Err(JoseError::InvalidKey(
                "encrypted PEM (or PEM with headers) is not supported".into(),
            ));
        }
        let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = STANDARD
            .decode(b64.as_bytes())
            .map_err(|_| bad(&format!("{label} body is not valid base64")))?;
        blocks.push(PemBlock {
            label: label.to_string(),
            der,
        });
        rest = body_and_rest
            .get(end + end_marker.len()..)
            .unwrap_or_default();
    }
    if blocks.is_empty() {
        return Err(bad("no BEGIN line"));
    }
    Ok(blocks)
}

fn parse_pem_public(text: &str) -> Result<Vec<Key>, JoseError> {
    let mut keys = Vec::new();
    for block in parse_pem_blocks(text)? {
        let key = match block.label.as_str() {
            "PUBLIC KEY" => spki_key(&block.der)?,
            "RSA PUBLIC KEY" => {
                let (n, e) = rsa_public_pkcs1(&block.der)?;
                rsa_key(n, e)?
            }
            "CERTIFICATE" => spki_key(certificate_spki(&block.der)?)?,
            label if label.ends_with("PRIVATE KEY") => {
                return Err(JoseError::InvalidKey(
                    "PEM private key given as verification key; configure the public key or certificate".into(),
                ))
            }
            label => {
                return Err(JoseError::InvalidKey(format!(
                    "unsupported PEM block {}",
                    quoted(label)
                )))
            }
        };
        keys.push(key);
    }
    Ok(keys)
}

fn der_err(what: &str) -> impl Fn(der::DerError) -> JoseError + '_ {
    move |_| JoseError::InvalidKey(format!("invalid {what} (DER)"))
}

/// `SubjectPublicKeyInfo` of an X.509 certificate (no validation of the
/// certificate itself: dates, issuer and signature are not checked).
fn certificate_spki(cert: &[u8]) -> Result<&[u8], JoseError> {
    let e = der_err("certificate");
    let certificate = der::single(cert, der::SEQUENCE).map_err(&e)?;
    let tbs = Reader::new(certificate).read(der::SEQUENCE).map_err(&e)?;
    let mut r = Reader::new(tbs);
    if r.peek_tag() == Some(der::CTX0) {
        r.read(der::CTX0).map_err(&e)?; // version
    }
    r.read(der::INTEGER).map_err(&e)?; // serialNumber
    r.read(der::SEQUENCE).map_err(&e)?; // signature algorithm
    r.read(der::SEQUENCE).map_err(&e)?; // issuer
    r.read(der::SEQUENCE).map_err(&e)?; // validity
    r.read(der::SEQUENCE).map_err(&e)?; // subject
    r.read_raw(der::SEQUENCE).map_err(&e) // subjectPublicKeyInfo
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_public_pkcs1(der_bytes: &[u8]) -> Result<(&[u8], &[u8]), JoseError> {
    let e = der_err("RSA public key");
    let seq = der::single(der_bytes, der::SEQUENCE).map_err(&e)?;
    let mut r = Reader::new(seq);
    let n = der::unsigned_integer(r.read(der::INTEGER).map_err(&e)?).map_err(&e)?;
    let exp = der::unsigned_integer(r.read(der::INTEGER).map_err(&e)?).map_err(&e)?;
    if !r.is_empty() {
        return Err(JoseError::InvalidKey("invalid RSA public key (DER)".into()));
    }
    Ok((n, exp))
}

/// Parses a DER `SubjectPublicKeyInfo`.
fn spki_key(spki: &[u8]) -> Result<Key, JoseError> {
    let e = der_err("public key");
    let body = der::single(spki, der::SEQUENCE).map_err(&e)?;
    let mut r = Reader::new(body);
    let alg_id = r.read(der::SEQUENCE).map_err(&e)?;
    let bits = der::bit_string_bytes(r.read(der::BIT_STRING).map_err(&e)?).map_err(&e)?;
    if !r.is_empty() {
        return Err(JoseError::InvalidKey("invalid public key (DER)".into()));
    }
    let mut a = Reader::new(alg_id);
    let oid = a.read(der::OID).map_err(&e)?;
    match oid {
        der::OID_RSA_ENCRYPTION => {
            let (n, exp) = rsa_public_pkcs1(bits)?;
            rsa_key(n, exp)
        }
        der::OID_RSASSA_PSS => Err(JoseError::InvalidKey(
            "RSASSA-PSS-restricted public keys are not supported; use an rsaEncryption key".into(),
        )),
        der::OID_EC_PUBLIC_KEY => {
            let curve = a.read(der::OID).map_err(|_| {
                JoseError::InvalidKey("EC public key without a named curve is not supported".into())
            })?;
            match curve {
                der::OID_P256 => ec_key(KeyFamily::EcP256, bits, 32),
                der::OID_P384 => ec_key(KeyFamily::EcP384, bits, 48),
                der::OID_P521 => Ok(Key::new(KeyFamily::Unsupported("EC P-521".into()), None)),
                der::OID_SECP256K1 => Ok(Key::new(
                    KeyFamily::Unsupported("EC secp256k1".into()),
                    None,
                )),
                _ => Err(JoseError::InvalidKey(
                    "unsupported EC curve in public key".into(),
                )),
            }
        }
        der::OID_ED25519 => ed25519_key(bits),
        der::OID_ED448 => Ok(Key::new(KeyFamily::Unsupported("OKP Ed448".into()), None)),
        der::OID_X25519 | der::OID_X448 => Ok(Key::new(
            KeyFamily::Unsupported("OKP key-agreement key".into()),
            None,
        )),
        _ => Err(JoseError::InvalidKey(
            "unsupported public key algorithm".into(),
        )),
    }
}

/// RSA public key from big-endian `n`, `e`; modulus must be 2048–8192 bits
/// (the range the crypto backend verifies).
fn rsa_key(n: &[u8], e: &[u8]) -> Result<Key, JoseError> {
    let n = der::strip_leading_zeros(n);
    let e = der::strip_leading_zeros(e);
    let bits = match n.first() {
        Some(first) if *first != 0 => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        _ => 0,
    };
    if !(2048..=8192).contains(&bits) {
        return Err(JoseError::InvalidKey(format!(
            "RSA modulus of {bits} bits is outside the supported 2048-8192 range"
        )));
    }
    match e.first() {
        Some(first) if *first != 0 && e.len() <= 8 => {}
        _ => return Err(JoseError::InvalidKey("invalid RSA public exponent".into())),
    }
    Ok(Key::new(
        KeyFamily::Rsa,
        Some(DecodingKey::from_rsa_raw_components(n, e)),
    ))
}

/// EC public key from an uncompressed SEC1 point.
fn ec_key(family: KeyFamily, point: &[u8], coord_len: usize) -> Result<Key, JoseError> {
    if point.len() != 1 + 2 * coord_len || point.first() != Some(&0x04) {
        return Err(JoseError::InvalidKey(format!(
            "{family} public key must be an uncompressed point"
        )));
    }
    Ok(Key::new(family, Some(DecodingKey::from_ec_der(point))))
}

fn ed25519_key(x: &[u8]) -> Result<Key, JoseError> {
    if x.len() != 32 {
        return Err(JoseError::InvalidKey(
            "Ed25519 public key must be 32 bytes".into(),
        ));
    }
    Ok(Key::new(
        KeyFamily::Ed25519,
        Some(DecodingKey::from_ed_der(x)),
    ))
}

// ---------------------------------------------------------------------------
// JWK / JWK Set

fn parse_json_keys(value: &Value) -> Result<Vec<Key>, JoseError> {
    let obj = value.as_object().ok_or_else(|| {
        JoseError::InvalidKey("JSON key material must be a JWK or a JWK Set object".into())
    })?;
    if let Some(keys) = obj.get("keys") {
        let list = keys
            .as_array()
            .ok_or_else(|| JoseError::InvalidKey("JWK Set \"keys\" is not an array".into()))?;
        if list.is_empty() {
            return Err(JoseError::InvalidKey("JWK Set has no keys".into()));
        }
        let mut parsed = Vec::new();
        let mut first_problem = None;
        for entry in list {
            let result = entry
                .as_object()
                .ok_or_else(|| JoseError::InvalidKey("JWK Set entry is not an object".into()))
                .and_then(parse_jwk_public);
            match result {
                Ok(key) => parsed.push(key),
                Err(e) => {
                    first_problem.get_or_insert(e);
                }
            }
        }
        if parsed.is_empty() {
            let why = first_problem.map(|e| e.to_string()).unwrap_or_default();
            return Err(JoseError::InvalidKey(format!(
                "JWK Set has no usable key ({} entries skipped; first: {why})",
                list.len()
            )));
        }
        return Ok(parsed);
    }
    if obj.contains_key("kty") {
        return parse_jwk_public(obj).map(|k| vec![k]);
    }
    Err(JoseError::InvalidKey(
        "JSON key material is neither a JWK (no \"kty\") nor a JWK Set (no \"keys\")".into(),
    ))
}

/// Label for messages about one JWK: its kid when it has one.
pub(crate) fn jwk_label(obj: &Map<String, Value>) -> String {
    match obj.get("kid").and_then(Value::as_str) {
        Some(kid) => format!("JWK {}", quoted(kid)),
        None => "JWK".into(),
    }
}

/// Optional string member; present but not a string is an error.
pub(crate) fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, JoseError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JoseError::InvalidKey(format!(
            "{}: \"{name}\" is not a string",
            jwk_label(obj)
        ))),
    }
}

/// Required base64url member, decoded.
pub(crate) fn b64_member(obj: &Map<String, Value>, name: &str) -> Result<Vec<u8>, JoseError> {
    let label = jwk_label(obj);
    let text = opt_str(obj, name)?
        .ok_or_else(|| JoseError::InvalidKey(format!("{label}: missing \"{name}\"")))?;
    b64url_decode(text, name)
        .map_err(|_| JoseError::InvalidKey(format!("{label}: \"{name}\" is not valid base64url")))
}

/// `key_ops`: optional array of strings.
pub(crate) fn key_ops(obj: &Map<String, Value>) -> Result<Option<Vec<String>>, JoseError> {
    match obj.get("key_ops") {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    JoseError::InvalidKey(format!(
                        "{}: \"key_ops\" lists a non-string",
                        jwk_label(obj)
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(JoseError::InvalidKey(format!(
            "{}: \"key_ops\" is not an array",
            jwk_label(obj)
        ))),
    }
}

/// Parses one JWK as a verification key. Private members are ignored.
pub(crate) fn parse_jwk_public(obj: &Map<String, Value>) -> Result<Key, JoseError> {
    let label = jwk_label(obj);
    let kty = opt_str(obj, "kty")?
        .ok_or_else(|| JoseError::InvalidKey(format!("{label}: missing \"kty\"")))?;
    let kid = opt_str(obj, "kid")?;
    let alg = opt_str(obj, "alg")?;
    let key_use = opt_str(obj, "use")?;
    let ops = key_ops(obj)?;
    let mut key = match kty {
        "oct" => {
            let k = b64_member(obj, "k")?;
            if k.is_empty() {
                return Err(JoseError::InvalidKey(format!("{label}: empty \"k\"")));
            }
            Key::new(KeyFamily::Hmac, Some(DecodingKey::from_secret(&k)))
        }
        "RSA" => {
            let n = b64_member(obj, "n")?;
            let e = b64_member(obj, "e")?;
            rsa_key(&n, &e).map_err(|err| JoseError::InvalidKey(format!("{label}: {err}")))?
        }
        "EC" => {
            let crv = opt_str(obj, "crv")?
                .ok_or_else(|| JoseError::InvalidKey(format!("{label}: missing \"crv\"")))?;
            let (family, len) = match crv {
                "P-256" => (KeyFamily::EcP256, 32),
                "P-384" => (KeyFamily::EcP384, 48),
                "P-521" | "secp256k1" => {
                    b64_member(obj, "x")?;
                    b64_member(obj, "y")?;
                    (KeyFamily::Unsupported(format!("EC {crv}")), 0)
                }
                other => {
                    return Err(JoseError::InvalidKey(format!(
                        "{label}: unsupported EC curve {}",
                        quoted(other)
                    )))
                }
            };
            if len == 0 {
                Key::new(family, None)
            } else {
                let x = b64_member(obj, "x")?;
                let y = b64_member(obj, "y")?;
                if x.len() != len || y.len() != len {
                    return Err(JoseError::InvalidKey(format!(
                        "{label}: {crv} coordinates must be {len} bytes"
                    )));
                }
                let point = [&[0x04u8][..], &x, &y].concat();
                ec_key(family, &point, len)?
            }
        }
        "OKP" => {
            let crv = opt_str(obj, "crv")?
                .ok_or_else(|| JoseError::InvalidKey(format!("{label}: missing \"crv\"")))?;
            match crv {
                "Ed25519" => {
                    let x = b64_member(obj, "x")?;
                    ed25519_key(&x)
                        .map_err(|err| JoseError::InvalidKey(format!("{label}: {err}")))?
                }
                "Ed448" | "X25519" | "X448" => {
                    Key::new(KeyFamily::Unsupported(format!("OKP {crv}")), None)
                }
                other => {
                    return Err(JoseError::InvalidKey(format!(
                        "{label}: unsupported OKP curve {}",
                        quoted(other)
                    )))
                }
            }
        }
        other => {
            return Err(JoseError::InvalidKey(format!(
                "{label}: unsupported kty {}",
                quoted(other)
            )))
        }
    };
    if let Some(a) = alg {
        if let Ok(known) = Alg::from_name(a) {
            if !key.family.fits(known) {
                return Err(JoseError::InvalidKey(format!(
                    "{label}: alg {} does not match its key type ({})",
                    quoted(a),
                    key.family
                )));
            }
        }
    }
    key.kid = kid.map(str::to_owned);
    key.alg = alg.map(str::to_owned);
    key.key_use = key_use.map(str::to_owned);
    key.key_ops = ops;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(r: Result<KeySet, JoseError>) -> &'static str {
        match r {
            Ok(_) => "Ok",
            Err(e) => e.kind_name(),
        }
    }

    #[test]
    fn material_detection() {
        let rsa_n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
        let rsa_jwk = format!(r#"{{"kty":"RSA","n":"{rsa_n}","e":"AQAB","kid":"r1"}}"#);
        let cases: Vec<(String, &str, usize)> = vec![
            ("secret".into(), "Ok", 1),
            ("  spaced secret  ".into(), "Ok", 1),
            ("".into(), "InvalidKey", 0),
            ("   \n".into(), "InvalidKey", 0),
            ("{not json".into(), "InvalidKey", 0),
            ("{\"foo\":1}".into(), "InvalidKey", 0),
            ("[{\"kty\":\"oct\",\"k\":\"AAAA\"}]".into(), "InvalidKey", 0),
            ("[not json, a secret".into(), "Ok", 1),
            (r#"{"kty":"oct","k":"AAAA"}"#.into(), "Ok", 1),
            (r#"{"kty":"oct","k":""}"#.into(), "InvalidKey", 0),
            (r#"{"kty":"oct","k":"AA=="}"#.into(), "InvalidKey", 0),
            (r#"{"kty":"oct"}"#.into(), "InvalidKey", 0),
            (r#"{"kty":"foo","k":"AAAA"}"#.into(), "InvalidKey", 0),
            (
                r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#.into(),
                "InvalidKey",
                0,
            ), // too small
            (rsa_jwk.clone(), "Ok", 1),
            (
                r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#.into(),
                "InvalidKey",
                0,
            ),
            (
                r#"{"kty":"EC","crv":"P-521","x":"AAAA","y":"AAAA"}"#.into(),
                "Ok",
                1,
            ),
            (r#"{"kty":"OKP","crv":"Ed448","x":"AAAA"}"#.into(), "Ok", 1),
            (
                r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#.into(),
                "InvalidKey",
                0,
            ),
            (
                r#"{"kty":"oct","k":"AAAA","alg":"RS256"}"#.into(),
                "InvalidKey",
                0,
            ),
            (
                r#"{"kty":"oct","k":"AAAA","kid":5}"#.into(),
                "InvalidKey",
                0,
            ),
            (
                r#"{"kty":"oct","k":"AAAA","key_ops":"verify"}"#.into(),
                "InvalidKey",
                0,
            ),
            (r#"{"keys":[]}"#.into(), "InvalidKey", 0),
            (r#"{"keys":{}}"#.into(), "InvalidKey", 0),
            (
                r#"{"keys":[{"kty":"foo"},{"kty":"oct","k":"!!"}]}"#.into(),
                "InvalidKey",
                0,
            ),
            (
                format!(r#"{{"keys":[{{"kty":"foo"}},{rsa_jwk},{{"kty":"oct","k":"AAAA"}}]}}"#),
                "Ok",
                2,
            ),
            (
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----".into(),
                "InvalidKey",
                0,
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".into(),
                "InvalidKey",
                0,
            ),
            ("-----BEGIN PUBLIC KEY-----\nAAAA\n".into(), "InvalidKey", 0),
            (
                "-----BEGIN FOO-----\nAAAA\n-----END FOO-----".into(),
                "InvalidKey",
                0,
            ),
            ("xx -----BEGIN PUBLIC KEY-----".into(), "InvalidKey", 0),
        ];
        for (material, want, n) in cases {
            let got = KeySet::parse(&material);
            if let Ok(set) = &got {
                assert_eq!(set.len(), n, "{material}");
            }
            assert_eq!(kind(got), want, "{material}");
        }
    }

    #[test]
    fn secret_is_exact_bytes_and_errors_do_not_leak() {
        let set = KeySet::parse(" s3cr3t-value\n").unwrap();
        assert_eq!(set.keys()[0].family(), &KeyFamily::Hmac);
        for bad in ["{\"kty\":\"oct\",\"k\":\"s3cr3t-value!\"}", "{s3cr3t-value"] {
            let msg = KeySet::parse(bad).unwrap_err().to_string();
            assert!(!msg.contains("s3cr3t"), "{msg}");
        }
    }

    #[test]
    fn from_parts_and_merge() {
        let set = KeySet::from_parts(&[
            "secret",
            "",
            "  ",
            r#"{"keys":[{"kty":"oct","k":"AAAA","kid":"a"}]}"#,
        ])
        .unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.keys()[1].kid(), Some("a"));
        assert!(KeySet::from_parts(&["", " "]).is_err());
        assert!(KeySet::from_parts(&[]).is_err());
        assert!(KeySet::from_parts(&["secret", "{bad"]).is_err());
        let merged = KeySet::parse("a")
            .unwrap()
            .merge(KeySet::parse("b").unwrap());
        assert_eq!(merged.len(), 2);
    }

    #[test]
    fn use_and_key_ops() {
        let cases = [
            (r#"{"kty":"oct","k":"AAAA"}"#, true),
            (r#"{"kty":"oct","k":"AAAA","use":"sig"}"#, true),
            (r#"{"kty":"oct","k":"AAAA","use":"enc"}"#, false),
            (
                r#"{"kty":"oct","k":"AAAA","key_ops":["sign","verify"]}"#,
                true,
            ),
            (r#"{"kty":"oct","k":"AAAA","key_ops":["sign"]}"#, false),
            (r#"{"kty":"oct","k":"AAAA","key_ops":[]}"#, false),
            (r#"{"kty":"oct","k":"AAAA","alg":"HS384"}"#, true),
        ];
        for (jwk, can) in cases {
            let set = KeySet::parse(jwk).unwrap();
            let key = &set.keys()[0];
            assert_eq!(key.can_verify(), can, "{jwk}");
            assert_eq!(key.usable_with(Alg::HS384), can, "{jwk}");
        }
        let pinned = KeySet::parse(r#"{"kty":"oct","k":"AAAA","alg":"HS384"}"#).unwrap();
        assert!(!pinned.keys()[0].usable_with(Alg::HS256));
        assert!(!pinned.keys()[0].usable_with(Alg::RS256));
    }

    #[test]
    fn debug_redacts_material() {
        let set = KeySet::parse("super-secret-material").unwrap();
        let dbg = format!("{set:?}");
        assert!(!dbg.contains("super-secret"), "{dbg}");
    }
}
