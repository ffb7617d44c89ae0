//! The HTTPS client of the key worker: OpenID discovery documents and JWK Sets, fetched with
//! `ureq` over `rustls` (AWS-LC, the crypto backend verification already uses).
//!
//! What it will do, and nothing more: a `GET` of an `https` URL (or `http` to a loopback address
//! when the caller allows it, for tests) checked against the system roots or one CA file; at
//! most [`MAX_REDIRECTS`] redirects, each within the origin (scheme, host and port) of the URL
//! asked for; no proxy; one deadline for the whole request; a body bound. A failure is a
//! [`Failure`]: its [`FailureKind`] is what any role may see, its message (the URL and the
//! cause, never the body) what a privileged role may see.

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

/// What kind of failure a fetch met: all that a role without the right to see the key
/// worker's details is shown (a message names hosts, ports and causes, which would make the
/// worker a port scanner for anyone who can read `jwt_issuers()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The client could not be set up (the CA file, the system's roots).
    Setup,
    /// A URL the worker may not fetch (not https, user information…).
    UrlRefused,
    /// No connection: refused, reset, host not found.
    Connection,
    Timeout,
    Tls,
    /// A status other than 200 (or a redirect without a Location).
    HttpStatus,
    /// A redirect out of the origin asked for, or too many.
    RedirectRefused,
    /// A body over `http_max_bytes`.
    TooLarge,
    /// Not a usable discovery document or JWK Set.
    InvalidDocument,
}

impl FailureKind {
    /// Every kind, in the order of [`FailureKind::code`].
    pub const ALL: [FailureKind; 9] = [
        FailureKind::Setup,
        FailureKind::UrlRefused,
        FailureKind::Connection,
        FailureKind::Timeout,
        FailureKind::Tls,
        FailureKind::HttpStatus,
        FailureKind::RedirectRefused,
        FailureKind::TooLarge,
        FailureKind::InvalidDocument,
    ];

    /// The kind in words, as a plain role sees it.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Setup => "client setup",
            FailureKind::UrlRefused => "url refused",
            FailureKind::Connection => "connection",
            FailureKind::Timeout => "timeout",
            FailureKind::Tls => "tls",
            FailureKind::HttpStatus => "http status",
            FailureKind::RedirectRefused => "redirect refused",
            FailureKind::TooLarge => "response too large",
            FailureKind::InvalidDocument => "invalid document",
        }
    }

    /// A number for shared memory, from 1 (0 is no kind known).
    pub fn code(self) -> u8 {
        FailureKind::ALL
            .iter()
            .position(|k| *k == self)
            .map_or(0, |i| i as u8 + 1)
    }

    /// The kind of [`FailureKind::code`]; `None` for 0 or a number no kind has.
    pub fn from_code(code: u8) -> Option<FailureKind> {
        FailureKind::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }
}

/// A failed fetch: its kind, and the message (URL and cause) for the log and privileged roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The message alone, for a caller that keeps text.
impl From<Failure> for String {
    fn from(failure: Failure) -> String {
        failure.message
    }
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

