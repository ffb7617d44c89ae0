//! Creating compact JWTs.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode};
use jsonwebtoken::jwk::{KeyAlgorithm, KeyOperations, PublicKeyUse};
use jsonwebtoken::EncodingKey;
use pkcs8::PrivateKeyInfoRef;
use serde_json::{Map, Value};
use spki::AlgorithmIdentifierRef;

use super::keys::{self, b64_member, invalid_der, pem_blocks, read_jwk, str_member, KeyFamily};
use super::token::b64url_encode;
use super::{quoted, Alg, JoseError};

/// Signs `claims` (a JSON object) as a compact JWT.
///
/// `algorithm`: HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384
/// or EdDSA (`none` and anything else → [`JoseError::Unsupported`]).
///
/// `key_material`:
/// * PEM private key: PKCS#8 `PRIVATE KEY` (RSA, EC P-256/P-384, Ed25519),
///   PKCS#1 `RSA PRIVATE KEY`, or SEC1 `EC PRIVATE KEY` (other blocks such as
///   `EC PARAMETERS` are ignored; encrypted keys are refused);
/// * a private JWK (or a JWK Set holding exactly one key): `oct` (`k`),
///   `RSA` (`n`,`e`,`d`,`p`,`q`,`dp`,`dq`,`qi`), `EC` P-256/P-384 (`d`,
///   plus `x`,`y` which are checked against `d`), `OKP` Ed25519 (`d`, plus
///   `x` which is checked). A JWK `alg` must equal `algorithm`; `use` must be
///   `sig` and `key_ops` must contain `sign` when present;
/// * anything else is an HMAC secret (exact bytes; HS* only).
///
/// The header is `{"alg":…,"typ":"JWT"}` plus `kid` when the JWK has one.
/// Key problems are [`JoseError::InvalidKey`]; non-object claims are
/// [`JoseError::Malformed`].
pub fn sign(claims: &Value, key_material: &str, algorithm: &str) -> Result<String, JoseError> {
    let alg = Alg::from_name(algorithm).map_err(|e| match e {
        JoseError::Rejected(_) => {
            JoseError::Unsupported("signing with alg \"none\" is not supported".into())
        }
        other => other,
    })?;
    if !claims.is_object() {
        return Err(JoseError::Malformed(
            "claims to sign must be a JSON object".into(),
        ));
    }
    let (key, kid) = signing_key(key_material, alg)?;
    let mut header = Map::new();
    header.insert("alg".into(), Value::String(alg.name().into()));
    header.insert("typ".into(), Value::String("JWT".into()));
    if let Some(kid) = kid {
        header.insert("kid".into(), Value::String(kid));
    }
    let header_json = serde_json::to_vec(&Value::Object(header))
        .map_err(|_| JoseError::Malformed("cannot serialize header".into()))?;
    let claims_json = serde_json::to_vec(claims)
        .map_err(|_| JoseError::Malformed("cannot serialize claims".into()))?;
    let signing_input = format!(
        "{}.{}",
        b64url_encode(&header_json),
        b64url_encode(&claims_json)
    );
    let signature = jsonwebtoken::crypto::sign(signing_input.as_bytes(), &key, alg.to_jwt())
        .map_err(|_| {
            JoseError::InvalidKey(format!(
                "the {alg} signing key was rejected by the crypto backend"
            ))
        })?;
    Ok(format!("{signing_input}.{signature}"))
}

pub(crate) fn signing_key(
    material: &str,
    alg: Alg,
) -> Result<(EncodingKey, Option<String>), JoseError> {
    let trimmed = material.trim();
    if trimmed.is_empty() {
        return Err(JoseError::InvalidKey(
            "signing key material is empty".into(),
        ));
    }
    let (family, key, kid) = if trimmed.contains("-----BEGIN") {
        let (family, key) = pem_private(trimmed)?;
        (family, key, None)
    } else if trimmed.starts_with('{') {
        let value = crate::json::parse_value(trimmed).map_err(|e| {
            JoseError::InvalidKey(format!(
                "signing key starts with '{{' but is not valid JSON: {e}"
            ))
        })?;
        jwk_private(&value, alg)?
    } else if matches!(alg, Alg::HS256 | Alg::HS384 | Alg::HS512) {
        (
            KeyFamily::Hmac,
            EncodingKey::from_secret(material.as_bytes()),
            None,
        )
    } else {
        return Err(JoseError::InvalidKey(format!(
            "{alg} needs a private key in PEM or JWK form"
        )));
    };
    if !family.fits(alg) {
        return Err(JoseError::InvalidKey(format!(
            "{alg} cannot be used with this {family} key"
        )));
    }
    Ok((key, kid))
}

