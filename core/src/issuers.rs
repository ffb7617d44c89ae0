//! Declared issuers: the `pg_jwt_claims.issuers` setting, a JSON array with one object per
//! issuer. A token's `iss` chooses the issuer; the token must then verify with that issuer's
//! keys and rules only.
//!
//! ```json
//! [{"issuer": "https://clerk.example.com", "authorized_parties": ["https://example.com"]},
//!  {"issuer": "https://abc.supabase.co/auth/v1", "audience": "authenticated",
//!   "jwks_uri": "https://abc.supabase.co/auth/v1/.well-known/jwks.json"},
//!  {"issuer": "https://legacy.example.com", "secret_file": "/etc/postgresql/hs256.key"}]
//! ```
//!
//! Keys come from exactly one place: static keys (`jwks`: a JWK Set, a JWK or PEM public keys,
//! as text or as a JSON object; `secret_file`: an HMAC secret's file; both may be given), else
//! the JWK Set at `jwks_uri`, else the `jwks_uri` of the issuer's OpenID discovery document,
//! `<issuer>/.well-known/openid-configuration`. Fetched keys come from the key worker.

use crate::json::{self, Doc, Item, Kind};

/// The most issuers one setting declares (each fetched issuer has a slot in shared memory).
pub const MAX_ISSUERS: usize = 16;
/// The longest issuer or URL accepted (bytes).
pub const MAX_URL: usize = 512;

/// Where an issuer's keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Keys in the setting: public key material and/or an HMAC secret's file.
    Static {
        jwks: Option<String>,
        secret_file: Option<String>,
    },
    /// The JWK Set at this URL, fetched by the key worker.
    JwksUri(String),
    /// The `jwks_uri` of the discovery document at this URL, fetched by the key worker.
    Discovery(String),
}

impl KeySource {
    /// Whether the key worker fetches these keys.
    pub fn fetched(&self) -> bool {
        !matches!(self, KeySource::Static { .. })
    }

    /// `static`, `jwks_uri` or `discovery`.
    pub fn kind(&self) -> &'static str {
        match self {
            KeySource::Static { .. } => "static",
            KeySource::JwksUri(_) => "jwks_uri",
            KeySource::Discovery(_) => "discovery",
        }
    }
}

/// One declared issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The exact `iss` its tokens carry.
    pub issuer: String,
    pub keys: KeySource,
    /// Accepted `aud` values; empty: not checked.
    pub audiences: Vec<String>,
    /// Accepted `azp` values; empty: not checked.
    pub authorized_parties: Vec<String>,
    /// Accepted `alg` values; empty: every supported algorithm the keys allow.
    pub algorithms: Vec<String>,
    /// Accepted header `typ` values; default `["JWT"]`.
    pub token_types: Vec<String>,
    /// Claims every token must carry; default `["exp"]`.
    pub required_claims: Vec<String>,
    /// Seconds of clock skew allowed for `exp`, `nbf` and `iat`; default: `pg_jwt_claims.leeway`.
    pub leeway: Option<i64>,
}

/// The members an issuer object may have.
const MEMBERS: [&str; 10] = [
    "issuer",
    "jwks_uri",
    "jwks",
    "secret_file",
    "audience",
    "authorized_parties",
    "algorithms",
    "token_types",
    "required_claims",
    "leeway",
];

/// Parses the setting's value: empty (or blank) declares none. Every fault is refused with a
/// message that names the issuer and member, so a reload with a typo keeps the last good value.
pub fn parse(text: &str) -> Result<Vec<Issuer>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let doc: Doc = json::parse_strict(text.as_bytes().to_vec())
        .map_err(|refusal| refusal.message("the issuers setting"))?;
    let Kind::Array(list) = doc.root().kind() else {
        return Err("the issuers setting must be a JSON array of issuer objects".into());
    };
    let mut issuers: Vec<Issuer> = Vec::new();
    for (i, item) in list.enumerate() {
        let issuer = parse_one(item).map_err(|e| format!("issuer {}: {e}", i + 1))?;
        if issuers.iter().any(|o| o.issuer == issuer.issuer) {
            return Err(format!(
                "issuer {} is declared twice",
                json::quoted(&issuer.issuer)
            ));
        }
        issuers.push(issuer);
        if issuers.len() > MAX_ISSUERS {
            return Err(format!("at most {MAX_ISSUERS} issuers may be declared"));
        }
    }
    Ok(issuers)
}

