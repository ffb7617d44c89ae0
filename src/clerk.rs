//! Clerk session-token claims (token versions 1 and 2), read for Row Level Security.
//!
//! A token is treated as **v2** when it has an `o` claim (of any JSON type) or `v` = 2;
//! otherwise the deprecated v1 top-level fields (`org_id`, `org_role`, `org_slug`,
//! `org_permissions`) are read. When both layouts are present, v2 wins and the v1 fields
//! are ignored, so a stale v1 field can never add an organization to a v2 token.
//!
//! # Fail-closed rules
//!
//! Whenever the claims are not exactly understood, nothing is granted: the `has_*`
//! functions return `false` and the accessors `None`. In particular:
//!
//! - Claims that are not a JSON object.
//! - No active organization: v2 without `o`, v1 without `org_id`. Role, slug and
//!   permissions are only read while an organization is active.
//! - A malformed `o`: not an object (including `null`), or `id` missing, not a string, or
//!   empty. No fallback to the v1 fields then.
//! - A claim of the wrong JSON type (including `null`), e.g. `per` a number or
//!   `org_permissions` not an array. An *absent* list claim means an empty list.
//! - `fea`/`pla`: an entry that is not `scope:name`, has a scope other than `o`, `u`,
//!   `ou`, `uo`, or a name with whitespace or a colon, makes the whole claim unusable
//!   (the `fpm` positions could no longer be trusted).
//! - `o.fpm`: a different number of entries than there are org-scoped features in `fea`;
//!   an entry that is not a plain decimal non-negative integer (no sign, no fraction);
//!   a bitmask with a bit set at or beyond the length of `o.per`; a bitmask too wide for
//!   128 bits (e.g. a 200-digit number).
//! - `org_permissions()` returns `None` for any of the above, never a partial list.
//! - Every loop is linear in the claims (or, for `org_permissions()`, in its bounded output)
//!   and is a cancellation point.
//! - Empty or whitespace-only items are ignored in `fea` and `pla`, and an empty string is
//!   an empty list (Clerk emits `""` for none). In the *positional* lists `o.per` and
//!   `o.fpm`, an empty item inside a non-empty list is malformed, because dropping it would
//!   shift later bits or masks onto the wrong permission or feature.
//! - v1 `org_permissions`: entries that are not strings of the form `org:<feature>:<perm>`
//!   are skipped; they name no permission that could be granted.
//! - An unknown scope prefix in the *argument* of `has_feature`/`has_plan` is an error
//!   ([`ScopeError`]), not `false`, so a typo in a policy surfaces instead of silently
//!   denying.
//! - Nothing here panics: no `unwrap`, no indexing, checked shifts only. This runs inside
//!   a database backend, where a panic is a user-visible internal error.

use crate::interrupts;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;

const ORG_PREFIX: &str = "org:";

/// An unknown scope prefix in a `has_feature`/`has_plan` argument, e.g. `x:dashboard`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeError {
    /// The prefix before the first colon, e.g. `"x"`.
    pub scope: String,
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown scope \"{}\" (expected no prefix, \"o:\", \"org:\", \"u:\" or \"user:\")",
            self.scope
        )
    }
}

impl std::error::Error for ScopeError {}

/// Returns the active organization's ID: `o.id` (v2) or `org_id` (v1). Empty → `None`.
pub fn org_id(claims: &Value) -> Option<&str> {
    match active_org(claims) {
        Org::V2(o) => non_empty_str(o.get("id")),
        Org::V1(top) => non_empty_str(top.get("org_id")),
        Org::None => None,
    }
}

/// Returns the role in the active organization, always `org:`-prefixed
/// (v2 `o.rol` = `admin` → `org:admin`; v1 `org_role` is kept if already prefixed).
pub fn org_role(claims: &Value) -> Option<String> {
    let raw = match active_org(claims) {
        Org::V2(o) => o.get("rol"),
        Org::V1(top) => top.get("org_role"),
        Org::None => None,
    };
    normalize_role(non_empty_str(raw)?)
}

/// Returns the active organization's slug: `o.slg` (v2) or `org_slug` (v1).
pub fn org_slug(claims: &Value) -> Option<&str> {
    match active_org(claims) {
        Org::V2(o) => non_empty_str(o.get("slg")),
        Org::V1(top) => non_empty_str(top.get("org_slug")),
        Org::None => None,
    }
}

