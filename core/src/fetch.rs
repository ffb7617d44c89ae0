//! The HTTPS client of the key worker: OpenID discovery documents and JWK Sets, fetched with
//! `ureq` over `rustls` (AWS-LC, the crypto backend verification already uses).
//!
//! What it will do, and nothing more: a `GET` of an `https` URL (or `http` to a loopback address
//! when the caller allows it, for tests) checked against the system roots or one CA file; at
//! most [`MAX_REDIRECTS`] redirects, each to the same scheme; no proxy; one deadline for the
//! whole request; a body bound. Errors name the URL and the cause, never the body.

use std::sync::Arc;
use std::time::Duration;

use crate::issuers::check_url;
use crate::jose::KeySet;
use crate::json::{self, Kind};

/// Redirects followed per fetch.
pub const MAX_REDIRECTS: usize = 3;

/// How the worker fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Deadline of one fetch (a discovery document or a JWK Set), redirects included.
    pub timeout: Duration,
    /// The largest body accepted (bytes).
    pub max_bytes: usize,
    /// PEM file of the CA certificates to trust instead of the system roots; empty: system.
    pub ca_file: String,
    /// Whether `http://` to a loopback address is allowed (tests only).
    pub loopback_http: bool,
}

/// A successful fetch.
#[derive(Debug)]
pub struct Fetched {
    pub body: Vec<u8>,
    /// `Cache-Control: max-age` in seconds, if the response had one (`no-store`/`no-cache`: 0).
    pub max_age: Option<u64>,
}

/// An HTTPS client for one configuration.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
}

impl Client {
    /// A client trusting the system roots or `settings.ca_file`.
    pub fn new(settings: Settings) -> Result<Client, String> {
        let roots = root_certificates(&settings.ca_file)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(roots)))
            .unversioned_rustls_crypto_provider(provider)
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .proxy(None)
            .https_only(!settings.loopback_http)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(settings.timeout))
            .user_agent("pg_jwt_claims key worker")
            .max_response_header_size(64 << 10)
            .build()
            .new_agent();
        Ok(Client { agent, settings })
    }

    /// GETs `url`, following same-scheme redirects, all within one deadline
    /// (`settings.timeout`); only a 200 is a success.
    pub fn get(&self, url: &str) -> Result<Fetched, String> {
        let deadline = std::time::Instant::now() + self.settings.timeout;
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            self.allowed(&url)?;
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(format!("GET {url}: timed out"));
            }
            let mut response = self
                .agent
                .get(&url)
                .config()
                .timeout_global(Some(left))
                .build()
                .header("Accept", "application/json")
                .call()
                .map_err(|e| format!("GET {url}: {}", describe(&e)))?;
            let status = response.status().as_u16();
            if (300..400).contains(&status) && status != 304 {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| format!("GET {url}: HTTP {status} without a Location"))?;
                let next = resolve(&url, location);
                if scheme(&next) != scheme(&url) {
                    return Err(format!(
                        "GET {url}: redirect to another scheme refused ({next})"
                    ));
                }
                url = next;
                continue;
            }
            if status != 200 {
                return Err(format!("GET {url}: HTTP {status}"));
            }
            let max_age = response
                .headers()
                .get_all("cache-control")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(max_age)
                .min();
            let limit = self.settings.max_bytes as u64;
            let body = response
                .body_mut()
                .with_config()
                .limit(limit + 1)
                .read_to_vec()
                .map_err(|e| match e {
                    ureq::Error::BodyExceedsLimit(_) => {
                        format!("GET {url}: response larger than {limit} bytes")
                    }
                    e => format!("GET {url}: {}", describe(&e)),
                })?;
            if body.len() as u64 > limit {
                return Err(format!("GET {url}: response larger than {limit} bytes"));
            }
            return Ok(Fetched { body, max_age });
        }
        Err(format!("GET {url}: more than {MAX_REDIRECTS} redirects"))
    }

    fn allowed(&self, url: &str) -> Result<(), String> {
        check_url(url)?;
        if scheme(url) == "http" && !self.settings.loopback_http {
            return Err(format!(
                "{} is plain http; it is allowed only to a loopback address with pg_jwt_claims.insecure_loopback_http on",
                json::quoted(url)
            ));
        }
        Ok(())
    }

    /// The `jwks_uri` of the discovery document at `url` for `issuer`: its `issuer` must be
    /// exactly the one declared (OpenID Connect Discovery 1.0 §4.3).
    pub fn discover(&self, url: &str, issuer: &str) -> Result<(String, Option<u64>), String> {
        let fetched = self.get(url)?;
        let doc = json::parse_strict(fetched.body)
            .map_err(|r| format!("{url}: {}", r.message("the discovery document")))?;
        let root = doc.root();
        if !root.is_object() {
            return Err(format!(
                "{url}: the discovery document is not a JSON object"
            ));
        }
        match root.get("issuer").and_then(|v| v.as_str()) {
            Some(found) if found == issuer => {}
            Some(found) => {
                return Err(format!(
                    "{url}: the discovery document is for issuer {}, not {}",
                    json::quoted(found),
                    json::quoted(issuer)
                ))
            }
            None => return Err(format!("{url}: the discovery document has no issuer")),
        }
        let jwks_uri = root
            .get("jwks_uri")
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("{url}: the discovery document has no jwks_uri"))?;
        check_url(jwks_uri).map_err(|e| format!("{url}: jwks_uri: {e}"))?;
        Ok((jwks_uri.to_string(), fetched.max_age))
    }
}