// ---------------------------------------------------------------------------
// PEM private keys

fn pem_private(text: &str) -> Result<(KeyFamily, EncodingKey), JoseError> {
    let blocks = pem_blocks(text)?;
    let mut private = blocks.iter().filter(|b| b.tag().ends_with("PRIVATE KEY"));
    let Some(block) = private.next() else {
        return Err(JoseError::InvalidKey(
            "no PEM private key found (a public key or certificate cannot sign)".into(),
        ));
    };
    if private.next().is_some() {
        return Err(JoseError::InvalidKey(
            "PEM material holds more than one private key".into(),
        ));
    }
    let der_bytes = block.contents();
    match block.tag() {
        "PRIVATE KEY" => pkcs8_private(der_bytes),
        "RSA PRIVATE KEY" => {
            pkcs1::RsaPrivateKeyRef::from_der(der_bytes).map_err(invalid_der("RSA private key"))?;
            Ok((KeyFamily::Rsa, EncodingKey::from_rsa_der(der_bytes)))
        }
        "EC PRIVATE KEY" => sec1_private(der_bytes),
        "ENCRYPTED PRIVATE KEY" => Err(JoseError::InvalidKey(
            "encrypted private keys are not supported".into(),
        )),
        other => Err(JoseError::InvalidKey(format!(
            "unsupported PEM private key type {}",
            quoted(other)
        ))),
    }
}

/// PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey`; the crypto backend reads the document itself.
fn pkcs8_private(doc: &[u8]) -> Result<(KeyFamily, EncodingKey), JoseError> {
    let err = invalid_der("PKCS#8 private key");
    let info = PrivateKeyInfoRef::from_der(doc).map_err(&err)?;
    match info.algorithm.oid {
        keys::OID_RSA_ENCRYPTION => {
            let rsa = info.private_key.as_bytes();
            pkcs1::RsaPrivateKeyRef::from_der(rsa).map_err(&err)?;
            Ok((KeyFamily::Rsa, EncodingKey::from_rsa_der(rsa)))
        }
        keys::OID_EC_PUBLIC_KEY => {
            let family = info
                .algorithm
                .parameters_oid()
                .ok()
                .and_then(keys::ec_family)
                .ok_or_else(|| {
                    JoseError::InvalidKey("unsupported EC curve in private key".into())
                })?;
            Ok((family, EncodingKey::from_ec_der(doc)))
        }
        keys::OID_ED25519 => Ok((KeyFamily::Ed25519, EncodingKey::from_ed_der(doc))),
        keys::OID_ED448 => Err(JoseError::Unsupported(
            "Ed448 signing is not supported".into(),
        )),
        _ => Err(JoseError::InvalidKey(
            "unsupported private key algorithm".into(),
        )),
    }
}

/// SEC1 `ECPrivateKey` (PEM `EC PRIVATE KEY`), re-wrapped as PKCS#8.
fn sec1_private(doc: &[u8]) -> Result<(KeyFamily, EncodingKey), JoseError> {
    let err = invalid_der("EC private key");
    let key = sec1::EcPrivateKey::from_der(doc).map_err(&err)?;
    let curve = key
        .parameters
        .and_then(|p| p.named_curve())
        .ok_or_else(|| JoseError::InvalidKey("EC private key does not name its curve".into()))?;
    let family = match keys::ec_family(curve) {
        Some(family @ (KeyFamily::EcP256 | KeyFamily::EcP384)) => family,
        _ => {
            return Err(JoseError::InvalidKey(
                "unsupported EC curve in private key".into(),
            ))
        }
    };
    let pkcs8 = ec_pkcs8(curve, doc).map_err(&err)?;
    Ok((family, EncodingKey::from_ec_der(&pkcs8)))
}