/// Returns the permissions in the active organization as `org:<feature>:<permission>` keys.
///
/// `Ok(None)` without an organization or when the claims are malformed (never a partial list);
/// `Ok(Some(vec![]))` with an organization but no permissions. v2 permissions are decoded from
/// `fea`, `o.per` and `o.fpm`; v1 permissions are read from the `org_permissions` array.
/// The expansion takes time and memory linear in its output, which may not pass
/// [`MAX_EXPANDED_BYTES`] ([`TooLarge`]).
pub fn org_permissions(claims: &Value) -> Result<Option<Vec<String>>, TooLarge> {
    match active_org(claims) {
        Org::V2(o) => match claims
            .as_object()
            .and_then(|top| V2Permissions::parse(top, o))
        {
            Some(v2) => v2.expand().map(Some),
            None => Ok(None),
        },
        Org::V1(top) => Ok(v1_permissions(top.get("org_permissions"))),
        Org::None => Ok(None),
    }
}

/// The most bytes of permission names [`org_permissions`] builds: v2 claims name each
/// permission once per feature, so a few kilobytes of claims could otherwise ask for gigabytes.
pub const MAX_EXPANDED_BYTES: usize = 16 << 20;

/// The permissions the claims name take more than [`MAX_EXPANDED_BYTES`] to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

/// Whether the user holds `role` in the active organization; accepts `admin` and `org:admin`.
pub fn has_org_role(claims: &Value, role: &str) -> bool {
    match (org_role(claims), normalize_role(role)) {
        (Some(held), Some(wanted)) => held == wanted,
        _ => false,
    }
}

/// Whether the user holds `permission` in the active organization; accepts
/// `org:invoices:read` and `invoices:read`.
pub fn has_permission(claims: &Value, permission: &str) -> bool {
    let wanted = if permission.starts_with(ORG_PREFIX) {
        permission.to_owned()
    } else {
        format!("{ORG_PREFIX}{permission}")
    };
    if !is_permission_key(&wanted) {
        return false;
    }
    // Checked in place, without listing every permission: linear in the claims.
    match active_org(claims) {
        Org::V2(o) => claims
            .as_object()
            .and_then(|top| V2Permissions::parse(top, o))
            .is_some_and(|v2| v2.contains(&wanted)),
        Org::V1(top) => {
            v1_permissions(top.get("org_permissions")).is_some_and(|held| held.contains(&wanted))
        }
        Org::None => false,
    }
}

/// Whether a feature from the v2 `fea` claim is enabled.
///
/// `dashboard` matches either scope, `o:`/`org:` only the organization's, `u:`/`user:` only
/// the user's. Org-scoped features count only while an organization is active.
/// Any other prefix is an error. v1 tokens have no features.
pub fn has_feature(claims: &Value, feature: &str) -> Result<bool, ScopeError> {
    has_scoped(claims, "fea", feature)
}

/// Whether a plan from the v2 `pla` claim is active; same scope rules as [`has_feature`].
pub fn has_plan(claims: &Value, plan: &str) -> Result<bool, ScopeError> {
    has_scoped(claims, "pla", plan)
}

/// Returns the impersonating user's ID (`act.sub`) when the session is an impersonation.
pub fn actor_id(claims: &Value) -> Option<&str> {
    let act = claims.get("act")?.as_object()?;
    non_empty_str(act.get("sub"))
}

/// Returns the session status (`sts`), e.g. `active` or `pending`.
pub fn session_status(claims: &Value) -> Option<&str> {
    non_empty_str(claims.get("sts"))
}

/// Whether the session is `pending` (the user still has session tasks to complete).
pub fn is_pending(claims: &Value) -> bool {
    session_status(claims) == Some("pending")
}

// ---------------------------------------------------------------------------------------

/// Where the active organization's fields live.
enum Org<'a> {
    /// No active organization, or a malformed `o`.
    None,
    /// v1: the top-level claims, with a non-empty `org_id`.
    V1(&'a Map<String, Value>),
    /// v2: the `o` object, with a non-empty `id`.
    V2(&'a Map<String, Value>),
}

fn is_v2(top: &Map<String, Value>) -> bool {
    top.contains_key("o") || top.get("v").and_then(Value::as_u64) == Some(2)
}

fn active_org(claims: &Value) -> Org<'_> {
    let Some(top) = claims.as_object() else {
        return Org::None;
    };
    if is_v2(top) {
        match top.get("o") {
            Some(Value::Object(o)) if non_empty_str(o.get("id")).is_some() => Org::V2(o),
            _ => Org::None,
        }
    } else if non_empty_str(top.get("org_id")).is_some() {
        Org::V1(top)
    } else {
        Org::None
    }
}

fn non_empty_str(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn normalize_role(role: &str) -> Option<String> {
    match role.strip_prefix(ORG_PREFIX) {
        Some("") => None,
        Some(_) => Some(role.to_owned()),
        None if role.is_empty() => None,
        None => Some(format!("{ORG_PREFIX}{role}")),
    }
}

/// A feature, permission or plan name: non-empty, no separators, no whitespace.
fn is_name(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c == ':' || c == ',' || c.is_whitespace())
}

