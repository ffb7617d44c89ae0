//! Creating compact JWTs.

use jsonwebtoken::EncodingKey;
use serde_json::{Map, Value};

use super::der::{self, Reader};
use super::keys::{b64_member, jwk_label, key_ops, opt_str, parse_pem_blocks, KeyFamily};
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
    let blocks = parse_pem_blocks(text)?;
    let mut private = blocks.iter().filter(|b| b.label.ends_with("PRIVATE KEY"));
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
    match block.label.as_str() {
        "PRIVATE KEY" => pkcs8_private(&block.der),
        "RSA PRIVATE KEY" => {
            der::single(&block.der, der::SEQUENCE).map_err(|_| bad_der("RSA private key"))?;
            Ok((KeyFamily::Rsa, EncodingKey::from_rsa_der(&block.der)))
        }
        "EC PRIVATE KEY" => sec1_private(&block.der),
        "ENCRYPTED PRIVATE KEY" => Err(JoseError::InvalidKey(
            "encrypted private keys are not supported".into(),
        )),
        other => Err(JoseError::InvalidKey(format!(
            "unsupported PEM private key type {}",
            quoted(other)
        ))),
    }
}

fn bad_der(what: &str) -> JoseError {
    JoseError::InvalidKey(format!("invalid {what} (DER)"))
}

/// PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey`.
fn pkcs8_private(doc: &[u8]) -> Result<(KeyFamily, EncodingKey), JoseError> {
    let err = |_| bad_der("PKCS#8 private key");
    let body = der::single(doc, der::SEQUENCE).map_err(err)?;
    let mut r = Reader::new(body);
    r.read(der::INTEGER).map_err(err)?;
    let alg_id = r.read(der::SEQUENCE).map_err(err)?;
    let private = r.read(der::OCTET_STRING).map_err(err)?;
    let mut a = Reader::new(alg_id);
    let oid = a.read(der::OID).map_err(err)?;
    match oid {
        der::OID_RSA_ENCRYPTION => {
            der::single(private, der::SEQUENCE).map_err(err)?;
            Ok((KeyFamily::Rsa, EncodingKey::from_rsa_der(private)))
        }
        der::OID_EC_PUBLIC_KEY => {
            let family = match a.read(der::OID) {
                Ok(der::OID_P256) => KeyFamily::EcP256,
                Ok(der::OID_P384) => KeyFamily::EcP384,
                Ok(der::OID_P521) => KeyFamily::Unsupported("EC P-521".into()),
                Ok(der::OID_SECP256K1) => KeyFamily::Unsupported("EC secp256k1".into()),
                _ => {
                    return Err(JoseError::InvalidKey(
                        "unsupported EC curve in private key".into(),
                    ))
                }
            };
            Ok((family, EncodingKey::from_ec_der(doc)))
        }
        der::OID_ED25519 => Ok((KeyFamily::Ed25519, EncodingKey::from_ed_der(doc))),
        der::OID_ED448 => Err(JoseError::Unsupported(
            "Ed448 signing is not supported".into(),
        )),
        _ => Err(JoseError::InvalidKey(
            "unsupported private key algorithm".into(),
        )),
    }
}

/// SEC1 `ECPrivateKey` (PEM `EC PRIVATE KEY`), re-wrapped as PKCS#8.
fn sec1_private(doc: &[u8]) -> Result<(KeyFamily, EncodingKey), JoseError> {
    let err = |_| bad_der("EC private key");
    let body = der::single(doc, der::SEQUENCE).map_err(err)?;
    let mut r = Reader::new(body);
    r.read(der::INTEGER).map_err(err)?;
    r.read(der::OCTET_STRING).map_err(err)?;
    let mut curve = None;
    while !r.is_empty() {
        let el = r.read_any().map_err(err)?;
        if el.tag == der::CTX0 {
            curve = Some(der::single(el.content, der::OID).map_err(err)?);
        }
    }
    let (family, curve_oid) = match curve {
        Some(der::OID_P256) => (KeyFamily::EcP256, der::OID_P256),
        Some(der::OID_P384) => (KeyFamily::EcP384, der::OID_P384),
        Some(_) => {
            return Err(JoseError::InvalidKey(
                "unsupported EC curve in private key".into(),
            ))
        }
        None => {
            return Err(JoseError::InvalidKey(
                "EC private key does not name its curve".into(),
            ))
        }
    };
    Ok((family, EncodingKey::from_ec_der(&ec_pkcs8(curve_oid, doc))))
}

fn ec_pkcs8(curve_oid: &[u8], ec_private_key: &[u8]) -> Vec<u8> {
    der::sequence(&[
        &der::integer(&[0]),
        &der::sequence(&[
            &der::tlv(der::OID, der::OID_EC_PUBLIC_KEY),
            &der::tlv(der::OID, curve_oid),
        ]),
        &der::tlv(der::OCTET_STRING, ec_private_key),
    ])
}