/// PKCS#8 around a SEC1 `ECPrivateKey`, the form the crypto backend takes.
fn ec_pkcs8(curve: ObjectIdentifier, ec_private_key: &[u8]) -> der::Result<Vec<u8>> {
    let algorithm = AlgorithmIdentifierRef {
        oid: keys::OID_EC_PUBLIC_KEY,
        parameters: Some(AnyRef::from(&curve)),
    };
    PrivateKeyInfoRef::new(algorithm, OctetStringRef::new(ec_private_key)?).to_der()
}

// ---------------------------------------------------------------------------
// JWK private keys

/// A private JWK as a signing key. `Jwk` reads `kid`, `alg`, `use` and `key_ops`; the key
/// members are read from the object, since `Jwk` models public keys only (no `d`, and `x`/`y`
/// required where a private key may leave them out).
fn jwk_private(
    value: &Value,
    alg: Alg,
) -> Result<(KeyFamily, EncodingKey, Option<String>), JoseError> {
    let obj = value
        .as_object()
        .ok_or_else(|| JoseError::InvalidKey("signing key JSON must be a JWK object".into()))?;
    let obj = match obj.get("keys") {
        None => obj,
        Some(Value::Array(list)) if list.len() == 1 => list
            .first()
            .and_then(Value::as_object)
            .ok_or_else(|| JoseError::InvalidKey("JWK Set entry is not an object".into()))?,
        Some(_) => {
            return Err(JoseError::InvalidKey(
                "signing needs a single JWK (or a JWK Set with exactly one key)".into(),
            ))
        }
    };
    let read = read_jwk(obj)?;
    let label = read.label.as_str();
    let common = read.jwk.common;
    // The member's own text, for messages (`Jwk` folds algorithms it does not know into one).
    let text = |name: &str| obj.get(name).and_then(Value::as_str).unwrap_or_default();
    if common
        .key_algorithm
        .is_some_and(|a| a != KeyAlgorithm::from(alg.to_jwt()))
    {
        return Err(JoseError::InvalidKey(format!(
            "{label}: JWK alg {} does not match the requested algorithm {}",
            quoted(text("alg")),
            quoted(alg.name())
        )));
    }
    if common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return Err(JoseError::InvalidKey(format!(
            "{label}: use {} is not \"sig\"",
            quoted(text("use"))
        )));
    }
    if common
        .key_operations
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperations::Sign))
    {
        return Err(JoseError::InvalidKey(format!(
            "{label}: key_ops does not allow \"sign\""
        )));
    }
    let (family, key) = match read.kty.as_str() {
        "oct" => {
            let k = b64_member(obj, label, "k")?;
            if k.is_empty() {
                return Err(JoseError::InvalidKey(format!("{label}: empty \"k\"")));
            }
            (KeyFamily::Hmac, EncodingKey::from_secret(&k))
        }
        "RSA" => (KeyFamily::Rsa, rsa_private(obj, label)?),
        "EC" => ec_private(obj, label)?,
        "OKP" => (KeyFamily::Ed25519, ed25519_private(obj, label)?),
        other => {
            return Err(JoseError::InvalidKey(format!(
                "{label}: unsupported kty {}",
                quoted(other)
            )))
        }
    };
    Ok((family, key, common.key_id))
}

fn not_private(label: &str) -> JoseError {
    JoseError::InvalidKey(format!("{label}: not a private key (no \"d\")"))
}

/// An RSA private JWK as PKCS#1 `RSAPrivateKey` (two primes).
fn rsa_private(obj: &Map<String, Value>, label: &str) -> Result<EncodingKey, JoseError> {
    if !obj.contains_key("d") {
        return Err(not_private(label));
    }
    if obj.contains_key("oth") {
        return Err(JoseError::InvalidKey(format!(
            "{label}: multi-prime RSA keys (\"oth\") are not supported"
        )));
    }
    let member = |name: &str| {
        if !obj.contains_key(name) {
            return Err(JoseError::InvalidKey(format!(
                "{label}: RSA private JWK needs \"{name}\" (n, e, d, p, q, dp, dq, qi)"
            )));
        }
        b64_member(obj, label, name)
    };
    let (n, e, d) = (member("n")?, member("e")?, member("d")?);
    let (p, q) = (member("p")?, member("q")?);
    let (dp, dq, qi) = (member("dp")?, member("dq")?, member("qi")?);
    let document = || -> der::Result<Vec<u8>> {
        pkcs1::RsaPrivateKey {
            modulus: UintRef::new(&n)?,
            public_exponent: UintRef::new(&e)?,
            private_exponent: UintRef::new(&d)?,
            prime1: UintRef::new(&p)?,
            prime2: UintRef::new(&q)?,
            exponent1: UintRef::new(&dp)?,
            exponent2: UintRef::new(&dq)?,
            coefficient: UintRef::new(&qi)?,
            other_prime_infos: None,
        }
        .to_der()
    };
    let document = document().map_err(invalid_der("RSA private key"))?;
    Ok(EncodingKey::from_rsa_der(&document))
}

