//! The fixed keys sign tokens that verify (so `token_verify` starts from valid tokens), and
//! the ignored `write_seed_corpus` writes the seed corpus that `scripts/fuzz.sh` starts from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pg_jwt_claims_core::jose;
use pg_jwt_claims_fuzz::keys::{self, fixtures};
use pg_jwt_claims_fuzz::targets::TARGETS;
use serde_json::{json, Value};

#[test]
fn seed_tokens_verify() {
    let fx = fixtures();
    let all = &fx.key_sets.last().unwrap().1;
    let strict = fx.strict();
    assert_eq!(fx.tokens.len(), keys::SIGNERS.len());
    for (alg, token) in &fx.tokens {
        let v = jose::verify(token, all, &fx.open()).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(v.alg.name(), *alg);
        assert_eq!(v.claims.to_value(), keys::seed_claims());
        let allowed = strict.algorithms.iter().any(|a| a == alg);
        assert_eq!(jose::verify(token, all, &strict).is_ok(), allowed, "{alg}");
        // Exactly one of the single-key sets verifies it.
        let matching = fx.key_sets[..4]
            .iter()
            .filter(|(_, set)| jose::verify(token, set, &fx.open()).is_ok())
            .count();
        assert_eq!(matching, 1, "{alg}");
        for (_, run) in TARGETS {
            run(token.as_bytes());
        }
    }
}

fn vectors_dir() -> PathBuf {
    std::env::var_os("JOSE_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors"))
}

/// At most 30 small tokens from the negative cases in `tests/vectors`: the smallest of each category in
/// turn, so every category is represented before any gets a second one.
fn negative_tokens() -> Vec<(String, String)> {
    let path = vectors_dir().join("negative/jwt_negative_cases.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cases: Value = serde_json::from_str(&text).expect("negative cases are JSON");
    let mut by_category: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for case in cases["cases"].as_array().into_iter().flatten() {
        if let (Some(id), Some(cat), Some(token)) = (
            case["id"].as_str(),
            case["category"].as_str(),
            case["token"].as_str(),
        ) {
            if token.len() <= 1500 {
                by_category.entry(cat).or_default().push((id, token));
            }
        }
    }
    for list in by_category.values_mut() {
        list.sort_by_key(|(id, token)| (token.len(), *id));
    }
    let mut out = Vec::new();
    for round in 0.. {
        let before = out.len();
        for list in by_category.values() {
            if let Some((id, token)) = list.get(round) {
                if out.len() < 30 {
                    out.push((id.to_string(), token.to_string()));
                }
            }
        }
        if out.len() == before || out.len() >= 30 {
            break;
        }
    }
    out
}

fn write(target: &str, name: &str, content: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    std::fs::write(dir.join(format!("seed-{safe}")), content).unwrap();
}

#[test]
#[ignore = "writes fuzz/corpus/; run by scripts/fuzz.sh"]
fn write_seed_corpus() {
    let fx = fixtures();
    let claims = keys::seed_claims();
    let v1 = json!({
        "sub": "user_1", "org_id": "org_1", "org_role": "org:admin", "org_slug": "legacy",
        "org_permissions": ["org:invoices:read", "org:invoices:write", 42, "bad"]
    });
    for (alg, token) in &fx.tokens {
        write("token_verify", &format!("token-{alg}"), token);
        write("token_decode", &format!("token-{alg}"), token);
    }
    for (id, token) in negative_tokens() {
        write("token_verify", &format!("negative-{id}"), &token);
        write("token_decode", &format!("negative-{id}"), &token);
    }
    for (name, material) in [
        ("key-rsa-jwks", keys::RSA_JWKS),
        ("key-ec-pem", keys::EC_PUBLIC_PEM),
        ("key-ed25519-jwk", keys::ED25519_JWK),
        ("key-secret", keys::HMAC_SECRET),
    ] {
        write("token_verify", name, material);
    }
    write("token_verify", "claims", &claims.to_string());
    for (name, value) in [("v2", &claims), ("v1", &v1)] {
        write("claims_parse", name, &value.to_string());
        write("clerk_decode", name, &value.to_string());
    }
    write(
        "claims_parse",
        "nested",
        r#"{"sub":"u","app_metadata":{"roles":["a","b",null,1.50,true]},"n":1e400,"sub":"last"}"#,
    );
    write(
        "clerk_decode",
        "v2-all-scopes",
        r#"{"v":2,"fea":"o:dashboard,u:export,ou:teams,uo:reports","pla":"u:free,o:pro","sts":"pending","act":{"sub":"user_a"},"o":{"id":"org_2","rol":"admin","slg":"acme","per":"manage,read,delete","fpm":"3,6,2"}}"#,
    );
    write(
        "clerk_decode",
        "v2-signed-in",
        r#"{"v":2,"sub":"user_2","fea":"o:dashboard,u:export,ou:teams,o:org","pla":"u:free,o:pro","o":{"id":"org_2","rol":"org:admin","slg":"acme","per":"manage,read,,delete","fpm":"3,6,9"}}"#,
    );
    for (name, text) in [
        ("claims", claims.to_string()),
        ("escapes", r#"{"s":"a\"\\\u00e9\ud83d\ude00","n":[-0,1.5e3,1e400],"o":{"":null,"a":true}}"#.to_string()),
        ("magic", r#"{"$serde_json::private::RawValue":"{\"sub\":\"admin\"}","o":{"$serde_json::private::Number":"1"}}"#.to_string()),
        ("duplicate", r#"{"a":1,"b":{"c":1,"c":2}}"#.to_string()),
    ] {
        write("json_strict", name, &text);
    }
    eprintln!("seed corpus written under fuzz/corpus/");
}