/// `org:<feature>:<permission>` with both parts valid names.
fn is_permission_key(key: &str) -> bool {
    key.strip_prefix(ORG_PREFIX)
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(feature, perm)| is_name(feature) && is_name(perm))
}

fn v1_permissions(value: Option<&Value>) -> Option<Vec<String>> {
    let entries = match value {
        None => return Some(Vec::new()),
        Some(Value::Array(entries)) => entries,
        Some(_) => return None,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for key in entries.iter().filter_map(Value::as_str) {
        interrupts::check();
        if is_permission_key(key) && seen.insert(key) {
            out.push(key.to_owned());
        }
    }
    Some(out)
}

/// v2 organization permissions, validated: the org-scoped features of `fea` in order, the
/// permission names of `o.per`, and one bitmask over `o.per` per org-scoped feature (`o.fpm`).
struct V2Permissions<'a> {
    features: Vec<&'a str>,
    per: Vec<&'a str>,
    masks: Vec<u128>,
}

impl<'a> V2Permissions<'a> {
    /// `None` when any part is malformed (see the fail-closed rules above).
    fn parse(top: &'a Map<String, Value>, o: &'a Map<String, Value>) -> Option<Self> {
        let features = parse_scoped(top.get("fea"))?;
        let per = parse_positional(o.get("per"))?;
        if !per.iter().all(|p| is_name(p)) {
            return None;
        }
        let masks = parse_positional(o.get("fpm"))?;
        // Clerk may omit both for a member without permissions; nothing could be granted.
        if per.is_empty() && masks.is_empty() {
            return Some(V2Permissions {
                features: Vec::new(),
                per,
                masks: Vec::new(),
            });
        }
        // One fpm slot per feature whose scope includes the organization, in `fea` order.
        let features: Vec<&str> = features
            .iter()
            .filter(|(scope, _)| scope.org)
            .map(|(_, name)| *name)
            .collect();
        if masks.len() != features.len() {
            return None;
        }
        let masks = masks
            .iter()
            .map(|mask| {
                interrupts::check();
                parse_mask(mask, per.len())
            })
            .collect::<Option<Vec<u128>>>()?;
        Some(V2Permissions {
            features,
            per,
            masks,
        })
    }

    /// Whether `org:<feature>:<permission>` is granted.
    fn contains(&self, wanted: &str) -> bool {
        let Some((feature, perm)) = wanted
            .strip_prefix(ORG_PREFIX)
            .and_then(|rest| rest.split_once(':'))
        else {
            return false;
        };
        self.features
            .iter()
            .zip(&self.masks)
            .filter(|(f, _)| **f == feature)
            .any(|(_, mask)| {
                self.per.iter().enumerate().any(|(bit, p)| {
                    interrupts::check_every(bit, 64);
                    *p == perm && mask_has_bit(*mask, bit)
                })
            })
    }

    /// Every granted permission once, in `fea` then `o.per` order.
    fn expand(&self) -> Result<Vec<String>, TooLarge> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut bytes = 0usize;
        for (feature, mask) in self.features.iter().zip(&self.masks) {
            for (bit, perm) in self.per.iter().enumerate() {
                interrupts::check_every(bit, 64);
                if mask_has_bit(*mask, bit) && seen.insert((*feature, *perm)) {
                    bytes += ORG_PREFIX.len() + feature.len() + 1 + perm.len();
                    if bytes > MAX_EXPANDED_BYTES {
                        return Err(TooLarge);
                    }
                    out.push(format!("{ORG_PREFIX}{feature}:{perm}"));
                }
            }
        }
        Ok(out)
    }
}

/// A decimal bitmask over `width` permissions; `None` if not a plain non-negative integer,
/// too wide for `u128`, or with a bit at or beyond `width`.
fn parse_mask(text: &str, width: usize) -> Option<u128> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mask: u128 = text.parse().ok()?;
    // A shift of 128 or more would drop every bit: then any mask fits.
    let beyond = u32::try_from(width)
        .ok()
        .and_then(|w| mask.checked_shr(w))
        .unwrap_or(0);
    (beyond == 0).then_some(mask)
}

fn mask_has_bit(mask: u128, bit: usize) -> bool {
    u32::try_from(bit)
        .ok()
        .and_then(|b| 1u128.checked_shl(b))
        .is_some_and(|flag| mask & flag != 0)
}

/// A comma list where position matters (`o.per`, `o.fpm`). Absent or blank → empty;
/// an empty item inside a non-empty list → malformed.
fn parse_positional(value: Option<&Value>) -> Option<Vec<&str>> {
    let text = match value {
        None => return Some(Vec::new()),
        Some(Value::String(text)) => text,
        Some(_) => return None,
    };
    if text.trim().is_empty() {
        return Some(Vec::new());
    }
    text.split(',')
        .map(|item| {
            interrupts::check();
            let item = item.trim();
            (!item.is_empty()).then_some(item)
        })
        .collect()
}