/// An EC private JWK as SEC1 `ECPrivateKey` in PKCS#8; `x` and `y`, when given, go in as the
/// public key, which the crypto backend checks against `d`.
fn ec_private(
    obj: &Map<String, Value>,
    label: &str,
) -> Result<(KeyFamily, EncodingKey), JoseError> {
    let crv = str_member(obj, label, "crv")?;
    let (family, curve, len) = match crv {
        "P-256" => (KeyFamily::EcP256, keys::OID_P256, 32usize),
        "P-384" => (KeyFamily::EcP384, keys::OID_P384, 48usize),
        other => {
            return Err(JoseError::InvalidKey(format!(
                "{label}: signing with EC curve {} is not supported",
                quoted(other)
            )))
        }
    };
    if !obj.contains_key("d") {
        return Err(not_private(label));
    }
    let d = b64_member(obj, label, "d")?;
    let invalid_d = || JoseError::InvalidKey(format!("{label}: invalid \"d\" for {crv}"));
    let d = UintRef::new(&d).map_err(|_| invalid_d())?.as_bytes();
    if d.is_empty() || d.len() > len {
        return Err(invalid_d());
    }
    let mut scalar = vec![0u8; len - d.len()];
    scalar.extend_from_slice(d);
    let point = if obj.contains_key("x") || obj.contains_key("y") {
        let x = b64_member(obj, label, "x")?;
        let y = b64_member(obj, label, "y")?;
        if x.len() != len || y.len() != len {
            return Err(JoseError::InvalidKey(format!(
                "{label}: {crv} coordinates must be {len} bytes"
            )));
        }
        Some([&[0x04u8][..], &x, &y].concat())
    } else {
        None
    };
    let ec_private_key = sec1::EcPrivateKey {
        private_key: &scalar,
        parameters: None,
        public_key: point.as_deref(),
    };
    let pkcs8 = ec_private_key
        .to_der()
        .and_then(|sec1| ec_pkcs8(curve, &sec1))
        .map_err(invalid_der("EC private key"))?;
    Ok((family, EncodingKey::from_ec_der(&pkcs8)))
}

/// An Ed25519 private JWK as PKCS#8 (RFC 8410): v2 with the public key when `x` is given, which
/// the crypto backend checks against `d`.
fn ed25519_private(obj: &Map<String, Value>, label: &str) -> Result<EncodingKey, JoseError> {
    let crv = str_member(obj, label, "crv")?;
    if crv != "Ed25519" {
        return Err(JoseError::InvalidKey(format!(
            "{label}: signing with OKP curve {} is not supported",
            quoted(crv)
        )));
    }
    if !obj.contains_key("d") {
        return Err(not_private(label));
    }
    let d = b64_member(obj, label, "d")?;
    if d.len() != 32 {
        return Err(JoseError::InvalidKey(format!(
            "{label}: Ed25519 \"d\" must be 32 bytes"
        )));
    }
    let x = if obj.contains_key("x") {
        let x = b64_member(obj, label, "x")?;
        if x.len() != 32 {
            return Err(JoseError::InvalidKey(format!(
                "{label}: Ed25519 \"x\" must be 32 bytes"
            )));
        }
        Some(x)
    } else {
        None
    };
    let document = || -> der::Result<Vec<u8>> {
        let curve_private_key = OctetStringRef::new(&d)?.to_der()?;
        PrivateKeyInfoRef {
            algorithm: AlgorithmIdentifierRef {
                oid: keys::OID_ED25519,
                parameters: None,
            },
            private_key: OctetStringRef::new(&curve_private_key)?,
            public_key: x.as_deref().map(BitStringRef::from_bytes).transpose()?,
        }
        .to_der()
    };
    let document = document().map_err(invalid_der("Ed25519 private key"))?;
    Ok(EncodingKey::from_ed_der(&document))
}