fn parse_one(item: Item) -> Result<Issuer, String> {
    let Kind::Object(members) = item.kind() else {
        return Err("not a JSON object".into());
    };
    for (name, _) in members {
        if !MEMBERS.contains(&name) {
            return Err(format!(
                "unknown member {} (expected one of: {})",
                json::quoted(name),
                MEMBERS.join(", ")
            ));
        }
    }
    let string = |name: &str| -> Result<Option<String>, String> {
        match item.get(name).map(|v| v.kind()) {
            None => Ok(None),
            Some(Kind::String(s)) if !s.trim().is_empty() => Ok(Some(s.to_string())),
            Some(_) => Err(format!("\"{name}\" must be a non-empty string")),
        }
    };
    let issuer = string("issuer")?.ok_or("\"issuer\" is required")?;
    if issuer.len() > MAX_URL {
        return Err(format!("\"issuer\" is longer than {MAX_URL} bytes"));
    }
    let jwks = match item.get("jwks") {
        None => None,
        Some(v) if v.as_str().is_some() => string("jwks")?,
        Some(v) if v.is_object() => v.raw_text().map(String::from),
        Some(_) => return Err("\"jwks\" must be a JWK Set or JWK object, or text".into()),
    };
    let secret_file = string("secret_file")?;
    let jwks_uri = string("jwks_uri")?;
    let keys = match (jwks_uri, jwks.is_some() || secret_file.is_some()) {
        (Some(_), true) => {
            return Err(
                "give either \"jwks_uri\" or static keys (\"jwks\", \"secret_file\"), not both"
                    .into(),
            )
        }
        (Some(uri), false) => {
            check_url(&uri).map_err(|e| format!("\"jwks_uri\": {e}"))?;
            KeySource::JwksUri(uri)
        }
        (None, true) => KeySource::Static { jwks, secret_file },
        (None, false) => {
            let url = discovery_url(&issuer);
            check_url(&url).map_err(|e| {
                format!("\"issuer\" is not a URL keys can be discovered from ({e}); give \"jwks_uri\" or static keys")
            })?;
            KeySource::Discovery(url)
        }
    };
    let list = |name: &str, default: &[&str]| -> Result<Vec<String>, String> {
        match item.get(name).map(|v| v.kind()) {
            None => Ok(default.iter().map(|s| s.to_string()).collect()),
            Some(Kind::String(s)) => Ok(vec![s.to_string()]),
            Some(Kind::Array(values)) => values
                .map(|v| {
                    v.as_str().map(String::from).ok_or_else(|| {
                        format!("\"{name}\" must be a string or an array of strings")
                    })
                })
                .collect(),
            Some(_) => Err(format!(
                "\"{name}\" must be a string or an array of strings"
            )),
        }
    };
    let algorithms = list("algorithms", &[])?;
    if let Some(bad) = algorithms
        .iter()
        .find(|a| crate::jose::Alg::from_name(a).is_err())
    {
        return Err(format!(
            "\"algorithms\": {} is not supported",
            json::quoted(bad)
        ));
    }
    let leeway = match item.get("leeway") {
        None => None,
        Some(v) => match v.as_f64() {
            Some(n) if n.fract() == 0.0 && (0.0..=86_400.0).contains(&n) => Some(n as i64),
            _ => return Err("\"leeway\" must be a whole number of seconds from 0 to 86400".into()),
        },
    };
    Ok(Issuer {
        issuer,
        keys,
        leeway,
        audiences: list("audience", &[])?,
        authorized_parties: list("authorized_parties", &[])?,
        algorithms,
        token_types: list("token_types", &["JWT"])?,
        required_claims: list("required_claims", &["exp"])?,
    })
}

/// The OpenID Connect discovery document of `issuer` (OpenID Connect Discovery 1.0 §4).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// A URL the key worker may fetch: `https://host[:port]/path`, or `http://` to a loopback IP
/// address (127.0.0.0/8 or ::1; the worker also requires `pg_jwt_claims.insecure_loopback_http`).
/// No user information, no fragment.
pub fn check_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_URL {
        return Err(format!("URL is longer than {MAX_URL} bytes"));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{} is not an absolute URL", json::quoted(url)))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(format!("{} has no host", json::quoted(url)));
    }
    if authority.contains('@') {
        return Err("a URL with user information is not accepted".into());
    }
    if url.contains('#') {
        return Err("a URL with a fragment is not accepted".into());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a URL with whitespace is not accepted".into());
    }
    match scheme {
        "https" => Ok(()),
        "http" if is_loopback(authority) => Ok(()),
        "http" => Err(format!(
            "{} is not https (plain http is accepted only for a loopback address, for tests)",
            json::quoted(url)
        )),
        _ => Err(format!("{} is not an https URL", json::quoted(url))),
    }
}