#[derive(Clone, Copy)]
struct Scope {
    org: bool,
    user: bool,
}

/// A `scope:name` comma list (`fea`, `pla`). Absent → empty; blank items ignored; an
/// unknown scope or bad name anywhere → malformed.
fn parse_scoped(value: Option<&Value>) -> Option<Vec<(Scope, &str)>> {
    let text = match value {
        None => return Some(Vec::new()),
        Some(Value::String(text)) => text,
        Some(_) => return None,
    };
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            interrupts::check();
            let (scope, name) = item.split_once(':')?;
            let scope = match scope {
                "o" => Scope {
                    org: true,
                    user: false,
                },
                "u" => Scope {
                    org: false,
                    user: true,
                },
                "ou" | "uo" => Scope {
                    org: true,
                    user: true,
                },
                _ => return None,
            };
            is_name(name).then_some((scope, name))
        })
        .collect()
}

/// Parses a `has_feature`/`has_plan` argument into the wanted scopes and the bare name.
fn parse_argument(arg: &str) -> Result<(Scope, &str), ScopeError> {
    match arg.split_once(':') {
        None => Ok((
            Scope {
                org: true,
                user: true,
            },
            arg,
        )),
        Some(("o" | "org", name)) => Ok((
            Scope {
                org: true,
                user: false,
            },
            name,
        )),
        Some(("u" | "user", name)) => Ok((
            Scope {
                org: false,
                user: true,
            },
            name,
        )),
        Some((scope, _)) => Err(ScopeError {
            scope: scope.to_owned(),
        }),
    }
}

