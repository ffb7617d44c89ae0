//! Clerk session-token claims, read exactly as Clerk's own SDK reads them.
//!
//! The reference is Clerk's JavaScript SDK (`@clerk/backend` 3.25.0, `@clerk/shared` 4.41.0):
//! `__experimental_JWTPayloadToAuthObjectProperties` builds the auth object's organization
//! fields, and `createCheckAuthorization` answers its `has()`. `tests/clerk-sdk` runs that SDK on
//! thousands of generated claim sets and compares its answers with the SQL functions'; its
//! `SEMANTICS.md` quotes the SDK's code for every rule below.
//!
//! # The auth object
//!
//! - **Version.** `v` equal to 2 *as a double* (`2`, `2.0`, `2e0`) selects v2; anything else
//!   (`"2"`, `3`, absent) is v1. v2 reads the organization from `o` only when `o` is truthy (in
//!   the JavaScript sense) and never falls back to the v1 fields; v1 reads `org_id`, `org_role`,
//!   `org_slug` and `org_permissions` and ignores `o`.
//! - **v2 fields.** `o.id` and `o.slg` as they are; the role is `org:` + `o.rol` (so `org:admin`
//!   becomes `org:org:admin`: `has()` strips repeated prefixes); permissions decoded from `fea`,
//!   `o.per` and `o.fpm` (see [`V2Org`]). **v1 fields** are passed through as they are.
//! - **`fea`/`pla`** are split on `,`, each item trimmed as JavaScript's `trim` does, scoped by
//!   the text before its first colon (`o`, `u`, `ou`, `uo`; other scopes ignored). An item
//!   without a colon makes the SDK throw.
//!
//! # `has()`
//!
//! Every check needs a signed-in user (a non-empty `sub`). Role and permission checks need an
//! organization id; both sides of a role compare with all leading `org:` removed, and a
//! permission is `org:` + the argument without its leading `org:`s, looked up exactly. Feature
//! and plan checks read `fea`/`pla` in any version, with or without an organization: an argument
//! is split on `:` and its first two pieces are the scope and the name.
//!
//! # Deliberate differences, all fail closed
//!
//! - Where the SDK **throws** while building the auth object (v2 with a truthy `o` and a `fea`
//!   item without a colon, or a `fea`, `o.per` or `o.fpm` that is truthy but not a string), the
//!   organization accessors give `None` and every `has_*` false. An app's `auth()` fails there.
//! - A claim the SDK passes through with a JSON type SQL `text` cannot hold (an id, role, slug,
//!   `act.sub` or `sts` that is not a string; `sub` not a string for `has()`; `org_permissions`
//!   holding a non-string) gives `None`/false. Clerk issues strings only.
//! - An empty organization id gives `None`: it names no organization, and `''` could match rows.
//!   The SDK gives `""`, for which its `has()` fails too.
//! - An unknown scope in a `has_feature`/`has_plan` argument is a [`ScopeError`], so a typo in a
//!   policy surfaces; the SDK answers false.
//! - The permission list is capped at [`MAX_EXPANDED_BYTES`] ([`TooLarge`]).
//!
//! Every loop is linear in the claims or in its bounded output and is a cancellation point.
//! Nothing here panics: no `unwrap`, no indexing, checked arithmetic only.

use crate::interrupts;
use crate::json::{Elements, Item, Kind};
use std::borrow::Cow;
use std::fmt;

const ORG_PREFIX: &str = "org:";

/// An unknown scope prefix in a `has_feature`/`has_plan` argument, e.g. `x:dashboard`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeError {
    /// The text before the first colon, e.g. `"x"`.
    pub scope: String,
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown scope \"{}\" (expected no prefix, \"o:\", \"org:\", \"organization:\", \"u:\" or \"user:\")",
            self.scope
        )
    }
}

impl std::error::Error for ScopeError {}

/// The most bytes of permission names [`org_permissions`] builds: v2 claims name each
/// permission once per feature, so a few kilobytes of claims could otherwise ask for gigabytes.
pub const MAX_EXPANDED_BYTES: usize = 16 << 20;

/// The permissions the claims name take more than [`MAX_EXPANDED_BYTES`] to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

/// Clerk's SDK throws while building the auth object from these claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thrown;

/// `auth.orgId`: the active organization's id (`o.id` in v2, `org_id` in v1).
/// `None` without one, when it is empty or not a string, or where the SDK throws.
pub fn org_id(claims: Item<'_>) -> Option<&str> {
    org(claims).ok()?.id()
}