/// Whether a URL authority (`host[:port]`) is a loopback IP address literal.
pub fn is_loopback(authority: &str) -> bool {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, rest)) => match rest.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return false,
            },
            None => return false,
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok
        && host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_source() {
        let list = parse(
            r#"[{"issuer": "https://clerk.example.com", "authorized_parties": "https://example.com"},
                {"issuer": "https://a.example/", "jwks_uri": "https://a.example/keys", "audience": ["x", "y"], "algorithms": ["RS256"]},
                {"issuer": "local", "secret_file": "/etc/s.key", "jwks": {"keys": []}, "required_claims": []}]"#,
        )
        .unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(
            list[0].keys,
            KeySource::Discovery(
                "https://clerk.example.com/.well-known/openid-configuration".into()
            )
        );
        assert_eq!(list[0].authorized_parties, ["https://example.com"]);
        assert_eq!(list[0].token_types, ["JWT"]);
        assert_eq!(list[0].required_claims, ["exp"]);
        assert_eq!(
            list[1].keys,
            KeySource::JwksUri("https://a.example/keys".into())
        );
        assert_eq!(list[1].audiences, ["x", "y"]);
        assert_eq!(
            list[2].keys,
            KeySource::Static {
                jwks: Some(r#"{"keys": []}"#.into()),
                secret_file: Some("/etc/s.key".into())
            }
        );
        assert!(list[2].required_claims.is_empty());
        assert_eq!(list[0].leeway, None);
        let with_leeway = parse(r#"[{"issuer": "https://a.example", "leeway": 30}]"#).unwrap();
        assert_eq!(with_leeway[0].leeway, Some(30));
        assert_eq!(
            discovery_url("https://a.example/"),
            "https://a.example/.well-known/openid-configuration"
        );
        assert!(parse("").unwrap().is_empty());
        assert!(parse("  ").unwrap().is_empty());
    }

    #[test]
    fn refuses_faults_by_name() {
        let cases = [
            ("{}", "JSON array"),
            ("[1]", "issuer 1: not a JSON object"),
            (r#"[{"iss": "x"}]"#, "unknown member \"iss\""),
            (r#"[{"jwks_uri": "https://x"}]"#, "\"issuer\" is required"),
            (r#"[{"issuer": ""}]"#, "non-empty string"),
            (
                r#"[{"issuer": "https://a"}, {"issuer": "https://a"}]"#,
                "declared twice",
            ),
            (
                r#"[{"issuer": "https://a", "jwks_uri": "http://a.example/k"}]"#,
                "is not https",
            ),
            (
                r#"[{"issuer": "https://a", "jwks_uri": "ftp://a/k"}]"#,
                "not an https URL",
            ),
            (
                r#"[{"issuer": "https://a", "jwks_uri": "https://u:p@a/k"}]"#,
                "user information",
            ),
            (
                r#"[{"issuer": "https://a", "jwks_uri": "https://a/k", "jwks": "x"}]"#,
                "not both",
            ),
            (
                r#"[{"issuer": "clerk"}]"#,
                "not a URL keys can be discovered from",
            ),
            (
                r#"[{"issuer": "https://a", "algorithms": ["none"]}]"#,
                "not supported",
            ),
            (
                r#"[{"issuer": "https://a", "audience": 1}]"#,
                "string or an array",
            ),
            (
                r#"[{"issuer": "https://a", "issuer": "https://b"}]"#,
                "the issuers setting",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
        let many: Vec<String> = (0..=MAX_ISSUERS)
            .map(|i| format!(r#"{{"issuer": "https://i{i}.example"}}"#))
            .collect();
        assert!(parse(&format!("[{}]", many.join(",")))
            .unwrap_err()
            .contains("at most"));
    }

    #[test]
    fn loopback_http_only() {
        for ok in [
            "https://example.com/jwks",
            "http://127.0.0.1:8080/jwks",
            "http://127.9.9.9/jwks",
            "http://[::1]:99/jwks",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://localhost/jwks",
            "http://10.0.0.1/jwks",
            "http://127.0.0.1.example.com/jwks",
            "http://[::1].evil/jwks",
            "http://127.0.0.1:80x/jwks",
            "http://127.0.0.1:/jwks",
            "https:///jwks",
            "https://example.com/jwks#x",
            "https://example.com/a b",
            "example.com/jwks",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
