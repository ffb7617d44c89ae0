//! Private key material in text that must hold public keys only.
//!
//! Settings are not secrets: every role can read `pg_jwt_claims.issuers` with `SHOW`, and any
//! setting in its placeholder before the library loads. A private key pasted there lets anyone
//! sign tokens. So the settings' check hooks, and the key worker for a fetched JWK Set, refuse
//! what [`find_private`] finds. The `keys` argument of `jwt_verify()` is the caller's own and
//! may hold a secret: it is never checked here.

use std::fmt;

use serde_json::Value;

use super::keys::PEM_BEGIN;

/// The members only a private JWK has (RFC 7518 §6.3.2, §6.3.2.7 `oth`; `d` also of EC/OKP).
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/// What private key material was found (never the material itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivateMaterial {
    /// A PEM block whose label names a private key (`PRIVATE KEY`, `RSA PRIVATE KEY`,
    /// `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`…); the label, or `PRIVATE KEY` when the
    /// label is not one a PEM block could have.
    PemBlock(String),
    /// A member only a private JWK has.
    JwkMember(&'static str),
    /// A symmetric (`oct`) JWK: its `k` is the secret itself.
    SymmetricJwk,
}

impl fmt::Display for PrivateMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrivateMaterial::PemBlock(label) => write!(f, "a PEM \"{label}\" block"),
            PrivateMaterial::JwkMember(name) => write!(f, "the private JWK member \"{name}\""),
            PrivateMaterial::SymmetricJwk => {
                f.write_str("a symmetric (oct) JWK, whose \"k\" is a secret")
            }
        }
    }
}

/// The first private key material in `text`: a private PEM block anywhere (also inside JSON
/// strings), and in JSON (a JWK, a JWK Set, the issuers array, and JSON text inside its
/// strings) any object with a private member or a symmetric key. Text that is not valid JSON
/// is searched for those member names as JSON keys, so a broken value cannot hide one.
pub fn find_private(text: &str) -> Option<PrivateMaterial> {
    if let Some(found) = private_pem(text) {
        return Some(found);
    }
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    match crate::json::parse_value(trimmed) {
        Ok(value) => private_json(&value, 0),
        Err(_) => private_member_text(trimmed),
    }
}

/// The first BEGIN line whose label names a private key.
fn private_pem(text: &str) -> Option<PrivateMaterial> {
    text.match_indices(PEM_BEGIN.trim_end())
        .find_map(|(at, begin)| {
            let rest = text.get(at + begin.len()..)?;
            let label = rest.split("-----").next().unwrap_or_default().trim();
            let shown = if super::keys::is_label(label) {
                label.to_string()
            } else {
                "PRIVATE KEY".to_string()
            };
            let named = label.to_ascii_uppercase().contains("PRIVATE KEY");
            named.then_some(PrivateMaterial::PemBlock(shown))
        })
}

/// How deep JSON text nests inside JSON strings before the search stops looking (the issuers
/// setting's `jwks` given as text is one level).
const MAX_NESTED_TEXT: usize = 4;

fn private_json(value: &Value, nested: usize) -> Option<PrivateMaterial> {
    match value {
        Value::Object(members) => {
            if let Some(name) = PRIVATE_MEMBERS
                .iter()
                .find(|name| members.contains_key(**name))
            {
                return Some(PrivateMaterial::JwkMember(name));
            }
            let oct = members.get("kty").and_then(Value::as_str) == Some("oct");
            if oct || members.contains_key("k") {
                return Some(PrivateMaterial::SymmetricJwk);
            }
            members.values().find_map(|v| private_json(v, nested))
        }
        Value::Array(items) => items.iter().find_map(|v| private_json(v, nested)),
        Value::String(s) => {
            if let Some(found) = private_pem(s) {
                return Some(found);
            }
            let inner = s.trim();
            let json_text = inner.starts_with('{') || inner.starts_with('[');
            if !json_text || nested >= MAX_NESTED_TEXT {
                return None;
            }
            match crate::json::parse_value(inner) {
                Ok(v) => private_json(&v, nested + 1),
                Err(_) => private_member_text(inner),
            }
        }
        _ => None,
    }
}

