//! Verification key material: PEM public keys / certificates, JWK, JWK Set,
//! raw HMAC secrets; and key selection for a token.
//!
//! The libraries read the formats: the `pem` crate reads each PEM block, the RustCrypto formats
//! crates (`spki`, `pkcs1`, `x509-cert`, over `der`) read the DER inside, and
//! `jsonwebtoken::jwk::Jwk` reads a JWK once the strict JSON parser has refused duplicate member
//! names. What stays here is policy: which key types and curves, RSA modulus sizes,
//! `use`/`key_ops`/`alg`, and the messages.

use std::fmt;

use der::asn1::{ObjectIdentifier, UintRef};
use der::referenced::OwnedToRef;
use der::Decode;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations,
    PublicKeyUse,
};
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::Certificate;

use super::private::find_private;
use super::token::b64url_decode;
use super::{quoted, Alg, JoseError};

// Key types and curves by object identifier (RFC 8017, RFC 5480, RFC 5758, RFC 8410).
pub(crate) const OID_RSA_ENCRYPTION: ObjectIdentifier = pkcs1::ALGORITHM_OID;
const OID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier = sec1::ALGORITHM_OID;
pub(crate) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const OID_X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const OID_X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
pub(crate) const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
pub(crate) const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

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
    family: KeyFamily,
    /// `kid`, `use`, `key_ops` and `alg` as `Jwk` reads them (none for a PEM key or a secret).
    common: CommonParameters,
    decoding: Option<DecodingKey>,
}

impl Key {
    fn new(family: KeyFamily, decoding: Option<DecodingKey>) -> Key {
        Key {
            family,
            common: CommonParameters::default(),
            decoding,
        }
    }