/// `auth.orgRole`: `org:` + `o.rol` in v2 (`admin` → `org:admin`, `org:admin` →
/// `org:org:admin`); `org_role` as it is in v1.
pub fn org_role(claims: Item<'_>) -> Option<Cow<'_, str>> {
    org(claims).ok()?.role()
}

/// `auth.orgSlug`: `o.slg` (v2) or `org_slug` (v1), as it is.
pub fn org_slug(claims: Item<'_>) -> Option<&str> {
    org(claims).ok()?.slug()
}

/// `auth.orgPermissions`.
///
/// v2 with an organization: the names decoded from `fea`, `o.per` and `o.fpm`, in `fea` then
/// `o.per` order, duplicates kept (possibly empty). v1: `org_permissions` as it is, when it is
/// an array of strings. `Ok(None)` otherwise. The v2 expansion takes time and memory linear in
/// its output, which may not pass [`MAX_EXPANDED_BYTES`] ([`TooLarge`]).
pub fn org_permissions(claims: Item<'_>) -> Result<Option<Vec<String>>, TooLarge> {
    match org(claims) {
        Ok(Org::V2(v2)) => v2.expand().map(Some),
        Ok(Org::V1(top)) => Ok(v1_permissions(top).and_then(|list| {
            list.map(|p| {
                interrupts::check();
                p.as_str().map(str::to_owned)
            })
            .collect()
        })),
        Ok(Org::Absent) | Err(Thrown) => Ok(None),
    }
}

/// `has({ role })`: accepts `admin`, `org:admin` and `org:org:admin` alike.
pub fn has_org_role(claims: Item<'_>, role: &str) -> bool {
    let Some(org) = signed_in_org(claims) else {
        return false;
    };
    org.role()
        .is_some_and(|held| !held.is_empty() && strip_org(&held) == strip_org(role))
}

/// `has({ permission })`: `org:invoices:read` and `invoices:read` ask for the same permission.
pub fn has_permission(claims: Item<'_>, permission: &str) -> bool {
    let Some(org) = signed_in_org(claims) else {
        return false;
    };
    // The SDK looks up "org:" + the argument without its leading "org:"s.
    let wanted = strip_org(permission);
    match org {
        Org::V1(top) => v1_permissions(top).is_some_and(|mut list| {
            list.any(|held| {
                interrupts::check();
                held.as_str().and_then(|h| h.strip_prefix(ORG_PREFIX)) == Some(wanted)
            })
        }),
        Org::V2(v2) => v2.contains(wanted),
        Org::Absent => false,
    }
}

/// `has({ feature })`. `dashboard` looks in both scopes; `o:`, `org:` and `organization:` in the
/// organization's features, `u:` and `user:` in the user's; any other prefix is an error.
pub fn has_feature(claims: Item<'_>, feature: &str) -> Result<bool, ScopeError> {
    has_billing(claims, "fea", feature)
}

/// `has({ plan })`, over `pla`, with the scopes of [`has_feature`].
pub fn has_plan(claims: Item<'_>, plan: &str) -> Result<bool, ScopeError> {
    has_billing(claims, "pla", plan)
}

/// `auth.actor.sub`: the impersonating user's id when the session is an impersonation.
pub fn actor_id(claims: Item<'_>) -> Option<&str> {
    claims.get("act")?.as_object()?.get("sub")?.as_str()
}

/// `auth.sessionStatus`: the `sts` claim (`active`, `pending`, …) as it is.
pub fn session_status(claims: Item<'_>) -> Option<&str> {
    claims.get("sts")?.as_str()
}

/// Whether the session is pending (`sts` exactly `pending`): the user still has tasks to do.
pub fn is_pending(claims: Item<'_>) -> bool {
    session_status(claims) == Some("pending")
}

/// Whether the SDK can build an auth object from these claims at all.
pub fn check(claims: Item<'_>) -> Result<(), Thrown> {
    org(claims).map(|_| ())
}

// ---------------------------------------------------------------------------------------

/// The organization half of Clerk's auth object.
enum Org<'a> {
    /// `v` is not 2: the v1 fields, as they are.
    V1(Item<'a>),
    /// `v` is 2 and `o` is truthy.
    V2(V2Org<'a>),
    /// `v` is 2 without a truthy `o`, or no claims: no organization field at all.
    Absent,
}

/// A v2 organization: `o` and the inputs of its permissions.
///
/// Permissions: the organization-scoped features of `fea` (`o`, `ou`, `uo` items, in order),
/// the names of `o.per` (trimmed, empty items kept: positions matter) and one decimal bitmask
/// per feature in `o.fpm`, bit *i* (least significant first) granting `o.per[i]`. A mask that is
/// not plain ASCII digits grants nothing but keeps its position; masks may be of any width; bits
/// beyond `o.per` and masks beyond the features are ignored. Without both `o.per` and `o.fpm`
/// there are no permissions.
struct V2Org<'a> {
    /// `o`, when it is an object (a truthy `o` of another JSON type has no fields).
    o: Option<Item<'a>>,
    features: Vec<&'a str>,
    per: Vec<&'a str>,
    fpm: Vec<&'a str>,
}

fn org(claims: Item<'_>) -> Result<Org<'_>, Thrown> {
    let Some(top) = claims.as_object() else {
        return Ok(Org::Absent);
    };
    if top.get("v").and_then(Item::as_f64) != Some(2.0) {
        return Ok(Org::V1(top));
    }
    let o = top.get("o");
    if !truthy(o) {
        return Ok(Org::Absent);
    }
    let o = o.and_then(Item::as_object);
    let features = split_by_scope(top.get("fea"))?.org;
    let (per, fpm) = match o {
        Some(o) if truthy(o.get("per")) && truthy(o.get("fpm")) => {
            (comma_list(o.get("per"))?, comma_list(o.get("fpm"))?)
        }
        _ => (Vec::new(), Vec::new()),
    };
    Ok(Org::V2(V2Org {
        o,
        features,
        per,
        fpm,
    }))
}

impl<'a> Org<'a> {
    fn id(&self) -> Option<&'a str> {
        let id = match self {
            Org::V1(top) => top.get("org_id"),
            Org::V2(v2) => v2.o?.get("id"),
            Org::Absent => None,
        };
        id?.as_str().filter(|id| !id.is_empty())
    }

    fn role(&self) -> Option<Cow<'a, str>> {
        match self {
            Org::V1(top) => top.get("org_role")?.as_str().map(Cow::Borrowed),
            Org::V2(v2) => {
                let rol = v2.o?.get("rol")?.as_str().filter(|r| !r.is_empty())?;
                Some(Cow::Owned(format!("{ORG_PREFIX}{rol}")))
            }
            Org::Absent => None,
        }
    }

    fn slug(&self) -> Option<&'a str> {
        match self {
            Org::V1(top) => top.get("org_slug")?.as_str(),
            Org::V2(v2) => v2.o?.get("slg")?.as_str(),
            Org::Absent => None,
        }
    }
}