// ---------------------------------------------------------------------------
// JWK private keys

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
    let label = jwk_label(obj);
    let kty = opt_str(obj, "kty")?
        .ok_or_else(|| JoseError::InvalidKey(format!("{label}: missing \"kty\"")))?;
    let kid = opt_str(obj, "kid")?.map(str::to_owned);
    if let Some(key_alg) = opt_str(obj, "alg")? {
        if key_alg != alg.name() {
            return Err(JoseError::InvalidKey(format!(
                "{label}: JWK alg {} does not match the requested algorithm {}",
                quoted(key_alg),
                quoted(alg.name())
            )));
        }
    }
    if let Some(u) = opt_str(obj, "use")? {
        if u != "sig" {
            return Err(JoseError::InvalidKey(format!(
                "{label}: use {} is not \"sig\"",
                quoted(u)
            )));
        }
    }
    if let Some(ops) = key_ops(obj)? {
        if !ops.iter().any(|o| o == "sign") {
            return Err(JoseError::InvalidKey(format!(
                "{label}: key_ops does not allow \"sign\""
            )));
        }
    }
    let needs_private = || JoseError::InvalidKey(format!("{label}: not a private key (no \"d\")"));
    let (family, key) = match kty {
        "oct" => {
            let k = b64_member(obj, "k")?;
            if k.is_empty() {
                return Err(JoseError::InvalidKey(format!("{label}: empty \"k\"")));
            }
            (KeyFamily::Hmac, EncodingKey::from_secret(&k))
        }
        "RSA" => {
            if !obj.contains_key("d") {
                return Err(needs_private());
            }
            if obj.contains_key("oth") {
                return Err(JoseError::InvalidKey(format!(
                    "{label}: multi-prime RSA keys (\"oth\") are not supported"
                )));
            }
            let mut parts = Vec::new();
            for name in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                if !obj.contains_key(name) {
                    return Err(JoseError::InvalidKey(format!(
                        "{label}: RSA private JWK needs \"{name}\" (n, e, d, p, q, dp, dq, qi)"
                    )));
                }
                parts.push(der::integer(&b64_member(obj, name)?));
            }
            let mut fields: Vec<&[u8]> = vec![&[0x02, 0x01, 0x00]];
            fields.extend(parts.iter().map(Vec::as_slice));
            (
                KeyFamily::Rsa,
                EncodingKey::from_rsa_der(&der::sequence(&fields)),
            )
        }
        "EC" => {
            let crv = opt_str(obj, "crv")?
                .ok_or_else(|| JoseError::InvalidKey(format!("{label}: missing \"crv\"")))?;
            let (family, curve_oid, len) = match crv {
                "P-256" => (KeyFamily::EcP256, der::OID_P256, 32usize),
                "P-384" => (KeyFamily::EcP384, der::OID_P384, 48usize),
                other => {
                    return Err(JoseError::InvalidKey(format!(
                        "{label}: signing with EC curve {} is not supported",
                        quoted(other)
                    )))
                }
            };
            if !obj.contains_key("d") {
                return Err(needs_private());
            }
            let d = b64_member(obj, "d")?;
            let d = der::strip_leading_zeros(&d);
            if d.is_empty() || d.len() > len {
                return Err(JoseError::InvalidKey(format!(
                    "{label}: invalid \"d\" for {crv}"
                )));
            }
            let mut scalar = vec![0u8; len - d.len()];
            scalar.extend_from_slice(d);
            let mut fields = vec![der::integer(&[1]), der::tlv(der::OCTET_STRING, &scalar)];
            if obj.contains_key("x") || obj.contains_key("y") {
                let x = b64_member(obj, "x")?;
                let y = b64_member(obj, "y")?;
                if x.len() != len || y.len() != len {
                    return Err(JoseError::InvalidKey(format!(
                        "{label}: {crv} coordinates must be {len} bytes"
                    )));
                }
                let mut bits = vec![0x00, 0x04];
                bits.extend_from_slice(&x);
                bits.extend_from_slice(&y);
                fields.push(der::tlv(der::CTX1, &der::tlv(der::BIT_STRING, &bits)));
            }
            let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
            let ec_private_key = der::sequence(&refs);
            (
                family,
                EncodingKey::from_ec_der(&ec_pkcs8(curve_oid, &ec_private_key)),
            )
        }
        "OKP" => {
            let crv = opt_str(obj, "crv")?
                .ok_or_else(|| JoseError::InvalidKey(format!("{label}: missing \"crv\"")))?;
            if crv != "Ed25519" {
                return Err(JoseError::InvalidKey(format!(
                    "{label}: signing with OKP curve {} is not supported",
                    quoted(crv)
                )));
            }
            if !obj.contains_key("d") {
                return Err(needs_private());
            }
            let d = b64_member(obj, "d")?;
            if d.len() != 32 {
                return Err(JoseError::InvalidKey(format!(
                    "{label}: Ed25519 \"d\" must be 32 bytes"
                )));
            }
            let alg_id = der::sequence(&[&der::tlv(der::OID, der::OID_ED25519)]);
            let private = der::tlv(der::OCTET_STRING, &der::tlv(der::OCTET_STRING, &d));
            let doc = if obj.contains_key("x") {
                // PKCS#8 v2 with the public key: the backend checks x matches d.
                let x = b64_member(obj, "x")?;
                if x.len() != 32 {
                    return Err(JoseError::InvalidKey(format!(
                        "{label}: Ed25519 \"x\" must be 32 bytes"
                    )));
                }
                let mut bits = vec![0x00];
                bits.extend_from_slice(&x);
                der::sequence(&[
                    &der::integer(&[1]),
                    &alg_id,
                    &private,
                    &der::tlv(der::CTX1_PRIMITIVE, &bits),
                ])
            } else {
                der::sequence(&[&der::integer(&[0]), &alg_id, &private])
            };
            (KeyFamily::Ed25519, EncodingKey::from_ed_der(&doc))
        }
        other => {
            return Err(JoseError::InvalidKey(format!(
                "{label}: unsupported kty {}",
                quoted(other)
            )))
        }
    };
    Ok((family, key, kid))
}