    /// JWK `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.common.key_id.as_deref()
    }

    /// Key family (derived from `kty`/`crv` or the PEM algorithm), for tests.
    #[cfg(test)]
    pub(crate) fn family(&self) -> &KeyFamily {
        &self.family
    }

    /// False when `use` is present and not `sig`, or `key_ops` is present
    /// without `verify` (RFC 7517 §4.2, §4.3).
    fn can_verify(&self) -> bool {
        let use_ok = self
            .common
            .public_key_use
            .as_ref()
            .is_none_or(|u| *u == PublicKeyUse::Signature);
        let ops_ok = self
            .common
            .key_operations
            .as_ref()
            .is_none_or(|ops| ops.contains(&KeyOperations::Verify));
        use_ok && ops_ok
    }

    /// Whether this key may verify a token signed with `alg`.
    pub fn usable_with(&self, alg: Alg) -> bool {
        self.decoding.is_some()
            && self.can_verify()
            && self.family.fits(alg)
            && self
                .common
                .key_algorithm
                .is_none_or(|a| a == KeyAlgorithm::from(alg.to_jwt()))
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

    /// Public key material only, for a place other roles can read (the `pg_jwt_claims.jwks`
    /// setting, an issuer's static `jwks`) or that an issuer published (a fetched JWK Set): PEM
    /// public keys, a JWK or a JWK Set, without any private key material ([`find_private`]:
    /// private JWK members, symmetric `oct` keys, private PEM blocks), even in an entry that
    /// would be skipped. Anything else is an error, never an HMAC secret: a URL or a public
    /// text pasted there must not become a key anyone can sign with.
    pub fn parse_public(material: &str) -> Result<KeySet, JoseError> {
        if let Some(found) = find_private(material) {
            return Err(JoseError::InvalidKey(format!(
                "public key material holds private key material ({found}); give public keys only, and keep an HMAC secret in a secret file"
            )));
        }
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

    /// Whether a token naming `kid` could find its key here: some key has exactly that `kid`, or
    /// no key has any (then a `kid` does not select; see [`KeySet::parse`]).
    pub fn knows_kid(&self, kid: &str) -> bool {
        self.keys.iter().all(|k| k.kid().is_none())
            || self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// Each key's `kid` and what it verifies: its JWK `alg`, else its family (for views; never
    /// key material).
    pub fn describe(&self) -> Vec<(Option<String>, String)> {
        self.keys
            .iter()
            .map(|k| {
                let alg = match k.common.key_algorithm {
                    Some(a) => format!("{a:?}"),
                    None => k.family.to_string(),
                };
                (k.kid().map(String::from), alg)
            })
            .collect()
    }

    /// Concatenates two key sets (`self` first).
    pub fn merge(mut self, other: KeySet) -> KeySet {
        self.keys.extend(other.keys);
        self
    }

    #[cfg(test)]
    /// The keys, in configuration order.
    pub(crate) fn keys(&self) -> &[Key] {
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

pub(crate) const PEM_BEGIN: &str = "-----BEGIN ";

fn bad_pem(why: &str) -> JoseError {
    JoseError::InvalidKey(format!("invalid PEM: {why}"))
}

/// Every PEM block of `text` (text around the blocks is ignored), each read by the `pem` crate.
///
/// Blocks are found here at their BEGIN lines, so that a message names the block it is about
/// (the crate's errors do not) and a block without an END line is refused, not skipped.
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<pem::Pem>, JoseError> {
    let starts: Vec<usize> = text.match_indices(PEM_BEGIN).map(|(at, _)| at).collect();
    if starts.is_empty() {
        return Err(bad_pem("no BEGIN line"));
    }
    starts
        .iter()
        .enumerate()
        .map(|(n, start)| {
            let end = starts.get(n + 1).copied().unwrap_or(text.len());
            pem_block(text.get(*start..end).unwrap_or_default())
        })
        .collect()
}

/// One block; `chunk` runs from its BEGIN line to the next block's.
fn pem_block(chunk: &str) -> Result<pem::Pem, JoseError> {
    let label = begin_label(chunk)?;
    let no_end = || bad_pem(&format!("no END line for {label}"));
    let bad_body = || bad_pem(&format!("{label} body is not valid base64"));
    let (body, _) = chunk
        .split_once(&format!("-----END {label}-----"))
        .ok_or_else(no_end)?;
    if body.contains(':') {
        return Err(JoseError::InvalidKey(
            "encrypted PEM (or PEM with headers) is not supported".into(),
        ));
    }
    // The crate drops any Unicode whitespace from a body; base64 text has ASCII whitespace only.
    if body
        .chars()
        .any(|c| c.is_whitespace() && !c.is_ascii_whitespace())
    {
        return Err(bad_body());
    }
    // With no headers (no ':'), a blank line is only whitespace, but the crate would read the
    // lines above it as RFC 1421 headers.
    let lines: Vec<&str> = chunk.lines().filter(|l| !l.trim().is_empty()).collect();
    pem::parse(lines.join("\n")).map_err(|e| match e {
        pem::PemError::InvalidData(_) => bad_body(),
        _ => no_end(),
    })
}

/// The label of the BEGIN line `chunk` starts with; anything that is not a label (which could
/// be key material) is refused, never echoed.
fn begin_label(chunk: &str) -> Result<&str, JoseError> {
    let rest = chunk.strip_prefix(PEM_BEGIN).unwrap_or_default();
    let (label, _) = rest
        .split_once("-----")
        .ok_or_else(|| bad_pem("unterminated BEGIN line"))?;
    if is_label(label) {
        Ok(label)
    } else {
        Err(bad_pem("bad BEGIN label"))
    }
}

/// The labels key material uses (`PUBLIC KEY`, `EC PRIVATE KEY`…): upper-case words.
pub(crate) fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 64
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b' ' || b.is_ascii_digit())
}

fn parse_pem_public(text: &str) -> Result<Vec<Key>, JoseError> {
    pem_blocks(text)?
        .iter()
        .map(|block| match block.tag() {
            "PUBLIC KEY" => SubjectPublicKeyInfoRef::from_der(block.contents())
                .map_err(invalid_der("public key"))
                .and_then(spki_key),
            "RSA PUBLIC KEY" => rsa_public_pkcs1(block.contents()),
            "CERTIFICATE" => certificate_key(block.contents()),
            label if label.ends_with("PRIVATE KEY") => Err(JoseError::InvalidKey(
                "PEM private key given as verification key; configure the public key or certificate".into(),
            )),
            label => Err(JoseError::InvalidKey(format!(
                "unsupported PEM block {}",
                quoted(label)
            ))),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// DER

/// Maps any DER decoding error to the key being unusable.
pub(crate) fn invalid_der<E>(what: &str) -> impl Fn(E) -> JoseError + '_ {
    move |_| JoseError::InvalidKey(format!("invalid {what} (DER)"))
}

/// The subject key of an X.509 certificate (no validation of the certificate itself: dates,
/// issuer and signature are not checked).
fn certificate_key(der_bytes: &[u8]) -> Result<Key, JoseError> {
    let certificate = Certificate::from_der(der_bytes).map_err(invalid_der("certificate"))?;
    spki_key(
        certificate
            .tbs_certificate()
            .subject_public_key_info()
            .owned_to_ref(),
    )
}

/// PKCS#1 `RSAPublicKey`.
fn rsa_public_pkcs1(der_bytes: &[u8]) -> Result<Key, JoseError> {
    let key = pkcs1::RsaPublicKeyRef::from_der(der_bytes).map_err(invalid_der("RSA public key"))?;
    rsa_key(key.modulus.as_bytes(), key.public_exponent.as_bytes())
}

/// The key of a `SubjectPublicKeyInfo`, by its algorithm.
fn spki_key(spki: SubjectPublicKeyInfoRef<'_>) -> Result<Key, JoseError> {
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| invalid_der("public key")(()))?;
    match spki.algorithm.oid {
        OID_RSA_ENCRYPTION => rsa_public_pkcs1(bits),
        OID_RSASSA_PSS => Err(JoseError::InvalidKey(
            "RSASSA-PSS-restricted public keys are not supported; use an rsaEncryption key".into(),
        )),
        OID_EC_PUBLIC_KEY => {
            let curve = spki.algorithm.parameters_oid().map_err(|_| {
                JoseError::InvalidKey("EC public key without a named curve is not supported".into())
            })?;
            match ec_family(curve) {
                Some(family @ KeyFamily::EcP256) => ec_key(family, bits, 32),
                Some(family @ KeyFamily::EcP384) => ec_key(family, bits, 48),
                Some(family) => Ok(Key::new(family, None)),
                None => Err(JoseError::InvalidKey(
                    "unsupported EC curve in public key".into(),
                )),
            }
        }
        OID_ED25519 => ed25519_key(bits),
        OID_ED448 => Ok(Key::new(KeyFamily::Unsupported("OKP Ed448".into()), None)),
        OID_X25519 | OID_X448 => Ok(Key::new(
            KeyFamily::Unsupported("OKP key-agreement key".into()),
            None,
        )),
        _ => Err(JoseError::InvalidKey(
            "unsupported public key algorithm".into(),
        )),
    }
}

/// The family of an EC key with this named curve; `None` for a curve not known here.
pub(crate) fn ec_family(curve: ObjectIdentifier) -> Option<KeyFamily> {
    match curve {
        OID_P256 => Some(KeyFamily::EcP256),
        OID_P384 => Some(KeyFamily::EcP384),
        OID_P521 => Some(KeyFamily::Unsupported("EC P-521".into())),
        OID_SECP256K1 => Some(KeyFamily::Unsupported("EC secp256k1".into())),
        _ => None,
    }
}

/// RSA public key from big-endian `n`, `e` (leading zero octets allowed); modulus must be
/// 2048–8192 bits (the range the crypto backend verifies).
fn rsa_key(n: &[u8], e: &[u8]) -> Result<Key, JoseError> {
    let n = UintRef::new(n)
        .map_err(invalid_der("RSA public key"))?
        .as_bytes();
    let e = UintRef::new(e)
        .map_err(invalid_der("RSA public key"))?
        .as_bytes();
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
        // Entry by entry, not as a `JwkSet`: an entry that cannot be used is skipped, it does
        // not sink the set.
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

/// One JWK as `jsonwebtoken::jwk::Jwk` reads it, with what the checks here need beside it.
pub(crate) struct ReadJwk {
    pub jwk: Jwk,
    /// `kty`, which `Jwk` keeps only for the key types it models.
    pub kty: String,
    /// `JWK` or `JWK "kid"`, to begin messages with.
    pub label: String,
}

/// The members `Jwk` is given: the ones it models. Others (X.509 references, private members,
/// anything unknown) are never read, so they cannot make a key unusable.
const JWK_MEMBERS: [&str; 11] = [
    "kty", "kid", "alg", "use", "key_ops", "crv", "x", "y", "n", "e", "k",
];

/// Reads a JWK object that `parse_value` has produced with `jsonwebtoken::jwk::Jwk`.
///
/// `kty` must be a string, and `kid`, `alg`, `use` strings and `key_ops` an array of strings
/// when present (`Jwk` would take a `null` there for an absent member). `Jwk` is given only
/// string members (and `key_ops`): a key member of another type leaves the key untyped, and
/// the member checks report it; no value can reach `serde_json`'s own readers of numbers.
pub(crate) fn read_jwk(obj: &Map<String, Value>) -> Result<ReadJwk, JoseError> {
    let label = match obj.get("kid").and_then(Value::as_str) {
        Some(kid) => format!("JWK {}", quoted(kid)),
        None => "JWK".into(),
    };
    let kty = str_member(obj, &label, "kty")?.to_owned();
    let wrong = |problem: &str| JoseError::InvalidKey(format!("{label}: {problem}"));
    for name in ["kid", "alg", "use"] {
        if obj.get(name).is_some_and(|v| !v.is_string()) {
            return Err(wrong(&format!("\"{name}\" is not a string")));
        }
    }
    match obj.get("key_ops") {
        Some(Value::Array(ops)) if ops.iter().any(|op| !op.is_string()) => {
            return Err(wrong("\"key_ops\" lists a non-string"))
        }
        Some(ops) if !ops.is_array() => return Err(wrong("\"key_ops\" is not an array")),
        _ => {}
    }
    let members: Map<String, Value> = JWK_MEMBERS
        .iter()
        .filter_map(|name| {
            let value = obj.get(*name)?;
            // `key_ops` is an array of strings by now.
            (value.is_string() || *name == "key_ops").then(|| (name.to_string(), value.clone()))
        })
        .collect();
    let jwk =
        serde_json::from_value(Value::Object(members)).map_err(|_| wrong("not a valid JWK"))?;
    Ok(ReadJwk { jwk, kty, label })
}

/// A string member; missing or of another type is an error.
pub(crate) fn str_member<'a>(
    obj: &'a Map<String, Value>,
    label: &str,
    name: &str,
) -> Result<&'a str, JoseError> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(JoseError::InvalidKey(format!(
            "{label}: \"{name}\" is not a string"
        ))),
        None => Err(JoseError::InvalidKey(format!(
            "{label}: missing \"{name}\""
        ))),
    }
}

