//! Identity: the claims the current request carries, resolved once per claims generation.
//!
//! # Sources, in order
//! 1. Trust mode: the JSON object in the setting named by `pg_jwt_claims.claims_setting`
//!    (default `request.jwt.claims`, as PostgREST 9+ and Supabase set it with
//!    `set_config(…, true)`). When that is unset or '': for a top-level claim, the legacy
//!    per-claim settings `request.jwt.claim.<name>` (PostgREST < 9) and then
//!    `jwt.claims.<name>` (PostGraphile).
//! 2. Verify mode: only a token that verifies now (`verified.rs`).
//!
//! # Caches
//! * `CURRENT`: the resolved claims for the current generation (`watch.rs`), one entry.
//! * `PARSED`: claims texts already parsed, keyed by the exact text, at most
//!   [`PARSED_ENTRIES`] entries and [`PARSED_BYTES`] bytes of parsed documents (text and nodes;
//!   a plpgsql loop that alternates between users parses each text once).
//! * Per call site (`callsite.rs`): the finished Datum of one SQL call.

use crate::pg::clock::statement_start;
use crate::pg::errors::SqlError;
use crate::pg::guc_records;
use crate::runtime::settings::{self, Mode, PendingSession};
use crate::runtime::{database, verified, watch};
use pg_jwt_claims_core::claims::{assemble_legacy, legacy_claim_json, Claims, ParseError};
use pg_jwt_claims_core::clerk;
use pg_jwt_claims_core::json::{self, Item, Refusal};
use pgrx::PgSqlErrorCode;
use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::rc::Rc;

/// Bounds of the parsed-claims cache.
const PARSED_ENTRIES: usize = 8;
const PARSED_BYTES: usize = 4 << 20;

/// The claims as resolved for one generation.
#[derive(Clone)]
pub enum Resolved {
    /// The claims setting holds an object, or (verify mode) the token verified.
    Claims(Rc<Claims>),
    /// The claims setting is unset or '': readers fall back to the legacy per-claim settings.
    Legacy,
    /// Verify mode without a token: no identity.
    Nothing,
    /// The claims setting is not a JSON object, or (verify mode) the token failed.
    Invalid(Rc<SqlError>),
}

/// How long an answer computed from the current claims stays right.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Validity {
    /// Only for this call: it read settings that are not watched.
    Call,
    /// While the claims generation is unchanged.
    Generation,
    /// While the generation is unchanged and the statement started at this time (verify
    /// mode: `exp`, `nbf` and `iat` are judged against the statement's start).
    Statement(i64),
}

impl Validity {
    /// The validity of an answer computed now, given what the claims were resolved from.
    pub fn holds(self, generation_unchanged: bool) -> bool {
        match self {
            Validity::Call => false,
            Validity::Generation => generation_unchanged,
            Validity::Statement(start) => generation_unchanged && statement_start() == start,
        }
    }
}

struct Current {
    generation: u64,
    resolved: Resolved,
    validity: Validity,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    static PARSED: RefCell<Vec<Rc<Claims>>> = const { RefCell::new(Vec::new()) };
}

/// Adopts the default claims setting at load time if it was already set.
pub fn init() {
    let _ = watch::read_setting(settings::DEFAULT_CLAIMS_SETTING);
    let _ = watch::read_setting(c"request.headers");
}

/// The claims for the current settings, and how long that answer stays right.
pub fn current() -> (Resolved, Validity) {
    let generation = watch::generation();
    let hit = CURRENT.with_borrow(|c| {
        c.as_ref()
            .filter(|c| c.generation == generation && c.validity.holds(true))
            .map(|c| (c.resolved.clone(), c.validity))
    });
    if let Some(hit) = hit {
        return hit;
    }
    if let Err(err) = settings::check_protected() {
        err.raise();
    }
    let (resolved, validity) = match database::mode() {
        Mode::Trust => trusted(),
        Mode::Verify => verified(),
    };
    CURRENT.set(Some(Current {
        generation,
        resolved: resolved.clone(),
        validity,
    }));
    (resolved, validity)
}