    /// GETs `url`, following redirects within its origin, all within one deadline
    /// (`settings.timeout`); only a 200 is a success.
    pub fn get(&self, url: &str) -> Result<Fetched, Failure> {
        use FailureKind::*;
        let deadline = std::time::Instant::now() + self.settings.timeout;
        let declared = origin(url);
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            self.allowed(&url)?;
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(Failure::new(Timeout, format!("GET {url}: timed out")));
            }
            let mut response = self
                .agent
                .get(&url)
                .config()
                .timeout_global(Some(left))
                .build()
                .header("Accept", "application/json")
                .call()
                .map_err(|e| transport(&url, &e))?;
            let status = response.status().as_u16();
            if (300..400).contains(&status) && status != 304 {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        Failure::new(
                            HttpStatus,
                            format!("GET {url}: HTTP {status} without a Location"),
                        )
                    })?;
                let next = resolve(&url, location);
                // Only within the origin asked for: a redirect elsewhere (another host, port or
                // scheme, `localhost` included) would let an issuer point the worker anywhere.
                if declared.is_none() || origin(&next) != declared {
                    return Err(Failure::new(
                        RedirectRefused,
                        format!("GET {url}: redirect to another origin refused ({next})"),
                    ));
                }
                url = next;
                continue;
            }
            if status != 200 {
                return Err(Failure::new(
                    HttpStatus,
                    format!("GET {url}: HTTP {status}"),
                ));
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
                    ureq::Error::BodyExceedsLimit(_) => Failure::new(
                        TooLarge,
                        format!("GET {url}: response larger than {limit} bytes"),
                    ),
                    e => transport(&url, &e),
                })?;
            if body.len() as u64 > limit {
                return Err(Failure::new(
                    TooLarge,
                    format!("GET {url}: response larger than {limit} bytes"),
                ));
            }
            return Ok(Fetched { body, max_age });
        }
        Err(Failure::new(
            RedirectRefused,
            format!("GET {url}: more than {MAX_REDIRECTS} redirects"),
        ))
    }

    fn allowed(&self, url: &str) -> Result<(), Failure> {
        let refused = |message: String| Failure::new(FailureKind::UrlRefused, message);
        check_url(url).map_err(refused)?;
        if scheme(url) == "http" && !self.settings.loopback_http {
            return Err(refused(format!(
                "{} is plain http; it is allowed only to a loopback address with pg_jwt_claims.insecure_loopback_http on",
                json::quoted(url)
            )));
        }
        Ok(())
    }

    /// The `jwks_uri` of the discovery document at `url` for `issuer`: its `issuer` must be
    /// exactly the one declared (OpenID Connect Discovery 1.0 §4.3).
    pub fn discover(&self, url: &str, issuer: &str) -> Result<(String, Option<u64>), Failure> {
        let fetched = self.get(url)?;
        let invalid = |message: String| Failure::new(FailureKind::InvalidDocument, message);
        let doc = json::parse_strict(fetched.body)
            .map_err(|r| invalid(format!("{url}: {}", r.message("the discovery document"))))?;
        let root = doc.root();
        if !root.is_object() {
            return Err(invalid(format!(
                "{url}: the discovery document is not a JSON object"
            )));
        }
        match root.get("issuer").and_then(|v| v.as_str()) {
            Some(found) if found == issuer => {}
            Some(found) => {
                return Err(invalid(format!(
                    "{url}: the discovery document is for issuer {}, not {}",
                    json::quoted(found),
                    json::quoted(issuer)
                )))
            }
            None => {
                return Err(invalid(format!(
                    "{url}: the discovery document has no issuer"
                )))
            }
        }
        let jwks_uri = root
            .get("jwks_uri")
            .and_then(|v| v.as_str())
            .ok_or_else(|| invalid(format!("{url}: the discovery document has no jwks_uri")))?;
        check_url(jwks_uri).map_err(|e| invalid(format!("{url}: jwks_uri: {e}")))?;
        Ok((jwks_uri.to_string(), fetched.max_age))
    }
}