/// A base64url member, decoded.
pub(crate) fn b64_member(
    obj: &Map<String, Value>,
    label: &str,
    name: &str,
) -> Result<Vec<u8>, JoseError> {
    b64_text(label, name, str_member(obj, label, name)?)
}

fn b64_text(label: &str, name: &str, text: &str) -> Result<Vec<u8>, JoseError> {
    b64url_decode(text, name)
        .map_err(|_| JoseError::InvalidKey(format!("{label}: \"{name}\" is not valid base64url")))
}

/// Parses one JWK as a verification key. Private members are ignored.
pub(crate) fn parse_jwk_public(obj: &Map<String, Value>) -> Result<Key, JoseError> {
    let ReadJwk { jwk, kty, label } = read_jwk(obj)?;
    let in_jwk = |err: JoseError| JoseError::InvalidKey(format!("{label}: {err}"));
    let unsupported_curve = |kind: &str| -> JoseError {
        let crv = str_member(obj, &label, "crv").unwrap_or_default();
        JoseError::InvalidKey(format!("{label}: unsupported {kind} curve {}", quoted(crv)))
    };
    let mut key = match &jwk.algorithm {
        AlgorithmParameters::OctetKey(p) => {
            let k = b64_text(&label, "k", &p.value)?;
            if k.is_empty() {
                return Err(JoseError::InvalidKey(format!("{label}: empty \"k\"")));
            }
            Key::new(KeyFamily::Hmac, Some(DecodingKey::from_secret(&k)))
        }
        AlgorithmParameters::RSA(p) => {
            rsa_key(&b64_text(&label, "n", &p.n)?, &b64_text(&label, "e", &p.e)?).map_err(in_jwk)?
        }
        AlgorithmParameters::EllipticCurve(p) => {
            let (family, len) = match p.curve {
                EllipticCurve::P256 => (KeyFamily::EcP256, 32),
                EllipticCurve::P384 => (KeyFamily::EcP384, 48),
                EllipticCurve::P521 => (KeyFamily::Unsupported("EC P-521".into()), 0),
                _ => return Err(unsupported_curve("EC")),
            };
            let x = b64_text(&label, "x", &p.x)?;
            let y = b64_text(&label, "y", &p.y)?;
            if len == 0 {
                Key::new(family, None)
            } else if x.len() != len || y.len() != len {
                let crv = str_member(obj, &label, "crv")?;
                return Err(JoseError::InvalidKey(format!(
                    "{label}: {crv} coordinates must be {len} bytes"
                )));
            } else {
                ec_key(family, &[&[0x04u8][..], &x, &y].concat(), len)?
            }
        }
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => ed25519_key(&b64_text(&label, "x", &p.x)?).map_err(in_jwk)?,
            _ => return Err(unsupported_curve("OKP")),
        },
        _ => untyped_jwk(obj, &kty, &label)?,
    };
    if let Some(known) = jwk.common.key_algorithm.and_then(jose_alg) {
        if !key.family.fits(known) {
            return Err(JoseError::InvalidKey(format!(
                "{label}: alg {} does not match its key type ({})",
                quoted(known.name()),
                key.family
            )));
        }
    }
    key.common = jwk.common;
    Ok(key)
}