/// In text that is not valid JSON: a private member name, or `k`, written as a JSON key.
fn private_member_text(text: &str) -> Option<PrivateMaterial> {
    let keyed = |name: &str| {
        let quoted = format!("\"{name}\"");
        text.match_indices(&quoted).any(|(at, _)| {
            text[at + quoted.len()..]
                .trim_start_matches([' ', '\t', '\r', '\n'])
                .starts_with(':')
        })
    };
    if let Some(name) = PRIVATE_MEMBERS.iter().find(|name| keyed(name)) {
        return Some(PrivateMaterial::JwkMember(name));
    }
    keyed("k").then_some(PrivateMaterial::SymmetricJwk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_private_material() {
        let pem = |label: &str| format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n");
        let public = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
        let cases: Vec<(String, Option<PrivateMaterial>)> = vec![
            (public.into(), None),
            (pem("CERTIFICATE"), None),
            (
                pem("PRIVATE KEY"),
                Some(PrivateMaterial::PemBlock("PRIVATE KEY".into())),
            ),
            (
                format!("{public}\n{}", pem("RSA PRIVATE KEY")),
                Some(PrivateMaterial::PemBlock("RSA PRIVATE KEY".into())),
            ),
            (
                pem("EC PRIVATE KEY"),
                Some(PrivateMaterial::PemBlock("EC PRIVATE KEY".into())),
            ),
            (
                pem("ENCRYPTED PRIVATE KEY"),
                Some(PrivateMaterial::PemBlock("ENCRYPTED PRIVATE KEY".into())),
            ),
            (
                pem("OPENSSH PRIVATE KEY"),
                Some(PrivateMaterial::PemBlock("OPENSSH PRIVATE KEY".into())),
            ),
            (
                "-----BEGIN private key-----".into(),
                Some(PrivateMaterial::PemBlock("PRIVATE KEY".into())),
            ),
            (r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#.into(), None),
            (
                r#"{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}"#.into(),
                Some(PrivateMaterial::JwkMember("d")),
            ),
            (
                r#"{"keys":[{"kty":"RSA","n":"x","e":"AQAB"},{"kty":"RSA","n":"x","e":"AQAB","qi":"x"}]}"#
                    .into(),
                Some(PrivateMaterial::JwkMember("qi")),
            ),
            (
                r#"{"kty":"EC","crv":"P-256","x":"x","y":"y","d":"x"}"#.into(),
                Some(PrivateMaterial::JwkMember("d")),
            ),
            (
                r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.into(),
                Some(PrivateMaterial::SymmetricJwk),
            ),
            (
                r#"{"kty":"oct"}"#.into(),
                Some(PrivateMaterial::SymmetricJwk),
            ),
            (
                r#"{"keys":[{"kty":"RSA","oth":[]}]}"#.into(),
                Some(PrivateMaterial::JwkMember("oth")),
            ),
            // The issuers setting: jwks as an object, as JSON text, or holding PEM text.
            (
                r#"[{"issuer":"https://a","jwks":{"keys":[{"kty":"RSA","p":"x"}]}}]"#.into(),
                Some(PrivateMaterial::JwkMember("p")),
            ),
            (
                r#"[{"issuer":"https://a","jwks":"{\"kty\":\"RSA\",\"dq\":\"x\"}"}]"#.into(),
                Some(PrivateMaterial::JwkMember("dq")),
            ),
            (
                r#"[{"issuer":"https://a","jwks":"\u002d----BEGIN PRIVATE KEY-----\nAAAA"}]"#
                    .into(),
                Some(PrivateMaterial::PemBlock("PRIVATE KEY".into())),
            ),
            (
                r#"[{"issuer":"https://a","jwks":"{\"kty\":\"oct\",\"k\":\"x\"}"}]"#.into(),
                Some(PrivateMaterial::SymmetricJwk),
            ),
            (
                r#"[{"issuer":"https://a","secret_file":"/etc/k","audience":["d","k"]}]"#.into(),
                None,
            ),
            // Broken JSON still cannot hide a private member.
            (
                r#"{"kty":"RSA","n":"x","d" : "x""#.into(),
                Some(PrivateMaterial::JwkMember("d")),
            ),
            (r#"{"kty":"RSA","n":"d""#.into(), None),
            ("a plain secret".into(), None),
            ("".into(), None),
        ];
        for (text, want) in cases {
            assert_eq!(find_private(&text), want, "{text}");
        }
    }

    #[test]
    fn message_never_holds_the_material() {
        let text = r#"{"kty":"RSA","n":"x","e":"AQAB","d":"c2VjcmV0LWV4cG9uZW50"}"#;
        let found = find_private(text).unwrap().to_string();
        assert!(!found.contains("c2VjcmV0"), "{found}");
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n-----END RSA PRIVATE KEY-----";
        let found = find_private(pem).unwrap().to_string();
        assert!(!found.contains("c2VjcmV0"), "{found}");
    }
}