/// Trust mode: the claims setting as it is.
fn trusted() -> (Resolved, Validity) {
    let name = settings::claims_setting_name();
    let (text, watched) = watch::read_setting(name);
    let resolved = match text.map(CStr::to_bytes).filter(|t| !t.is_empty()) {
        None => Resolved::Legacy,
        Some(bytes) => match parse_cached(name, bytes) {
            Ok(claims) => Resolved::Claims(claims),
            Err(err) => Resolved::Invalid(Rc::new(err)),
        },
    };
    // Legacy answers depend on settings read by name: they are never kept.
    let validity = if watched && !matches!(resolved, Resolved::Legacy) {
        Validity::Generation
    } else {
        Validity::Call
    };
    (resolved, validity)
}

/// Verify mode: only a token that verifies now — `pg_jwt_claims.token`, else the Bearer token
/// of PostgREST's `request.headers`. The claims setting is never read.
fn verified() -> (Resolved, Validity) {
    let validity = Validity::Statement(statement_start());
    let token = match settings::token() {
        "" => {
            let (headers, watched) = watch::read_setting(c"request.headers");
            let validity = if watched { validity } else { Validity::Call };
            let Ok(headers) = headers.map(CStr::to_str).transpose() else {
                let err = settings::not_utf8("request.headers");
                return (Resolved::Invalid(Rc::new(err)), validity);
            };
            match bearer_token(headers.unwrap_or_default()) {
                Ok(Some(token)) => (token, validity),
                Ok(None) => return (Resolved::Nothing, validity),
                Err(err) => return (Resolved::Invalid(Rc::new(err)), validity),
            }
        }
        token => (token.to_owned(), validity),
    };
    match verified::verified_claims(&token.0) {
        Ok(claims) => (Resolved::Claims(claims), token.1),
        Err(err) => (Resolved::Invalid(Rc::new(err)), token.1),
    }
}

/// The Bearer token of PostgREST's `request.headers` JSON (header names in lower case).
/// `Ok(None)` without an `authorization` header or with another scheme.
pub fn bearer_token(headers: &str) -> Result<Option<String>, SqlError> {
    if headers.trim().is_empty() {
        return Ok(None);
    }
    let bad = |detail: String| {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            "setting \"request.headers\" is not a JSON object",
        )
        .detail(detail)
    };
    let doc = json::parse_lenient(headers.to_owned()).map_err(|refusal| {
        bad(match refusal {
            Refusal::Syntax(Some(message)) => message,
            _ => "invalid JSON".into(),
        })
    })?;
    let root = doc.root();
    if !root.is_object() {
        return Err(bad("The request headers must be a JSON object.".into()));
    }
    let Some(auth) = root.get("authorization").and_then(Item::as_str) else {
        return Ok(None);
    };
    let auth = auth.trim();
    let token = auth
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .filter(|t| !t.is_empty());
    Ok(token)
}

fn invalid_claims(setting: &CStr, err: &ParseError) -> SqlError {
    let setting = setting.to_string_lossy();
    match err {
        ParseError::TooDeep => SqlError::new(
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            format!("claims in setting \"{setting}\" are nested too deeply"),
        )
        .detail("JSON nested 128 or more levels deep is not read."),
        ParseError::NotJson(msg) => SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            format!("setting \"{setting}\" is not valid JSON"),
        )
        .detail(msg.clone()),
        ParseError::NotObject(found) => SqlError::new(
            PgSqlErrorCode::ERRCODE_INVALID_TEXT_REPRESENTATION,
            format!("setting \"{setting}\" is not a JSON object"),
        )
        .detail(format!("The claims must be a JSON object; found {found}.")),
    }
}