/// The organization, when `has()` may look at it at all: a signed-in user and an organization id.
fn signed_in_org(claims: Item<'_>) -> Option<Org<'_>> {
    if !signed_in(claims) {
        return None;
    }
    let org = org(claims).ok()?;
    org.id()?;
    Some(org)
}

/// `has()` answers false for everyone without a user: `sub` must be a non-empty string.
fn signed_in(claims: Item<'_>) -> bool {
    claims
        .get("sub")
        .and_then(Item::as_str)
        .is_some_and(|sub| !sub.is_empty())
}

fn v1_permissions(top: Item<'_>) -> Option<Elements<'_>> {
    top.get("org_permissions")?.elements()
}

impl<'a> V2Org<'a> {
    /// The features that have a mask, with it.
    fn masked(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.features.iter().copied().zip(self.fpm.iter().copied())
    }

    /// Whether `org:<rest>` is granted, checked in place: `rest` is `<feature>:<permission>`,
    /// where either part may itself hold colons.
    fn contains(&self, rest: &str) -> bool {
        // The positions in `o.per` of the permission last asked for: features that hold colons
        // (`f` and `f:g`) split `rest` differently, so they are kept with the name they are for.
        let mut positions: Option<(&str, Vec<usize>)> = None;
        for (feature, mask) in self.masked() {
            interrupts::check();
            let Some(perm) = rest
                .strip_prefix(feature)
                .and_then(|tail| tail.strip_prefix(':'))
            else {
                continue;
            };
            let Some(bits) = Bits::parse(mask, self.per.len()) else {
                continue;
            };
            if positions.as_ref().is_none_or(|(name, _)| *name != perm) {
                let found = self
                    .per
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| {
                        interrupts::check_every(*i, 1024);
                        **p == perm
                    })
                    .map(|(i, _)| i)
                    .collect();
                positions = Some((perm, found));
            }
            if positions
                .as_ref()
                .is_some_and(|(_, found)| found.iter().any(|&i| bits.get(i)))
            {
                return true;
            }
        }
        false
    }

    /// Every granted permission, in `fea` then `o.per` order, duplicates kept as the SDK keeps them.
    fn expand(&self) -> Result<Vec<String>, TooLarge> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        for (feature, mask) in self.masked() {
            interrupts::check();
            let Some(bits) = Bits::parse(mask, self.per.len()) else {
                continue;
            };
            for (n, i) in bits.ones().enumerate() {
                interrupts::check_every(n, 1024);
                let Some(perm) = self.per.get(i) else {
                    break;
                };
                bytes = bytes.saturating_add(ORG_PREFIX.len() + feature.len() + 1 + perm.len());
                if bytes > MAX_EXPANDED_BYTES {
                    return Err(TooLarge);
                }
                out.push(format!("{ORG_PREFIX}{feature}:{perm}"));
            }
        }
        Ok(out)
    }
}

/// The low `width` bits of a decimal number of any length (an `o.fpm` mask).
struct Bits(Vec<u64>);

impl Bits {
    /// `None` unless `text` is plain ASCII digits (the SDK's `/^\d+$/`).
    fn parse(text: &str, width: usize) -> Option<Bits> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut words = vec![0u64; width.div_ceil(64)];
        if words.is_empty() {
            return Some(Bits(words));
        }
        // 10^width is a multiple of 2^width, so only the last `width` digits decide these bits.
        let digits = text.as_bytes();
        let digits = digits
            .get(digits.len().saturating_sub(width)..)
            .unwrap_or(digits);
        // words = words * 10^n + chunk, modulo 2^(64 * words.len()), 19 digits at a time.
        for (n, chunk) in digits.chunks(19).enumerate() {
            interrupts::check_every(n, 64);
            let (value, scale) = chunk.iter().fold((0u64, 1u64), |(v, s), d| {
                (
                    v.wrapping_mul(10).wrapping_add(u64::from(d - b'0')),
                    s.wrapping_mul(10),
                )
            });
            let mut carry = u128::from(value);
            for word in &mut words {
                let t = u128::from(*word) * u128::from(scale) + carry;
                *word = t as u64;
                carry = t >> 64;
            }
        }
        Some(Bits(words))
    }

    fn get(&self, i: usize) -> bool {
        self.0
            .get(i / 64)
            .is_some_and(|word| (word >> (i % 64)) & 1 == 1)
    }

    /// The positions of the set bits, ascending, skipping empty words.
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            interrupts::check_every(w, 64);
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                Some(w * 64 + bit)
            })
        })
    }
}

/// JavaScript truthiness of a claim: absent, `null`, `false`, `0` and `""` are falsy.
fn truthy(value: Option<Item<'_>>) -> bool {
    let Some(value) = value else {
        return false;
    };
    match value.kind() {
        Kind::Null => false,
        Kind::Bool(b) => b,
        // A number too large for a double (`1e999`) is Infinity in JavaScript: truthy.
        Kind::Number(_) => value.as_f64().is_none_or(|f| f != 0.0),
        Kind::String(s) => !s.is_empty(),
        Kind::Array(_) | Kind::Object(_) => true,
    }
}

/// JavaScript's `String.prototype.trim` whitespace: Unicode White_Space without U+0085, plus
/// U+FEFF. (Rust's `str::trim` strips U+0085 and keeps U+FEFF.)
fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

/// A positional comma list (`o.per`, `o.fpm`): split on `,`, each item trimmed, empty items
/// kept. The caller has checked that the claim is truthy; a non-string makes the SDK throw.
fn comma_list(value: Option<Item<'_>>) -> Result<Vec<&str>, Thrown> {
    let Some(text) = value.and_then(Item::as_str) else {
        return Err(Thrown);
    };
    Ok(text
        .split(',')
        .enumerate()
        .map(|(i, item)| {
            interrupts::check_every(i, 64);
            js_trim(item)
        })
        .collect())
}

/// `fea`/`pla` split into the organization's and the user's names.
#[derive(Debug, Default, PartialEq)]
struct Scoped<'a> {
    org: Vec<&'a str>,
    user: Vec<&'a str>,
}

