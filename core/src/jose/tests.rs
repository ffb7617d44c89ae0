//! Known-answer and hostile-input tests against the JOSE vectors in `tests/vectors`.
//!
//! The vectors are read at test time from `<crate>/tests/vectors` (`$JOSE_VECTORS` overrides).
//! A missing directory FAILS the tests.
//! Compiled only under #[cfg(test)] (declared in mod.rs).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::token::{b64url_decode, b64url_encode};
use super::*;

// ---------------------------------------------------------------------------
// harness

fn vectors_dir() -> PathBuf {
    let dir = std::env::var_os("JOSE_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors")));
    assert!(
        dir.join("README.md").is_file(),
        "JOSE test vectors not found at {} (set JOSE_VECTORS=/path/to/tests/vectors)",
        dir.display()
    );
    dir
}

fn read_bytes(rel: &str) -> Vec<u8> {
    let path = vectors_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_text(rel: &str) -> String {
    String::from_utf8(read_bytes(rel)).unwrap_or_else(|_| panic!("{rel} is not UTF-8"))
}

fn load(rel: &str) -> Value {
    serde_json::from_slice(&read_bytes(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Resolves a key file path as written in the vector files.
fn key_file(rel: &str) -> Vec<u8> {
    let dir = vectors_dir();
    for base in ["", "peer_kats/", "negative/"] {
        let p = dir.join(format!("{base}{rel}"));
        if p.is_file() {
            return std::fs::read(p).unwrap();
        }
    }
    panic!("key file {rel} not found under {}", dir.display());
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn keys_from_json(v: &Value) -> Result<KeySet, JoseError> {
    KeySet::parse(&v.to_string())
}

fn kind<T>(r: &Result<T, JoseError>) -> &'static str {
    match r {
        Ok(_) => "Ok",
        Err(e) => e.kind_name(),
    }
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing {name}"))
}

fn assert_no_leak(msg: &str, token: &str, secrets: &[&str]) {
    assert!(msg.len() <= 300, "message too long: {msg}");
    if token.len() >= 16 {
        assert!(!msg.contains(token), "message contains the token: {msg}");
    }
    for s in secrets {
        if s.len() >= 8 {
            assert!(!msg.contains(s), "message contains key material: {msg}");
        }
    }
}

const NO_ALGS: &[String] = &[];

// One test key pair embedded here (generated with `openssl genpkey -algorithm
// EC -pkeyopt ec_paramgen_curve:P-384`), in its PKCS#8, SEC1, SPKI and JWK
// encodings: the vectors contain no P-384 private key.
const P384_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCKrmSr53US/TQSmtom
qASbc8EXZ2OKY5dunj6lzHIgQE8n/qjXJM/pJEiz9ev7/nOhZANiAAQpAJk1dnYs
LmL06/tVW9PbRS221nEIdd8GNw6KgWj1HESv0F7LWhNWGmDOxGm4lKT0S03PuBpf
jvfl6HyV3aGraCNtoRCkTGScUgmG5KYtCCPvX7KiGm8USphD3IEc1y0=
-----END PRIVATE KEY-----
";
const P384_SEC1_WITH_PARAMS: &str = "-----BEGIN EC PARAMETERS-----
BgUrgQQAIg==
-----END EC PARAMETERS-----
-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDCKrmSr53US/TQSmtomqASbc8EXZ2OKY5dunj6lzHIgQE8n/qjXJM/p
JEiz9ev7/nOgBwYFK4EEACKhZANiAAQpAJk1dnYsLmL06/tVW9PbRS221nEIdd8G
Nw6KgWj1HESv0F7LWhNWGmDOxGm4lKT0S03PuBpfjvfl6HyV3aGraCNtoRCkTGSc
UgmG5KYtCCPvX7KiGm8USphD3IEc1y0=
-----END EC PRIVATE KEY-----
";
const P384_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEKQCZNXZ2LC5i9Ov7VVvT20UtttZxCHXf
BjcOioFo9RxEr9Bey1oTVhpgzsRpuJSk9EtNz7gaX4735eh8ld2hq2gjbaEQpExk
nFIJhuSmLQgj71+yohpvFEqYQ9yBHNct
-----END PUBLIC KEY-----
";
const P384_JWK: &str = r#"{"kty":"EC","crv":"P-384","kid":"p384-test","d":"iq5kq-d1Ev00EpraJqgEm3PBF2djimOXbp4-pcxyIEBPJ_6o1yTP6SRIs_Xr-_5z","x":"KQCZNXZ2LC5i9Ov7VVvT20UtttZxCHXfBjcOioFo9RxEr9Bey1oTVhpgzsRpuJSk","y":"9EtNz7gaX4735eh8ld2hq2gjbaEQpExknFIJhuSmLQgj71-yohpvFEqYQ9yBHNct"}"#;

/// Removes private members from a JWK.
fn public_jwk(jwk: &Value) -> Value {
    let mut obj = jwk.as_object().unwrap().clone();
    for m in ["d", "p", "q", "dp", "dq", "qi", "oth"] {
        obj.remove(m);
    }
    Value::Object(obj)
}

fn without(jwk: &Value, name: &str) -> Value {
    let mut obj = jwk.as_object().unwrap().clone();
    obj.remove(name);
    Value::Object(obj)
}

fn with_member(jwk: &Value, name: &str, value: Value) -> Value {
    let mut obj = jwk.as_object().unwrap().clone();
    obj.insert(name.into(), value);
    Value::Object(obj)
}

fn pem(label: &str, der_bytes: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der_bytes);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// PKCS#1 RSAPrivateKey from a private RSA JWK (test-side builder).
fn rsa_pkcs1_der(jwk: &Value) -> Vec<u8> {
    use der::asn1::UintRef;
    use der::Encode;
    let m: Vec<Vec<u8>> = ["n", "e", "d", "p", "q", "dp", "dq", "qi"]
        .iter()
        .map(|m| b64url_decode(str_field(jwk, m), m).unwrap())
        .collect();
    let uint = |i: usize| UintRef::new(&m[i]).unwrap();
    pkcs1::RsaPrivateKey {
        modulus: uint(0),
        public_exponent: uint(1),
        private_exponent: uint(2),
        prime1: uint(3),
        prime2: uint(4),
        exponent1: uint(5),
        exponent2: uint(6),
        coefficient: uint(7),
        other_prime_infos: None,
    }
    .to_der()
    .unwrap()
}

fn pkcs8_der(
    oid: der::asn1::ObjectIdentifier,
    params: Option<der::asn1::AnyRef<'_>>,
    private: &[u8],
) -> Vec<u8> {
    use der::Encode;
    pkcs8::PrivateKeyInfoRef::new(
        spki::AlgorithmIdentifierRef {
            oid,
            parameters: params,
        },
        der::asn1::OctetStringRef::new(private).unwrap(),
    )
    .to_der()
    .unwrap()
}

/// DER of an OCTET STRING (RFC 8410 `CurvePrivateKey`).
fn octet_string_der(bytes: &[u8]) -> Vec<u8> {
    use der::Encode;
    der::asn1::OctetStringRef::new(bytes)
        .unwrap()
        .to_der()
        .unwrap()
}

// ---------------------------------------------------------------------------
// RFC examples

#[test]
fn rfc7515_and_rfc8037_examples() {
    let today = now();
    // (file, key member, JWS verdict)
    let cases = [
        ("rfc7515/A1_HS256.json", "jwk", "Ok"),
        ("rfc7515/A2_RS256.json", "public_jwk", "Ok"),
        ("rfc7515/A3_ES256.json", "public_jwk", "Ok"),
        ("rfc7519/3_1_HS256.json", "jwk", "Ok"),
        ("rfc8037/A4_Ed25519.json", "public_jwk", "Ok"),
        ("rfc7515/A4_ES512.json", "public_jwk", "Unsupported"),
    ];
    for (file, key_member, want) in cases {
        let v = load(file);
        let token = str_field(&v, "token");
        let keys = keys_from_json(&v[key_member]).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = verify_signature(token, &keys, NO_ALGS);
        assert_eq!(kind(&got), want, "{file}: {got:?}");
        if let Ok(jws) = &got {
            let expected_payload = v["payload_json"]
                .as_str()
                .or(v["payload_text"].as_str())
                .unwrap();
            assert_eq!(jws.payload, expected_payload.as_bytes(), "{file}");
            assert_eq!(jws.alg.name(), str_field(&v, "alg"));
            // The JWS signing input is the received ASCII, CRLFs and all.
            if let Some(input) = v["signing_input"].as_str() {
                assert_eq!(token.rsplit_once('.').unwrap().0, input);
            }
        }
        if want == "Unsupported" {
            assert_eq!(
                got.unwrap_err().to_string(),
                "unsupported algorithm \"ES512\""
            );
            continue;
        }
        if v["claims"].is_object() {
            // exp = 1300819380 (2011-03-22T18:43:00Z)
            let err = verify(token, &keys, &Policy::new(today)).unwrap_err();
            assert_eq!(
                err,
                JoseError::Rejected("token expired at 2011-03-22T18:43:00Z".into()),
                "{file}"
            );
            let ok = verify(token, &keys, &Policy::new(1_300_819_379))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(ok.claims.to_value(), v["claims"], "{file}");
            assert_eq!(ok.exp, Some(1_300_819_380.0));
            assert_eq!(
                verify(token, &keys, &Policy::new(1_300_819_380)).map(|_| ()),
                Err(JoseError::Rejected(
                    "token expired at 2011-03-22T18:43:00Z".into()
                ))
            );
            let mut lenient = Policy::new(1_300_819_390);
            lenient.leeway = 11;
            assert!(verify(token, &keys, &lenient).is_ok(), "{file}: leeway");
        } else {
            // Plain-text payload: fine as a JWS, not a JWT.
            assert_eq!(
                kind(&verify(token, &keys, &Policy::new(today))),
                "Malformed",
                "{file}"
            );
        }
    }

    // A.5 / RFC 7519 §6.1 unsecured tokens, against every kind of key.
    let a1 = load("rfc7515/A1_HS256.json");
    let a2 = load("rfc7515/A2_RS256.json");
    let keys = KeySet::parse(&json!({"keys": [a1["jwk"], a2["public_jwk"]]}).to_string()).unwrap();
    for file in ["rfc7515/A5_none.json", "rfc7519/6_1_unsecured_none.json"] {
        let token = load(file)["token"].as_str().unwrap().to_string();
        let err = verify_signature(&token, &keys, NO_ALGS).unwrap_err();
        assert!(
            matches!(&err, JoseError::Rejected(m) if m.contains("none")),
            "{file}: {err:?}"
        );
        // decode() does not judge alg: it is explicitly unverified.
        assert!(decode(&token).is_ok());
    }
}

#[test]
fn rfc7520_examples() {
    let today = now();
    for (file, want) in [
        ("rfc7520/4_1_RS256.json", "Ok"),
        ("rfc7520/4_2_PS384.json", "Ok"),
        ("rfc7520/4_3_ES512.json", "Unsupported"),
        ("rfc7520/4_4_HS256.json", "Ok"),
        // Detached content: the compact token has an empty payload segment,
        // so the signature (over the real payload) cannot match.
        ("rfc7520/4_5_HS256_detached.json", "Rejected"),
    ] {
        let v = load(file);
        let key = if v["public_jwk"].is_object() {
            &v["public_jwk"]
        } else {
            &v["jwk"]
        };
        let keys = keys_from_json(key).unwrap_or_else(|e| panic!("{file}: {e}"));
        let token = str_field(&v, "token");
        let got = verify_signature(token, &keys, NO_ALGS);
        assert_eq!(kind(&got), want, "{file}: {got:?}");
        if let Ok(jws) = got {
            assert_eq!(jws.payload, str_field(&v, "payload_text").as_bytes());
            assert_eq!(jws.kid.as_deref(), v["protected_header"]["kid"].as_str());
            assert_eq!(
                kind(&verify(token, &keys, &Policy::new(today))),
                "Malformed",
                "{file}"
            );
        }
    }
    // 4.6-4.8 exist only in the JSON serializations, which are not supported.
    for file in [
        "rfc7520/4_6_HS256_json_only.json",
        "rfc7520/4_7_HS256_json_only.json",
        "rfc7520/4_8_multi_json_only.json",
    ] {
        let v = load(file);
        let keys = KeySet::parse("irrelevant").unwrap();
        for member in ["json_serialization", "flattened_json_serialization"] {
            if v[member].is_object() {
                let text = v[member].to_string();
                assert_eq!(
                    kind(&verify_signature(&text, &keys, NO_ALGS)),
                    "Malformed",
                    "{file} {member}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// negative/jwt_negative_cases.json

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// `verify` succeeds.
    Accept,
    /// `verify_signature` already fails with this kind.
    Jws(&'static str),
    /// `verify_signature` succeeds, `verify` fails with this kind.
    Jwt(&'static str),
    /// Not run here.
    Skip,
}

/// Per-case refinements of the category defaults (which error kind, and at
/// which level). These do NOT contradict the case's `expected` text.
const NEGATIVE_REFINEMENTS: &[(&str, Expect)] = &[
    // Empty payload is legal JWS; the MAC over "header." just does not match.
    ("wycheproof-jws-6", Expect::Jws("Rejected")),
    // ES512 is unsupported.
    ("derived-psychic-rfc7515A4", Expect::Jws("Unsupported")),
    ("rfc7515-A4-payload-not-json", Expect::Jws("Unsupported")),
    // Duplicate names: header checked at JWS level, claims at JWT level.
    ("derived-duplicate-alg-in-header", Expect::Jws("Malformed")),
    ("derived-duplicate-claim-role", Expect::Jwt("Malformed")),
    ("derived-duplicate-claim-sub", Expect::Jwt("Malformed")),
    // The DER signature's base64url text has non-zero trailing bits.
    ("golang-jwt-es256-der-signature", Expect::Jws("Malformed")),
    // NUL in the header (kid "x\u0000y") is refused as malformed JSON for us.
    ("derived-kid-injection-nul-byte", Expect::Jws("Malformed")),
    // Claims NUL is refused cleanly instead of being truncated by PostgreSQL.
    ("derived-nul-in-claim", Expect::Jwt("Malformed")),
    // POLICY: RFC 7518 §3.5 salt = hash length (AWS-LC RSA_PSS_SALTLEN_DIGEST);
    // golang-jwt's maximum-salt tokens are rejected.
    ("golang-jwt-pss-maxsalt-PS256", Expect::Jws("Rejected")),
    ("golang-jwt-pss-maxsalt-PS384", Expect::Jws("Rejected")),
    ("golang-jwt-pss-maxsalt-PS512", Expect::Jws("Rejected")),
    // POLICY: exp = 1e300 is a valid (far-future) NumericDate: accepted.
    ("derived-exp-huge", Expect::Accept),
    // 10,000-deep claims: serde_json's recursion limit → clean error.
    ("derived-deep-nesting-10000", Expect::Jwt("Malformed")),
];

/// Deliberate deviations from a case's `expected` text: (id, reason).
/// Empty: every case behaves as its `expected` line says.
const NEGATIVE_EXCEPTIONS: &[(&str, &str)] = &[];

fn category_default(category: &str) -> Expect {
    match category {
        "alg_none"
        | "empty_signature"
        | "alg_confusion"
        | "embedded_jwk"
        | "ecdsa_psychic_signature"
        | "ecdsa_signature_encoding"
        | "kid_injection"
        | "signature_length"
        | "bad_signature"
        | "key_policy"
        | "rsa_pss" => Expect::Jws("Rejected"),
        "malformed_structure"
        | "json_serialization"
        | "header_not_object"
        | "header_missing_alg"
        | "non_canonical_base64url"
        | "duplicate_keys" => Expect::Jws("Malformed"),
        "crit_header" => Expect::Jws("Unsupported"),
        "exp_past" | "time_or_claim_type" => Expect::Jwt("Rejected"),
        "payload_not_claims" | "size_limits" => Expect::Jwt("Malformed"),
        other => panic!("unknown category {other}"),
    }
}

/// Key set for a negative case; several when the case names several forms.
fn negative_keys(case: &Value) -> Vec<(String, KeySet)> {
    let key = &case["key"];
    let mut out = Vec::new();
    if let Some(jwk) = key.get("jwk") {
        out.push(("jwk".to_string(), keys_from_json(jwk).unwrap()));
    }
    if let Some(file) = key.get("file").and_then(Value::as_str) {
        let text = String::from_utf8(key_file(file)).unwrap();
        out.push((format!("file {file}"), KeySet::parse(&text).unwrap()));
    }
    if let Some(s) = key.get("secret_utf8").and_then(Value::as_str) {
        out.push(("secret".to_string(), KeySet::parse(s).unwrap()));
    }
    if let Some(h) = key.get("hmac_secret_hex").and_then(Value::as_str) {
        out.push((
            "hex secret".to_string(),
            KeySet::from_secret(&hex(h)).unwrap(),
        ));
    }
    if out.is_empty() {
        // "any configured key": an HMAC secret plus an RSA key with kid "rsaKeyId".
        let a1 = load("rfc7515/A1_HS256.json");
        let a2 = load("rfc7515/A2_RS256.json");
        let rsa = with_member(&a2["public_jwk"], "kid", json!("rsaKeyId"));
        let set = KeySet::parse(&json!({"keys": [a1["jwk"], rsa]}).to_string()).unwrap();
        out.push(("default set".to_string(), set));
    }
    out
}

#[test]
fn negative_cases() {
    let doc = load("negative/jwt_negative_cases.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), doc["count"].as_u64().unwrap() as usize);
    let refinements: BTreeMap<&str, Expect> = NEGATIVE_REFINEMENTS.iter().copied().collect();
    let exceptions: BTreeMap<&str, &str> = NEGATIVE_EXCEPTIONS.iter().copied().collect();
    let today = now();
    let policy = Policy::new(today);
    let mut mismatches = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut used_refinements = 0;
    for case in cases {
        let id = str_field(case, "id");
        let expected = str_field(case, "expected");
        let token: String = match (
            case["token"].as_str(),
            case.get("token_file").and_then(Value::as_str),
        ) {
            (Some(t), _) => t.to_string(),
            (None, Some(file)) => read_text(file).trim_end().to_string(),
            (None, None) => {
                // token_ref: ranges of json_web_signature_test.json, run in full by `wycheproof_jws`.
                assert!(case.get("token_ref").is_some(), "{id}: no token");
                *tally.entry("covered by wycheproof_jws".into()).or_default() += 1;
                continue;
            }
        };
        let verdict = expected.split([':', ' ', ',']).next().unwrap_or_default();
        let mut want = match verdict {
            "UNUSABLE" => Expect::Skip,
            "ACCEPT" | "Signature" => Expect::Accept,
            "REJECT" | "POLICY" => category_default(str_field(case, "category")),
            other => panic!("{id}: unknown verdict {other}"),
        };
        if let Some(r) = refinements.get(id) {
            want = *r;
            used_refinements += 1;
        }
        if verdict == "POLICY" {
            assert!(
                refinements.contains_key(id),
                "{id}: POLICY case needs an explicit choice"
            );
        }
        if want == Expect::Skip {
            *tally.entry("skipped (UNUSABLE)".into()).or_default() += 1;
            continue;
        }
        let secrets: Vec<String> = ["k", "d"]
            .iter()
            .filter_map(|m| case["key"]["jwk"][m].as_str().map(str::to_owned))
            .chain(case["key"]["secret_utf8"].as_str().map(str::to_owned))
            .collect();
        let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        for (key_desc, keys) in negative_keys(case) {
            let jws = verify_signature(&token, &keys, NO_ALGS);
            let jwt = verify(&token, &keys, &policy);
            for r in [jws.as_ref().err(), jwt.as_ref().err()]
                .into_iter()
                .flatten()
            {
                assert_no_leak(r.message(), &token, &secret_refs);
            }
            let got = match (&jws, &jwt) {
                (Err(e), _) => Expect::Jws(e.kind_name()),
                (Ok(_), Err(e)) => Expect::Jwt(e.kind_name()),
                (Ok(_), Ok(_)) => Expect::Accept,
            };
            if got == want {
                *tally.entry(format!("{want:?}")).or_default() += 1;
                if exceptions.contains_key(id) {
                    mismatches.push(format!(
                        "{id}: listed as exception but now behaves as expected"
                    ));
                }
            } else if exceptions.contains_key(id) {
                *tally.entry("deliberate exceptions".into()).or_default() += 1;
            } else {
                let detail = match (&jws, &jwt) {
                    (Err(e), _) | (Ok(_), Err(e)) => e.to_string(),
                    _ => String::new(),
                };
                mismatches.push(format!(
                    "{id} [{key_desc}]: want {want:?}, got {got:?} ({detail})"
                ));
            }
        }
    }
    assert_eq!(
        used_refinements,
        NEGATIVE_REFINEMENTS.len(),
        "stale refinement ids"
    );
    eprintln!("negative cases: {tally:?}");
    assert!(
        mismatches.is_empty(),
        "negative case mismatches:\n{}",
        mismatches.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Wycheproof json_web_signature_test.json

/// Cases where this verifier deliberately disagrees with the Wycheproof label.
///
/// Of the 14 "known defects" in wycheproof/README.md, 353-356 (JWK `use` /
/// `key_ops` forbid verification) and 379/385 (ES256 signature not 64 bytes)
/// are not here: we honour `use`/`key_ops` and the fixed ECDSA length, so we
/// agree with their "invalid" labels.
const WYCHEPROOF_EXCEPTIONS: &[(u64, &str)] = &[
    (346, "labelled valid: PS384 token, group JWK pinned to alg PS256; we honour JWK alg (tcId 331-340 require it)"),
    (350, "labelled valid: PS384 token, group JWK pinned to alg PS256; we honour JWK alg (tcId 331-340 require it)"),
    (347, "labelled valid: ES512 token (P-521 key, JWK alg \"ES521\"): ES512 is unsupported and the alg pin differs"),
    (351, "labelled valid: ES512 token (P-521 key, JWK alg \"ES521\"): ES512 is unsupported and the alg pin differs"),
    (367, "labelled invalid but byte-identical to valid tcId 357 (padding lost upstream): a correct verifier accepts"),
    (370, "labelled invalid but byte-identical to valid tcId 357 (padding lost upstream): a correct verifier accepts"),
    (372, "labelled valid but a segment contains '?': not base64url, and the MAC is over the untampered text"),
    (373, "labelled valid but a segment contains '?': not base64url, and the MAC is over the untampered text"),
];

#[test]
fn wycheproof_jws() {
    let doc = load("wycheproof/json_web_signature_test.json");
    let exceptions: BTreeMap<u64, &str> = WYCHEPROOF_EXCEPTIONS.iter().copied().collect();
    let mut seen_exceptions = Vec::new();
    let mut mismatches = Vec::new();
    let (mut total, mut valid_ok, mut invalid_rejected) = (0, 0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        let jwk = group.get("public").unwrap_or(&group["private"]);
        let keys = keys_from_json(jwk);
        for t in group["tests"].as_array().unwrap() {
            total += 1;
            let id = t["tcId"].as_u64().unwrap();
            let want_ok = match str_field(t, "result") {
                "valid" => true,
                "invalid" => false,
                other => panic!("tcId {id}: result {other}"),
            };
            let token = t["jws"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| t["jws"].to_string());
            let got = match &keys {
                Ok(keys) => verify_signature(&token, keys, NO_ALGS),
                Err(e) => Err(e.clone()),
            };
            if let Err(e) = &got {
                assert_no_leak(e.message(), &token, &[]);
            }
            if got.is_ok() == want_ok {
                if exceptions.contains_key(&id) {
                    mismatches.push(format!(
                        "tcId {id}: listed exception but agrees with the label"
                    ));
                }
                if want_ok {
                    valid_ok += 1
                } else {
                    invalid_rejected += 1
                }
            } else if exceptions.contains_key(&id) {
                seen_exceptions.push(id);
            } else {
                mismatches.push(format!(
                    "tcId {id} ({}): want {}, got {:?}",
                    str_field(t, "comment"),
                    str_field(t, "result"),
                    got.map(|_| ())
                ));
            }
        }
    }
    assert_eq!(total, 401);
    eprintln!(
        "wycheproof JWS: {total} cases, {valid_ok} valid accepted, {invalid_rejected} invalid rejected, exceptions {seen_exceptions:?}"
    );
    assert!(
        mismatches.is_empty(),
        "Wycheproof mismatches:\n{}",
        mismatches.join("\n")
    );
    assert_eq!(seen_exceptions.len(), WYCHEPROOF_EXCEPTIONS.len());
}

/// Wycheproof primitive vectors fed straight to the key/backend layer
/// (`msg` is the signing input). Exercises the PEM and JWK key parsers on
/// every group key and the backend on edge-case signatures.
#[test]
fn wycheproof_primitives() {
    let files: &[(&str, Alg, &str)] = &[
        (
            "ecdsa_secp256r1_sha256_p1363_test.json",
            Alg::ES256,
            "publicKeyJwk",
        ),
        (
            "ecdsa_secp384r1_sha384_p1363_test.json",
            Alg::ES384,
            "publicKeyJwk",
        ),
        ("ed25519_test.json", Alg::EdDSA, "publicKeyJwk"),
        ("rsa_signature_2048_sha256_test.json", Alg::RS256, "keyJwk"),
        ("rsa_signature_2048_sha384_test.json", Alg::RS384, "keyJwk"),
        ("rsa_signature_2048_sha512_test.json", Alg::RS512, "keyJwk"),
        (
            "rsa_pss_2048_sha256_mgf1_32_test.json",
            Alg::PS256,
            "publicKeyJwk",
        ),
        (
            "rsa_pss_2048_sha384_mgf1_48_test.json",
            Alg::PS384,
            "publicKeyJwk",
        ),
        (
            "rsa_pss_4096_sha512_mgf1_64_test.json",
            Alg::PS512,
            "publicKeyJwk",
        ),
    ];
    let mut mismatches = Vec::new();
    let mut count = 0;
    for (file, alg, jwk_member) in files {
        let doc = load(&format!("wycheproof/{file}"));
        for group in doc["testGroups"].as_array().unwrap() {
            let from_pem = KeySet::parse(str_field(group, "publicKeyPem"))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            // Some groups have no JWK form; then the PEM key stands in for both.
            let from_jwk = match group.get(*jwk_member) {
                Some(jwk) => keys_from_json(jwk).unwrap_or_else(|e| panic!("{file}: {e}")),
                None => from_pem.clone(),
            };
            for t in group["tests"].as_array().unwrap() {
                count += 1;
                let msg = hex(str_field(t, "msg"));
                let sig = b64url_encode(&hex(str_field(t, "sig")));
                // A JWK's kid (if any) names it; pass it as a token would.
                let kid = group
                    .get(*jwk_member)
                    .and_then(|jwk| jwk.get("kid"))
                    .and_then(Value::as_str);
                let a = from_jwk.verify(*alg, kid, &msg, &sig).is_ok();
                let b = from_pem.verify(*alg, None, &msg, &sig).is_ok();
                let ok = match str_field(t, "result") {
                    "valid" => a && b,
                    "invalid" => !a && !b,
                    _ => a == b, // "acceptable": either, but both parsers agree
                };
                if !ok {
                    mismatches.push(format!(
                        "{file} tcId {}: {} jwk={a} pem={b}",
                        t["tcId"], t["result"]
                    ));
                }
            }
        }
    }
    // P-521 keys parse (kept as unsupported) but never verify.
    let doc = load("wycheproof/ecdsa_secp521r1_sha512_p1363_test.json");
    let group = &doc["testGroups"][0];
    for set in [
        keys_from_json(&group["publicKeyJwk"]).unwrap(),
        KeySet::parse(str_field(group, "publicKeyPem")).unwrap(),
    ] {
        assert_eq!(
            set.keys()[0].family(),
            &KeyFamily::Unsupported("EC P-521".into())
        );
        assert!(Alg::ALL.iter().all(|a| !set.keys()[0].usable_with(*a)));
    }
    // HMAC: full-length tags only.
    for (file, alg, bits) in [
        ("hmac_sha256_test.json", Alg::HS256, 256),
        ("hmac_sha384_test.json", Alg::HS384, 384),
        ("hmac_sha512_test.json", Alg::HS512, 512),
    ] {
        let doc = load(&format!("wycheproof/{file}"));
        for group in doc["testGroups"].as_array().unwrap() {
            if group["tagSize"].as_u64() != Some(bits) {
                continue;
            }
            for t in group["tests"].as_array().unwrap() {
                let key = hex(str_field(t, "key"));
                let Ok(keys) = KeySet::from_secret(&key) else {
                    assert!(key.is_empty());
                    continue;
                };
                count += 1;
                let got = keys
                    .verify(
                        alg,
                        None,
                        &hex(str_field(t, "msg")),
                        &b64url_encode(&hex(str_field(t, "tag"))),
                    )
                    .is_ok();
                if got != (str_field(t, "result") == "valid") {
                    mismatches.push(format!(
                        "{file} tcId {}: {} got {got}",
                        t["tcId"], t["result"]
                    ));
                }
            }
        }
    }
    eprintln!("wycheproof primitives: {count} cases");
    assert!(
        mismatches.is_empty(),
        "primitive mismatches:\n{}",
        mismatches.join("\n")
    );
}

// ---------------------------------------------------------------------------
// peer KATs

#[test]
fn golang_jwt_kats() {
    let doc = load("peer_kats/golang-jwt_kats.json");
    let hmac_key = KeySet::from_secret(&key_file("keys/golang-jwt_hmacTestKey")).unwrap();
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        let name = str_field(case, "name");
        let token = str_field(case, "token");
        let alg = str_field(case, "alg");
        let keys = match case["key_file"].as_str() {
            Some(f) if f.ends_with("hmacTestKey") => hmac_key.clone(),
            Some(f) => KeySet::parse(std::str::from_utf8(&key_file(f)).unwrap()).unwrap(),
            // none_test.go: golang's opt-in "none" mode; a keyed verifier
            // (here: holding only the HMAC key) must reject them all.
            None => hmac_key.clone(),
        };
        let expected_valid = case["expected_valid"].as_bool().unwrap_or(false);
        let want: &str = if let Some(strict) = case["expected_for_strict_rfc7515_verifier"].as_str()
        {
            // padding or non-zero trailing bits: not strict base64url
            if strict == "ACCEPT" {
                "Ok"
            } else {
                "Malformed"
            }
        } else if alg == "none" {
            "Rejected"
        } else if alg == "ES512" {
            "Unsupported"
        } else if alg == "EdDSA" {
            // Header says alg "ED25519", which is not a JOSE algorithm name.
            "Unsupported"
        } else if alg.starts_with("PS") && expected_valid {
            // PSS policy: salt length must equal the hash length; these tokens
            // use the maximum salt length → rejected even when golang accepts.
            "Rejected"
        } else if expected_valid {
            "Ok"
        } else if b64url_decode(token.rsplit('.').next().unwrap(), "sig").is_err() {
            // tampered signature text that is not even strict base64url
            "Malformed"
        } else {
            "Rejected"
        };
        let got = verify_signature(token, &keys, NO_ALGS);
        assert_eq!(kind(&got), want, "{name} ({alg}): {got:?}");
        if alg.starts_with("PS") && expected_valid {
            assert_eq!(got.unwrap_err().to_string(), "invalid signature", "{name}");
        }
        if alg == "EdDSA" {
            // The Ed25519 signature itself is checked at the backend level.
            let (input, sig) = token.rsplit_once('.').unwrap();
            assert_eq!(
                keys.verify(Alg::EdDSA, None, input.as_bytes(), sig).is_ok(),
                expected_valid,
                "{name}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 33);
}

#[test]
fn keats_kats() {
    let doc = load("peer_kats/keats_jsonwebtoken_kats.json");
    let today = now();
    let a2 = load("rfc7515/A2_RS256.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = str_field(case, "test_fn");
        let token = str_field(case, "token");
        let secret = case["secret_bytes_hex"].as_str().map(hex);
        let keys = match &secret {
            Some(s) => KeySet::from_secret(s).unwrap(),
            None => keys_from_json(&load("rfc7515/A1_HS256.json")["jwk"]).unwrap(),
        };
        let policy = Policy::new(today);
        let got = verify(token, &keys, &policy);
        let want = match name {
            "decode_token"
            | "decode_token_with_bytes_secret"
            | "dangerous_insecure_decode_valid_token" => "Ok",
            // A kid-less secret cannot be selected by a kid: the kid is only a hint.
            "decode_token_custom_headers" => "Ok",
            "decode_token_invalid_signature" => "Rejected",
            // Keats checks these with other settings (see below); the HS256 token is valid.
            "decode_token_wrong_algorithm" | "decode_token_wrong_key_family" => "Ok",
            // Signature "S" / "wrong" is not base64url.
            "decode_header_only" | "dangerous_insecure_decode_token_invalid_signature" => {
                "Malformed"
            }
            "verify_hs256_rfc7517_appendix_a1" => "Rejected", // expired 2011
            other => panic!("unknown case {other}"),
        };
        assert_eq!(kind(&got), want, "{name}: {got:?}");
        match name {
            "decode_token_custom_headers" => {
                assert_eq!(got.unwrap().header.to_value()["custom1"], "header1");
                // Once keys carry kids, the kid selects: another kid is unknown.
                let jwk = json!({"keys": [{"kty": "oct", "kid": "other", "k": b64url_encode(secret.as_ref().unwrap())}]});
                let err = verify(token, &keys_from_json(&jwk).unwrap(), &policy).unwrap_err();
                assert_eq!(err.to_string(), "unknown kid \"kid\"");
            }
            "decode_token_wrong_algorithm" => {
                let algs = vec!["RS512".to_string()];
                let mut p = policy;
                p.algorithms = &algs;
                let err = verify(token, &keys, &p).unwrap_err();
                assert_eq!(
                    err,
                    JoseError::Rejected("algorithm \"HS256\" is not allowed".into())
                );
            }
            "decode_token_wrong_key_family" => {
                let rsa = keys_from_json(&a2["public_jwk"]).unwrap();
                let err = verify(token, &rsa, &policy).unwrap_err();
                assert_eq!(
                    err,
                    JoseError::Rejected("no key for algorithm \"HS256\"".into())
                );
            }
            "verify_hs256_rfc7517_appendix_a1" => {
                assert!(verify_signature(token, &keys, NO_ALGS).is_ok());
            }
            "dangerous_insecure_decode_valid_token" => {
                assert_eq!(decode(token).unwrap().payload, case["claims"]);
            }
            _ => {}
        }
        if name.starts_with("dangerous") || name == "decode_header_only" {
            let d = decode(token);
            assert_eq!(kind(&d), want, "decode {name}");
        }
    }
}

#[test]
fn pgjwt_and_postgrest_kats() {
    let today = now();
    let policy = Policy::new(today);
    let doc = load("peer_kats/pgjwt_kats.json");
    for (i, case) in doc["cases"].as_array().unwrap().iter().enumerate() {
        let token = str_field(case, "token");
        let keys = KeySet::parse(str_field(case, "secret")).unwrap();
        let got = verify(token, &keys, &policy);
        let claims = &case["claims"];
        let want = if case["note"].is_string() {
            // malformed segment: pgjwt expects an exception
            if case["recheck_with_secret"] == json!(false) {
                "Rejected"
            } else {
                "Malformed"
            }
        } else if claims["exp"].is_string() || claims["nbf"].is_string() {
            // DIVERGENCE from pgjwt (which ignores unparsable exp/nbf): RFC 7519 says NumericDate.
            "Rejected"
        } else {
            "Ok"
        };
        assert_eq!(kind(&got), want, "pgjwt case {i}: {got:?}");
        if want == "Rejected" && claims["exp"].is_string() {
            assert_eq!(
                got.unwrap_err().to_string(),
                "invalid exp claim: not a NumericDate"
            );
        }
    }

    let doc = load("peer_kats/postgrest_kats.json");
    let mut run = 0;
    for case in doc["cases"].as_array().unwrap() {
        let token = str_field(case, "token");
        let key_sets: Vec<KeySet> = if let Some(s) = case["secret_utf8"].as_str() {
            vec![KeySet::parse(s).unwrap()]
        } else if case["jwk"].is_object() {
            vec![
                keys_from_json(&case["jwk"]).unwrap(),
                keys_from_json(&case["jwks"]).unwrap(),
            ]
        } else {
            continue; // secret files not copied into the corpus
        };
        for keys in key_sets {
            run += 1;
            let got = verify(token, &keys, &policy);
            let want = if case["parts"].as_u64() == Some(2) {
                "Malformed"
            } else if case["claims"]["exp"]
                .as_f64()
                .is_some_and(|e| e <= today as f64)
            {
                "Rejected"
            } else {
                "Ok"
            };
            assert_eq!(kind(&got), want, "{}: {got:?}", case["spec"]);
            if let Ok(v) = got {
                assert_eq!(v.claims.to_value(), case["claims"]);
            }
        }
    }
    assert!(run >= 19, "{run}");
}

// ---------------------------------------------------------------------------
// Clerk-shaped RS256 session tokens with a rotated JWK Set

fn rsa_private(file: &str) -> Value {
    load(file)["jwk"].clone()
}

#[test]
fn clerk_key_rotation() {
    let now = now();
    let old = with_member(
        &rsa_private("rfc7515/A2_RS256.json"),
        "kid",
        json!("ins_2old"),
    );
    let new = with_member(
        &rsa_private("rfc7520/4_1_RS256.json"),
        "kid",
        json!("ins_2new"),
    );
    let old = with_member(
        &with_member(&old, "use", json!("sig")),
        "alg",
        json!("RS256"),
    );
    let new = with_member(
        &with_member(&new, "use", json!("sig")),
        "alg",
        json!("RS256"),
    );
    let jwks = json!({"keys": [public_jwk(&old), public_jwk(&new)]}).to_string();
    let keys = KeySet::parse(&jwks).unwrap();
    assert_eq!(keys.len(), 2);
    let claims = json!({
        "azp": "https://app.example.com",
        "exp": now + 60,
        "fva": [0, -1],
        "iat": now,
        "iss": "https://clerk.example.accounts.dev",
        "nbf": now - 10,
        "sid": "sess_2abc",
        "sub": "user_2xyz",
        "v": 2,
        "o": {"id": "org_1", "rol": "admin", "slg": "acme"}
    });
    let azp = vec!["https://app.example.com".to_string()];
    let algs = vec!["RS256".to_string()];
    let mut policy = Policy::new(now);
    policy.issuer = Some("https://clerk.example.accounts.dev");
    policy.authorized_parties = &azp;
    policy.algorithms = &algs;
    policy.leeway = 5;

    for (jwk, kid) in [(&old, "ins_2old"), (&new, "ins_2new")] {
        let token = sign(&claims, &jwk.to_string(), "RS256").unwrap();
        let v = verify(&token, &keys, &policy).unwrap_or_else(|e| panic!("{kid}: {e}"));
        assert_eq!(v.header.to_value()["kid"], kid);
        assert_eq!(v.claims.to_value(), claims);
        assert_eq!(v.exp, Some((now + 60) as f64));
        // cache re-check path
        assert!(check_time(v.exp, v.nbf, v.iat, now + 59, 0).is_ok());
        assert_eq!(
            kind(&check_time(v.exp, v.nbf, v.iat, now + 60, 0)),
            "Rejected"
        );
    }
    // Unknown kid (key rotated out / never published): rejected, no fallback.
    let stranger = with_member(&old, "kid", json!("ins_2gone"));
    let token = sign(&claims, &stranger.to_string(), "RS256").unwrap();
    assert_eq!(
        verify(&token, &keys, &policy).unwrap_err(),
        JoseError::Rejected("unknown kid \"ins_2gone\"".into())
    );
    // Old key's signature under the new key's kid: wrong key → invalid signature.
    let mislabeled = with_member(&old, "kid", json!("ins_2new"));
    let token = sign(&claims, &mislabeled.to_string(), "RS256").unwrap();
    assert_eq!(
        verify(&token, &keys, &policy).unwrap_err(),
        JoseError::Rejected("invalid signature".into())
    );
    // Wrong azp / issuer.
    let mut other = claims.clone();
    other["azp"] = json!("https://evil.example.com");
    let token = sign(&other, &new.to_string(), "RS256").unwrap();
    assert!(verify(&token, &keys, &policy)
        .unwrap_err()
        .to_string()
        .starts_with("authorized party not accepted"));
    let mut other = claims.clone();
    other["iss"] = json!("https://clerk.other.dev");
    let token = sign(&other, &new.to_string(), "RS256").unwrap();
    assert!(verify(&token, &keys, &policy)
        .unwrap_err()
        .to_string()
        .starts_with("issuer not accepted"));
    // A kid-less token is refused: the set names its keys (as Clerk's SDK refuses it).
    let bare = public_jwk(&new);
    let mut bare_private = new.as_object().unwrap().clone();
    bare_private.remove("kid");
    let token = sign(&claims, &Value::Object(bare_private).to_string(), "RS256").unwrap();
    assert_eq!(
        verify(&token, &keys, &policy).unwrap_err(),
        JoseError::Rejected(
            "token header has no kid, and the keys that could verify it are chosen by kid".into()
        )
    );
    assert!(bare.get("d").is_none());
}

// ---------------------------------------------------------------------------
// focused behaviour

fn hs256_token(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        b64url_encode(header.to_string().as_bytes()),
        b64url_encode(claims.to_string().as_bytes())
    );
    let sig = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(secret),
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    format!("{input}.{sig}")
}

#[test]
fn algorithm_confusion_is_rejected() {
    let pem_text = read_text("negative/keys/rfc7515_A2_rsa_public_spki.pem");
    let cert_text = read_text("negative/keys/auth0_node-jsonwebtoken_test_pub.pem");
    let claims = json!({"sub": "attacker", "role": "service_role"});
    for (desc, material) in [("SPKI PEM", &pem_text), ("certificate", &cert_text)] {
        let keys = KeySet::parse(material).unwrap();
        assert_eq!(keys.keys()[0].family(), &KeyFamily::Rsa, "{desc}");
        for secret in [material.as_bytes(), material.trim().as_bytes()] {
            let token = hs256_token(&json!({"alg": "HS256", "typ": "JWT"}), &claims, secret);
            let err = verify(&token, &keys, &Policy::new(now())).unwrap_err();
            assert_eq!(
                err,
                JoseError::Rejected("no key for algorithm \"HS256\"".into()),
                "{desc}"
            );
        }
    }
    // Same with a JWK Set whose RSA key has a kid that the token names.
    let a2 = load("rfc7515/A2_RS256.json");
    let rsa = with_member(&a2["public_jwk"], "kid", json!("rsa1"));
    let keys = keys_from_json(&json!({"keys": [rsa]})).unwrap();
    let token = hs256_token(
        &json!({"alg": "HS256", "kid": "rsa1"}),
        &claims,
        rsa.to_string().as_bytes(),
    );
    let err = verify(&token, &keys, &Policy::new(now())).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("key \"rsa1\" cannot verify HS256 tokens"),
        "{err}"
    );
}

#[test]
fn kid_and_jwk_restrictions() {
    let secret = b"0123456789abcdef0123456789abcdef";
    let k = b64url_encode(secret);
    let claims = json!({"sub": "u"});
    let t_nokid = hs256_token(&json!({"alg": "HS256"}), &claims, secret);
    let t_a = hs256_token(&json!({"alg": "HS256", "kid": "a"}), &claims, secret);
    let t_b = hs256_token(&json!({"alg": "HS256", "kid": "b"}), &claims, secret);
    let t_num_kid = hs256_token(&json!({"alg": "HS256", "kid": 7}), &claims, secret);
    let secret_str = std::str::from_utf8(secret).unwrap();
    let jwk = |extra: Value| {
        let mut o = json!({"kty": "oct", "k": k});
        for (name, v) in extra.as_object().unwrap() {
            o[name] = v.clone();
        }
        o
    };
    // (key material, token, expected kind, message prefix)
    let cases: Vec<(String, &str, &str, &str)> =
        vec![
        (secret_str.into(), &t_nokid, "Ok", ""),
        // kid-less material (a bare secret, a PEM key): the kid cannot select, the signature decides
        (secret_str.into(), &t_a, "Ok", ""),
        ("another secret".into(), &t_a, "Rejected", "invalid signature"),
        (jwk(json!({"kid": "a"})).to_string(), &t_a, "Ok", ""),
        (
            jwk(json!({"kid": "a"})).to_string(),
            &t_b,
            "Rejected",
            "unknown kid \"b\"",
        ),
        // keys with kids want tokens that name theirs (Clerk's SDK refuses a kid-less token)
        (
            jwk(json!({"kid": "a"})).to_string(),
            &t_nokid,
            "Rejected",
            "token header has no kid",
        ),
        (
            jwk(json!({"kid": "a"})).to_string(),
            &t_num_kid,
            "Malformed",
            "token header \"kid\" is not a string",
        ),
        // never fall back to a kid-less key when the kid is unknown
        (
            json!({"keys": [jwk(json!({})), jwk(json!({"kid": "x"}))]}).to_string(),
            &t_a,
            "Rejected",
            "unknown kid",
        ),
        (
            jwk(json!({"kid": "a", "alg": "HS256"})).to_string(),
            &t_a,
            "Ok",
            "",
        ),
        (
            jwk(json!({"kid": "a", "alg": "HS512"})).to_string(),
            &t_a,
            "Rejected",
            "key \"a\" cannot verify",
        ),
        (
            jwk(json!({"alg": "HS512"})).to_string(),
            &t_nokid,
            "Rejected",
            "no key for algorithm",
        ),
        (
            jwk(json!({"kid": "a", "use": "sig"})).to_string(),
            &t_a,
            "Ok",
            "",
        ),
        (
            jwk(json!({"kid": "a", "use": "enc"})).to_string(),
            &t_a,
            "Rejected",
            "key \"a\" cannot verify",
        ),
        (
            jwk(json!({"use": "enc"})).to_string(),
            &t_nokid,
            "Rejected",
            "no key for algorithm",
        ),
        (
            jwk(json!({"kid": "a", "key_ops": ["verify"]})).to_string(),
            &t_a,
            "Ok",
            "",
        ),
        (
            jwk(json!({"kid": "a", "key_ops": ["sign"]})).to_string(),
            &t_a,
            "Rejected",
            "key \"a\" cannot verify",
        ),
        (
            jwk(json!({"key_ops": ["encrypt", "decrypt"]})).to_string(),
            &t_nokid,
            "Rejected",
            "no key for algorithm",
        ),
        // duplicate kids: each is tried
        (
            json!({"keys": [{"kty": "oct", "k": "AAAA", "kid": "a"}, jwk(json!({"kid": "a"}))]})
                .to_string(),
            &t_a,
            "Ok",
            "",
        ),
        (
            json!({"keys": [{"kty": "oct", "k": "AAAA", "kid": "a"}]}).to_string(),
            &t_a,
            "Rejected",
            "invalid signature",
        ),
    ];
    for (material, token, want, prefix) in cases {
        let keys = KeySet::parse(&material).unwrap();
        let got = verify(token, &keys, &Policy::new(now()));
        assert_eq!(kind(&got), want, "{material}: {got:?}");
        if let Err(e) = got {
            assert!(e.to_string().starts_with(prefix), "{e} !~ {prefix}");
        }
    }
}

#[test]
fn header_rules() {
    let secret = b"0123456789abcdef0123456789abcdef";
    let keys = KeySet::from_secret(secret).unwrap();
    let claims = json!({"sub": "u"});
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"alg": "HS256"}), "Ok", ""),
        (
            json!({"alg": "HS256", "typ": "JWT", "x5u": "https://x", "jku": "https://y", "jwk": {"kty": "oct", "k": "AAAA"}}),
            "Ok",
            "",
        ),
        (
            json!({"alg": "HS256", "crit": ["exp"], "exp": 1}),
            "Unsupported",
            "unsupported critical header parameter \"exp\"",
        ),
        (
            json!({"alg": "HS256", "crit": []}),
            "Malformed",
            "token header \"crit\" is an empty array",
        ),
        (
            json!({"alg": "HS256", "crit": "b64"}),
            "Malformed",
            "token header \"crit\" is not an array",
        ),
        (json!({"alg": "none"}), "Rejected", "unsecured token"),
        (json!({"alg": "None"}), "Rejected", "unsecured token"),
        (json!({"alg": "nOnE"}), "Rejected", "unsecured token"),
        (
            json!({"alg": "ES512"}),
            "Unsupported",
            "unsupported algorithm \"ES512\"",
        ),
        (
            json!({"alg": "ES256K"}),
            "Unsupported",
            "unsupported algorithm \"ES256K\"",
        ),
        (
            json!({"alg": "RSA1_5"}),
            "Unsupported",
            "unsupported algorithm \"RSA1_5\"",
        ),
        (
            json!({"alg": "hs256"}),
            "Unsupported",
            "unsupported algorithm \"hs256\"",
        ),
        (
            json!({"alg": "x".repeat(1000)}),
            "Unsupported",
            "unsupported algorithm \"xxxx",
        ),
        (
            json!({"alg": 256}),
            "Malformed",
            "token header \"alg\" is not a string",
        ),
        (
            json!({"typ": "JWT"}),
            "Malformed",
            "token header has no \"alg\"",
        ),
        (
            json!(["alg", "HS256"]),
            "Malformed",
            "token header is not a JSON object",
        ),
    ];
    for (header, want, prefix) in cases {
        let token = hs256_token(&header, &claims, secret);
        let got = verify(&token, &keys, &Policy::new(now()));
        assert_eq!(kind(&got), want, "{header}: {got:?}");
        if let Err(e) = got {
            assert!(e.to_string().starts_with(prefix), "{e} !~ {prefix}");
            assert!(e.to_string().len() < 120);
        }
    }
}

#[test]
fn time_and_claim_policy_through_verify() {
    let secret = b"0123456789abcdef0123456789abcdef";
    let keys = KeySet::from_secret(secret).unwrap();
    let t0 = 1_700_000_000i64;
    let aud = vec!["authenticated".to_string()];
    let azp = vec!["web".to_string()];
    let algs_hs = vec!["HS256".to_string(), "HS512".to_string()];
    let algs_rs = vec!["RS256".to_string()];
    let base = Policy::new(t0);
    let p_leeway = Policy { leeway: 30, ..base };
    let p_iss = Policy {
        issuer: Some("https://auth.example"),
        ..base
    };
    let p_aud = Policy {
        audiences: &aud,
        ..base
    };
    let p_azp = Policy {
        authorized_parties: &azp,
        ..base
    };
    let p_algs_hs = Policy {
        algorithms: &algs_hs,
        ..base
    };
    let p_algs_rs = Policy {
        algorithms: &algs_rs,
        ..base
    };
    // (claims, policy, expected kind, message prefix)
    let cases: Vec<(Value, &Policy, &str, &str)> = vec![
        (json!({"exp": t0 + 1}), &base, "Ok", ""),
        (
            json!({"exp": t0}),
            &base,
            "Rejected",
            "token expired at 2023-11-14T22:13:20Z",
        ),
        (json!({"exp": t0 - 29}), &p_leeway, "Ok", ""),
        (
            json!({"exp": t0 - 30}),
            &p_leeway,
            "Rejected",
            "token expired at",
        ),
        (json!({"nbf": t0}), &base, "Ok", ""),
        (
            json!({"nbf": t0 + 1}),
            &base,
            "Rejected",
            "token not valid before 2023-11-14T22:13:21Z",
        ),
        (json!({"nbf": t0 + 30}), &p_leeway, "Ok", ""),
        (
            json!({"nbf": t0 + 31}),
            &p_leeway,
            "Rejected",
            "token not valid before",
        ),
        (
            json!({"iat": t0 + 1}),
            &base,
            "Rejected",
            "token issued in the future",
        ),
        (json!({"iat": t0 + 30}), &p_leeway, "Ok", ""),
        (
            json!({"exp": "never"}),
            &base,
            "Rejected",
            "invalid exp claim: not a NumericDate",
        ),
        (
            json!({"exp": [1]}),
            &base,
            "Rejected",
            "invalid exp claim: not a NumericDate",
        ),
        (json!({"exp": 1e300}), &base, "Ok", ""),
        (
            json!({"exp": -1e300}),
            &base,
            "Rejected",
            "token expired at NumericDate -1e300",
        ),
        (json!({"iss": "https://auth.example"}), &p_iss, "Ok", ""),
        (
            json!({"iss": "https://auth.example/"}),
            &p_iss,
            "Rejected",
            "issuer not accepted",
        ),
        (json!({}), &p_iss, "Rejected", "token has no iss claim"),
        (json!({"aud": "authenticated"}), &p_aud, "Ok", ""),
        (json!({"aud": ["anon", "authenticated"]}), &p_aud, "Ok", ""),
        (
            json!({"aud": ["anon"]}),
            &p_aud,
            "Rejected",
            "audience not accepted: got \"anon\"",
        ),
        (
            json!({"aud": "anon"}),
            &p_aud,
            "Rejected",
            "audience not accepted",
        ),
        (
            json!({"aud": {"x": 1}}),
            &base,
            "Rejected",
            "invalid aud claim",
        ),
        (json!({"azp": "web"}), &p_azp, "Ok", ""),
        (
            json!({"azp": "cli"}),
            &p_azp,
            "Rejected",
            "authorized party not accepted: got \"cli\"",
        ),
        (
            json!({"sub": "u"}),
            &p_azp,
            "Rejected",
            "token has no azp claim",
        ),
        (json!({}), &p_algs_hs, "Ok", ""),
        (
            json!({}),
            &p_algs_rs,
            "Rejected",
            "algorithm \"HS256\" is not allowed",
        ),
    ];
    for (claims, policy, want, prefix) in cases {
        let token = hs256_token(&json!({"alg": "HS256"}), &claims, secret);
        let got = verify(&token, &keys, policy);
        assert_eq!(kind(&got), want, "{claims}: {got:?}");
        if let Err(e) = got {
            assert!(e.to_string().starts_with(prefix), "{e} !~ {prefix}");
        }
    }
    // Non-object payloads are Malformed at the JWT level, fine at the JWS level.
    for payload in ["[]", "1", "\"x\"", "null"] {
        let input = format!(
            "{}.{}",
            b64url_encode(br#"{"alg":"HS256"}"#),
            b64url_encode(payload.as_bytes())
        );
        let sig = jsonwebtoken::crypto::sign(
            input.as_bytes(),
            &jsonwebtoken::EncodingKey::from_secret(secret),
            jsonwebtoken::Algorithm::HS256,
        )
        .unwrap();
        let token = format!("{input}.{sig}");
        assert!(verify_signature(&token, &keys, NO_ALGS).is_ok());
        assert_eq!(
            verify(&token, &keys, &base).unwrap_err(),
            JoseError::Malformed("claims are not a JSON object".into())
        );
        assert_eq!(
            decode(&token).unwrap().payload,
            serde_json::from_str::<Value>(payload).unwrap()
        );
    }
}

#[test]
fn size_limits() {
    let a1 = load("rfc7515/A1_HS256.json");
    let keys = keys_from_json(&a1["jwk"]).unwrap();
    let big = read_text("negative/large_token_256KiB_claim.txt");
    let big = big.trim_end();
    assert!(big.len() > 256 * 1024);
    let v = verify(big, &keys, &Policy::new(now())).unwrap();
    assert!(v.claims.to_value().as_object().unwrap().len() >= 2);
    assert!(decode(big).is_ok());

    let deep = read_text("negative/deeply_nested_claims_10000.txt");
    let deep = deep.trim_end();
    assert!(verify_signature(deep, &keys, NO_ALGS).is_ok());
    let err = verify(deep, &keys, &Policy::new(now())).unwrap_err();
    assert!(
        matches!(&err, JoseError::Malformed(m) if m.contains("recursion limit")),
        "{err:?}"
    );
    assert_eq!(kind(&decode(deep)), "Malformed");
}

#[test]
fn pem_forms() {
    let a2 = load("rfc7515/A2_RS256.json");
    let token = str_field(&a2, "token");
    let n = b64url_decode(str_field(&a2["jwk"], "n"), "n").unwrap();
    let e = b64url_decode(str_field(&a2["jwk"], "e"), "e").unwrap();
    let pkcs1 = pem("RSA PUBLIC KEY", &{
        use der::Encode;
        pkcs1::RsaPublicKey {
            modulus: der::asn1::UintRef::new(&n).unwrap(),
            public_exponent: der::asn1::UintRef::new(&e).unwrap(),
        }
        .to_der()
        .unwrap()
    });
    let spki = read_text("negative/keys/rfc7515_A2_rsa_public_spki.pem");
    let cases: Vec<(String, usize, &str)> = vec![
        (pkcs1.clone(), 1, "Ok"),
        (spki.clone(), 1, "Ok"),
        (format!("{P384_SPKI}{spki}"), 2, "Ok"),
        (format!("some label text\n{spki}\ntrailing"), 1, "Ok"),
        (spki.replace('\n', "\r\n"), 1, "Ok"),
        (P384_SPKI.to_string(), 1, "Rejected"),
        (
            read_text("peer_kats/keys/golang-jwt_ec512-public.pem"),
            1,
            "Rejected",
        ),
        (
            read_text("negative/keys/auth0_node-jsonwebtoken_test_pub.pem"),
            1,
            "Rejected",
        ),
    ];
    for (material, n_keys, want) in cases {
        let keys = KeySet::parse(&material).unwrap_or_else(|e| panic!("{material}: {e}"));
        assert_eq!(keys.len(), n_keys);
        assert_eq!(
            kind(&verify_signature(token, &keys, NO_ALGS)),
            want,
            "{material}"
        );
    }
    for bad in [
        P384_PKCS8.to_string(),
        P384_SEC1_WITH_PARAMS.to_string(),
        spki.replace("-----END PUBLIC KEY-----", ""),
        spki.replace('M', "*"),
        "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END PUBLIC KEY-----"
            .to_string(),
    ] {
        assert_eq!(kind(&KeySet::parse(&bad)), "InvalidKey", "{bad}");
    }
}

// ---------------------------------------------------------------------------
// signing

#[test]
fn sign_verify_round_trips() {
    let now = now();
    let claims = json!({"sub": "user-1", "role": "authenticated", "exp": now + 300, "n": 12345678901234567890u64});
    let a2 = load("rfc7515/A2_RS256.json");
    let a3 = load("rfc7515/A3_ES256.json");
    let ed = load("rfc8037/A4_Ed25519.json");
    let rsa_jwk = a2["jwk"].clone();
    let rsa_pub_pem = read_text("negative/keys/rfc7515_A2_rsa_public_spki.pem");
    let rsa_pkcs1 = rsa_pkcs1_der(&rsa_jwk);
    let rsa_pkcs1_pem = pem("RSA PRIVATE KEY", &rsa_pkcs1);
    let rsa_pkcs8_pem = pem(
        "PRIVATE KEY",
        &pkcs8_der(
            keys::OID_RSA_ENCRYPTION,
            Some(der::asn1::AnyRef::NULL),
            &rsa_pkcs1,
        ),
    );
    let ec_jwk = a3["jwk"].clone();
    let ec_d = b64url_decode(str_field(&ec_jwk, "d"), "d").unwrap();
    let ec_sec1 = {
        use der::Encode;
        sec1::EcPrivateKey {
            private_key: &ec_d,
            parameters: Some(sec1::EcParameters::NamedCurve(keys::OID_P256)),
            public_key: None,
        }
        .to_der()
        .unwrap()
    };
    let ec_sec1_pem = pem("EC PRIVATE KEY", &ec_sec1);
    let ec_pkcs8_pem = pem(
        "PRIVATE KEY",
        &pkcs8_der(
            keys::OID_EC_PUBLIC_KEY,
            Some(der::asn1::AnyRef::from(&keys::OID_P256)),
            &ec_sec1,
        ),
    );
    let ed_jwk = ed["jwk"].clone();
    let ed_d = b64url_decode(str_field(&ed_jwk, "d"), "d").unwrap();
    let ed_pkcs8_pem = pem(
        "PRIVATE KEY",
        &pkcs8_der(keys::OID_ED25519, None, &octet_string_der(&ed_d)),
    );
    let p384_private_jwk: Value = serde_json::from_str(P384_JWK).unwrap();
    let hmac_jwk =
        json!({"kty": "oct", "k": b64url_encode(b"another 32-byte secret for tests"), "kid": "hk"});

    // (alg, signing material, verification material)
    let mut cases: Vec<(&str, String, String)> = Vec::new();
    for alg in ["HS256", "HS384", "HS512"] {
        cases.push((
            alg,
            "plain secret, exact bytes ".into(),
            "plain secret, exact bytes ".into(),
        ));
        cases.push((
            alg,
            hmac_jwk.to_string(),
            json!({"keys": [hmac_jwk]}).to_string(),
        ));
    }
    for alg in ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] {
        cases.push((alg, rsa_jwk.to_string(), public_jwk(&rsa_jwk).to_string()));
        cases.push((alg, rsa_pkcs1_pem.clone(), rsa_pub_pem.clone()));
        cases.push((alg, rsa_pkcs8_pem.clone(), public_jwk(&rsa_jwk).to_string()));
    }
    cases.push(("ES256", ec_jwk.to_string(), a3["public_jwk"].to_string()));
    cases.push(("ES256", ec_sec1_pem.clone(), a3["public_jwk"].to_string()));
    cases.push(("ES256", ec_pkcs8_pem.clone(), a3["public_jwk"].to_string()));
    cases.push(("ES384", P384_PKCS8.into(), P384_SPKI.into()));
    cases.push((
        "ES384",
        P384_SEC1_WITH_PARAMS.into(),
        // (a kid-less token needs keys without kids)
        without(&public_jwk(&p384_private_jwk), "kid").to_string(),
    ));
    // (a kid-bearing token needs a key with that kid: the SPKI has none)
    cases.push((
        "ES384",
        P384_JWK.into(),
        public_jwk(&p384_private_jwk).to_string(),
    ));
    cases.push(("EdDSA", ed_jwk.to_string(), ed["public_jwk"].to_string()));
    cases.push((
        "EdDSA",
        without(&ed_jwk, "x").to_string(),
        ed["public_jwk"].to_string(),
    ));
    cases.push((
        "EdDSA",
        ed_pkcs8_pem.clone(),
        read_text("peer_kats/keys/golang-jwt_ed25519-public.pem"),
    ));

    let mut signed = 0;
    for (i, (alg, signing, verifying)) in cases.iter().enumerate() {
        if i == cases.len() - 1 {
            // Different key pair: must NOT verify.
            let token = sign(&claims, signing, alg).unwrap();
            let keys = KeySet::parse(verifying).unwrap();
            assert_eq!(
                verify(&token, &keys, &Policy::new(now)).unwrap_err(),
                JoseError::Rejected("invalid signature".into())
            );
            continue;
        }
        let token = sign(&claims, signing, alg).unwrap_or_else(|e| panic!("case {i} {alg}: {e}"));
        let keys = KeySet::parse(verifying).unwrap_or_else(|e| panic!("case {i} {alg}: {e}"));
        let v = verify(&token, &keys, &Policy::new(now))
            .unwrap_or_else(|e| panic!("case {i} {alg}: {e}"));
        assert_eq!(v.claims.to_value(), claims, "case {i}");
        assert_eq!(v.header.to_value()["alg"], *alg);
        assert_eq!(v.header.to_value()["typ"], "JWT");
        let want_kid = serde_json::from_str::<Value>(signing)
            .ok()
            .and_then(|j| j.get("kid").cloned());
        assert_eq!(
            v.header.to_value().get("kid").cloned(),
            want_kid,
            "case {i}"
        );
        // arbitrary_precision: the big number keeps its text
        assert!(
            String::from_utf8(b64url_decode(token.split('.').nth(1).unwrap(), "p").unwrap())
                .unwrap()
                .contains("12345678901234567890")
        );
        signed += 1;
    }
    assert!(signed >= 30, "{signed}");
}

#[test]
fn ed25519_signing_is_deterministic_rfc8037() {
    let v = load("rfc8037/A4_Ed25519.json");
    let token = str_field(&v, "token");
    let (input, sig) = token.rsplit_once('.').unwrap();
    let (key, kid) = sign::signing_key(&v["jwk"].to_string(), Alg::EdDSA).unwrap();
    assert_eq!(kid, None);
    let again =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::EdDSA).unwrap();
    assert_eq!(again, sig);
}

#[test]
fn sign_errors() {
    let claims = json!({"sub": "u"});
    let a2 = load("rfc7515/A2_RS256.json");
    let a3 = load("rfc7515/A3_ES256.json");
    let ed = load("rfc8037/A4_Ed25519.json");
    let rsa = a2["jwk"].clone();
    let mut rsa_no_crt = rsa.as_object().unwrap().clone();
    rsa_no_crt.remove("p");
    let ec_wrong_x = with_member(&a3["jwk"], "x", a3["jwk"]["y"].clone());
    let ed_wrong_x = with_member(&ed["jwk"], "x", json!(b64url_encode(&[7u8; 32])));
    let cases: Vec<(Value, String, &str, &str)> = vec![
        (claims.clone(), "secret".into(), "none", "Unsupported"),
        (claims.clone(), "secret".into(), "NONE", "Unsupported"),
        (claims.clone(), "secret".into(), "ES512", "Unsupported"),
        (claims.clone(), "secret".into(), "HS257", "Unsupported"),
        (json!([1, 2]), "secret".into(), "HS256", "Malformed"),
        (json!("x"), "secret".into(), "HS256", "Malformed"),
        (claims.clone(), "".into(), "HS256", "InvalidKey"),
        (claims.clone(), "secret".into(), "RS256", "InvalidKey"),
        (
            claims.clone(),
            read_text("negative/keys/rfc7515_A2_rsa_public_spki.pem"),
            "RS256",
            "InvalidKey",
        ),
        (claims.clone(), rsa.to_string(), "ES256", "InvalidKey"),
        (claims.clone(), rsa.to_string(), "HS256", "InvalidKey"),
        (
            claims.clone(),
            public_jwk(&rsa).to_string(),
            "RS256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            Value::Object(rsa_no_crt).to_string(),
            "RS256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            with_member(&rsa, "alg", json!("RS384")).to_string(),
            "RS256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            with_member(&rsa, "use", json!("enc")).to_string(),
            "RS256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            with_member(&rsa, "key_ops", json!(["verify"])).to_string(),
            "RS256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            with_member(&rsa, "key_ops", json!(["sign"])).to_string(),
            "RS256",
            "Ok",
        ),
        (claims.clone(), a3["jwk"].to_string(), "ES384", "InvalidKey"),
        (
            claims.clone(),
            ec_wrong_x.to_string(),
            "ES256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            ed_wrong_x.to_string(),
            "EdDSA",
            "InvalidKey",
        ),
        (claims.clone(), P384_PKCS8.into(), "ES256", "InvalidKey"),
        (
            claims.clone(),
            json!({"keys": [rsa, rsa]}).to_string(),
            "RS256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            json!({"keys": [rsa]}).to_string(),
            "RS256",
            "Ok",
        ),
        (claims.clone(), "{not json".into(), "HS256", "InvalidKey"),
        (
            claims.clone(),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
                .into(),
            "RS256",
            "InvalidKey",
        ),
        (
            claims.clone(),
            format!("{P384_PKCS8}{P384_PKCS8}"),
            "ES384",
            "InvalidKey",
        ),
        (
            claims.clone(),
            load("rfc7515/A4_ES512.json")["jwk"].to_string(),
            "ES256",
            "InvalidKey",
        ),
    ];
    for (c, material, alg, want) in cases {
        let got = sign(&c, &material, alg);
        assert_eq!(
            kind(&got),
            want,
            "{alg} {}: {got:?}",
            &material[..material.len().min(60)]
        );
        if let Err(e) = got {
            for secret in ["d", "p", "q", "k"] {
                if let Some(s) = rsa[secret].as_str() {
                    assert!(!e.message().contains(s));
                }
            }
        }
    }
}

#[test]
fn decode_table() {
    let t = hs256_token(&json!({"alg": "HS256", "kid": "k"}), &json!({"a": 1}), b"s");
    let d = decode(&t).unwrap();
    assert_eq!(d.header, json!({"alg": "HS256", "kid": "k"}));
    assert_eq!(d.payload, json!({"a": 1}));
    let h = b64url_encode(br#"{"alg":"HS256"}"#);
    let cases: Vec<(String, &str)> = vec![
        (format!("{h}.{}.", b64url_encode(b"{}")), "Ok"),
        (format!("{h}.{}.", b64url_encode(b"[1]")), "Ok"),
        (format!("{h}.{}.", b64url_encode(b"Payload")), "Malformed"),
        (
            format!("{h}.{}.", b64url_encode(b"{\"a\":1,\"a\":2}")),
            "Malformed",
        ),
        (
            format!(
                "{}.{}.",
                b64url_encode(b"{\"alg\":\"x\",\"alg\":\"y\"}"),
                b64url_encode(b"{}")
            ),
            "Malformed",
        ),
        (
            format!(
                "{}.{}.",
                b64url_encode(b"{\"alg\":\"none\"}"),
                b64url_encode(b"{}")
            ),
            "Ok",
        ),
        (
            format!("{h}.{}.", b64url_encode(b"{\"a\":\"\\u0000\"}")),
            "Malformed",
        ),
        (format!("{h}.{}=.", b64url_encode(b"{}")), "Malformed"),
        (format!("{h}.{}.AB", b64url_encode(b"{}")), "Malformed"),
        (format!(" {h}.{}.", b64url_encode(b"{}")), "Malformed"),
        (format!("{h}.{}.\n", b64url_encode(b"{}")), "Malformed"),
        ("a.b".into(), "Malformed"),
    ];
    for (token, want) in cases {
        assert_eq!(kind(&decode(&token)), want, "{token}");
    }
}

#[test]
fn error_display_and_kinds() {
    let e = JoseError::Unsupported("unsupported algorithm \"ES512\"".into());
    assert_eq!(e.to_string(), "unsupported algorithm \"ES512\"");
    assert_eq!(e.kind_name(), "Unsupported");
    assert_eq!(quoted("a\0b\"c"), "\"a\\0b\\\"c\"");
    let long = "é".repeat(100);
    let q = quoted(&long);
    assert!(q.ends_with("...") && q.chars().count() == 64 + 2 + 3, "{q}");
    assert_eq!(Alg::from_name("EdDSA").unwrap(), Alg::EdDSA);
    for a in Alg::ALL {
        assert_eq!(Alg::from_name(a.name()).unwrap(), a);
    }
}

#[test]
fn time_claims_must_be_finite_numbers() {
    for claims in [
        r#"{"exp":1e400}"#,
        r#"{"nbf":-1e400}"#,
        r#"{"iat":1e400}"#,
        r#"{"exp":"soon"}"#,
    ] {
        let doc = super::parse_strict(claims.as_bytes().to_vec(), "claims").unwrap();
        let err = validate_claims(doc.root(), &Policy::new(1_700_000_000)).unwrap_err();
        assert!(
            matches!(err, JoseError::Rejected(ref m) if m.contains("not a NumericDate")),
            "{claims}: {err:?}"
        );
    }
    let ok = super::parse_strict(br#"{"exp":1e300}"#.to_vec(), "claims").unwrap();
    assert!(validate_claims(ok.root(), &Policy::new(1_700_000_000)).is_ok());
}

// ---------------------------------------------------------------------------
// key material read by the libraries (pem, spki, pkcs1, pkcs8, sec1, x509-cert, Jwk)

// Certificates of the P-384 test key (`openssl req -x509`): v3 with extensions (key
// identifiers, basic constraints, subject alternative name, critical key usage, extended key
// usage), and v1 without any.
const P384_CERT_V3: &str = "-----BEGIN CERTIFICATE-----
MIICMTCCAbegAwIBAgIUZZy6pEovqyaX1AXFr5/8nGeHUvMwCgYIKoZIzj0EAwIw
LzEbMBkGA1UEAwwScGdfand0X2NsYWltcyB0ZXN0MRAwDgYDVQQKDAdFeGFtcGxl
MCAXDTI2MTEzMDE4NDA0MVoYDzIxMjYxMTA2MTg0MDQxWjAvMRswGQYDVQQDDBJw
Z19qd3RfY2xhaW1zIHRlc3QxEDAOBgNVBAoMB0V4YW1wbGUwdjAQBgcqhkjOPQIB
BgUrgQQAIgNiAAQpAJk1dnYsLmL06/tVW9PbRS221nEIdd8GNw6KgWj1HESv0F7L
WhNWGmDOxGm4lKT0S03PuBpfjvfl6HyV3aGraCNtoRCkTGScUgmG5KYtCCPvX7Ki
Gm8USphD3IEc1y2jgZEwgY4wHQYDVR0OBBYEFJIEMW1NreLu1EWyCJ3LnWLymHTO
MB8GA1UdIwQYMBaAFJIEMW1NreLu1EWyCJ3LnWLymHTOMA8GA1UdEwEB/wQFMAMB
Af8wFgYDVR0RBA8wDYILZXhhbXBsZS5jb20wDgYDVR0PAQH/BAQDAgeAMBMGA1Ud
JQQMMAoGCCsGAQUFBwMBMAoGCCqGSM49BAMCA2gAMGUCMA5Dq8W+wDgydE6YHqbM
gT9BEDPJ2jr6vlEiV6R+lIfR+2kRm29vqrNy9njUIL5ZWAIxAJYilyOKSsOqctu1
gO9Y67FQlNcVoyf0SzoGnMrfn0IJ0xICMZ1bBTKPgHE8iBx+zg==
-----END CERTIFICATE-----
";
const P384_CERT_V1: &str = "-----BEGIN CERTIFICATE-----
MIIBUjCB2gIUdTzfVJhoh8O86InTYbrteU8+DwAwCgYIKoZIzj0EAwIwDTELMAkG
A1UEAwwCdjEwIBcNMjYxMTMwMTg0MDQxWhgPMjEyNjExMDYxODQwNDFaMA0xCzAJ
BgNVBAMMAnYxMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEKQCZNXZ2LC5i9Ov7VVvT
20UtttZxCHXfBjcOioFo9RxEr9Bey1oTVhpgzsRpuJSk9EtNz7gaX4735eh8ld2h
q2gjbaEQpExknFIJhuSmLQgj71+yohpvFEqYQ9yBHNctMAoGCCqGSM49BAMCA2cA
MGQCMFLXJvUrqFF9rdPOi8/Y2eIx4wCpwRKbOU9Eaqu36qjBgwLvX77STW6EJRlx
zdPY6gIwAyI1zvhBO1NodCuVLduikmLVLyM4YMPPbl9sJJWHNLgFn1a8xAGYLc8x
hHb0b8kz
-----END CERTIFICATE-----
";
// The P-384 test key encrypted (`openssl pkcs8 -topk8 -v2 aes-128-cbc`, and the traditional
// `openssl ec -aes128` with RFC 1421 headers).
const P384_PKCS8_ENCRYPTED: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIBHDBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI2mN3XCTtYSACAggA
MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAECBBBEnVMnyJV//uQG+OXXr1LLBIHA
aqMWvJXkP8mal2k3hRL6fJG/SbRnaE9amNhTN7jS4if0K4Bght6DiM0Es+8+xudp
HLFa+m4AobJCngxNoJbnvOMw2Isl/jjMOyjLGySwXvq1V7HectfQvRn7nFLv51yb
e/Sm697p7KyeqMJyZqUOuvd/Hy1vtJgrbaH856pohGHr9VI3PNyZ/tp7kGLX+Euk
z0doSbL1SP6M3yKnZ1kBf5G1fbak/16n90os8dOK4cGWH8/jbB/qUAVaiSha+1W4
-----END ENCRYPTED PRIVATE KEY-----
";
const P384_SEC1_ENCRYPTED: &str = "-----BEGIN EC PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-128-CBC,733B6FCF3758B1FDE4F16B01538DD212

S3B+8yyApLqjCZTe5neKk5W7tdJLQa35paFuLprK/9aV7EY1U3lbgftATbd+qQYx
OVqD8KkGLtbNxr7nfSGirP8c1u1VUi/rzYGXNuruBG8WbHXXqUgu3LpHZTIxloW1
h/bHxESGIo3e26GOlGu1OEHxy7//P39zxMgONgIP691zaxUc5WV/WW9zywQ7kC64
hqhnt63JRQb2KMlZOzL9vE5WXsFE0fFCbk4eA/fg8r0=
-----END EC PRIVATE KEY-----
";
// An EC public key on secp256k1 (`openssl genpkey -pkeyopt ec_paramgen_curve:secp256k1`).
const SECP256K1_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE2+GHCmA7DjOeb0KWi9U4mg8c4N+bJtkM
ggSE93U4IeySqLdOBklNmxdBK2YV0ZT4/HB/14xz+M6fXMgnc8e0NA==
-----END PUBLIC KEY-----
";

/// The message of a refusal, or "Ok" with the number of keys.
fn parse_outcome(material: &str) -> String {
    match KeySet::parse(material) {
        Ok(set) => format!("Ok {}", set.len()),
        Err(e) => format!("{}: {}", e.kind_name(), e.message()),
    }
}

/// An ES384 token by the P-384 test key.
fn p384_token() -> String {
    sign(
        &json!({"sub": "u", "exp": now() + 300}),
        P384_PKCS8,
        "ES384",
    )
    .unwrap()
}

#[test]
fn pem_text_around_and_inside_blocks() {
    let token = p384_token();
    let body = P384_SPKI
        .trim_end()
        .trim_start_matches("-----BEGIN PUBLIC KEY-----\n")
        .trim_end_matches("\n-----END PUBLIC KEY-----");
    let block =
        |body: &str| format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----");
    let lines: Vec<&str> = body.lines().collect();
    let ok = "Ok 1".to_string();
    let cases: Vec<(String, String)> = vec![
        (format!("{P384_SPKI}trailing text: not PEM\n\0"), ok.clone()),
        (format!("subject=CN = x\n{P384_SPKI}"), ok.clone()),
        (format!("-{P384_SPKI}"), ok.clone()),
        (block(&lines.join("\n\n")), ok.clone()),
        (block(&lines.join("\r\n\r\n")), ok.clone()),
        (
            format!("{}\n", block(body)).replace('\n', "\r\n"),
            ok.clone(),
        ),
        (block(&format!("{body}\n")), ok.clone()),
        (
            block(&format!("{body}\u{b}")),
            "InvalidKey: invalid PEM: PUBLIC KEY body is not valid base64".into(),
        ),
        (
            block(&format!("{body}\u{a0}")),
            "InvalidKey: invalid PEM: PUBLIC KEY body is not valid base64".into(),
        ),
        (
            block(&format!("{body}!")),
            "InvalidKey: invalid PEM: PUBLIC KEY body is not valid base64".into(),
        ),
        (
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n"),
            "InvalidKey: invalid PEM: no END line for PUBLIC KEY".into(),
        ),
        (
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PRIVATE KEY-----"),
            "InvalidKey: invalid PEM: no END line for PUBLIC KEY".into(),
        ),
        (
            // A second block without an END line is refused, not skipped.
            format!("{P384_SPKI}-----BEGIN PUBLIC KEY-----\n{body}\n"),
            "InvalidKey: invalid PEM: no END line for PUBLIC KEY".into(),
        ),
        (
            format!("-----BEGIN public key-----\n{body}\n-----END public key-----"),
            "InvalidKey: invalid PEM: bad BEGIN label".into(),
        ),
        (
            format!("-----BEGIN PUBLIC KEY\n{body}\n-----END PUBLIC KEY-----"),
            "InvalidKey: invalid PEM: bad BEGIN label".into(),
        ),
        (
            "-----BEGIN PUBLIC KEY".into(),
            "InvalidKey: invalid PEM: unterminated BEGIN line".into(),
        ),
        (
            block(&format!("Comment: a header\n\n{body}")),
            "InvalidKey: encrypted PEM (or PEM with headers) is not supported".into(),
        ),
        (
            P384_SEC1_ENCRYPTED.into(),
            "InvalidKey: encrypted PEM (or PEM with headers) is not supported".into(),
        ),
        (
            "-----BEGIN FOO-----\nAAAA\n-----END FOO-----".into(),
            "InvalidKey: unsupported PEM block \"FOO\"".into(),
        ),
    ];
    for (material, want) in cases {
        assert_eq!(parse_outcome(&material), want, "{material:?}");
        if want == ok {
            let keys = KeySet::parse(&material).unwrap();
            assert!(
                verify_signature(&token, &keys, NO_ALGS).is_ok(),
                "{material:?}"
            );
        }
    }
}

#[test]
fn certificates_give_their_subject_key() {
    let token = p384_token();
    for cert in [P384_CERT_V3, P384_CERT_V1] {
        let keys = KeySet::parse(cert).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.keys()[0].family(), &KeyFamily::EcP384);
        assert!(verify_signature(&token, &keys, NO_ALGS).is_ok());
        assert_eq!(
            kind(&sign(&json!({"sub": "u"}), cert, "ES384")),
            "InvalidKey"
        );
    }
    // A pasted chain: every certificate is a key.
    assert_eq!(
        parse_outcome(&format!("{P384_CERT_V3}{P384_CERT_V1}{P384_SPKI}")),
        "Ok 3"
    );
    // Broken DER: cut short, or with bytes after the certificate.
    let der = pem::parse(P384_CERT_V3).unwrap().into_contents();
    for bad in [&der[..der.len() - 1], &[der.as_slice(), &[0]].concat()] {
        assert_eq!(
            parse_outcome(&self::pem("CERTIFICATE", bad)),
            "InvalidKey: invalid certificate (DER)"
        );
    }
}

#[test]
fn rsa_modulus_sizes() {
    use der::Encode;
    // Moduli of an exact bit length (only the length is checked when a key is read).
    let modulus = |bits: usize| {
        let mut n = vec![0xA5u8; bits.div_ceil(8)];
        n[0] = 1 << ((bits - 1) % 8);
        n
    };
    for (bits, ok) in [
        (2047, false),
        (2048, true),
        (4095, true),
        (8192, true),
        (8193, false),
    ] {
        let n = modulus(bits);
        let refused =
            format!("RSA modulus of {bits} bits is outside the supported 2048-8192 range");
        let public = pkcs1::RsaPublicKey {
            modulus: der::asn1::UintRef::new(&n).unwrap(),
            public_exponent: der::asn1::UintRef::new(&[1, 0, 1]).unwrap(),
        }
        .to_der()
        .unwrap();
        let spki = spki::SubjectPublicKeyInfoRef {
            algorithm: pkcs1::ALGORITHM_ID,
            subject_public_key: der::asn1::BitStringRef::from_bytes(&public).unwrap(),
        }
        .to_der()
        .unwrap();
        let mut padded = vec![0u8];
        padded.extend_from_slice(&n);
        let materials = [
            (pem("RSA PUBLIC KEY", &public), String::new()),
            (pem("PUBLIC KEY", &spki), String::new()),
            (
                json!({"kty": "RSA", "n": b64url_encode(&n), "e": "AQAB"}).to_string(),
                "JWK: ".into(),
            ),
            // JWK members may carry leading zero octets.
            (
                json!({"kty": "RSA", "n": b64url_encode(&padded), "e": "AQAB"}).to_string(),
                "JWK: ".into(),
            ),
        ];
        for (material, prefix) in materials {
            let want = if ok {
                "Ok 1".to_string()
            } else {
                format!("InvalidKey: {prefix}{refused}")
            };
            assert_eq!(parse_outcome(&material), want, "{bits} bits: {material}");
        }
    }
}

#[test]
fn ec_keys_on_other_curves() {
    let p384: Value = serde_json::from_str(P384_JWK).unwrap();
    let public = without(&public_jwk(&p384), "kid");
    let short = with_member(
        &with_member(&public, "x", json!(b64url_encode(&[1u8; 32]))),
        "y",
        json!(b64url_encode(&[2u8; 32])),
    );
    let cases: Vec<(String, &str)> = vec![
        (
            with_member(&public, "crv", json!("P-256")).to_string(),
            "InvalidKey: JWK: P-256 coordinates must be 32 bytes",
        ),
        (
            short.to_string(),
            "InvalidKey: JWK: P-384 coordinates must be 48 bytes",
        ),
        (
            with_member(&public, "crv", json!("Ed25519")).to_string(),
            "InvalidKey: JWK: unsupported EC curve \"Ed25519\"",
        ),
        (
            with_member(&public, "crv", json!("brainpoolP256r1")).to_string(),
            "InvalidKey: JWK: unsupported EC curve \"brainpoolP256r1\"",
        ),
        (
            with_member(
                &with_member(&public, "kty", json!("OKP")),
                "crv",
                json!("P-256"),
            )
            .to_string(),
            "InvalidKey: JWK: unsupported OKP curve \"P-256\"",
        ),
        // Known curves this extension cannot use: kept, never used.
        (
            with_member(&public, "crv", json!("secp256k1")).to_string(),
            "Ok 1",
        ),
        (
            with_member(&public, "crv", json!("P-521")).to_string(),
            "Ok 1",
        ),
        (SECP256K1_SPKI.into(), "Ok 1"),
    ];
    for (material, want) in cases {
        assert_eq!(parse_outcome(&material), want, "{material}");
    }
    let secp = KeySet::parse(SECP256K1_SPKI).unwrap();
    assert_eq!(
        secp.keys()[0].family(),
        &KeyFamily::Unsupported("EC secp256k1".into())
    );
    assert_eq!(
        verify_signature(&p384_token(), &secp, NO_ALGS).unwrap_err(),
        JoseError::Rejected("no key for algorithm \"ES384\"".into())
    );
    // Signing: the key's curve must be the algorithm's.
    let claims = json!({"sub": "u"});
    for (material, alg, want) in [
        (
            P384_PKCS8.to_string(),
            "ES256",
            "ES256 cannot be used with this EC P-384 key",
        ),
        (
            P384_JWK.to_string(),
            "ES256",
            "ES256 cannot be used with this EC P-384 key",
        ),
        (
            with_member(&p384, "crv", json!("secp256k1")).to_string(),
            "ES256",
            "JWK \"p384-test\": signing with EC curve \"secp256k1\" is not supported",
        ),
    ] {
        assert_eq!(
            sign(&claims, &material, alg).unwrap_err(),
            JoseError::InvalidKey(want.into())
        );
    }
}

#[test]
fn encrypted_private_keys_are_refused() {
    let claims = json!({"sub": "u"});
    for (material, want) in [
        (
            P384_PKCS8_ENCRYPTED,
            "encrypted private keys are not supported",
        ),
        (
            P384_SEC1_ENCRYPTED,
            "encrypted PEM (or PEM with headers) is not supported",
        ),
    ] {
        assert_eq!(
            sign(&claims, material, "ES384").unwrap_err(),
            JoseError::InvalidKey(want.into())
        );
    }
    assert_eq!(
        KeySet::parse(P384_PKCS8_ENCRYPTED).unwrap_err(),
        JoseError::InvalidKey(
            "PEM private key given as verification key; configure the public key or certificate"
                .into()
        )
    );
}

#[test]
fn jwk_members_checked_as_jwk_does_not() {
    let oct = json!({"kty": "oct", "k": "AAAA"});
    let magic = json!({"$serde_json::private::Number": "x"});
    let cases: Vec<(Value, &str)> = vec![
        // `Jwk` takes null for absent: refused here.
        (
            with_member(&oct, "kid", json!(null)),
            "InvalidKey: JWK: \"kid\" is not a string",
        ),
        (
            with_member(&oct, "alg", json!(null)),
            "InvalidKey: JWK: \"alg\" is not a string",
        ),
        (
            with_member(&oct, "use", json!(null)),
            "InvalidKey: JWK: \"use\" is not a string",
        ),
        (
            with_member(&oct, "key_ops", json!(null)),
            "InvalidKey: JWK: \"key_ops\" is not an array",
        ),
        (
            with_member(&oct, "key_ops", json!(["verify", 1])),
            "InvalidKey: JWK: \"key_ops\" lists a non-string",
        ),
        (
            with_member(&oct, "k", json!(null)),
            "InvalidKey: JWK: \"k\" is not a string",
        ),
        (
            with_member(&oct, "k", magic.clone()),
            "InvalidKey: JWK: \"k\" is not a string",
        ),
        (
            json!({"kty": "OKP", "crv": "Ed448", "x": magic.clone()}),
            "Ok 1",
        ),
        // Members nothing here reads, whatever `Jwk` would make of them.
        (with_member(&oct, "x5c", json!(5)), "Ok 1"),
        (with_member(&oct, "x5t", json!({})), "Ok 1"),
        (with_member(&oct, "x5t#S256", json!(null)), "Ok 1"),
        (with_member(&oct, "extra", magic), "Ok 1"),
        // Algorithms `Jwk` does not know keep the key, which verifies nothing.
        (with_member(&oct, "alg", json!("HS1")), "Ok 1"),
    ];
    for (jwk, want) in cases {
        assert_eq!(parse_outcome(&jwk.to_string()), want, "{jwk}");
    }
    let pinned = KeySet::parse(&with_member(&oct, "alg", json!("HS1")).to_string()).unwrap();
    assert!(Alg::ALL.iter().all(|a| !pinned.keys()[0].usable_with(*a)));
    // A repeated member name keeps its last value, as it always did (jsonb's reading).
    let repeated = KeySet::parse(r#"{"kty":"oct","k":"AAAA","kid":"a","kid":"b"}"#).unwrap();
    assert_eq!(repeated.keys()[0].kid(), Some("b"));
}