/// Parses the claims text of setting `name`, reusing an earlier parse of the exact same text.
/// Text that is not UTF-8 is 22021, as for every other text the extension reads.
fn parse_cached(name: &CStr, bytes: &[u8]) -> Result<Rc<Claims>, SqlError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| settings::not_utf8(&name.to_string_lossy()))?;
    if let Some(hit) = PARSED.with_borrow(|p| p.iter().find(|c| c.text() == text).cloned()) {
        return Ok(hit);
    }
    let claims = Rc::new(Claims::parse(text).map_err(|err| invalid_claims(name, &err))?);
    PARSED.with_borrow_mut(|parsed| {
        if claims.doc().heap_bytes() > PARSED_BYTES / 2 {
            return;
        }
        parsed.insert(0, claims.clone());
        let mut bytes = 0;
        let keep = parsed
            .iter()
            .take(PARSED_ENTRIES)
            .take_while(|c| {
                bytes += c.doc().heap_bytes();
                bytes <= PARSED_BYTES
            })
            .count();
        parsed.truncate(keep);
    });
    Ok(claims)
}

/// Claims as a reader sees them: the shared parsed object, or one assembled from the legacy
/// per-claim settings for the claim names the reader needs.
pub enum View {
    Shared(Rc<Claims>),
    Assembled(Claims),
}

impl View {
    pub fn claims(&self) -> &Claims {
        match self {
            View::Shared(c) => c,
            View::Assembled(c) => c,
        }
    }

    /// The claims object.
    pub fn root(&self) -> Item<'_> {
        self.claims().root()
    }

    /// Whether Clerk's pending-session rule hides these claims
    /// (`pg_jwt_claims.pending_session`).
    pub fn signed_out(&self) -> bool {
        settings::pending_session() == PendingSession::SignedOut && clerk::is_pending(self.root())
    }
}

/// The claims a reader of the top-level claims `names` sees, `None` when there are none, and
/// how long the answer stays right. Raises for a claims setting that is not a JSON object, and
/// in verify mode for a token that does not verify.
pub fn view(names: &[&str]) -> (Option<View>, Validity) {
    match current() {
        (Resolved::Claims(c), validity) => (Some(View::Shared(c)), validity),
        (Resolved::Nothing, validity) => (None, validity),
        (Resolved::Invalid(err), _) => err.raise(),
        (Resolved::Legacy, _) => (legacy(names).map(View::Assembled), Validity::Call),
    }
}

/// An object of the claims `names` found in the legacy per-claim settings; with no names, of
/// every claim that has such a setting (named as its setting was first set: setting names
/// ignore case, so claims that differ only in case share one).
fn legacy(names: &[&str]) -> Option<Claims> {
    let mut every = Vec::new();
    if names.is_empty() {
        every = guc_records::names_under("request.jwt.claim.");
        for name in guc_records::names_under("jwt.claims.") {
            if !every.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                every.push(name);
            }
        }
    }
    let every: Vec<&str> = every.iter().map(String::as_str).collect();
    let names = if names.is_empty() { &every[..] } else { names };
    let mut found: Vec<(&str, String)> = Vec::new();
    for name in names {
        for prefix in ["request.jwt.claim.", "jwt.claims."] {
            let Ok(setting) = CString::new(format!("{prefix}{name}")) else {
                continue;
            };
            let value = watch::by_name(&setting).and_then(|t| {
                let text = t
                    .to_str()
                    .unwrap_or_else(|_| settings::not_utf8(&setting.to_string_lossy()).raise());
                legacy_claim_json(text)
            });
            if let Some(value) = value {
                found.push((name, value));
                break;
            }
        }
    }
    assemble_legacy(&found)
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_tokens_from_postgrest_headers() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                r#"{"authorization":"Bearer abc.def.ghi"}"#,
                Some("abc.def.ghi"),
            ),
            (
                r#"{"authorization":"bearer  abc.def.ghi "}"#,
                Some("abc.def.ghi"),
            ),
            (r#"{"authorization":"Basic dXNlcjpwYXNz"}"#, None),
            (r#"{"authorization":"Bearer"}"#, None),
            (r#"{"authorization":"Bearer "}"#, None),
            (r#"{"authorization":42}"#, None),
            (r#"{"accept":"*/*"}"#, None),
            ("", None),
        ];
        for (headers, want) in cases {
            assert_eq!(
                bearer_token(headers).ok().flatten().as_deref(),
                *want,
                "{headers}"
            );
        }
        assert!(bearer_token("not json").is_err());
        assert!(bearer_token("[1]").is_err());
    }
}
