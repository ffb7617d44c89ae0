//! The fuzz targets' bodies: each takes the raw input, calls the core, and asserts invariants
//! that must hold for every input. A panic here is a finding.

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::claims::{self, Claims};
use crate::clerk;
use crate::keys::{fixtures, HMAC_SECRET};
use crate::verify::{self, JoseError, KeySet, Policy};

/// A target's body: one input, panics on a finding.
pub type Target = fn(&[u8]);

/// Every target by name, for replaying `regressions/<name>/*`.
pub const TARGETS: &[(&str, Target)] = &[
    ("token_decode", token_decode),
    ("token_verify", token_verify),
    ("claims_parse", claims_parse),
    ("clerk_decode", clerk_decode),
    ("clerk_v2", clerk_v2),
    ("json_strict", json_strict),
];

/// Error messages never echo a whole token, key material or the secret (STYLE.md, verify docs).
/// Identifiers are quoted and cut to 64 characters, so only longer inputs are checked.
fn assert_no_leak(message: &str, input: &str) {
    assert!(
        !message.contains(HMAC_SECRET),
        "message echoes the HMAC secret: {message}"
    );
    if input.len() > 80 {
        assert!(
            !message.contains(input),
            "message echoes the input: {message}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// token_decode

/// `verify::decode`: structural decoding only. Errors are always `Malformed`; a decoded
/// header is an object with a string `alg`, and header and payload are exactly the JSON of
/// the first two segments.
pub fn token_decode(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    match verify::decode(token) {
        Ok(decoded) => {
            assert!(decoded.header.get("alg").is_some_and(Value::is_string));
            let mut segments = token.split('.');
            let (Some(h), Some(p), Some(s), None) = (
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
            ) else {
                panic!("decoded a token without exactly three segments");
            };
            let reparse = |seg: &str| -> Value {
                let bytes = URL_SAFE_NO_PAD
                    .decode(seg)
                    .expect("decoded segment is base64url");
                serde_json::from_slice(&bytes).expect("decoded segment is JSON")
            };
            assert_eq!(reparse(h), decoded.header);
            assert_eq!(reparse(p), decoded.payload);
            assert!(URL_SAFE_NO_PAD.decode(s).is_ok());
        }
        Err(JoseError::Malformed(message)) => assert_no_leak(&message, token),
        Err(other) => panic!("decode returned a non-Malformed error: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// token_verify

/// The input as a token against each fixed key set under two policies, as key material for
/// the fixed tokens, and (when it is a JSON object) as claims to sign and verify again.
pub fn token_verify(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fx = fixtures();
    for (_, set) in &fx.key_sets {
        check_verify(text, set, &fx.open());
        check_verify(text, set, &fx.strict());
    }

    match KeySet::parse(text) {
        Ok(set) => {
            for (_, token) in &fx.tokens {
                check_verify(token, &set, &fx.open());
            }
        }
        Err(JoseError::InvalidKey(message)) => assert_no_leak(&message, text),
        Err(other) => panic!("KeySet::parse returned a non-InvalidKey error: {other:?}"),
    }

    if let Ok(claims @ Value::Object(_)) = serde_json::from_str::<Value>(text) {
        let token = verify::sign(&claims, HMAC_SECRET, "HS256").expect("HS256 signs any object");
        let hmac = &fx.key_sets[0].1;
        let jws = verify::verify_signature(&token, hmac, &[]).expect("own token verifies");
        assert_eq!(jws.payload, serde_json::to_vec(&claims).unwrap());
        check_verify(&token, hmac, &fx.open());
    }
}

/// `verify::verify` must agree with `decode`, `verify_signature` and the policy it was given.
fn check_verify(token: &str, keys: &KeySet, policy: &Policy) {
    match verify::verify(token, keys, policy) {
        Ok(v) => {
            assert!(v.claims.root().is_object());
            let (header, claims) = (v.header.to_value(), v.claims.to_value());
            assert_eq!(header.get("alg"), Some(&Value::from(v.alg.name())));
            if !policy.algorithms.is_empty() {
                assert!(policy.algorithms.iter().any(|a| a == v.alg.name()));
            }
            let decoded = verify::decode(token).expect("a verified token decodes");
            assert_eq!(decoded.header, header);
            assert_eq!(decoded.payload, claims);
            let jws = verify::verify_signature(token, keys, policy.algorithms)
                .expect("a verified token's signature verifies");
            assert_eq!(jws.alg, v.alg);
            verify::check_time(v.exp, v.nbf, v.iat, policy.now, policy.leeway)
                .expect("a verified token is inside its time window");
            if let Some(issuer) = policy.issuer {
                assert_eq!(claims.get("iss"), Some(&Value::from(issuer)));
            }
            if !policy.authorized_parties.is_empty() {
                let azp = claims.get("azp").and_then(Value::as_str);
                assert!(policy
                    .authorized_parties
                    .iter()
                    .any(|p| Some(p.as_str()) == azp));
            }
        }
        Err(e) => assert_no_leak(e.message(), token),
    }
}

// ---------------------------------------------------------------------------------------
// claims_parse

const FIXED_PATHS: &[&[&str]] = &[
    &["sub"],
    &["role"],
    &["app_metadata", "roles", "0"],
    &["app_metadata", "roles", "-1"],
    &["o", "per"],
    &["a", " 1"],
    &["a", "+0"],
    &["a", "-2147483649"],
    &["a", "2147483648"],
    &[""],
    &[],
];

/// `Claims::parse` and every reader over the result.
pub fn claims_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_legacy(text);
    let Ok(parsed) = Claims::parse(text) else {
        return;
    };
    assert_eq!(parsed.text(), text);
    let obj = parsed
        .value()
        .as_object()
        .expect("parsed claims are an object");

    // Re-serialising and parsing again gives the same value (arbitrary_precision keeps numbers).
    let again = serde_json::to_string(parsed.value()).expect("claims serialise");
    let reparsed = Claims::parse(&again).expect("serialised claims parse");
    assert_eq!(reparsed.value(), parsed.value());

    let mut names: Vec<&str> = vec!["sub", "role", "email", "exp", "o", ""];
    names.extend(obj.keys().map(String::as_str).take(8));
    for name in &names {
        check_field_text(&parsed, name);
        assert_eq!(claims::get_path(parsed.value(), &[name]), obj.get(*name));
    }

    for path in FIXED_PATHS {
        check_typed(claims::get_path(parsed.value(), path));
    }
    // Paths into the input itself: each member, and into its arrays and objects.
    for (key, value) in obj.iter().take(8) {
        let steps: Vec<String> = match value {
            Value::Array(items) => ["0", "-1", "1"]
                .iter()
                .map(|s| s.to_string())
                .chain(std::iter::once(items.len().to_string()))
                .collect(),
            Value::Object(inner) => inner.keys().take(4).cloned().collect(),
            _ => vec!["0".into()],
        };
        for step in &steps {
            let found = claims::get_path(parsed.value(), &[key, step]);
            check_typed(found);
            if let (Value::Array(items), Ok(i)) = (value, step.parse::<usize>()) {
                assert_eq!(found, items.get(i), "path [{key:?}, {step:?}]");
            }
        }
    }
}

/// `json_field_text` is `->>`: a string unescaped, null absent, anything else the verbatim
/// text of the last member with that name, which parses back to the stored value.
fn check_field_text(parsed: &Claims, name: &str) {
    let got = parsed.json_field_text(name);
    match parsed.value().get(name) {
        None | Some(Value::Null) => assert_eq!(got, None, "field {name:?}"),
        Some(Value::String(s)) => assert_eq!(got.as_deref(), Some(s.as_str())),
        Some(other) => {
            let raw = got.expect("a non-null member has a text");
            let back: Value = serde_json::from_str(&raw).expect("member text is JSON");
            assert_eq!(&back, other, "field {name:?}");
        }
    }
}

fn check_typed(value: Option<&Value>) {
    let absent = matches!(value, None | Some(Value::Null));
    let found = value.map(claims::json_type);
    let check = |ok: bool, wanted: &str, err: Option<&claims::WrongType>| match err {
        None => assert!(ok || absent),
        Some(e) => {
            assert_eq!(e.wanted, wanted);
            assert_eq!(Some(e.found), found);
            assert_ne!(Some(wanted), found);
        }
    };
    let b = claims::as_bool(value);
    check(
        matches!(value, Some(Value::Bool(_))),
        "boolean",
        b.as_ref().err(),
    );
    let n = claims::as_number_text(value);
    check(
        matches!(value, Some(Value::Number(_))),
        "number",
        n.as_ref().err(),
    );
    if let (Ok(Some(text)), Some(Value::Number(num))) = (&n, value) {
        assert_eq!(*text, num.as_str());
    }
    let a = claims::as_array(value).map(|items| {
        items.map(|items| items.iter().map(claims::text_of).collect::<Vec<_>>())
    });
    check(
        matches!(value, Some(Value::Array(_))),
        "array",
        a.as_ref().err(),
    );
    if let (Ok(Some(items)), Some(Value::Array(raw))) = (&a, value) {
        assert_eq!(items.len(), raw.len());
        for (item, v) in items.iter().zip(raw) {
            assert_eq!(item.is_none(), v.is_null());
        }
    }
    if let Some(v) = value {
        match (claims::text_of(v), v) {
            (None, Value::Null) => {}
            (Some(t), Value::String(s)) => assert_eq!(t.as_ref(), s.as_str()),
            (Some(t), other) if !other.is_string() && !other.is_null() => {
                let back: Value = serde_json::from_str(&t).expect("text_of is JSON");
                assert_eq!(&back, other);
            }
            (got, v) => panic!("text_of({v:?}) = {got:?}"),
        }
    }
}

/// A legacy per-claim setting: '' is absent, JSON non-strings are themselves, anything else
/// (including a JSON string) is the text verbatim.
fn check_legacy(text: &str) {
    match claims::legacy_claim_value(text) {
        None => assert!(text.is_empty()),
        Some(Value::String(s)) => assert_eq!(s, text),
        Some(v) => assert_eq!(serde_json::from_str::<Value>(text).ok(), Some(v)),
    }
}

// ---------------------------------------------------------------------------------------
// clerk_decode

const FIXED_ARGS: &[&str] = &[
    "admin",
    "org:admin",
    "org:member",
    "",
    "org:",
    ":",
    "invoices:read",
    "org:invoices:read",
    "org:dashboard:manage",
    "dashboard:read",
    "dashboard",
    "o:dashboard",
    "org:teams",
    "u:export",
    "user:free",
    "pro",
    "x:bad",
    "o:",
];

/// Any JSON value as Clerk claims, through every public function of `clerk`.
pub fn clerk_decode(data: &[u8]) {
    let Ok(claims) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    check_clerk(&claims);
}

/// Arguments taken from the claims themselves, so the `has_*` functions can answer `true`.
fn derived_args(claims: &Value) -> Vec<String> {
    let mut args: Vec<String> = FIXED_ARGS.iter().map(|s| s.to_string()).collect();
    let Some(top) = claims.as_object() else {
        return args;
    };
    let o = top.get("o").and_then(Value::as_object);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let fea = text(top.get("fea"));
    let pla = text(top.get("pla"));
    let per = text(o.and_then(|o| o.get("per")));
    let features: Vec<&str> = items(&fea)
        .chain(items(&pla))
        .map(|item| item.split_once(':').map_or(item, |(_, name)| name))
        .take(4)
        .collect();
    let perms: Vec<&str> = items(&per).take(4).collect();
    for item in items(&fea).chain(items(&pla)).take(6) {
        args.push(item.to_owned());
    }
    for (i, f) in features.iter().enumerate() {
        args.push((*f).to_owned());
        for p in &perms {
            args.push(format!("org:{f}:{p}"));
            if i == 0 {
                args.push(format!("{f}:{p}"));
            }
        }
    }
    args.push(text(o.and_then(|o| o.get("rol"))));
    args.push(text(top.get("org_role")));
    if let Some(Value::Array(v1)) = top.get("org_permissions") {
        args.extend(
            v1.iter()
                .filter_map(Value::as_str)
                .take(6)
                .map(str::to_owned),
        );
    }
    let mut seen = BTreeSet::new();
    args.retain(|a| seen.insert(a.clone()));
    args
}

/// Comma-list items as the decoder sees them (trimmed, blanks dropped).
fn items(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn is_v2(claims: &Value) -> bool {
    claims.get("o").is_some() || claims.get("v").and_then(Value::as_u64) == Some(2)
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c == ':' || c == ',' || c.is_whitespace())
}

/// The names of `fea` entries whose scope includes the organization (no validity checks:
/// used only to test membership of what the decoder returned).
fn org_feature_names(claims: &Value) -> Vec<&str> {
    let fea = claims.get("fea").and_then(Value::as_str).unwrap_or("");
    items(fea)
        .filter_map(|item| item.split_once(':'))
        .filter(|(scope, _)| matches!(*scope, "o" | "ou" | "uo"))
        .map(|(_, name)| name)
        .collect()
}

fn per_names(claims: &Value) -> Vec<&str> {
    let per = claims
        .get("o")
        .and_then(|o| o.get("per"))
        .and_then(Value::as_str)
        .unwrap_or("");
    per.split(',').map(str::trim).collect()
}

/// The fail-closed invariants of `clerk` for one claims value; returns the permissions.
fn check_clerk(claims: &Value) -> Option<Vec<String>> {
    let id = clerk::org_id(claims);
    let role = clerk::org_role(claims);
    let slug = clerk::org_slug(claims);
    let perms = clerk::org_permissions(claims).unwrap_or(None);
    let _ = clerk::actor_id(claims);
    assert_eq!(
        clerk::is_pending(claims),
        clerk::session_status(claims) == Some("pending")
    );
    if let Some(id) = id {
        assert!(!id.trim().is_empty());
    } else {
        assert_eq!(role, None, "a role without an organization");
        assert_eq!(slug, None, "a slug without an organization");
        assert_eq!(perms, None, "permissions without an organization");
    }
    if let Some(role) = &role {
        let bare = role.strip_prefix("org:").expect("roles are org:-prefixed");
        assert!(!bare.is_empty());
        assert!(clerk::has_org_role(claims, role));
        assert!(clerk::has_org_role(claims, bare) || bare.starts_with("org:"));
    }

    if let Some(perms) = &perms {
        let unique: BTreeSet<&String> = perms.iter().collect();
        assert_eq!(unique.len(), perms.len(), "duplicate permissions {perms:?}");
        let v2 = is_v2(claims);
        let features = org_feature_names(claims);
        let per = per_names(claims);
        let v1_list: Vec<&str> = match claims.get("org_permissions") {
            Some(Value::Array(v)) => v.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for p in perms {
            let (feature, perm) = p
                .strip_prefix("org:")
                .and_then(|rest| rest.split_once(':'))
                .unwrap_or_else(|| panic!("permission {p:?} is not org:<feature>:<perm>"));
            assert!(is_name(feature) && is_name(perm), "permission {p:?}");
            if v2 {
                assert!(features.contains(&feature), "{p:?}: feature not in fea");
                assert!(per.contains(&perm), "{p:?}: permission not in o.per");
            } else {
                assert!(
                    v1_list.contains(&p.as_str()),
                    "{p:?}: not in org_permissions"
                );
            }
            assert!(clerk::has_permission(claims, p), "has_permission({p:?})");
            // The short form of a feature named `org` reads as prefixed (see clerk's tests).
            let short = format!("{feature}:{perm}");
            assert_eq!(clerk::has_permission(claims, &short), feature != "org");
        }
    }

    for arg in derived_args(claims) {
        let wanted = if arg.starts_with("org:") {
            arg.clone()
        } else {
            format!("org:{arg}")
        };
        let held = perms.as_ref().is_some_and(|p| p.contains(&wanted));
        assert_eq!(
            clerk::has_permission(claims, &arg),
            held,
            "has_permission({arg:?})"
        );
        if role.is_none() {
            assert!(!clerk::has_org_role(claims, &arg));
        }
        check_scoped(claims, &arg, id.is_some(), clerk::has_feature);
        check_scoped(claims, &arg, id.is_some(), clerk::has_plan);
    }
    perms
}

/// Scope rules of `has_feature`/`has_plan` for one argument.
fn check_scoped(
    claims: &Value,
    arg: &str,
    org_active: bool,
    f: fn(&Value, &str) -> Result<bool, clerk::ScopeError>,
) {
    let got = f(claims, arg);
    match arg.split_once(':') {
        Some((scope, _)) if !matches!(scope, "o" | "org" | "u" | "user") => {
            assert_eq!(
                got,
                Err(clerk::ScopeError {
                    scope: scope.to_owned()
                })
            );
        }
        Some(_) => assert!(got.is_ok()),
        None => {
            let any = got.expect("a bare name is a valid argument");
            let org = f(claims, &format!("o:{arg}")).unwrap();
            let user = f(claims, &format!("u:{arg}")).unwrap();
            assert_eq!(any, org || user, "{arg:?}: bare name is either scope");
            assert_eq!(f(claims, &format!("org:{arg}")).unwrap(), org);
            assert_eq!(f(claims, &format!("user:{arg}")).unwrap(), user);
            if !org_active {
                assert!(!org, "{arg:?}: org scope without an active organization");
            }
            if !is_v2(claims) {
                assert!(!any, "{arg:?}: v1 tokens have no features or plans");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// clerk_v2: structured v2 tokens, so the fea/per/fpm decoder is reached on most inputs.

const NAMES: &[&str] = &[
    "read",
    "manage",
    "delete",
    "dashboard",
    "teams",
    "x",
    "a_b",
    "é",
    "reports",
    "r-2",
];

#[derive(Arbitrary, Debug)]
enum Name {
    Pool(u8),
    Raw(String),
}

impl Name {
    fn text(&self) -> (String, bool) {
        match self {
            Name::Pool(i) => (NAMES[usize::from(*i) % NAMES.len()].to_owned(), true),
            Name::Raw(s) => (s.clone(), false),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Mask {
    /// Bits only below the width of `per`: always valid.
    Fit(u128),
    /// Any value (bits beyond `per` make the claim malformed).
    Any(u128),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct V2Token {
    features: Vec<(u8, Name)>,
    per: Vec<Name>,
    masks: Vec<Mask>,
    /// Pad or cut `fpm` to one mask per org-scoped feature.
    exact_fpm_len: bool,
    id: Option<String>,
    rol: Option<String>,
    /// `v`: absent, 2, or another number.
    v: Option<u8>,
    pla: Option<String>,
    /// Stale v1 fields that must never add a permission to a v2 token.
    v1_permissions: Vec<String>,
    /// Replace `fea`, `o.per` or `o.fpm` with raw text.
    raw_fea: Option<String>,
    raw_per: Option<String>,
    raw_fpm: Option<String>,
}

/// A v2 token from structured input; asserts the decoder's answer against an independent
/// reading of `fea`, `o.per` and `o.fpm`.
pub fn clerk_v2(data: &[u8]) {
    let Some((claims, valid)) = v2_claims(data) else {
        return;
    };
    let perms = check_clerk(&claims);
    if valid {
        assert!(perms.is_some(), "well-formed token refused: {claims}");
    }
    if let Some(perms) = perms {
        assert_complete(&claims, &perms);
    }
}

/// Builds the claims of a v2 token from the input, and whether it is well formed by
/// construction (pool names, masks within `per`, one mask per org-scoped feature).
pub fn v2_claims(data: &[u8]) -> Option<(Value, bool)> {
    let t = V2Token::arbitrary(&mut Unstructured::new(data)).ok()?;
    let mut valid = true;

    const SCOPES: [&str; 4] = ["o", "u", "ou", "uo"];
    let features: Vec<(&str, String)> = t
        .features
        .iter()
        .map(|(scope, name)| {
            let (name, pooled) = name.text();
            valid &= pooled;
            (SCOPES[usize::from(*scope) % 4], name)
        })
        .collect();
    let per: Vec<String> = t
        .per
        .iter()
        .map(|n| {
            let (name, pooled) = n.text();
            valid &= pooled;
            name
        })
        .collect();
    let width = per.len();
    let org_count = features.iter().filter(|(s, _)| *s != "u").count();
    let mut masks: Vec<String> = t
        .masks
        .iter()
        .map(|m| match m {
            Mask::Fit(bits) => {
                let fit = u32::try_from(width)
                    .ok()
                    .and_then(|w| 1u128.checked_shl(w))
                    .map_or(u128::MAX, |limit| limit - 1);
                (bits & fit).to_string()
            }
            Mask::Any(bits) => {
                valid &= width >= 128 || bits >> width == 0;
                bits.to_string()
            }
            Mask::Raw(s) => {
                valid = false;
                s.clone()
            }
        })
        .collect();
    if t.exact_fpm_len {
        masks.resize(org_count, "0".into());
    } else {
        valid &= masks.len() == org_count;
    }

    let mut fea = features
        .iter()
        .map(|(scope, name)| format!("{scope}:{name}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut per_text = per.join(",");
    let mut fpm = masks.join(",");
    for (field, raw) in [
        (&mut fea, &t.raw_fea),
        (&mut per_text, &t.raw_per),
        (&mut fpm, &t.raw_fpm),
    ] {
        if let Some(raw) = raw {
            *field = raw.clone();
            valid = false;
        }
    }
    let id = t.id.clone().unwrap_or_else(|| "org_fuzz".into());
    valid &= !id.trim().is_empty();

    let mut o = Map::new();
    o.insert("id".into(), Value::from(id));
    o.insert("per".into(), Value::from(per_text));
    o.insert("fpm".into(), Value::from(fpm));
    if let Some(rol) = &t.rol {
        o.insert("rol".into(), Value::from(rol.as_str()));
    }
    let mut claims = json!({ "sub": "user_fuzz", "fea": fea, "o": o });
    if let Some(v) = t.v {
        claims["v"] = json!(if v % 2 == 0 { 2 } else { u64::from(v) });
    }
    if let Some(pla) = &t.pla {
        claims["pla"] = json!(pla);
    }
    if !t.v1_permissions.is_empty() {
        claims["org_id"] = json!("org_v1");
        claims["org_permissions"] = json!(t.v1_permissions);
    }

    Some((claims, valid))
}

/// Every (org feature, set bit) of a decoded token is granted: the decoder drops nothing.
fn assert_complete(claims: &Value, perms: &[String]) {
    let features = org_feature_names(claims);
    let per = per_names(claims);
    let fpm = claims["o"]["fpm"].as_str().unwrap_or("");
    if fpm.trim().is_empty() {
        return;
    }
    for (feature, mask) in features.iter().zip(fpm.split(',').map(str::trim)) {
        let mask: u128 = mask.parse().expect("decoded fpm entries are integers");
        for (bit, perm) in per.iter().enumerate() {
            if bit < 128 && mask & (1u128 << bit) != 0 {
                let key = format!("org:{feature}:{perm}");
                assert!(perms.contains(&key), "{key} missing from {perms:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// json_strict

/// The strict JSON parser against `serde_json`: what one accepts the other accepts, with the
/// same value, except text that repeats a member name or holds `\u0000` (refused on purpose,
/// and said so). Object keys come back in jsonb's order, each once. The lenient parse that
/// claims settings use (`parse_value`) accepts exactly what `serde_json` accepts, and agrees
/// with the strict one wherever that accepts. Texts naming `$serde_json::private::…` members,
/// which `serde_json` reads as numbers or raw JSON, are plain objects to both parsers.
pub fn json_strict(data: &[u8]) {
    let magic = data.windows(20).any(|w| w == b"$serde_json::private");
    let theirs = serde_json::from_slice::<Value>(data);
    let lenient = std::str::from_utf8(data).ok().map(verify::parse_value);
    match verify::parse_claims(data.to_vec()) {
        Ok(doc) => {
            let value = doc.to_value();
            if !magic {
                let theirs = theirs
                    .as_ref()
                    .expect("serde_json refuses JSON the strict parser accepted");
                assert_eq!(&value, theirs);
            }
            assert_eq!(lenient, Some(Ok(value)), "the lenient parse differs");
            check_key_order(doc.root());
        }
        Err(e) => {
            assert!(matches!(e, JoseError::Malformed(_)), "{e:?}");
            let m = e.message();
            let refused_on_purpose =
                m.contains("duplicate member name") || m.contains("NUL character");
            if refused_on_purpose {
                assert!(matches!(lenient, Some(Ok(_))), "valid JSON refused: {m}");
            } else {
                assert!(m.starts_with("claims is not valid JSON"), "{m}");
                assert!(
                    !matches!(lenient, Some(Ok(_))),
                    "only the lenient parse accepts"
                );
            }
            if !magic {
                assert_eq!(theirs.is_ok(), refused_on_purpose, "{m}");
            }
        }
    }
    if let (false, Some(Ok(ours)), Ok(theirs)) = (magic, &lenient, &theirs) {
        assert_eq!(ours, theirs);
    }
}

/// Every object's keys in jsonb's order (length, then bytes), strictly increasing.
fn check_key_order(item: verify::Item) {
    match item.kind() {
        verify::Kind::Object(members) => {
            let sorted: Vec<(&str, verify::Item)> = item.jsonb_members().collect();
            assert_eq!(sorted.len(), members.len());
            for pair in sorted.windows(2) {
                let (a, b) = (pair[0].0, pair[1].0);
                assert!(
                    (a.len(), a.as_bytes()) < (b.len(), b.as_bytes()),
                    "{a:?} {b:?}"
                );
            }
            for (name, value) in sorted {
                assert!(item.get(name).is_some(), "{name:?} not found");
                check_key_order(value);
            }
        }
        verify::Kind::Array(elements) => elements.for_each(check_key_order),
        _ => {}
    }
}