/// The SDK's `splitByScope`: a falsy claim is empty, a truthy non-string throws; each item is
/// trimmed and must hold a colon (else it throws); `o` items are the organization's, `u` items
/// the user's, `ou`/`uo` items both; other scopes are ignored. The name is everything after the
/// first colon, not trimmed again.
fn split_by_scope(value: Option<Item<'_>>) -> Result<Scoped<'_>, Thrown> {
    let mut scoped = Scoped::default();
    if !truthy(value) {
        return Ok(scoped);
    }
    let Some(text) = value.and_then(Item::as_str) else {
        return Err(Thrown);
    };
    for (i, part) in text.split(',').enumerate() {
        interrupts::check_every(i, 64);
        let (scope, name) = js_trim(part).split_once(':').ok_or(Thrown)?;
        match scope {
            "o" => scoped.org.push(name),
            "u" => scoped.user.push(name),
            "ou" | "uo" => {
                scoped.org.push(name);
                scoped.user.push(name);
            }
            _ => {}
        }
    }
    Ok(scoped)
}

/// The value without any number of leading `org:`: the SDK's `prefixWithOrg` minus the prefix
/// it then adds back to both sides.
fn strip_org(mut value: &str) -> &str {
    while let Some(rest) = value.strip_prefix(ORG_PREFIX) {
        value = rest;
    }
    value
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Org,
    User,
    Either,
}

/// A `has_feature`/`has_plan` argument: split on `:`, the first piece is the scope and the
/// second the name (further pieces are ignored); an empty name falls back to the scope's text.
fn parse_argument(arg: &str) -> Result<(Wanted, &str), ScopeError> {
    let mut pieces = arg.split(':');
    let raw_scope = pieces.next().unwrap_or_default();
    let Some(raw_id) = pieces.next() else {
        return Ok((Wanted::Either, raw_scope));
    };
    let id = if raw_id.is_empty() { raw_scope } else { raw_id };
    match raw_scope {
        "o" | "org" | "organization" => Ok((Wanted::Org, id)),
        "u" | "user" => Ok((Wanted::User, id)),
        scope => Err(ScopeError {
            scope: scope.to_owned(),
        }),
    }
}

fn has_billing(claims: Item<'_>, key: &str, arg: &str) -> Result<bool, ScopeError> {
    // The argument first, so a mistake in a policy raises whoever is asking.
    let (wanted, id) = parse_argument(arg)?;
    // Where the SDK cannot build the auth object there is no has() to ask.
    if !signed_in(claims) || check(claims).is_err() {
        return Ok(false);
    }
    let value = claims.get(key);
    if value.and_then(Item::as_str).is_none_or(str::is_empty) {
        return Ok(false);
    }
    let Ok(scoped) = split_by_scope(value) else {
        return Ok(false);
    };
    let held = |names: &[&str]| {
        names.iter().enumerate().any(|(i, name)| {
            interrupts::check_every(i, 1024);
            *name == id
        })
    };
    let (org, user) = (held(&scoped.org), held(&scoped.user));
    Ok(match wanted {
        Wanted::Org => org,
        Wanted::User => user,
        Wanted::Either => org || user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// The claims as the extension holds them: one parsed document (kept for the test's life).
    fn d(claims: &Value) -> Item<'static> {
        let doc = crate::json::parse_lenient(claims.to_string()).expect("test JSON");
        Box::leak(Box::new(doc)).root()
    }

    const V2_ID: &str = "org_2abcDEF";

    /// Clerk's documented fpm example.
    fn doc() -> Value {
        json!({
            "v": 2,
            "sub": "user_123",
            "fea": "o:dashboard,o:teams",
            "o": { "id": "org_123", "rol": "admin", "per": "manage,read", "fpm": "3,2" }
        })
    }

    /// A realistic v2 session token with an active organization and every scope form in `fea`.
    fn v2() -> Value {
        json!({
            "azp": "https://app.example.com",
            "exp": 1_713_158_460,
            "fea": "o:dashboard,u:export,ou:teams,uo:reports",
            "fva": [7, -1],
            "iat": 1_713_158_400,
            "iss": "https://clerk.example.com",
            "nbf": 1_713_158_390,
            "o": {
                "fpm": "3,6,2",
                "id": V2_ID,
                "per": "manage,read,delete",
                "rol": "admin",
                "slg": "acme"
            },
            "pla": "u:free,o:pro",
            "sid": "sess_2xyz",
            "sts": "active",
            "sub": "user_2abc",
            "v": 2
        })
    }

    /// What `v2()` decodes to: fpm 3 → manage, read; 6 → read, delete; 2 → read.
    const V2_PERMS: &[&str] = &[
        "org:dashboard:manage",
        "org:dashboard:read",
        "org:teams:read",
        "org:teams:delete",
        "org:reports:read",
    ];

    /// A realistic v2 token without an active organization.
    fn v2_no_org() -> Value {
        json!({
            "exp": 1_713_158_460,
            "fea": "o:dashboard,u:export",
            "pla": "u:free",
            "sid": "sess_2xyz",
            "sts": "active",
            "sub": "user_2abc",
            "v": 2
        })
    }

    /// A realistic v1 session token.
    fn v1() -> Value {
        json!({
            "exp": 1_713_158_460,
            "org_id": "org_1legacy",
            "org_permissions": ["org:invoices:read", "org:invoices:write"],
            "org_role": "org:admin",
            "org_slug": "legacy",
            "sid": "sess_1xyz",
            "sub": "user_1abc"
        })
    }

    /// Claims from JSON text, for numbers serde_json's `json!` cannot write (`2.0`, `2e0`).
    fn text(json: &str) -> Value {
        crate::json::parse_value(json).expect("test JSON")
    }

    /// Sets the field at a dotted `path` (e.g. `"o.fpm"`).
    fn set(mut claims: Value, path: &str, value: Value) -> Value {
        let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
        let target = parent
            .split('.')
            .filter(|k| !k.is_empty())
            .fold(&mut claims, |v, k| &mut v[k]);
        target[key] = value;
        claims
    }

    /// Removes the field at a dotted `path`.
    fn del(mut claims: Value, path: &str) -> Value {
        let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
        let target = parent
            .split('.')
            .filter(|k| !k.is_empty())
            .fold(&mut claims, |v, k| &mut v[k]);
        target.as_object_mut().expect("object").remove(key);
        claims
    }

    fn perms(claims: &Value) -> Option<Vec<String>> {
        org_permissions(d(claims)).expect("small claims")
    }

    fn list(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn realistic_tokens() {
        let v2 = v2();
        assert_eq!(org_id(d(&v2)), Some(V2_ID));
        assert_eq!(org_role(d(&v2)).as_deref(), Some("org:admin"));
        assert_eq!(org_slug(d(&v2)), Some("acme"));
        assert_eq!(perms(&v2), list(V2_PERMS));
        assert_eq!(
            perms(&doc()),
            list(&[
                "org:dashboard:manage",
                "org:dashboard:read",
                "org:teams:read"
            ])
        );
        let v1 = v1();
        assert_eq!(org_id(d(&v1)), Some("org_1legacy"));
        assert_eq!(org_role(d(&v1)).as_deref(), Some("org:admin"));
        assert_eq!(org_slug(d(&v1)), Some("legacy"));
        assert_eq!(
            perms(&v1),
            list(&["org:invoices:read", "org:invoices:write"])
        );
        let none = v2_no_org();
        assert_eq!(
            (
                org_id(d(&none)),
                org_role(d(&none)),
                org_slug(d(&none)),
                perms(&none)
            ),
            (None, None, None, None)
        );
        for claims in [&Value::Null, &json!({})] {
            assert_eq!(org_id(d(claims)), None);
            assert_eq!(perms(claims), None);
            assert!(!has_org_role(d(claims), "admin"));
        }
    }

    /// Found classes 1 and 11: `v` decides, as a double; `o` is read only in v2, the v1 fields
    /// only outside it.
    #[test]
    fn version_is_v_as_a_double() {
        let o =
            r#""sub":"u","o":{"id":"org_1","rol":"admin"},"org_id":"org_v1","org_role":"basic""#;
        for v in [
            "2",
            "2.0",
            "2.00",
            "2e0",
            "0.2e1",
            "20e-1",
            "2.0000000000000001",
        ] {
            let claims = text(&format!(r#"{{"v":{v},{o}}}"#));
            assert_eq!(org_id(d(&claims)), Some("org_1"), "v {v}");
            assert!(has_org_role(d(&claims), "admin"), "v {v}");
        }
        for v in [
            r#""2""#, "1", "3", "-2", "2.5", "true", "[2]", "null", "1.9999",
        ] {
            let claims = text(&format!(r#"{{"v":{v},{o}}}"#));
            assert_eq!(org_id(d(&claims)), Some("org_v1"), "v {v}");
            assert!(!has_org_role(d(&claims), "admin"), "v {v}");
            assert!(has_org_role(d(&claims), "basic"), "v {v}");
        }
        // `o` without `v: 2` is ignored (it was read here before: more than Clerk grants).
        let claims = json!({"sub": "u", "o": {"id": "org_1", "rol": "admin"}});
        assert_eq!(org_id(d(&claims)), None);
        assert!(!has_org_role(d(&claims), "admin"));
        // `v: 2` without `o` never falls back to the v1 fields.
        let claims = json!({"v": 2, "sub": "u", "org_id": "org_x", "org_role": "admin"});
        assert_eq!(org_id(d(&claims)), None);
        assert!(!has_org_role(d(&claims), "admin"));
    }

    #[test]
    fn a_truthy_o_of_any_type() {
        for o in [json!(5), json!("org_1"), json!([]), json!({}), json!(true)] {
            let claims = json!({"v": 2, "sub": "u", "o": o, "fea": "o:a"});
            assert_eq!(org_id(d(&claims)), None, "{claims}");
            assert_eq!(perms(&claims), Some(vec![]), "{claims}");
        }
        for o in [json!(0), json!(""), json!(false), Value::Null] {
            let claims = json!({"v": 2, "sub": "u", "o": o});
            assert_eq!(perms(&claims), None, "{claims}");
        }
    }

    /// Found class 2: no `has()` answers true without a signed-in user.
    #[test]
    fn has_needs_a_user() {
        for sub in [None, Some(json!("")), Some(json!(5)), Some(Value::Null)] {
            let mut claims = v2();
            match &sub {
                Some(s) => claims["sub"] = s.clone(),
                None => claims = del(claims, "sub"),
            }
            assert!(!has_org_role(d(&claims), "admin"), "sub {sub:?}");
            assert!(!has_permission(d(&claims), "dashboard:read"), "sub {sub:?}");
            assert_eq!(has_feature(d(&claims), "export"), Ok(false), "sub {sub:?}");
            assert_eq!(has_plan(d(&claims), "free"), Ok(false), "sub {sub:?}");
            // The auth object's fields themselves do not depend on the user.
            assert_eq!(org_id(d(&claims)), Some(V2_ID));
        }
        let claims = set(v2(), "sub", json!(" "));
        assert!(has_org_role(d(&claims), "admin"), "whitespace is a user");
    }

    /// Found classes 3, 4, 6 and 10: `fea`/`pla` as `splitByScope` reads them.
    #[test]
    fn features_and_plans() {
        let user = |fea: &str| json!({"sub": "u", "fea": fea, "pla": fea});
        // 3: an empty item (trailing comma) throws in the SDK: nothing matches.
        let claims = user("u:free,");
        assert_eq!(has_plan(d(&claims), "free"), Ok(false));
        assert_eq!(has_feature(d(&claims), "free"), Ok(false));
        // 4: read in any version, without an organization.
        assert_eq!(has_feature(d(&user("u:export")), "export"), Ok(true));
        assert_eq!(has_feature(d(&user("o:export")), "o:export"), Ok(true));
        assert_eq!(has_feature(d(&user("o:export")), "u:export"), Ok(false));
        // 6: names with spaces or colons are names; unknown scopes are skipped.
        let claims = user("o:my feature, x:skip ,ou:a:b,O:up");
        assert_eq!(has_feature(d(&claims), "my feature"), Ok(true));
        assert_eq!(has_feature(d(&claims), "skip"), Ok(false));
        assert_eq!(has_feature(d(&claims), "up"), Ok(false));
        // 10: the argument's third piece and beyond are dropped, so `a:b` is unreachable.
        assert_eq!(has_feature(d(&claims), "o:a:b"), Ok(false));
        assert_eq!(has_feature(d(&user("o:a")), "o:a:zzz"), Ok(true));
        // An empty name falls back to the scope's text; `""` asks for `""`.
        assert_eq!(has_feature(d(&user("o:o")), "o:"), Ok(true));
        assert_eq!(has_feature(d(&user("o:")), ""), Ok(true));
        assert_eq!(has_feature(d(&user("o:")), "o:"), Ok(false));
        // 14: `organization:` is an organization scope.
        assert_eq!(has_feature(d(&user("o:sso")), "organization:sso"), Ok(true));
        assert_eq!(
            has_feature(d(&user("u:sso")), "organization:sso"),
            Ok(false)
        );
        assert_eq!(has_plan(d(&user("ou:pro")), "user:pro"), Ok(true));
        // JavaScript's trim: U+FEFF is stripped, U+0085 is not.
        assert_eq!(has_feature(d(&user("\u{feff}u:a\u{feff}")), "a"), Ok(true));
        assert_eq!(has_feature(d(&user("u:a\u{85}")), "a"), Ok(false));
        assert_eq!(has_feature(d(&user("u:a\u{85}")), "a\u{85}"), Ok(true));
        // Values are not trimmed after the colon; arguments are not trimmed.
        assert_eq!(has_feature(d(&user("u: a")), "a"), Ok(false));
        assert_eq!(has_feature(d(&user("u: a")), " a"), Ok(true));
        // Not a non-empty string: nothing.
        for fea in [json!(""), json!(5), json!(["u:a"]), Value::Null] {
            let claims = json!({"sub": "u", "fea": fea});
            assert_eq!(has_feature(d(&claims), "a"), Ok(false), "{claims}");
        }
        // v2 features do not need the organization either.
        assert_eq!(has_feature(d(&v2_no_org()), "dashboard"), Ok(true));
        assert_eq!(has_feature(d(&v2_no_org()), "o:dashboard"), Ok(true));
    }

    #[test]
    fn unknown_argument_scopes_are_errors() {
        let claims = v2();
        for (arg, scope) in [
            ("x:dashboard", "x"),
            ("ou:teams", "ou"),
            (":dashboard", ""),
            ("O:dashboard", "O"),
            (" o:dashboard", " o"),
            ("orgs:a", "orgs"),
        ] {
            let want = Err(ScopeError {
                scope: scope.to_owned(),
            });
            assert_eq!(has_feature(d(&claims), arg), want, "{arg}");
            assert_eq!(has_plan(d(&Value::Null), arg), want, "{arg}");
        }
        assert_eq!(
            has_plan(d(&claims), "x:y").unwrap_err().to_string(),
            r#"unknown scope "x" (expected no prefix, "o:", "org:", "organization:", "u:" or "user:")"#
        );
    }

    /// Found classes 5, 9 and 12: values as they are; roles compared without `org:` prefixes.
    #[test]
    fn values_as_they_are() {
        let claims = set(set(v2(), "o.id", json!(" ")), "o.rol", json!(" "));
        assert_eq!(org_id(d(&claims)), Some(" "));
        assert_eq!(org_role(d(&claims)).as_deref(), Some("org: "));
        assert!(has_org_role(d(&claims), " "));
        assert!(has_org_role(d(&claims), "org:org: "));
        // 9: org:org:admin is admin.
        let claims = set(v2(), "o.rol", json!("org:admin"));
        assert_eq!(org_role(d(&claims)).as_deref(), Some("org:org:admin"));
        for arg in ["admin", "org:admin", "org:org:admin"] {
            assert!(has_org_role(d(&claims), arg), "{arg}");
        }
        assert!(!has_org_role(d(&claims), "ORG:admin"));
        assert!(!has_org_role(d(&claims), " admin"));
        let claims = set(v2(), "o.rol", json!("org:"));
        assert!(has_org_role(d(&claims), ""));
        // 12: empty strings stay empty strings.
        let claims = set(set(v2(), "o.slg", json!("")), "sts", json!(""));
        let claims = set(claims, "act", json!({"sub": ""}));
        assert_eq!(org_slug(d(&claims)), Some(""));
        assert_eq!(session_status(d(&claims)), Some(""));
        assert_eq!(actor_id(d(&claims)), Some(""));
        let claims = set(v1(), "org_role", json!(""));
        assert_eq!(org_role(d(&claims)).as_deref(), Some(""));
        assert!(!has_org_role(d(&claims), ""), "an empty role holds nothing");
        // v1 roles are not prefixed; has() prefixes both sides.
        let claims = set(v1(), "org_role", json!("admin"));
        assert_eq!(org_role(d(&claims)).as_deref(), Some("admin"));
        assert!(has_org_role(d(&claims), "org:admin"));
        // v2 with an empty or missing rol has no role.
        assert_eq!(org_role(d(&set(v2(), "o.rol", json!("")))), None);
        assert_eq!(org_role(d(&del(v2(), "o.rol"))), None);
    }

    /// Deliberate differences: types SQL text cannot hold, and an empty id.
    #[test]
    fn non_strings_fail_closed() {
        let claims = set(set(v2(), "o.id", json!(5)), "o.slg", json!(7));
        assert_eq!((org_id(d(&claims)), org_slug(d(&claims))), (None, None));
        assert!(!has_org_role(d(&claims), "admin"));
        let claims = set(v2(), "o.rol", json!(["admin"]));
        assert_eq!(org_role(d(&claims)), None);
        assert!(!has_org_role(d(&claims), "admin"));
        let claims = set(v2(), "o.id", json!(""));
        assert_eq!(org_id(d(&claims)), None);
        assert!(!has_permission(d(&claims), "dashboard:read"));
        let claims = set(v1(), "org_permissions", json!(["org:a:b", 5]));
        assert_eq!(perms(&claims), None);
        assert!(
            has_permission(d(&claims), "a:b"),
            "has() still finds the string"
        );
        let claims = set(v1(), "org_permissions", json!("org:a:b"));
        assert_eq!(perms(&claims), None);
        assert!(!has_permission(d(&claims), "a:b"));
        assert_eq!(actor_id(d(&json!({"act": {"sub": 5}}))), None);
        assert_eq!(actor_id(d(&json!({"act": "user_1"}))), None);
        assert_eq!(session_status(d(&json!({"sts": 1}))), None);
        assert!(!is_pending(d(&json!({"sts": "Pending"}))));
        assert!(is_pending(d(&json!({"sts": "pending"}))));
    }

    /// Found classes 7, 8 and 13: permissions as the SDK decodes them.
    #[test]
    fn permissions() {
        let org = |fea: &str, per: Value, fpm: Value| json!({"v": 2, "sub": "u", "fea": fea, "o": {"id": "org_1", "per": per, "fpm": fpm}});
        // 7: empty per items keep their position.
        let claims = org("o:f", json!("read,,write"), json!("5"));
        assert_eq!(perms(&claims), list(&["org:f:read", "org:f:write"]));
        let claims = org("o:f", json!("read,"), json!("3"));
        assert_eq!(perms(&claims), list(&["org:f:read", "org:f:"]));
        assert!(has_permission(d(&claims), "f:"));
        // 8: masks of any width.
        let per: Vec<String> = (0..200).map(|i| format!("p{i}")).collect();
        let mask = (1u128 << 127).to_string();
        let wide = "1606938044258990275541962092341162602522202993782792835301376"; // 2^200
        let claims = org(
            "o:f,o:g",
            json!(per.join(",")),
            json!(format!("{mask},{wide}")),
        );
        assert_eq!(perms(&claims), list(&["org:f:p127"]), "2^200 is past per");
        let claims = org(
            "o:f",
            json!(per.join(",")),
            json!("803469022129495137770981046170581301261101496891396417650690"),
        );
        assert_eq!(
            perms(&claims),
            list(&["org:f:p1", "org:f:p199"]),
            "2^199 + 2"
        );
        // Masks that are not plain digits grant nothing but keep their slot.
        for bad in [
            "-1", "+3", "1.0", "0x3", "1e3", "3 3", "", "\u{663}", "\u{ff13}",
        ] {
            let claims = org("o:f,o:g", json!("r"), json!(format!("{bad},1")));
            assert_eq!(perms(&claims), list(&["org:g:r"]), "{bad:?}");
        }
        // Masks are trimmed; leading zeros are fine; extra masks and extra bits are ignored.
        let claims = org("o:f,u:x,ou:g", json!(" r , w "), json!(" 007 ,2,9"));
        assert_eq!(perms(&claims), list(&["org:f:r", "org:f:w", "org:g:w"]));
        // Features without a mask get nothing; duplicates are kept.
        let claims = org("o:f,o:f,o:h", json!("r"), json!("1,1"));
        assert_eq!(perms(&claims), list(&["org:f:r", "org:f:r"]));
        // per or fpm falsy: none, no error.
        for (per, fpm) in [
            (json!(""), json!("1")),
            (json!("r"), json!(0)),
            (Value::Null, json!("1")),
        ] {
            assert_eq!(perms(&org("o:f", per, fpm)), Some(vec![]));
        }
        // A feature or permission holding a colon: found by its full name.
        let claims = org("o:a:b", json!("c:d"), json!("1"));
        assert_eq!(perms(&claims), list(&["org:a:b:c:d"]));
        assert!(has_permission(d(&claims), "a:b:c:d"));
        assert!(has_permission(d(&claims), "org:org:a:b:c:d"));
        assert!(!has_permission(d(&claims), "a:b:c"));
        // Found by the clerk_decode fuzz target: one feature's name plus a colon starts
        // another's, so the same argument splits differently for each.
        let claims = org("o:f,o:f:g", json!("p"), json!("1,1"));
        assert_eq!(perms(&claims), list(&["org:f:p", "org:f:g:p"]));
        for arg in ["f:g:p", "org:f:g:p", "f:p"] {
            assert!(has_permission(d(&claims), arg), "{arg}");
        }
        let claims = org("o:f:g,o:f", json!("p,g:p"), json!("2,1"));
        assert_eq!(perms(&claims), list(&["org:f:g:g:p", "org:f:p"]));
        assert!(has_permission(d(&claims), "f:p"));
        assert!(has_permission(d(&claims), "f:g:g:p"));
        assert!(!has_permission(d(&claims), "f:g:p"));
        // 13: a v1 permission with a space.
        let claims = set(v1(), "org_permissions", json!(["org:a b:c"]));
        assert!(has_permission(d(&claims), "a b:c"));
        // v1 entries are looked up exactly: no prefix, a doubled prefix.
        let claims = set(v1(), "org_permissions", json!(["a:b", "org:org:c:d"]));
        assert!(!has_permission(d(&claims), "a:b"));
        assert!(!has_permission(d(&claims), "org:org:c:d"));
        assert_eq!(perms(&claims), list(&["a:b", "org:org:c:d"]));
        // v1 permissions need an organization id for has(), not for the list.
        let claims = del(v1(), "org_id");
        assert!(perms(&claims).is_some());
        assert!(!has_permission(d(&claims), "invoices:read"));
        assert_eq!(perms(&del(v1(), "org_permissions")), None);
    }

    /// Where the SDK throws, everything about the organization fails closed.
    #[test]
    fn where_the_sdk_throws() {
        for (path, value) in [
            ("fea", json!("o:dashboard,teams")),
            ("fea", json!("o:a,")),
            ("fea", json!(" ")),
            ("fea", json!(5)),
            ("fea", json!(["o:a"])),
            ("o.per", json!(["manage"])),
            ("o.per", json!(true)),
            ("o.fpm", json!(3)),
        ] {
            let claims = set(v2(), path, value);
            assert_eq!(check(d(&claims)), Err(Thrown), "{path} {claims}");
            assert_eq!(org_id(d(&claims)), None, "{path}");
            assert_eq!(org_role(d(&claims)), None, "{path}");
            assert_eq!(org_slug(d(&claims)), None, "{path}");
            assert_eq!(perms(&claims), None, "{path}");
            assert!(!has_org_role(d(&claims), "admin"), "{path}");
            assert!(!has_permission(d(&claims), "dashboard:read"), "{path}");
            assert_eq!(actor_id(d(&claims)), None);
            assert_eq!(session_status(d(&claims)), Some("active"));
        }
        // A non-string per is only read when fpm is truthy too.
        assert_eq!(
            check(d(&set(del(v2(), "o.fpm"), "o.per", json!(5)))),
            Ok(())
        );
        // v1 never parses fea while building the auth object.
        let claims = set(v1(), "fea", json!("nocolon"));
        assert_eq!(check(d(&claims)), Ok(()));
        assert!(has_org_role(d(&claims), "admin"));
        assert_eq!(has_feature(d(&claims), "nocolon"), Ok(false));
        // Nor does v2 without an organization.
        assert_eq!(check(d(&set(v2_no_org(), "fea", json!(5)))), Ok(()));
        // Features and plans are asked of the same auth object.
        let claims = set(v2(), "o.fpm", json!([3, 6, 2]));
        assert_eq!(has_feature(d(&claims), "o:dashboard"), Ok(false));
        assert_eq!(has_plan(d(&claims), "free"), Ok(false));
    }

    #[test]
    fn truthiness_and_trim() {
        for (v, want) in [
            (json!(0), false),
            (text("-0.0"), false),
            (text("1e-400"), false),
            (text("1e999"), true),
            (json!(""), false),
            (json!(" "), true),
            (json!([]), true),
            (json!({}), true),
            (json!(false), false),
            (Value::Null, false),
        ] {
            assert_eq!(truthy(Some(d(&v))), want, "{v}");
        }
        assert!(!truthy(None));
        assert_eq!(
            js_trim("\u{feff}\u{2028} a \u{3000}\u{85}"),
            "a \u{3000}\u{85}"
        );
        assert_eq!(js_trim("\u{200b}a\u{180e}"), "\u{200b}a\u{180e}");
    }

    /// `Bits` against the SDK's own algorithm (repeated halving of the decimal string).
    #[test]
    fn bits_match_repeated_halving() {
        fn halving(decimal: &str) -> Vec<bool> {
            let mut digits: Vec<u32> = decimal.bytes().map(|b| u32::from(b - b'0')).collect();
            let mut bits = Vec::new();
            while digits.iter().any(|d| *d != 0) {
                let mut rem = 0;
                for d in &mut digits {
                    let v = rem * 10 + *d;
                    *d = v / 2;
                    rem = v % 2;
                }
                bits.push(rem == 1);
            }
            bits
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for case in 0..300 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 1 + (seed % 90) as usize;
            let decimal: String = (0..len)
                .map(|i| char::from(b'0' + ((seed >> (i % 60)) % 10) as u8))
                .collect();
            let width = (seed >> 20) as usize % 300;
            let bits = Bits::parse(&decimal, width).expect("digits");
            let want = halving(&decimal);
            for i in 0..width {
                assert_eq!(
                    bits.get(i),
                    want.get(i) == Some(&true),
                    "case {case}: {decimal} bit {i}"
                );
            }
            let ones: Vec<usize> = bits.ones().filter(|i| *i < width).collect();
            let want_ones: Vec<usize> =
                (0..width).filter(|i| want.get(*i) == Some(&true)).collect();
            assert_eq!(ones, want_ones, "case {case}");
        }
        assert!(Bits::parse("", 4).is_none());
        assert!(Bits::parse("12", 0).is_some_and(|b| !b.get(0)));
    }

    #[test]
    fn actor_and_status() {
        let act =
            json!({"iss": "https://dashboard.clerk.com", "sid": "sess_imp", "sub": "user_support"});
        let claims = set(v2(), "act", act);
        assert_eq!(actor_id(d(&claims)), Some("user_support"));
        assert_eq!(session_status(d(&claims)), Some("active"));
        assert_eq!(actor_id(d(&v2())), None);
        assert_eq!(session_status(d(&v1())), None);
        assert_eq!(actor_id(d(&Value::Null)), None);
    }

    /// Found by the `clerk_decode` fuzz target (fuzz/regressions/clerk_decode/): a feature named
    /// `org`. Its permissions are `org:org:<perm>`, which no argument can ask for: the SDK strips
    /// every leading `org:` from the argument.
    #[test]
    fn feature_named_org() {
        let claims = json!({"v": 2, "sub": "u", "fea": "o:org", "o": {"id": "org_2", "per": "read", "fpm": "1"}});
        assert_eq!(perms(&claims), list(&["org:org:read"]));
        assert!(!has_permission(d(&claims), "org:org:read"));
        assert!(!has_permission(d(&claims), "org:read"));
    }

    #[test]
    fn expansion_is_capped() {
        let features: Vec<String> = (0..2000)
            .map(|i| format!("o:{}{i}", "f".repeat(200)))
            .collect();
        let per: Vec<String> = (0..128).map(|i| format!("p{i}")).collect();
        let claims = json!({"v": 2, "fea": features.join(","), "o": {"id": "org_1",
            "per": per.join(","), "fpm": vec![u128::MAX.to_string(); 2000].join(",")}});
        assert_eq!(org_permissions(d(&claims)), Err(TooLarge));
        let claims = set(claims, "sub", json!("u"));
        assert!(has_permission(
            d(&claims),
            &format!("{}1999:p127", "f".repeat(200))
        ));
    }
}
