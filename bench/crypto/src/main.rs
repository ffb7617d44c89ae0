//! The raw signature check that `jwt_verify()` makes, timed over the keys and tokens that
//! `scripts/bench.sh` wrote to DIR: `jsonwebtoken::crypto::verify(signature_b64, signing_input,
//! &DecodingKey, alg)` per token, nothing else (no splitting, no JSON, no claims checks).
//!
//! Usage: `pg_jwt_claims_bench_crypto DIR`. DIR holds `HS256.key` (the secret), `RS256.pub.pem`,
//! `ES256.pub.pem`, `EdDSA.pub.pem` (SPKI PEM) and `<ALG>.tokens` (one compact JWT a line).
//! Keys are built as the extension builds them (`src/verify/keys.rs`): an HMAC secret's bytes,
//! RSA from its modulus and exponent, EC from the SEC1 point, Ed25519 from the raw key.
//!
//! Output, one line each: `backend NAME`, then per algorithm
//! `ALG TOKENS US1 US2 US3 US4 US5`: microseconds per verification in each of 5 timed passes
//! over all the tokens (after one untimed pass). `RS256-der` is RS256 with the key given as
//! PKCS#1 DER instead (`DecodingKey::from_rsa_pem`), for comparison.

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

const PASSES: usize = 5;

#[cfg(all(feature = "aws-lc-rs", not(feature = "rust-crypto")))]
const BACKEND: &str = "aws-lc-rs";
#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
const BACKEND: &str = "rust-crypto";

/// A token split once, outside the timing: what `crypto::verify` takes.
struct Split {
    signing_input: Vec<u8>,
    signature_b64: String,
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.join(name).display()))
}

fn tokens(dir: &Path, alg: &str) -> Vec<Split> {
    read(dir, &format!("{alg}.tokens"))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|t| {
            let dot = t.rfind('.').expect("a compact JWT has two dots");
            Split {
                signing_input: t.as_bytes()[..dot].to_vec(),
                signature_b64: t[dot + 1..].to_string(),
            }
        })
        .collect()
}

/// One DER element at the start of `der`: (tag, contents, rest).
fn tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let (tag, first) = (der[0], der[1] as usize);
    let (len, head) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        (
            der[2..2 + n]
                .iter()
                .fold(0usize, |a, b| a << 8 | *b as usize),
            2 + n,
        )
    };
    (tag, &der[head..head + len], &der[head + len..])
}

/// The DER inside a PEM file.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM body is base64")
}

/// RSA modulus and exponent of an SPKI PEM public key, as the extension reads them.
fn rsa_components(pem: &str) -> (Vec<u8>, Vec<u8>) {
    let der = pem_der(pem);
    let (_, spki, _) = tlv(&der);
    let (_, _algorithm, rest) = tlv(spki);
    let (_, bits, _) = tlv(rest);
    let (_, rsa_public_key, _) = tlv(&bits[1..]);
    let (_, n, rest) = tlv(rsa_public_key);
    let (_, e, _) = tlv(rest);
    let strip = |v: &[u8]| {
        v.iter()
            .skip_while(|b| **b == 0)
            .copied()
            .collect::<Vec<u8>>()
    };
    (strip(n), strip(e))
}

/// Verifies every token once per pass; microseconds per verification for each timed pass.
fn time(tokens: &[Split], key: &DecodingKey, alg: Algorithm) -> Vec<f64> {
    let pass = || {
        let start = Instant::now();
        for t in tokens {
            let ok = jsonwebtoken::crypto::verify(
                black_box(&t.signature_b64),
                black_box(&t.signing_input),
                key,
                alg,
            );
            assert!(matches!(ok, Ok(true)), "a token did not verify: {ok:?}");
        }
        start.elapsed().as_secs_f64() * 1e6 / tokens.len() as f64
    };
    pass();
    (0..PASSES).map(|_| pass()).collect()
}

fn report(name: &str, tokens: &[Split], key: &DecodingKey, alg: Algorithm) {
    let us: Vec<String> = time(tokens, key, alg)
        .iter()
        .map(|v| format!("{v:.4}"))
        .collect();
    println!("{name} {} {}", tokens.len(), us.join(" "));
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: pg_jwt_claims_bench_crypto DIR");
    let dir = Path::new(&dir);
    println!("backend {BACKEND}");

    let secret = read(dir, "HS256.key");
    let hs = DecodingKey::from_secret(secret.trim_end_matches('\n').as_bytes());
    report("HS256", &tokens(dir, "HS256"), &hs, Algorithm::HS256);

    let rsa_pem = read(dir, "RS256.pub.pem");
    let (n, e) = rsa_components(&rsa_pem);
    let rs = DecodingKey::from_rsa_raw_components(&n, &e);
    let rs_tokens = tokens(dir, "RS256");
    report("RS256", &rs_tokens, &rs, Algorithm::RS256);
    let rs_der = DecodingKey::from_rsa_pem(rsa_pem.as_bytes()).expect("RSA PEM");
    report("RS256-der", &rs_tokens, &rs_der, Algorithm::RS256);

    let es = DecodingKey::from_ec_pem(read(dir, "ES256.pub.pem").as_bytes()).expect("EC PEM");
    report("ES256", &tokens(dir, "ES256"), &es, Algorithm::ES256);

    let ed = DecodingKey::from_ed_pem(read(dir, "EdDSA.pub.pem").as_bytes()).expect("Ed PEM");
    report("EdDSA", &tokens(dir, "EdDSA"), &ed, Algorithm::EdDSA);
}