/// Checks a fetched JWK Set: a JSON object with a `keys` array of public keys the project
/// accepts (entries it cannot read are skipped while one is usable; see [`KeySet::parse`]).
/// A set with any private key material is refused whole: an issuer that publishes its private
/// keys is broken, and its keys would be shown to every role. Returns the set with its text.
pub fn check_jwks(url: &str, body: Vec<u8>) -> Result<(KeySet, String), Failure> {
    let invalid = |message: String| Failure::new(FailureKind::InvalidDocument, message);
    let text =
        String::from_utf8(body).map_err(|_| invalid(format!("{url}: the JWK Set is not UTF-8")))?;
    let doc = json::parse_strict(text.as_bytes().to_vec())
        .map_err(|r| invalid(format!("{url}: {}", r.message("the JWK Set"))))?;
    let is_set = matches!(
        doc.root().get("keys").map(|k| k.kind()),
        Some(Kind::Array(_))
    );
    if !is_set {
        return Err(invalid(format!(
            "{url}: not a JWK Set (a JSON object with a \"keys\" array)"
        )));
    }
    let set = KeySet::parse_public(&text).map_err(|e| invalid(format!("{url}: {e}")))?;
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

/// The origin of an absolute URL (RFC 6454): scheme and host in lower case, and the port,
/// the scheme's default when none is written. `None` when it has no host or a port that is
/// not a number, so that it equals nothing.
fn origin(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            (format!("[{host}]"), after.strip_prefix(':'))
        }
        None => match host_port.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (host_port.to_string(), None),
        },
    };
    let default = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let port = match port {
        None | Some("") => default,
        Some(p) => p.parse().ok()?,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some((scheme, host, port))
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

/// A transport error of `GET url`, in words and by kind, without response bodies.
fn transport(url: &str, e: &ureq::Error) -> Failure {
    let (kind, cause) = match e {
        ureq::Error::Timeout(_) => (FailureKind::Timeout, "timed out".into()),
        ureq::Error::Io(io) => (FailureKind::Connection, format!("connection failed: {io}")),
        ureq::Error::HostNotFound => (FailureKind::Connection, "host not found".into()),
        ureq::Error::ConnectionFailed => (FailureKind::Connection, "connection failed".into()),
        ureq::Error::Rustls(tls) => (FailureKind::Tls, format!("TLS error: {tls}")),
        other => (FailureKind::Connection, other.to_string()),
    };
    Failure::new(kind, format!("GET {url}: {cause}"))
}

/// The CA certificates to trust: those in `ca_file`, else the system's.
fn root_certificates(ca_file: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    if !ca_file.trim().is_empty() {
        // Only a regular file: reading a FIFO or a device would block the worker.
        let meta = std::fs::metadata(ca_file.trim())
            .map_err(|e| format!("could not read CA file \"{}\": {e}", ca_file.trim()))?;
        if !meta.is_file() {
            return Err(format!(
                "CA file \"{}\" is not a regular file",
                ca_file.trim()
            ));
        }
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
    fn origins() {
        let o = |url| origin(url);
        assert_eq!(o("https://A.example/x"), o("https://a.example:443/y?z"));
        assert_eq!(o("http://127.0.0.1/k"), o("http://127.0.0.1:80"));
        assert_ne!(o("https://a.example/"), o("http://a.example/"));
        assert_ne!(o("https://a.example/"), o("https://a.example:8443/"));
        assert_ne!(o("https://a.example/"), o("https://b.example/"));
        assert_ne!(o("http://127.0.0.1:8080/"), o("http://localhost:8080/"));
        assert_eq!(
            o("https://[::1]:9/"),
            Some(("https".into(), "[::1]".into(), 9))
        );
        assert_eq!(o("https://a.example:x/"), None);
        assert_eq!(o("ftp://a.example/"), None);
        assert_eq!(o("https:///x"), None);
    }

    #[test]
    fn ca_file_must_be_a_regular_file() {
        let dir = std::env::temp_dir().join(format!("pgjc-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("ca.pem");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let error = root_certificates(fifo.to_str().unwrap()).unwrap_err();
            assert!(error.contains("not a regular file"), "{error}");
        }
        let error = root_certificates(dir.to_str().unwrap()).unwrap_err();
        assert!(error.contains("not a regular file"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failure_kinds_round_trip() {
        for kind in FailureKind::ALL {
            assert_eq!(FailureKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(FailureKind::from_code(0), None);
        assert_eq!(FailureKind::from_code(200), None);
    }

    /// A loopback server that answers each connection with `response`, counting connections.
    fn serve(response: String) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(response.as_bytes());
            }
        });
        (port, hits)
    }

    fn redirect_to(location: &str) -> String {
        format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    #[test]
    fn redirects_stay_within_the_origin() {
        let client = Client::new(Settings {
            timeout: Duration::from_secs(5),
            max_bytes: 1024,
            ca_file: String::new(),
            loopback_http: true,
        });
        let Ok(client) = client else {
            return; // no system roots on this machine: nothing to check
        };
        let keys = r#"{"keys":[]}"#;
        let ok = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{keys}",
            keys.len()
        );
        let (elsewhere, elsewhere_hits) = serve(ok.clone());
        for location in [
            format!("http://127.0.0.1:{elsewhere}/keys"),
            format!("//127.0.0.1:{elsewhere}/keys"),
            format!("http://localhost:{elsewhere}/keys"),
            "https://example.com/keys".to_string(),
        ] {
            let (port, _) = serve(redirect_to(&location));
            let failure = client
                .get(&format!("http://127.0.0.1:{port}/k"))
                .unwrap_err();
            assert_eq!(failure.kind, FailureKind::RedirectRefused, "{location}");
            assert!(failure.message.contains("another origin"), "{failure}");
        }
        assert_eq!(elsewhere_hits.load(std::sync::atomic::Ordering::SeqCst), 0);
        // Within the origin: followed.
        let (same, _) = serve(ok);
        let fetched = client.get(&format!("http://127.0.0.1:{same}/k")).unwrap();
        assert_eq!(fetched.body, keys.as_bytes());
    }

    #[test]
    fn jwks_documents() {
        let message = |body: &[u8]| check_jwks("u", body.to_vec()).unwrap_err().message;
        assert!(message(b"{\"keys\": 1}").contains("not a JWK Set"));
        assert!(check_jwks("u", b"{\"keys\": [".to_vec()).is_err());
        assert!(message(&[0xff]).contains("UTF-8"));
        let oct = br#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#;
        assert!(message(oct).contains("symmetric"));
        let private = br#"{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "c2VjcmV0"}]}"#;
        let failure = check_jwks("u", private.to_vec()).unwrap_err();
        assert_eq!(failure.kind, FailureKind::InvalidDocument);
        assert!(failure.message.contains("\"d\""), "{failure}");
        assert!(!failure.message.contains("c2VjcmV0"), "{failure}");
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
            .message
            .contains("insecure_loopback_http"));
        assert!(client.allowed("http://10.0.0.1/k").is_err());
        let client = Client::new(settings(true)).unwrap();
        assert!(client.allowed("http://127.0.0.1:1/k").is_ok());
        assert!(client.allowed("http://10.0.0.1/k").is_err());
        let refused = client.get("http://127.0.0.1:1/k").unwrap_err();
        assert_eq!(refused.kind, FailureKind::Connection);
        assert!(refused.message.contains("connection failed"), "{refused}");
    }
}