fn has_scoped(claims: &Value, key: &str, arg: &str) -> Result<bool, ScopeError> {
    // Validate the argument first, so a bad policy errors whatever the token says.
    let (wanted, name) = parse_argument(arg)?;
    let Some(top) = claims.as_object() else {
        return Ok(false);
    };
    if !is_v2(top) {
        return Ok(false);
    }
    let Some(entries) = parse_scoped(top.get(key)) else {
        return Ok(false);
    };
    let org_active = matches!(active_org(claims), Org::V2(_));
    Ok(entries.iter().any(|(held, held_name)| {
        interrupts::check();
        *held_name == name && ((wanted.user && held.user) || (wanted.org && held.org && org_active))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    /// A realistic v2 token without an active organization (stale `o:` entries in `fea`).
    fn v2_no_org() -> Value {
        json!({
            "azp": "https://app.example.com",
            "exp": 1_713_158_460,
            "fea": "o:dashboard,u:export",
            "fva": [12, -1],
            "iat": 1_713_158_400,
            "iss": "https://clerk.example.com",
            "nbf": 1_713_158_390,
            "pla": "u:free",
            "sid": "sess_2xyz",
            "sts": "pending",
            "sub": "user_2abc",
            "v": 2
        })
    }

    /// A realistic v1 session token; two `org_permissions` entries are usable.
    fn v1() -> Value {
        json!({
            "azp": "https://app.example.com",
            "exp": 1_713_158_460,
            "iat": 1_713_158_400,
            "iss": "https://clerk.example.com",
            "nbf": 1_713_158_390,
            "org_id": "org_1legacy",
            "org_permissions": [
                "org:invoices:read", "org:invoices:write", 42, "invoices:read", "org:bad", "", null
            ],
            "org_role": "org:admin",
            "org_slug": "legacy",
            "sid": "sess_1xyz",
            "sub": "user_1abc"
        })
    }

    const V1_PERMS: &[&str] = &["org:invoices:read", "org:invoices:write"];

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

    /// `(org_id, org_role, org_slug)` when an organization is expected.
    type Org3 = Option<(&'static str, Option<&'static str>, Option<&'static str>)>;

    #[test]
    fn organization_fields() {
        let v2_org: Org3 = Some((V2_ID, Some("org:admin"), Some("acme")));
        let v1_org: Org3 = Some(("org_1legacy", Some("org:admin"), Some("legacy")));
        let cases: Vec<(&str, Value, Org3)> = vec![
            (
                "documented example",
                doc(),
                Some(("org_123", Some("org:admin"), None)),
            ),
            ("full v2", v2(), v2_org),
            ("full v1", v1(), v1_org),
            (
                "v1 role without prefix",
                set(v1(), "org_role", json!("admin")),
                v1_org,
            ),
            (
                "v1 role empty",
                set(v1(), "org_role", json!("")),
                Some(("org_1legacy", None, Some("legacy"))),
            ),
            ("v1 without org_id", del(v1(), "org_id"), None),
            ("v1 empty org_id", set(v1(), "org_id", json!("")), None),
            ("v1 numeric org_id", set(v1(), "org_id", json!(7)), None),
            // Version selection: v2 wins, and v1 fields never add an org to a v2 token.
            ("v2 without org", v2_no_org(), None),
            (
                "v = 2 without o ignores org_id",
                set(v2_no_org(), "org_id", json!("org_x")),
                None,
            ),
            (
                "o wins over org_id",
                set(
                    set(v2(), "org_id", json!("org_x")),
                    "org_role",
                    json!("org:x"),
                ),
                v2_org,
            ),
            ("o without v is still v2", del(v2(), "v"), v2_org),
            (
                "malformed o ignores org_id",
                set(set(v1(), "o", json!("org_x")), "v", json!(2)),
                None,
            ),
            // Not an object at all.
            ("null claims", Value::Null, None),
            ("array claims", json!([v2()]), None),
            ("string claims", json!("o"), None),
            ("empty object", json!({}), None),
            // Malformed o.
            ("o is a string", set(v2(), "o", json!("org_1")), None),
            ("o is null", set(v2(), "o", Value::Null), None),
            ("o is an array", set(v2(), "o", json!([])), None),
            ("o without id", del(v2(), "o.id"), None),
            ("o with empty id", set(v2(), "o.id", json!("")), None),
            ("o with blank id", set(v2(), "o.id", json!("  ")), None),
            ("o with numeric id", set(v2(), "o.id", json!(12)), None),
            // Role and slug of the wrong shape only lose themselves.
            (
                "rol already prefixed",
                set(v2(), "o.rol", json!("org:admin")),
                v2_org,
            ),
            (
                "rol empty",
                set(v2(), "o.rol", json!("")),
                Some((V2_ID, None, Some("acme"))),
            ),
            (
                "rol number",
                set(v2(), "o.rol", json!(1)),
                Some((V2_ID, None, Some("acme"))),
            ),
            (
                "rol bare prefix",
                set(v2(), "o.rol", json!("org:")),
                Some((V2_ID, None, Some("acme"))),
            ),
            (
                "slg number",
                set(v2(), "o.slg", json!(1)),
                Some((V2_ID, Some("org:admin"), None)),
            ),
        ];
        for (name, claims, want) in &cases {
            let got = org_id(claims).map(|id| (id, org_role(claims), org_slug(claims)));
            let want = want.map(|(id, role, slug)| (id, role.map(str::to_owned), slug));
            assert_eq!(got, want, "{name}");
            if org_id(claims).is_none() {
                // Without an organization nothing else about it may leak through.
                assert_eq!((org_role(claims), org_slug(claims)), (None, None), "{name}");
                assert_eq!(org_permissions(claims), Ok(None), "{name}");
            }
        }
    }

    #[test]
    fn permissions() {
        let huge = "9".repeat(200);
        let doc_perms: &[&str] = &[
            "org:dashboard:manage",
            "org:dashboard:read",
            "org:teams:read",
        ];
        let no_lists = del(del(del(v2(), "fea"), "o.per"), "o.fpm");
        let fea = |s: &str| set(v2(), "fea", json!(s));
        let per = |v: Value| set(v2(), "o.per", v);
        let fpm = |v: Value| set(v2(), "o.fpm", v);
        let cases: Vec<(&str, Value, Option<&[&str]>)> = vec![
            ("documented example", doc(), Some(doc_perms)),
            ("full v2", v2(), Some(V2_PERMS)),
            (
                "full v1 keeps only org:<f>:<p> strings",
                v1(),
                Some(V1_PERMS),
            ),
            (
                "v1 permissions absent",
                del(v1(), "org_permissions"),
                Some(&[]),
            ),
            (
                "v1 permissions a string",
                set(v1(), "org_permissions", json!("org:a:b")),
                None,
            ),
            (
                "v1 permissions null",
                set(v1(), "org_permissions", Value::Null),
                None,
            ),
            (
                "v1 duplicates",
                set(v1(), "org_permissions", json!(["org:a:b", "org:a:b"])),
                Some(&["org:a:b"]),
            ),
            ("no org", v2_no_org(), None),
            ("malformed o", set(v2(), "o.id", json!("")), None),
            // Layout of the lists.
            (
                "user-only features take no slot",
                set(doc(), "fea", json!("u:x,o:dashboard,u:y,o:teams")),
                Some(doc_perms),
            ),
            (
                "blank fea items ignored",
                fea(" o:dashboard,, u:export ,ou:teams, ,uo:reports,"),
                Some(V2_PERMS),
            ),
            (
                "padded per items",
                per(json!(" manage , read ,delete ")),
                Some(V2_PERMS),
            ),
            ("padded fpm items", fpm(json!(" 3 , 6,2 ")), Some(V2_PERMS)),
            ("leading zeros", fpm(json!("003,06,2")), Some(V2_PERMS)),
            ("all-zero masks", fpm(json!("0,0,0")), Some(&[])),
            ("no fea, per or fpm", no_lists, Some(&[])),
            (
                "features, no per or fpm",
                del(del(v2(), "o.per"), "o.fpm"),
                Some(&[]),
            ),
            (
                "features, empty per and fpm",
                set(per(json!("")), "o.fpm", json!("")),
                Some(&[]),
            ),
            (
                "features, empty per, zero masks",
                set(per(json!("")), "o.fpm", json!("0,0,0")),
                Some(&[]),
            ),
            // fpm malformed: the organization stays, its permissions do not.
            ("fpm too short", fpm(json!("3,6")), None),
            ("fpm too long", fpm(json!("3,6,2,1")), None),
            ("fpm absent with per", del(v2(), "o.fpm"), None),
            ("fpm empty with per", fpm(json!("")), None),
            ("fpm interior blank", fpm(json!("3,,6,2")), None),
            ("fpm trailing comma", fpm(json!("3,6,2,")), None),
            ("fpm not a number", fpm(json!("3,x,2")), None),
            ("fpm negative", fpm(json!("3,-1,2")), None),
            ("fpm plus sign", fpm(json!("3,+6,2")), None),
            ("fpm fraction", fpm(json!("3,6.0,2")), None),
            ("fpm exponent", fpm(json!("3,6e0,2")), None),
            ("fpm hex", fpm(json!("3,0x6,2")), None),
            ("fpm bit beyond per", fpm(json!("3,8,2")), None),
            (
                "fpm u64::MAX",
                fpm(json!(format!("3,{},2", u64::MAX))),
                None,
            ),
            (
                "fpm u128::MAX",
                fpm(json!(format!("3,{},2", u128::MAX))),
                None,
            ),
            ("fpm 200 digits", fpm(json!(format!("3,{huge},2"))), None),
            ("fpm a JSON number", set(doc(), "o.fpm", json!(3)), None),
            ("fpm an array", fpm(json!([3, 6, 2])), None),
            ("fpm null", fpm(Value::Null), None),
            // per malformed.
            ("per a number", per(json!(3)), None),
            ("per null", per(Value::Null), None),
            ("per interior blank", per(json!("manage,,read")), None),
            (
                "per name with colon",
                per(json!("manage,x:read,delete")),
                None,
            ),
            ("per empty but masks set", per(json!("")), None),
            // fea malformed.
            ("fea a number", set(v2(), "fea", json!(1)), None),
            (
                "fea unknown scope",
                fea("o:dashboard,x:export,ou:teams,uo:reports"),
                None,
            ),
            (
                "fea entry without scope",
                fea("dashboard,u:export,ou:teams,uo:reports"),
                None,
            ),
            (
                "fea empty name",
                fea("o:,u:export,ou:teams,uo:reports"),
                None,
            ),
            (
                "fea name with space",
                fea("o:dash board,u:export,ou:teams,uo:reports"),
                None,
            ),
        ];
        for (name, claims, want) in &cases {
            let want = want.map(|p| p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(org_permissions(claims), Ok(want), "{name}");
        }
    }

    #[test]
    fn session_and_actor() {
        let act = json!({
            "iss": "https://dashboard.clerk.com",
            "sid": "sess_imp",
            "sub": "user_support"
        });
        let cases: Vec<(&str, Value, Option<&str>, Option<&str>)> = vec![
            ("active, no actor", v2(), None, Some("active")),
            ("pending", v2_no_org(), None, Some("pending")),
            ("v1 without sts", v1(), None, None),
            ("sts number", set(v2(), "sts", json!(1)), None, None),
            ("sts empty", set(v2(), "sts", json!("")), None, None),
            (
                "impersonation",
                set(v2(), "act", act),
                Some("user_support"),
                Some("active"),
            ),
            (
                "act with empty sub",
                set(v2(), "act", json!({ "sub": "" })),
                None,
                Some("active"),
            ),
            (
                "act with numeric sub",
                set(v2(), "act", json!({ "sub": 5 })),
                None,
                Some("active"),
            ),
            (
                "act a string",
                set(v2(), "act", json!("user_support")),
                None,
                Some("active"),
            ),
            ("null claims", Value::Null, None, None),
        ];
        for (name, claims, actor, status) in &cases {
            assert_eq!(actor_id(claims), *actor, "{name}: actor_id");
            assert_eq!(session_status(claims), *status, "{name}: session_status");
            assert_eq!(
                is_pending(claims),
                *status == Some("pending"),
                "{name}: is_pending"
            );
        }
    }

    type Check = fn(&Value, &str) -> Result<bool, ScopeError>;
    type Row<'a> = (
        &'static str,
        &'a Value,
        Check,
        &'static str,
        Result<bool, ScopeError>,
    );

    const ROLE: Check = |c, a| Ok(has_org_role(c, a));
    const PERM: Check = |c, a| Ok(has_permission(c, a));
    const FEATURE: Check = has_feature;
    const PLAN: Check = has_plan;

    fn scope_err(scope: &str) -> Result<bool, ScopeError> {
        Err(ScopeError {
            scope: scope.to_owned(),
        })
    }

    #[test]
    fn predicates() {
        let (v2, no_org, v1, doc) = (v2(), v2_no_org(), v1(), doc());
        let bad_o = set(v2.clone(), "o.id", json!(""));
        let bad_fpm = set(v2.clone(), "o.fpm", json!("3,6"));
        let bad_fea = set(v2.clone(), "fea", json!("z:dashboard,u:export"));
        let fea_number = set(v2.clone(), "fea", json!(7));
        let v1_bare_role = set(v1.clone(), "org_role", json!("admin"));
        let v1_with_fea = set(v1.clone(), "fea", json!("u:export"));

        let cases: &[Row] = &[
            // Roles, with and without prefix.
            ("v2 role bare", &v2, ROLE, "admin", Ok(true)),
            ("v2 role prefixed", &v2, ROLE, "org:admin", Ok(true)),
            ("v2 other role", &v2, ROLE, "member", Ok(false)),
            ("v2 other role prefixed", &v2, ROLE, "org:member", Ok(false)),
            ("role is case-sensitive", &v2, ROLE, "ADMIN", Ok(false)),
            ("role empty arg", &v2, ROLE, "", Ok(false)),
            ("role bare prefix arg", &v2, ROLE, "org:", Ok(false)),
            ("v1 role bare", &v1, ROLE, "admin", Ok(true)),
            ("v1 role prefixed", &v1, ROLE, "org:admin", Ok(true)),
            (
                "v1 unprefixed claim",
                &v1_bare_role,
                ROLE,
                "org:admin",
                Ok(true),
            ),
            ("no-org role", &no_org, ROLE, "admin", Ok(false)),
            ("malformed o role", &bad_o, ROLE, "admin", Ok(false)),
            // Permissions, with and without prefix.
            ("doc manage", &doc, PERM, "org:dashboard:manage", Ok(true)),
            ("doc read bare", &doc, PERM, "dashboard:read", Ok(true)),
            ("doc teams read", &doc, PERM, "teams:read", Ok(true)),
            (
                "doc teams manage",
                &doc,
                PERM,
                "org:teams:manage",
                Ok(false),
            ),
            ("v2 teams delete", &v2, PERM, "teams:delete", Ok(true)),
            (
                "user-only feature has no perms",
                &v2,
                PERM,
                "export:read",
                Ok(false),
            ),
            ("perm missing feature", &v2, PERM, "org:read", Ok(false)),
            ("perm bare name", &v2, PERM, "read", Ok(false)),
            ("perm empty arg", &v2, PERM, "", Ok(false)),
            ("perm extra part", &v2, PERM, "dashboard:read:x", Ok(false)),
            ("v1 perm prefixed", &v1, PERM, "org:invoices:read", Ok(true)),
            ("v1 perm bare", &v1, PERM, "invoices:write", Ok(true)),
            ("v1 skipped entry", &v1, PERM, "org:bad", Ok(false)),
            ("no-org perm", &no_org, PERM, "dashboard:read", Ok(false)),
            (
                "malformed o perm",
                &bad_o,
                PERM,
                "dashboard:read",
                Ok(false),
            ),
            (
                "malformed fpm perm",
                &bad_fpm,
                PERM,
                "dashboard:read",
                Ok(false),
            ),
            // Features: every scope form of the argument and of the claim.
            ("o feature bare", &v2, FEATURE, "dashboard", Ok(true)),
            ("o feature o:", &v2, FEATURE, "o:dashboard", Ok(true)),
            ("o feature org:", &v2, FEATURE, "org:dashboard", Ok(true)),
            ("o feature u:", &v2, FEATURE, "u:dashboard", Ok(false)),
            ("o feature user:", &v2, FEATURE, "user:dashboard", Ok(false)),
            ("u feature bare", &v2, FEATURE, "export", Ok(true)),
            ("u feature u:", &v2, FEATURE, "u:export", Ok(true)),
            ("u feature user:", &v2, FEATURE, "user:export", Ok(true)),
            ("u feature o:", &v2, FEATURE, "o:export", Ok(false)),
            ("u feature org:", &v2, FEATURE, "org:export", Ok(false)),
            ("ou feature o:", &v2, FEATURE, "o:teams", Ok(true)),
            ("ou feature u:", &v2, FEATURE, "u:teams", Ok(true)),
            ("uo feature org:", &v2, FEATURE, "org:reports", Ok(true)),
            ("uo feature user:", &v2, FEATURE, "user:reports", Ok(true)),
            ("missing feature", &v2, FEATURE, "billing", Ok(false)),
            ("empty feature", &v2, FEATURE, "", Ok(false)),
            ("empty scoped feature", &v2, FEATURE, "o:", Ok(false)),
            ("unknown scope", &v2, FEATURE, "x:dashboard", scope_err("x")),
            (
                "ou is no argument scope",
                &v2,
                FEATURE,
                "ou:teams",
                scope_err("ou"),
            ),
            ("empty scope", &v2, FEATURE, ":dashboard", scope_err("")),
            (
                "scope is case-sensitive",
                &v2,
                FEATURE,
                "O:dashboard",
                scope_err("O"),
            ),
            (
                "unknown scope on v1",
                &v1,
                FEATURE,
                "x:dashboard",
                scope_err("x"),
            ),
            (
                "unknown scope on null",
                &Value::Null,
                FEATURE,
                "x:y",
                scope_err("x"),
            ),
            (
                "no org: stale o feature",
                &no_org,
                FEATURE,
                "dashboard",
                Ok(false),
            ),
            (
                "no org: stale o: feature",
                &no_org,
                FEATURE,
                "o:dashboard",
                Ok(false),
            ),
            ("no org: user feature", &no_org, FEATURE, "export", Ok(true)),
            (
                "malformed o: user scope kept",
                &bad_o,
                FEATURE,
                "u:teams",
                Ok(true),
            ),
            (
                "malformed o: org scope lost",
                &bad_o,
                FEATURE,
                "o:teams",
                Ok(false),
            ),
            (
                "unknown scope in fea",
                &bad_fea,
                FEATURE,
                "export",
                Ok(false),
            ),
            ("fea a number", &fea_number, FEATURE, "dashboard", Ok(false)),
            ("v1 has no features", &v1, FEATURE, "dashboard", Ok(false)),
            (
                "v1 ignores a fea claim",
                &v1_with_fea,
                FEATURE,
                "export",
                Ok(false),
            ),
            // Plans.
            ("o plan bare", &v2, PLAN, "pro", Ok(true)),
            ("o plan o:", &v2, PLAN, "o:pro", Ok(true)),
            ("o plan org:", &v2, PLAN, "org:pro", Ok(true)),
            ("o plan u:", &v2, PLAN, "u:pro", Ok(false)),
            ("u plan bare", &v2, PLAN, "free", Ok(true)),
            ("u plan u:", &v2, PLAN, "u:free", Ok(true)),
            ("u plan user:", &v2, PLAN, "user:free", Ok(true)),
            ("u plan o:", &v2, PLAN, "o:free", Ok(false)),
            ("missing plan", &v2, PLAN, "enterprise", Ok(false)),
            (
                "plan unknown scope",
                &v2,
                PLAN,
                "team:pro",
                scope_err("team"),
            ),
            ("no org: user plan", &no_org, PLAN, "free", Ok(true)),
            ("no org: org plan", &no_org, PLAN, "o:pro", Ok(false)),
            ("v1 has no plans", &v1, PLAN, "free", Ok(false)),
            ("null claims plan", &Value::Null, PLAN, "free", Ok(false)),
        ];
        for (name, claims, check, arg, want) in cases {
            assert_eq!(&check(claims, arg), want, "{name}: {arg:?}");
        }
    }

    /// Found by the `clerk_decode` fuzz target (fuzz/regressions/clerk_decode/): a feature
    /// named `org`. An argument starting with `org:` is always read as prefixed, so its
    /// permissions are reachable only in the full form, and the short form grants nothing.
    #[test]
    fn feature_named_org() {
        let v1 = json!({"org_id": "org_1", "org_permissions": ["org:org:read", "org:inv"]});
        let v2 = json!({"fea": "o:org", "o": {"id": "org_2", "per": "read", "fpm": "1"}});
        for claims in [&v1, &v2] {
            assert_eq!(
                org_permissions(claims),
                Ok(Some(vec!["org:org:read".to_owned()]))
            );
            assert!(has_permission(claims, "org:org:read"), "{claims}");
            assert!(!has_permission(claims, "org:read"), "{claims}");
        }
    }

    #[test]
    fn scope_error_message() {
        let err = has_plan(&v2(), "x:dashboard").unwrap_err();
        assert_eq!(err.scope, "x");
        assert_eq!(
            err.to_string(),
            r#"unknown scope "x" (expected no prefix, "o:", "org:", "u:" or "user:")"#
        );
    }
}
