//! The fuzz targets' bodies: each takes the raw input, calls the core, and asserts invariants
//! that must hold for every input. A panic here is a finding.

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::keys::{fixtures, HMAC_SECRET};
use pg_jwt_claims_core::claims::{self, Claims};
use pg_jwt_claims_core::clerk;
use pg_jwt_claims_core::jose::{self, JoseError, KeySet, Policy};
use pg_jwt_claims_core::json;

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

/// `jose::decode`: structural decoding only. Errors are always `Malformed`; a decoded
/// header is an object with a string `alg`, and header and payload are exactly the JSON of
/// the first two segments.
pub fn token_decode(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    match jose::decode(token) {
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
        let token = jose::sign(&claims, HMAC_SECRET, "HS256").expect("HS256 signs any object");
        let hmac = &fx.key_sets[0].1;
        let jws = jose::verify_signature(&token, hmac, &[]).expect("own token verifies");
        assert_eq!(jws.payload, serde_json::to_vec(&claims).unwrap());
        check_verify(&token, hmac, &fx.open());
    }
}

/// `jose::verify` must agree with `decode`, `verify_signature` and the policy it was given.
fn check_verify(token: &str, keys: &KeySet, policy: &Policy) {
    match jose::verify(token, keys, policy) {
        Ok(v) => {
            assert!(v.claims.root().is_object());
            let (header, claims) = (v.header.to_value(), v.claims.to_value());
            assert_eq!(header.get("alg"), Some(&Value::from(v.alg.name())));
            if !policy.algorithms.is_empty() {
                assert!(policy.algorithms.iter().any(|a| a == v.alg.name()));
            }
            let decoded = jose::decode(token).expect("a verified token decodes");
            assert_eq!(decoded.header, header);
            assert_eq!(decoded.payload, claims);
            let jws = jose::verify_signature(token, keys, policy.algorithms)
                .expect("a verified token's signature verifies");
            assert_eq!(jws.alg, v.alg);
            jose::check_time(v.exp, v.nbf, v.iat, policy.now, policy.leeway)
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

/// `Claims::parse` and every reader over the result. The readers walk the parsed document in
/// place; the model is the same document built into a `serde_json::Value` (which keeps the last
/// of repeated names, as the readers must).
pub fn claims_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_legacy(text);
    let Ok(parsed) = Claims::parse(text) else {
        return;
    };
    assert_eq!(parsed.text(), text);
    let model = parsed.root().to_value();
    let obj = model.as_object().expect("parsed claims are an object");

    // Re-serialising and parsing again gives the same value (arbitrary_precision keeps numbers).
    let again = serde_json::to_string(&model).expect("claims serialise");
    let reparsed = Claims::parse(&again).expect("serialised claims parse");
    assert_eq!(reparsed.root().to_value(), model);
    // jsonb's view: one member per name, in jsonb's key order.
    assert_eq!(parsed.root().jsonb_members().len(), obj.len());

    let mut names: Vec<&str> = vec!["sub", "role", "email", "exp", "o", ""];
    names.extend(obj.keys().map(String::as_str).take(8));
    for name in &names {
        check_field_text(&parsed, obj.get(*name), name);
        let found = claims::get_path(parsed.root(), &[name]);
        assert_eq!(found.map(json::Item::to_value).as_ref(), obj.get(*name));
    }

    for path in FIXED_PATHS {
        let found = claims::get_path(parsed.root(), path);
        check_typed(found, found.map(json::Item::to_value).as_ref());
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
            let found = claims::get_path(parsed.root(), &[key, step]);
            let found_value = found.map(json::Item::to_value);
            check_typed(found, found_value.as_ref());
            if let (Value::Array(items), Ok(i)) = (value, step.parse::<usize>()) {
                assert_eq!(
                    found_value.as_ref(),
                    items.get(i),
                    "path [{key:?}, {step:?}]"
                );
            }
        }
    }
}

/// `json_field_text` is `->>`: a string unescaped, null absent, anything else the verbatim
/// text of the last member with that name, which parses back to the stored value.
fn check_field_text(parsed: &Claims, member: Option<&Value>, name: &str) {
    let got = parsed.json_field_text(name);
    match member {
        None | Some(Value::Null) => assert_eq!(got, None, "field {name:?}"),
        Some(Value::String(s)) => assert_eq!(got.as_deref(), Some(s.as_str())),
        Some(other) => {
            let raw = got.expect("a non-null member has a text");
            let back = json::parse_value(&raw).expect("member text is JSON");
            assert_eq!(&back, other, "field {name:?}");
        }
    }
}

/// The typed readers over `item`, against `value`, the same claim as a `serde_json::Value`.
fn check_typed(item: Option<json::Item<'_>>, value: Option<&Value>) {
    let absent = matches!(value, None | Some(Value::Null));
    let found = item.map(claims::json_type);
    let check = |ok: bool, wanted: &str, err: Option<&claims::WrongType>| match err {
        None => assert!(ok || absent),
        Some(e) => {
            assert_eq!(e.wanted, wanted);
            assert_eq!(Some(e.found), found);
            assert_ne!(Some(wanted), found);
        }
    };
    let b = claims::as_bool(item);
    check(
        matches!(value, Some(Value::Bool(_))),
        "boolean",
        b.as_ref().err(),
    );
    let n = claims::as_number_text(item);
    check(
        matches!(value, Some(Value::Number(_))),
        "number",
        n.as_ref().err(),
    );
    if let (Ok(Some(text)), Some(Value::Number(num))) = (&n, value) {
        // The text as written (`1e4`), which serde_json may print otherwise (`1e+4`).
        assert_eq!(
            json::parse_value(text).ok(),
            Some(Value::Number(num.clone()))
        );
    }
    let a = claims::as_array(item)
        .map(|items| items.map(|items| items.map(claims::text_of).collect::<Vec<_>>()));
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
    if let (Some(i), Some(v)) = (item, value) {
        match (claims::text_of(i), v) {
            (None, Value::Null) => {}
            (Some(t), Value::String(s)) => assert_eq!(t.as_ref(), s.as_str()),
            (Some(t), other) if !other.is_string() && !other.is_null() => {
                let back = json::parse_value(&t).expect("text_of is JSON");
                assert_eq!(&back, other);
            }
            (got, v) => panic!("text_of({v:?}) = {got:?}"),
        }
    }
}

/// A legacy per-claim setting: '' is absent, JSON non-strings are themselves, anything else
/// (including a JSON string) is the text verbatim.
fn check_legacy(text: &str) {
    let Some(json_text) = claims::legacy_claim_json(text) else {
        assert!(text.is_empty());
        return;
    };
    let assembled = claims::assemble_legacy(&[("c", json_text)]).expect("assembles");
    match assembled.root().get("c").map(json::Item::to_value) {
        Some(Value::String(s)) => assert_eq!(s, text),
        Some(v) => assert_eq!(json::parse_value(text).ok(), Some(v)),
        None => panic!("legacy value missing: {text:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// clerk_decode
//
// `clerk` answers exactly what Clerk's JavaScript SDK answers (tests/clerk-sdk/SEMANTICS.md),
// failing closed where the SDK throws or passes through a type SQL text cannot hold. The
// invariants below check it against a small model of the SDK written from SEMANTICS.md, not
// from clerk.rs: the version switch, what throws, the auth object's fields, the fea/per/fpm
// expansion, and has() for roles, permissions, features and plans.

const FIXED_ARGS: &[&str] = &[
    "admin",
    "org:admin",
    "org:org:admin",
    "org:member",
    "",
    "org:",
    ":",
    "o",
    "invoices:read",
    "org:invoices:read",
    "org:dashboard:manage",
    "dashboard:read",
    "dashboard",
    "o:dashboard",
    "organization:dashboard",
    "org:teams",
    "u:export",
    "user:free",
    "ou:teams",
    "pro",
    "x:bad",
    "o:",
    "O:dashboard",
];

/// Any JSON value as Clerk claims, through every public function of `clerk`.
pub fn clerk_decode(data: &[u8]) {
    let Ok(claims) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let _ = check_clerk(&claims);
}

/// Arguments taken from the claims themselves, so the `has_*` functions can answer `true`,
/// with the prefixes and scopes that must (or must not) reach the same entry.
fn derived_args(claims: &Value) -> Vec<String> {
    let mut args: Vec<String> = FIXED_ARGS.iter().map(|s| s.to_string()).collect();
    let Some(top) = claims.as_object() else {
        return args;
    };
    let o = top.get("o").and_then(Value::as_object);
    fn text(v: Option<&Value>) -> &str {
        v.and_then(Value::as_str).unwrap_or("")
    }
    let mut names: Vec<&str> = Vec::new();
    for list in [text(top.get("fea")), text(top.get("pla"))] {
        for item in list.split(',').take(6) {
            args.push(item.to_owned());
            let item = js_trim(item);
            args.push(item.to_owned());
            if let Some((_, name)) = item.split_once(':') {
                names.push(name);
            }
        }
    }
    let per: Vec<&str> = text(o.and_then(|o| o.get("per")))
        .split(',')
        .map(js_trim)
        .take(4)
        .collect();
    for (i, name) in names.iter().take(4).enumerate() {
        for scope in ["", "o:", "org:", "organization:", "u:", "user:", "ou:"] {
            args.push(format!("{scope}{name}"));
        }
        for p in &per {
            args.push(format!("{name}:{p}"));
            if i == 0 {
                args.push(format!("org:{name}:{p}"));
                args.push(format!("org:org:{name}:{p}"));
            }
        }
    }
    for role in [
        text(o.and_then(|o| o.get("rol"))),
        text(top.get("org_role")),
    ] {
        args.push(role.to_owned());
        args.push(format!("org:{role}"));
        args.push(strip_org(role).to_owned());
    }
    if let Some(Value::Array(v1)) = top.get("org_permissions") {
        for p in v1.iter().filter_map(Value::as_str).take(6) {
            args.push(p.to_owned());
            args.push(p.strip_prefix("org:").unwrap_or(p).to_owned());
            args.push(strip_org(p).to_owned());
        }
    }
    let mut seen = BTreeSet::new();
    args.retain(|a| seen.insert(a.clone()));
    args
}

/// JavaScript's `String.prototype.trim` whitespace (WhiteSpace and LineTerminator): TAB, VT,
/// FF, SP, NBSP, ZWNBSP (U+FEFF), the other Zs characters, LF, CR, LS and PS. Not U+0085.
fn is_js_space(c: char) -> bool {
    const SPACES: &[char] = &[
        '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{a0}', '\u{1680}', '\u{2028}', '\u{2029}',
        '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}',
    ];
    SPACES.contains(&c) || ('\u{2000}'..='\u{200a}').contains(&c)
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

/// JavaScript truthiness of a claim after `JSON.parse`: absent, null, false, 0 (any zero,
/// including numbers that underflow to it) and "" are falsy; a number too large for a double
/// is Infinity, truthy.
fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.to_string().parse::<f64>().is_ok_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// `switch (claims.v) { case 2: … }`: `v` parses to the double 2.
fn is_v2(top: &Map<String, Value>) -> bool {
    top.get("v")
        .and_then(Value::as_number)
        .and_then(|n| n.to_string().parse::<f64>().ok())
        == Some(2.0)
}

/// `has()` needs `userId` truthy; `verifyToken` needs `sub` a string: a non-empty string.
fn signed_in(claims: &Value) -> bool {
    matches!(claims.get("sub"), Some(Value::String(s)) if !s.is_empty())
}

/// The value without any number of leading `org:` (`prefixWithOrg` minus its `org:`).
fn strip_org(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("org:") {
        s = rest;
    }
    s
}

/// What `has({ permission })` looks up for an argument: `prefixWithOrg(argument)`.
fn asked_permission(arg: &str) -> String {
    format!("org:{}", strip_org(arg))
}

/// The organization half of the SDK's auth object for some claims.
enum Model<'a> {
    /// Not an object, or v2 without a truthy `o`: no organization fields.
    Absent,
    /// `v` is not 2: `org_id`, `org_role`, `org_slug`, `org_permissions` as they are.
    V1(&'a Map<String, Value>),
    /// `v` is 2 and `o` truthy (of any type; only an object has fields).
    V2 {
        o: Option<&'a Map<String, Value>>,
        /// `splitByScope(fea).org`.
        features: Vec<&'a str>,
        per: Vec<&'a str>,
        fpm: Vec<&'a str>,
    },
    /// Building the auth object throws: the organization fails closed.
    Throws,
}

/// The permissions the model expects `org_permissions` to give.
#[derive(Debug)]
enum Expected {
    List(Option<Vec<String>>),
    TooLarge,
    /// Too costly for the model to work out (huge masks); only loose checks apply.
    Unknown,
}

impl<'a> Model<'a> {
    fn of(claims: &'a Value) -> Self {
        let Some(top) = claims.as_object() else {
            return Model::Absent;
        };
        if !is_v2(top) {
            return Model::V1(top);
        }
        let o = top.get("o");
        if !truthy(o) {
            return Model::Absent;
        }
        let o = o.and_then(Value::as_object);
        let mut features = Vec::new();
        let fea = top.get("fea");
        if truthy(fea) {
            // `fea.split` of a non-string, or an item without a colon, throws.
            let Some(fea) = fea.and_then(Value::as_str) else {
                return Model::Throws;
            };
            for item in fea.split(',') {
                let Some((scope, name)) = js_trim(item).split_once(':') else {
                    return Model::Throws;
                };
                if matches!(scope, "o" | "ou" | "uo") {
                    features.push(name);
                }
            }
        }
        let (mut per, mut fpm) = (Vec::new(), Vec::new());
        if let Some(o) = o {
            let (p, m) = (o.get("per"), o.get("fpm"));
            if truthy(p) && truthy(m) {
                let (Some(p), Some(m)) = (p.and_then(Value::as_str), m.and_then(Value::as_str))
                else {
                    return Model::Throws;
                };
                per = p.split(',').map(js_trim).collect();
                fpm = m.split(',').map(js_trim).collect();
            }
        }
        Model::V2 {
            o,
            features,
            per,
            fpm,
        }
    }

    /// `orgId`, `orgRole`, `orgSlug`, with the deliberate differences: non-strings and an empty
    /// id are absent, and a v2 `rol` that is not a non-empty string gives no role.
    fn fields(&self) -> (Option<&'a str>, Option<String>, Option<&'a str>) {
        let s = |m: Option<&'a Map<String, Value>>, k: &str| m?.get(k)?.as_str();
        match self {
            Model::Absent | Model::Throws => (None, None, None),
            Model::V1(top) => (
                s(Some(top), "org_id").filter(|id| !id.is_empty()),
                s(Some(top), "org_role").map(str::to_owned),
                s(Some(top), "org_slug"),
            ),
            Model::V2 { o, .. } => (
                s(*o, "id").filter(|id| !id.is_empty()),
                s(*o, "rol")
                    .filter(|r| !r.is_empty())
                    .map(|r| format!("org:{r}")),
                s(*o, "slg"),
            ),
        }
    }

    fn permissions(&self) -> Expected {
        match self {
            Model::Absent | Model::Throws => Expected::List(None),
            Model::V1(top) => Expected::List(match top.get("org_permissions") {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|p| p.as_str().map(str::to_owned))
                    .collect(),
                _ => None,
            }),
            Model::V2 {
                features, per, fpm, ..
            } => expand(features, per, fpm),
        }
    }

    /// The list `has({ permission })` searches, when known: the v1 array's strings (a
    /// non-string entry hides the list from SQL but not from `includes`), or the v2 list.
    fn searched<'p>(
        &self,
        perms: &'p Result<Option<Vec<String>>, clerk::TooLarge>,
    ) -> Option<Vec<&'p str>>
    where
        'a: 'p,
    {
        match self {
            Model::V1(top) => match top.get("org_permissions") {
                Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_str).collect()),
                _ => Some(Vec::new()),
            },
            Model::V2 { .. } => perms
                .as_ref()
                .ok()?
                .as_ref()
                .map(|l| l.iter().map(String::as_str).collect()),
            Model::Absent | Model::Throws => Some(Vec::new()),
        }
    }
}

/// `buildOrgPermissions`: mask *j* belongs to the *j*-th org feature; bit *i* (LSB first) of a
/// `/^\d+$/` mask grants `per[i]`; features without a mask, masks that are not digits and bits
/// beyond `per` grant nothing. Plus clerk's cap on the list's bytes.
fn expand(features: &[&str], per: &[&str], fpm: &[&str]) -> Expected {
    let width = per.len();
    // Repeated halving costs digits × bits; skip claims that would make it slow.
    let cost = features
        .iter()
        .zip(fpm)
        .map(|(_, m)| {
            m.len()
                .saturating_mul(width.min(m.len().saturating_mul(4) + 4))
        })
        .fold(0usize, usize::saturating_add);
    if cost > 20_000_000 {
        return Expected::Unknown;
    }
    let mut grants: Vec<(&str, &str)> = Vec::new();
    let mut bytes = 0usize;
    for (feature, mask) in features.iter().zip(fpm) {
        let Some(bits) = low_bits(mask, width) else {
            continue;
        };
        for (bit, perm) in bits.iter().zip(per) {
            if *bit {
                bytes = bytes.saturating_add("org:".len() + feature.len() + 1 + perm.len());
                grants.push((feature, perm));
            }
        }
    }
    if bytes > clerk::MAX_EXPANDED_BYTES {
        return Expected::TooLarge;
    }
    Expected::List(Some(
        grants
            .into_iter()
            .map(|(f, p)| format!("org:{f}:{p}"))
            .collect(),
    ))
}

/// The SDK's `decimalToBinaryBits`: `None` unless ASCII digits; else the bits of the decimal,
/// least significant first, by repeated halving, the first `width` of them at most.
fn low_bits(decimal: &str, width: usize) -> Option<Vec<bool>> {
    if decimal.is_empty() || !decimal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
    let mut start = 0;
    let mut bits = Vec::new();
    while bits.len() < width {
        while digits.get(start) == Some(&0) {
            start += 1;
        }
        if start == digits.len() {
            break;
        }
        let mut rem = 0;
        for d in &mut digits[start..] {
            let v = rem * 10 + *d;
            *d = v / 2;
            rem = v % 2;
        }
        bits.push(rem == 1);
    }
    Some(bits)
}

/// The invariants of `clerk` for one claims value; returns `org_permissions`.
fn check_clerk(claims: &Value) -> Result<Option<Vec<String>>, clerk::TooLarge> {
    let model = Model::of(claims);
    // The extension reads the claims as one parsed document.
    let doc = json::parse_lenient(claims.to_string()).expect("a Value prints as JSON");
    let item = doc.root();
    let checked = clerk::check(item);
    let id = clerk::org_id(item);
    let role = clerk::org_role(item);
    let slug = clerk::org_slug(item);
    let perms = clerk::org_permissions(item);

    // Independent of the organization.
    let act_sub = claims.get("act").and_then(|a| a.get("sub"));
    assert_eq!(clerk::actor_id(item), act_sub.and_then(Value::as_str));
    let sts = claims.get("sts").and_then(Value::as_str);
    assert_eq!(clerk::session_status(item), sts);
    assert_eq!(clerk::is_pending(item), sts == Some("pending"));

    // Where the SDK throws, the organization fails closed.
    assert_eq!(
        checked.is_err(),
        matches!(model, Model::Throws),
        "check() against the SDK's throws: {claims}"
    );
    if checked.is_err() {
        assert_eq!((id, role.as_deref(), slug), (None, None, None), "{claims}");
        assert_eq!(perms, Ok(None), "{claims}");
    }

    // The auth object's fields.
    let (want_id, want_role, want_slug) = model.fields();
    assert_eq!(id, want_id, "org_id: {claims}");
    assert_eq!(role.as_deref(), want_role.as_deref(), "org_role: {claims}");
    assert_eq!(slug, want_slug, "org_slug: {claims}");
    if let Some(id) = id {
        assert!(!id.is_empty());
    }
    match (model.permissions(), &perms) {
        (Expected::List(want), Ok(got)) => assert_eq!(got, &want, "org_permissions: {claims}"),
        (Expected::TooLarge, Err(clerk::TooLarge)) => {}
        (Expected::Unknown, Ok(Some(_)) | Err(clerk::TooLarge)) => {}
        (want, got) => panic!("org_permissions: {got:?}, the model says {want:?}: {claims}"),
    }
    if let Ok(Some(list)) = &perms {
        let bytes = list.iter().map(String::len).fold(0, usize::saturating_add);
        assert!(bytes <= clerk::MAX_EXPANDED_BYTES);
    }
    if perms.is_err() {
        assert!(matches!(model, Model::V2 { .. }), "only v2 expands");
    }

    // has(): a signed-in user, an auth object, and for roles and permissions an organization id.
    let user = signed_in(claims);
    let in_org = user && id.is_some();
    let searched = model.searched(&perms);
    let held_role = role.as_deref().filter(|r| !r.is_empty());
    if let (true, Some(r)) = (in_org, held_role) {
        for arg in [
            r,
            strip_org(r),
            &format!("org:{r}"),
            &format!("org:org:{}", strip_org(r)),
        ] {
            assert!(
                clerk::has_org_role(item, arg),
                "has_org_role({arg:?}) of {r:?}"
            );
        }
    }
    if let Ok(Some(list)) = &perms {
        for p in list.iter().take(32) {
            let got = clerk::has_permission(item, p);
            if !in_org {
                assert!(
                    !got,
                    "has_permission({p:?}) without a user or an organization"
                );
            } else if asked_permission(p) == *p {
                assert!(got, "has_permission({p:?}) of a listed permission");
                let short = p.strip_prefix("org:").unwrap_or(p);
                assert!(
                    clerk::has_permission(item, short),
                    "has_permission({short:?})"
                );
            }
        }
    }

    let builds = checked.is_ok();
    for arg in derived_args(claims) {
        let got = clerk::has_permission(item, &arg);
        if !in_org {
            assert!(
                !got,
                "has_permission({arg:?}) without a user or an organization"
            );
        } else if let Some(list) = &searched {
            let want = list.contains(&asked_permission(&arg).as_str());
            assert_eq!(got, want, "has_permission({arg:?}): {claims}");
        }
        let want = in_org && held_role.is_some_and(|r| strip_org(r) == strip_org(&arg));
        assert_eq!(
            clerk::has_org_role(item, &arg),
            want,
            "has_org_role({arg:?}): {claims}"
        );
        check_scoped(claims, item, &arg, builds, "fea", clerk::has_feature);
        check_scoped(claims, item, &arg, builds, "pla", clerk::has_plan);
    }
    perms
}

#[derive(Clone, Copy, PartialEq)]
enum Scope {
    Org,
    User,
    Either,
}

/// `checkForFeatureOrPlan` over `fea || ""` (or `pla`), with clerk's `ScopeError` for an
/// unknown scope (the SDK answers false). The argument is split on every `:` and only its
/// first two pieces count: the scope, and the name (the scope's text when empty).
fn billing_model(
    claims: &Value,
    key: &str,
    arg: &str,
    builds: bool,
) -> Result<bool, clerk::ScopeError> {
    let mut pieces = arg.split(':');
    let first = pieces.next().unwrap_or("");
    let (scope, id) = match pieces.next() {
        None => (Scope::Either, first),
        Some(second) => {
            let scope = match first {
                "o" | "org" | "organization" => Scope::Org,
                "u" | "user" => Scope::User,
                _ => {
                    return Err(clerk::ScopeError {
                        scope: first.to_owned(),
                    })
                }
            };
            (scope, if second.is_empty() { first } else { second })
        }
    };
    if !signed_in(claims) || !builds {
        return Ok(false);
    }
    let Some(Value::String(list)) = claims.get(key) else {
        return Ok(false);
    };
    if list.is_empty() {
        return Ok(false);
    }
    let (mut org, mut user) = (false, false);
    for item in list.split(',') {
        // `splitByScope` throws on an item without a colon; has() catches it: false.
        let Some((s, name)) = js_trim(item).split_once(':') else {
            return Ok(false);
        };
        if name == id {
            org |= matches!(s, "o" | "ou" | "uo");
            user |= matches!(s, "u" | "ou" | "uo");
        }
    }
    Ok(match scope {
        Scope::Org => org,
        Scope::User => user,
        Scope::Either => org || user,
    })
}

/// `has_feature`/`has_plan` for one argument: the model's answer, and the scope relations.
fn check_scoped(
    claims: &Value,
    item: json::Item<'_>,
    arg: &str,
    builds: bool,
    key: &str,
    f: fn(json::Item<'_>, &str) -> Result<bool, clerk::ScopeError>,
) {
    let got = f(item, arg);
    let want = billing_model(claims, key, arg, builds);
    assert_eq!(got, want, "{key} {arg:?}: {claims}");
    match arg.split_once(':') {
        Some((scope, _)) => {
            if !matches!(scope, "o" | "org" | "organization" | "u" | "user") {
                let want = clerk::ScopeError {
                    scope: scope.to_owned(),
                };
                assert_eq!(got, Err(want), "{key} {arg:?}");
            }
        }
        None => {
            let any = got.expect("an argument without a colon is valid");
            if !signed_in(claims) || !builds {
                assert!(!any, "{key} {arg:?} without a user or an auth object");
            }
            // `o:` + an empty name asks for `o`, so the relations hold for names only.
            if arg.is_empty() {
                return;
            }
            let scoped = |scope: &str| f(item, &format!("{scope}:{arg}"));
            let org = scoped("o").expect("o: is a scope");
            let user = scoped("u").expect("u: is a scope");
            assert_eq!(any, org || user, "{key} {arg:?}: bare is either scope");
            assert_eq!(scoped("org"), Ok(org));
            assert_eq!(scoped("organization"), Ok(org));
            assert_eq!(scoped("user"), Ok(user));
            let unknown = |scope: &str| clerk::ScopeError {
                scope: scope.to_owned(),
            };
            assert_eq!(scoped("ou"), Err(unknown("ou")));
            assert_eq!(scoped("O"), Err(unknown("O")));
            // Only the first two pieces count.
            assert_eq!(f(item, &format!("o:{arg}:x")), Ok(org));
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
    "org",
];

#[derive(Arbitrary, Debug)]
enum Name {
    Pool(u8),
    Raw(String),
}

impl Name {
    /// The name, and whether it comes from the pool (no comma, colon or white space).
    fn text(&self) -> (String, bool) {
        match self {
            Name::Pool(i) => (NAMES[usize::from(*i) % NAMES.len()].to_owned(), true),
            Name::Raw(s) => (s.clone(), false),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Mask {
    /// Bits only below the width of `per`.
    Fit(u128),
    /// Any value: bits beyond `per` are ignored.
    Any(u128),
    /// With leading zeros.
    Padded(u128, u8),
    /// `hi` then `lo` as 38 digits: wider than 128 bits; its low 38 bits are those of `lo`.
    Wide(u128, u128),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct V2Token {
    features: Vec<(u8, Name)>,
    per: Vec<Name>,
    masks: Vec<Mask>,
    /// Pad (with `0`) or cut `fpm` to one mask per org-scoped feature.
    exact_fpm_len: bool,
    id: Option<String>,
    rol: Option<String>,
    /// `sub`; `None` is a user.
    sub: Option<String>,
    /// `v`: mostly 2; also `2.0`, absent, `"2"` and 3 (v1).
    v: u8,
    pla: Option<String>,
    /// Stale v1 fields that must never add a permission to a v2 token.
    v1_permissions: Vec<String>,
    /// Replace `fea`, `o.per` or `o.fpm` with raw text.
    raw_fea: Option<String>,
    raw_per: Option<String>,
    raw_fpm: Option<String>,
}

/// A v2 token from structured input; besides `check_clerk`'s model, asserts the permissions
/// against the structured input itself when the token is well formed by construction.
pub fn clerk_v2(data: &[u8]) {
    let Some((claims, expected)) = v2_claims(data) else {
        return;
    };
    let perms = check_clerk(&claims);
    if let Some(expected) = expected {
        assert_eq!(perms, Ok(Some(expected)), "{claims}");
        let doc = json::parse_lenient(claims.to_string()).expect("a Value prints as JSON");
        assert_eq!(clerk::check(doc.root()), Ok(()));
    }
}

/// Builds the claims of a token from the input and, when it is a v2 token made of pool names
/// and masks whose bits are known, the permissions Clerk's SDK grants for it.
pub fn v2_claims(data: &[u8]) -> Option<(Value, Option<Vec<String>>)> {
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
    // Each mask's text and the value of its bits below min(width, 128).
    let mut masks: Vec<(String, u128)> = t
        .masks
        .iter()
        .map(|m| match m {
            Mask::Fit(bits) => {
                let fit = u32::try_from(width)
                    .ok()
                    .and_then(|w| 1u128.checked_shl(w))
                    .map_or(u128::MAX, |limit| limit - 1);
                ((bits & fit).to_string(), bits & fit)
            }
            Mask::Any(bits) => (bits.to_string(), *bits),
            Mask::Padded(bits, zeros) => {
                let zeros = "0".repeat(usize::from(*zeros % 40));
                (format!("{zeros}{bits}"), *bits)
            }
            Mask::Wide(hi, lo) => {
                let lo = lo % 10u128.pow(38);
                // 10^38 is a multiple of 2^38: only the low 38 bits are those of `lo`.
                valid &= width <= 38;
                (format!("{hi}{lo:038}"), lo)
            }
            Mask::Raw(s) => {
                valid = false;
                (s.clone(), 0)
            }
        })
        .collect();
    if t.exact_fpm_len {
        masks.resize(org_count, ("0".into(), 0));
    }

    let mut fea = features
        .iter()
        .map(|(scope, name)| format!("{scope}:{name}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut per_text = per.join(",");
    let mut fpm = masks
        .iter()
        .map(|(text, _)| text.as_str())
        .collect::<Vec<_>>()
        .join(",");
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

    let mut o = Map::new();
    o.insert(
        "id".into(),
        Value::from(t.id.clone().unwrap_or_else(|| "org_fuzz".into())),
    );
    o.insert("per".into(), Value::from(per_text));
    o.insert("fpm".into(), Value::from(fpm));
    if let Some(rol) = &t.rol {
        o.insert("rol".into(), Value::from(rol.as_str()));
    }
    let sub = t.sub.clone().unwrap_or_else(|| "user_fuzz".into());
    let mut claims = json!({ "sub": sub, "fea": fea, "o": o });
    match t.v % 8 {
        0 => valid = false,
        1 => {
            claims["v"] = json!(3);
            valid = false;
        }
        2 => {
            claims["v"] = json!("2");
            valid = false;
        }
        3 => claims["v"] = serde_json::from_str("2.0").expect("a JSON number"),
        _ => claims["v"] = json!(2),
    }
    if let Some(pla) = &t.pla {
        claims["pla"] = json!(pla);
    }
    if !t.v1_permissions.is_empty() {
        claims["org_id"] = json!("org_v1");
        claims["org_permissions"] = json!(t.v1_permissions);
    }
    if !valid {
        return Some((claims, None));
    }

    // Mask j belongs to the j-th org-scoped feature; bit i grants per[i]. An empty per or fpm
    // is falsy: no permissions.
    let mut expected = Vec::new();
    let org_features = features.iter().filter(|(s, _)| *s != "u");
    for ((_, feature), (_, bits)) in org_features.zip(&masks) {
        for (i, perm) in per.iter().enumerate().take(128) {
            if bits >> i & 1 == 1 {
                expected.push(format!("org:{feature}:{perm}"));
            }
        }
    }
    Some((claims, Some(expected)))
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
    let lenient = std::str::from_utf8(data).ok().map(json::parse_value);
    match jose::parse_claims(data.to_vec()) {
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
fn check_key_order(item: json::Item) {
    match item.kind() {
        json::Kind::Object(members) => {
            let sorted: Vec<(&str, json::Item)> = item.jsonb_members().collect();
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
        json::Kind::Array(elements) => elements.for_each(check_key_order),
        _ => {}
    }
}