/// Checks a fetched JWK Set: a JSON object with a `keys` array of public keys the project
/// accepts (entries it cannot read are skipped while one is usable; see [`KeySet::parse`]).
/// Returns the set with its text.
pub fn check_jwks(url: &str, body: Vec<u8>) -> Result<(KeySet, String), String> {
    let text = String::from_utf8(body).map_err(|_| format!("{url}: the JWK Set is not UTF-8"))?;
    let doc = json::parse_strict(text.as_bytes().to_vec())
        .map_err(|r| format!("{url}: {}", r.message("the JWK Set")))?;
    let is_set = matches!(
        doc.root().get("keys").map(|k| k.kind()),
        Some(Kind::Array(_))
    );
    if !is_set {
        return Err(format!(
            "{url}: not a JWK Set (a JSON object with a \"keys\" array)"
        ));
    }
    let set = KeySet::parse_public(&text).map_err(|e| format!("{url}: {e}"))?;
    Ok((set, text))
}

/// `max-age` of one `Cache-Control` header value; `no-store` and `no-cache` count as 0.
pub fn max_age(value: &str) -> Option<u64> {
    let mut found = None;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(0);
        }
        if let Some(seconds) = lower.strip_prefix("max-age=") {
            found = seconds.trim_matches('"').parse::<u64>().ok().or(found);
        }
    }
    found
}

fn scheme(url: &str) -> &str {
    url.split_once("://").map_or("", |(s, _)| s)
}

/// `location` resolved against `base` (absolute, scheme-relative or absolute-path references).
fn resolve(base: &str, location: &str) -> String {
    let before_query = location.split(['?', '#']).next().unwrap_or_default();
    if before_query.contains("://") {
        return location.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if let Some(authority_path) = location.strip_prefix("//") {
        return format!("{scheme}://{authority_path}");
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = rest[authority.len()..].split('?').next().unwrap_or("/");
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    format!("{scheme}://{authority}{dir}/{location}")
}

/// A transport error in words, without response bodies.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::Io(io) => format!("connection failed: {io}"),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::Rustls(tls) => format!("TLS error: {tls}"),
        other => other.to_string(),
    }
}

/// The CA certificates to trust: those in `ca_file`, else the system's.
fn root_certificates(ca_file: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    if !ca_file.trim().is_empty() {
        let pem = std::fs::read(ca_file.trim())
            .map_err(|e| format!("could not read CA file \"{}\": {e}", ca_file.trim()))?;
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(format!(
                "CA file \"{}\" holds no PEM certificate",
                ca_file.trim()
            ));
        }
        return Ok(certs);
    }
    let found = rustls_native_certs::load_native_certs();
    let certs: Vec<_> = found
        .certs
        .iter()
        .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    if certs.is_empty() {
        return Err("no system CA certificates found; set pg_jwt_claims.http_ca_file".into());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control() {
        assert_eq!(max_age("public, max-age=3600"), Some(3600));
        assert_eq!(max_age("max-age=\"60\", must-revalidate"), Some(60));
        assert_eq!(max_age("no-store"), Some(0));
        assert_eq!(max_age("private"), None);
        assert_eq!(max_age("max-age=abc"), None);
    }

    #[test]
    fn redirects_resolve() {
        assert_eq!(resolve("https://a/x/y", "/z"), "https://a/z");
        assert_eq!(resolve("https://a/x/y", "z"), "https://a/x/z");
        assert_eq!(resolve("https://a/x/y", "//b/z"), "https://b/z");
        assert_eq!(resolve("https://a/x", "http://b/z"), "http://b/z");
        assert_eq!(
            resolve("https://a/x", "/k?next=http://b/"),
            "https://a/k?next=http://b/"
        );
    }

    #[test]
    fn jwks_documents() {
        assert!(check_jwks("u", b"{\"keys\": 1}".to_vec())
            .unwrap_err()
            .contains("not a JWK Set"));
        assert!(check_jwks("u", b"{\"keys\": [".to_vec()).is_err());
        assert!(check_jwks("u", vec![0xff]).unwrap_err().contains("UTF-8"));
        let oct = br#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#.to_vec();
        assert!(check_jwks("u", oct).unwrap_err().contains("symmetric"));
        assert!(check_jwks(
            "u",
            br#"{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}"#.to_vec()
        )
        .is_err());
    }

    #[test]
    fn plain_http_needs_loopback_and_the_setting() {
        let settings = |loopback_http| Settings {
            timeout: Duration::from_secs(1),
            max_bytes: 1024,
            ca_file: String::new(),
            loopback_http,
        };
        let Ok(client) = Client::new(settings(false)) else {
            return; // no system roots on this machine: nothing to check
        };
        assert!(client
            .allowed("http://127.0.0.1:1/k")
            .unwrap_err()
            .contains("insecure_loopback_http"));
        assert!(client.allowed("http://10.0.0.1/k").is_err());
        let client = Client::new(settings(true)).unwrap();
        assert!(client.allowed("http://127.0.0.1:1/k").is_ok());
        assert!(client.allowed("http://10.0.0.1/k").is_err());
        let refused = client.get("http://127.0.0.1:1/k").unwrap_err();
        assert!(refused.contains("connection failed"), "{refused}");
    }
}