/// A JWK that `Jwk` leaves untyped: a curve known here that it does not model (secp256k1,
/// Ed448, X25519, X448: kept, never used), a key type unknown here, or one it models with a
/// member missing or not a string, reported as the member checks report it.
fn untyped_jwk(obj: &Map<String, Value>, kty: &str, label: &str) -> Result<Key, JoseError> {
    let unsupported = |what: String| JoseError::InvalidKey(format!("{label}: {what}"));
    let (members, kept): (&[&str], Option<KeyFamily>) = match kty {
        "oct" => (&["k"], None),
        "RSA" => (&["n", "e"], None),
        "EC" => match str_member(obj, label, "crv")? {
            "secp256k1" => (
                &["x", "y"],
                Some(KeyFamily::Unsupported("EC secp256k1".into())),
            ),
            "P-256" | "P-384" | "P-521" => (&["x", "y"], None),
            other => {
                return Err(unsupported(format!(
                    "unsupported EC curve {}",
                    quoted(other)
                )))
            }
        },
        "OKP" => match str_member(obj, label, "crv")? {
            crv @ ("Ed448" | "X25519" | "X448") => {
                (&[], Some(KeyFamily::Unsupported(format!("OKP {crv}"))))
            }
            "Ed25519" => (&["x"], None),
            other => {
                return Err(unsupported(format!(
                    "unsupported OKP curve {}",
                    quoted(other)
                )))
            }
        },
        other => return Err(unsupported(format!("unsupported kty {}", quoted(other)))),
    };
    for name in members {
        b64_member(obj, label, name)?;
    }
    kept.map(|family| Key::new(family, None))
        .ok_or_else(|| unsupported("not a valid JWK".into()))
}

/// The algorithm of a JWK `alg`, if this extension implements it.
fn jose_alg(alg: KeyAlgorithm) -> Option<Alg> {
    Alg::ALL
        .into_iter()
        .find(|a| KeyAlgorithm::from(a.to_jwt()) == alg)
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

    /// The configured keys are a secret merged with a key set (`runtime/keys.rs`), in that order.
    #[test]
    fn merge() {
        let set = KeySet::from_secret(b"secret")
            .unwrap()
            .merge(KeySet::parse(r#"{"keys":[{"kty":"oct","k":"AAAA","kid":"a"}]}"#).unwrap());
        assert_eq!(set.len(), 2);
        assert_eq!(set.keys()[0].kid(), None);
        assert_eq!(set.keys()[1].kid(), Some("a"));
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
