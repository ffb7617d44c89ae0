//! JWT claim validation (RFC 7519 §4.1), separate from signature checking so
//! the glue can cache a verified token and re-check only the time window.

use super::{quoted, JoseError};
use crate::json::{Item, Kind, Members};

/// What [`validate_claims`] / [`super::verify`] require of a token.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// Current time in unix seconds (the glue passes the statement start).
    pub now: i64,
    /// Clock-skew allowance in seconds for `exp`, `nbf` and `iat`
    /// (negative values are treated as 0).
    pub leeway: i64,
    /// Required `iss`; `None` = not checked.
    pub issuer: Option<&'a str>,
    /// Accepted audiences; empty = not checked. The token `aud` (a string or
    /// an array of strings) passes if any of its values is listed.
    pub audiences: &'a [String],
    /// Accepted authorized parties; empty = not checked. Otherwise the token
    /// must carry a string `azp` that is listed.
    pub authorized_parties: &'a [String],
    /// Accepted algorithms; empty = any supported algorithm.
    pub algorithms: &'a [String],
    /// Accepted header `typ` values, compared exactly; empty = not checked. A header without
    /// `typ` is always accepted.
    pub token_types: &'a [String],
    /// Claims the token must carry (of whatever JSON type; the registered ones are type-checked
    /// anyway).
    pub required_claims: &'a [String],
}

impl Policy<'static> {
    /// A policy that only checks the time window at `now` with no leeway (tests and the fuzz
    /// harness start from it).
    pub fn new(now: i64) -> Policy<'static> {
        Policy {
            now,
            leeway: 0,
            issuer: None,
            audiences: &[],
            authorized_parties: &[],
            algorithms: &[],
            token_types: &[],
            required_claims: &[],
        }
    }
}

/// The NumericDate claims of a validated token (for caching).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimeClaims {
    /// `exp`, if present.
    pub exp: Option<f64>,
    /// `nbf`, if present.
    pub nbf: Option<f64>,
    /// `iat`, if present.
    pub iat: Option<f64>,
}

/// Checks the time window. All arguments are unix seconds; `now` is whole seconds (the glue
/// floors the statement start).
///
/// * `exp`: rejected when `now - leeway >= exp` ("token expired at …");
/// * `nbf`: rejected when `now + leeway < nbf` ("token not valid before …");
/// * `iat`: rejected when `iat > now + leeway` ("token issued in the future").
///
/// A fraction in a claim is dropped toward zero first, as Clerk's SDK does
/// (`Date.setUTCSeconds`). With `now` floored, every answer is then the SDK's at the same instant
/// with a skew of `leeway` seconds: `exp` 100.9 has expired at 100.0.
///
/// Absent claims are not checked. Errors are [`JoseError::Rejected`].
pub fn check_time(
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
    now: i64,
    leeway: i64,
) -> Result<(), JoseError> {
    let (exp, nbf, iat) = (
        exp.map(f64::trunc),
        nbf.map(f64::trunc),
        iat.map(f64::trunc),
    );
    let leeway = leeway.max(0);
    let earliest = now.saturating_sub(leeway) as f64;
    let latest = now.saturating_add(leeway) as f64;
    if let Some(exp) = exp {
        if earliest >= exp {
            return Err(JoseError::Rejected(format!(
                "token expired at {}",
                format_numeric_date(exp)
            )));
        }
    }
    if let Some(nbf) = nbf {
        if latest < nbf {
            return Err(JoseError::Rejected(format!(
                "token not valid before {}",
                format_numeric_date(nbf)
            )));
        }
    }
    if let Some(iat) = iat {
        if iat > latest {
            return Err(JoseError::Rejected(format!(
                "token issued in the future (iat {})",
                format_numeric_date(iat)
            )));
        }
    }
    Ok(())
}

/// Validates a claims object against `policy` and returns its NumericDates.
///
/// Always checked: `exp`/`nbf`/`iat`, when present, are JSON numbers
/// (`invalid exp claim: not a NumericDate`) and within the time window;
/// `iss` and `sub`, when present, are strings; `aud`, when present, is a
/// string or an array of strings. Then, as configured: issuer, audience,
/// authorized party. Errors are [`JoseError::Rejected`].
pub fn validate_claims(obj: Item, policy: &Policy) -> Result<TimeClaims, JoseError> {
    let Kind::Object(members) = obj.kind() else {
        return Err(JoseError::Malformed("claims are not a JSON object".into()));
    };
    let claims = Registered::find(members);
    let times = TimeClaims {
        exp: numeric_date(claims.exp, "exp")?,
        nbf: numeric_date(claims.nbf, "nbf")?,
        iat: numeric_date(claims.iat, "iat")?,
    };
    let iss = string_claim(claims.iss, "iss")?;
    string_claim(claims.sub, "sub")?;
    let aud = audience_claim(claims.aud)?;
    if let Some(missing) = policy
        .required_claims
        .iter()
        .find(|name| obj.get(name).is_none())
    {
        return Err(JoseError::Rejected(format!(
            "token has no {} claim, which is required",
            quoted(missing)
        )));
    }
    check_time(times.exp, times.nbf, times.iat, policy.now, policy.leeway)?;

    if let Some(expected) = policy.issuer {
        match iss {
            None => {
                return Err(JoseError::Rejected(format!(
                    "token has no iss claim (expected {})",
                    quoted(expected)
                )))
            }
            Some(got) if got != expected => {
                return Err(JoseError::Rejected(format!(
                    "issuer not accepted: expected {}, got {}",
                    quoted(expected),
                    quoted(got)
                )))
            }
            Some(_) => {}
        }
    }

    if !policy.audiences.is_empty() {
        let Some(aud) = aud else {
            return Err(JoseError::Rejected("token has no aud claim".into()));
        };
        if !aud.iter().any(|a| policy.audiences.iter().any(|p| p == a)) {
            let got = aud
                .first()
                .map(|a| quoted(a))
                .unwrap_or_else(|| "[]".into());
            let more = if aud.len() > 1 { " (and others)" } else { "" };
            return Err(JoseError::Rejected(format!(
                "audience not accepted: got {got}{more}"
            )));
        }
    }

    if !policy.authorized_parties.is_empty() {
        match claims.azp.map(Item::kind) {
            None => return Err(JoseError::Rejected("token has no azp claim".into())),
            Some(Kind::String(azp)) => {
                if !policy.authorized_parties.iter().any(|p| p == azp) {
                    return Err(JoseError::Rejected(format!(
                        "authorized party not accepted: got {}",
                        quoted(azp)
                    )));
                }
            }
            Some(_) => {
                return Err(JoseError::Rejected(
                    "invalid azp claim: not a string".into(),
                ))
            }
        }
    }
    Ok(times)
}

/// Clerk's header `cat` for machine (M2M) tokens, which its `verifyToken` refuses as session tokens.
const CLERK_MACHINE_CATEGORY: &str = "cl_B7d4PD333AAA";

/// Checks the protected header against `policy` (RFC 8725 §3.11, explicit typing): a `typ`
/// must be a string listed in `policy.token_types` (compared exactly, so an OAuth access token,
/// `at+jwt`, signed by the same keys is no session token); and a Clerk machine token is refused
/// as Clerk's SDK refuses it. Errors are [`JoseError::Rejected`].
pub fn check_header(header: Item, policy: &Policy) -> Result<(), JoseError> {
    if !policy.token_types.is_empty() {
        match header.get("typ").map(Item::kind) {
            None => {}
            Some(Kind::String(typ)) if policy.token_types.iter().any(|t| t == typ) => {}
            Some(Kind::String(typ)) => {
                return Err(JoseError::Rejected(format!(
                    "token type (typ) {} is not accepted",
                    quoted(typ)
                )))
            }
            Some(_) => {
                return Err(JoseError::Rejected(
                    "token header \"typ\" is not a string".into(),
                ))
            }
        }
    }
    if let Some(Kind::String(CLERK_MACHINE_CATEGORY)) = header.get("cat").map(Item::kind) {
        return Err(JoseError::Rejected(
            "a Clerk machine token (cat \"cl_B7d4PD333AAA\") is not a session token".into(),
        ));
    }
    Ok(())
}

/// The registered claims that validation reads, found in one pass over the members.
#[derive(Default)]
struct Registered<'d> {
    exp: Option<Item<'d>>,
    nbf: Option<Item<'d>>,
    iat: Option<Item<'d>>,
    iss: Option<Item<'d>>,
    sub: Option<Item<'d>>,
    aud: Option<Item<'d>>,
    azp: Option<Item<'d>>,
}

impl<'d> Registered<'d> {
    fn find(members: Members<'d>) -> Registered<'d> {
        let mut found = Registered::default();
        for (name, value) in members {
            let slot = match name {
                "exp" => &mut found.exp,
                "nbf" => &mut found.nbf,
                "iat" => &mut found.iat,
                "iss" => &mut found.iss,
                "sub" => &mut found.sub,
                "aud" => &mut found.aud,
                "azp" => &mut found.azp,
                _ => continue,
            };
            *slot = Some(value);
        }
        found
    }
}

fn numeric_date(claim: Option<Item>, name: &str) -> Result<Option<f64>, JoseError> {
    match claim.map(Item::kind) {
        None => Ok(None),
        Some(Kind::Number(n)) => match n.parse::<f64>() {
            // 1e400 reads as infinity: a token that never expires is not a NumericDate.
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(JoseError::Rejected(format!(
                "invalid {name} claim: not a NumericDate"
            ))),
        },
        Some(_) => Err(JoseError::Rejected(format!(
            "invalid {name} claim: not a NumericDate"
        ))),
    }
}

fn string_claim<'a>(claim: Option<Item<'a>>, name: &str) -> Result<Option<&'a str>, JoseError> {
    match claim.map(Item::kind) {
        None => Ok(None),
        Some(Kind::String(s)) => Ok(Some(s)),
        Some(_) => Err(JoseError::Rejected(format!(
            "invalid {name} claim: not a string"
        ))),
    }
}

fn audience_claim(claim: Option<Item<'_>>) -> Result<Option<Vec<&str>>, JoseError> {
    let bad =
        || JoseError::Rejected("invalid aud claim: not a string or an array of strings".into());
    match claim.map(Item::kind) {
        None => Ok(None),
        Some(Kind::String(s)) => Ok(Some(vec![s])),
        Some(Kind::Array(items)) => items
            .map(|v| v.as_str().ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

/// Formats a NumericDate as RFC 3339 UTC (`2011-03-22T18:43:00Z`, seconds
/// truncated toward negative infinity). Values outside years 0001–9999 are
/// printed as the plain number.
pub fn format_numeric_date(value: f64) -> String {
    const MIN: f64 = -62_135_596_800.0; // 0001-01-01T00:00:00Z
    const MAX: f64 = 253_402_300_800.0; // 10000-01-01T00:00:00Z
    if !(MIN..MAX).contains(&value) {
        return format!("NumericDate {value:e}");
    }
    let secs = value.floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day)
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::parse_strict;
    use crate::json::Doc;
    use serde_json::json;

    fn doc(claims: &serde_json::Value) -> Doc {
        parse_strict(claims.to_string().into_bytes(), "claims").unwrap()
    }

    #[test]
    fn rfc3339() {
        let cases: &[(f64, &str)] = &[
            (0.0, "1970-01-01T00:00:00Z"),
            (1_300_819_380.0, "2011-03-22T18:43:00Z"),
            (1_300_819_380.5, "2011-03-22T18:43:00Z"),
            (-1.0, "1969-12-31T23:59:59Z"),
            (951_782_400.0, "2000-02-29T00:00:00Z"),
            (4_102_444_800.0, "2100-01-01T00:00:00Z"),
            (253_402_300_799.0, "9999-12-31T23:59:59Z"),
            (-62_135_596_800.0, "0001-01-01T00:00:00Z"),
            (1e300, "NumericDate 1e300"),
            (f64::INFINITY, "NumericDate inf"),
        ];
        for (v, want) in cases {
            assert_eq!(format_numeric_date(*v), *want, "{v}");
        }
    }

    #[test]
    fn time_window_edges() {
        // (exp, nbf, iat, now, leeway, Ok?, message fragment)
        type Case = (
            Option<f64>,
            Option<f64>,
            Option<f64>,
            i64,
            i64,
            bool,
            &'static str,
        );
        let cases: &[Case] = &[
            (None, None, None, 100, 0, true, ""),
            (Some(101.0), None, None, 100, 0, true, ""),
            (
                Some(100.0),
                None,
                None,
                100,
                0,
                false,
                "token expired at 1970-01-01T00:01:40Z",
            ),
            // Fractions are dropped toward zero, as Clerk's SDK drops them.
            (Some(100.5), None, None, 100, 0, false, "expired"),
            (Some(100.5), None, None, 99, 0, true, ""),
            (Some(95.99), None, None, 100, 5, false, "expired"),
            (Some(96.01), None, None, 100, 5, true, ""),
            (Some(-0.5), None, None, 0, 0, false, "expired"),
            (None, Some(101.9), None, 100, 0, false, "not valid before"),
            (None, Some(100.9), None, 100, 0, true, ""),
            (None, Some(105.99), None, 100, 5, true, ""),
            (None, None, Some(105.99), 100, 5, true, ""),
            (
                None,
                None,
                Some(106.01),
                100,
                5,
                false,
                "issued in the future",
            ),
            (Some(99.0), None, None, 100, 0, false, "expired"),
            (Some(99.0), None, None, 100, 1, false, "expired"), // now - leeway = 99 >= 99
            (Some(99.0), None, None, 100, 2, true, ""),
            (Some(-1.0), None, None, 100, 0, false, "expired"),
            (Some(1e300), None, None, i64::MAX, 0, true, ""),
            (Some(0.0), None, None, i64::MIN, i64::MAX, true, ""),
            (None, Some(100.0), None, 100, 0, true, ""),
            (
                None,
                Some(101.0),
                None,
                100,
                0,
                false,
                "token not valid before 1970-01-01T00:01:41Z",
            ),
            (None, Some(101.0), None, 100, 1, true, ""),
            (None, Some(102.0), None, 100, 1, false, "not valid before"),
            (None, Some(100.5), None, 100, 0, true, ""),
            (None, None, Some(100.0), 100, 0, true, ""),
            (
                None,
                None,
                Some(101.0),
                100,
                0,
                false,
                "token issued in the future",
            ),
            (None, None, Some(105.0), 100, 5, true, ""),
            (
                None,
                None,
                Some(106.0),
                100,
                5,
                false,
                "issued in the future",
            ),
            (Some(99.0), None, None, 100, -50, false, "expired"), // negative leeway = 0
            (Some(100.0), None, None, 99, -50, true, ""),
        ];
        for (exp, nbf, iat, now, leeway, ok, frag) in cases {
            let got = check_time(*exp, *nbf, *iat, *now, *leeway);
            assert_eq!(
                got.is_ok(),
                *ok,
                "{exp:?} {nbf:?} {iat:?} {now} {leeway}: {got:?}"
            );
            if let Err(e) = got {
                assert!(matches!(e, JoseError::Rejected(_)));
                assert!(e.to_string().contains(frag), "{e} !~ {frag}");
            }
        }
    }

    #[test]
    fn claims_table() {
        let aud_list = vec!["api".to_string(), "web".to_string()];
        let azp_list = vec!["client-1".to_string()];
        let mut with_iss = Policy::new(1000);
        with_iss.issuer = Some("https://issuer.example");
        let mut with_aud = Policy::new(1000);
        with_aud.audiences = &aud_list;
        let mut with_azp = Policy::new(1000);
        with_azp.authorized_parties = &azp_list;
        let plain = Policy::new(1000);
        let required = vec!["exp".to_string(), "sub".to_string()];
        let mut requiring = Policy::new(1000);
        requiring.required_claims = &required;
        // (claims, policy, expected error fragment or "" for Ok)
        let cases: Vec<(serde_json::Value, &Policy, &str)> = vec![
            (json!({}), &plain, ""),
            (json!({"exp": 1001, "nbf": 1000, "iat": 999}), &plain, ""),
            (json!({"exp": "1001"}), &plain, "invalid exp claim: not a NumericDate"),
            (json!({"exp": null}), &plain, "invalid exp claim: not a NumericDate"),
            (json!({"nbf": true}), &plain, "invalid nbf claim: not a NumericDate"),
            (json!({"iat": "x"}), &plain, "invalid iat claim: not a NumericDate"),
            (json!({"exp": 1001.5}), &plain, ""),
            (json!({"exp": 1000.5}), &plain, "expired"),
            (json!({}), &requiring, "token has no \"exp\" claim, which is required"),
            (json!({"exp": 1001}), &requiring, "token has no \"sub\" claim"),
            (json!({"exp": 1001, "sub": ""}), &requiring, ""),
            (json!({"exp": 1001, "sub": null}), &requiring, "invalid sub claim"),
            (json!({"iss": 5}), &plain, "invalid iss claim"),
            (json!({"sub": 5}), &plain, "invalid sub claim"),
            (json!({"aud": 1}), &plain, "invalid aud claim"),
            (json!({"aud": ["a", 1]}), &plain, "invalid aud claim"),
            (json!({"aud": {"a": 1}}), &plain, "invalid aud claim"),
            (json!({"aud": ["a"]}), &plain, ""),
            (json!({"iss": "https://issuer.example"}), &with_iss, ""),
            (json!({"iss": "https://evil.example"}), &with_iss, "issuer not accepted: expected \"https://issuer.example\", got \"https://evil.example\""),
            (json!({}), &with_iss, "token has no iss claim"),
            (json!({"aud": "api"}), &with_aud, ""),
            (json!({"aud": ["x", "web"]}), &with_aud, ""),
            (json!({"aud": ["x", "y"]}), &with_aud, "audience not accepted: got \"x\" (and others)"),
            (json!({"aud": "x"}), &with_aud, "audience not accepted: got \"x\""),
            (json!({"aud": []}), &with_aud, "audience not accepted"),
            (json!({}), &with_aud, "token has no aud claim"),
            (json!({"azp": "client-1"}), &with_azp, ""),
            (json!({"azp": "client-2"}), &with_azp, "authorized party not accepted"),
            (json!({"azp": 1}), &with_azp, "invalid azp claim"),
            (json!({}), &with_azp, "token has no azp claim"),
            (json!({"azp": 1}), &plain, ""),
        ];
        for (claims, policy, frag) in cases {
            let doc = doc(&claims);
            let got = validate_claims(doc.root(), policy);
            match (got, frag) {
                (Ok(_), "") => {}
                (Ok(_), f) => panic!("{claims} accepted, wanted error {f}"),
                (Err(e), "") => panic!("{claims} rejected: {e}"),
                (Err(e), f) => {
                    assert!(matches!(e, JoseError::Rejected(_)), "{e:?}");
                    assert!(e.to_string().contains(f), "{e} !~ {f}");
                }
            }
        }
    }

    #[test]
    fn header_types() {
        let types = vec!["JWT".to_string()];
        let mut typed = Policy::new(0);
        typed.token_types = &types;
        let open = Policy::new(0);
        let cases: &[(serde_json::Value, &Policy, &str)] = &[
            (json!({"alg": "RS256"}), &typed, ""),
            (json!({"alg": "RS256", "typ": "JWT"}), &typed, ""),
            (
                json!({"alg": "RS256", "typ": "jwt"}),
                &typed,
                "token type (typ) \"jwt\" is not accepted",
            ),
            (
                json!({"alg": "RS256", "typ": "at+jwt"}),
                &typed,
                "token type (typ) \"at+jwt\"",
            ),
            (
                json!({"alg": "RS256", "typ": "application/at+jwt"}),
                &typed,
                "not accepted",
            ),
            (
                json!({"alg": "RS256", "typ": null}),
                &typed,
                "\"typ\" is not a string",
            ),
            (json!({"alg": "RS256", "typ": "at+jwt"}), &open, ""),
            (
                json!({"alg": "RS256", "cat": "cl_B7d4PD111AAA"}),
                &typed,
                "",
            ),
            (
                json!({"alg": "RS256", "cat": "cl_B7d4PD333AAA"}),
                &open,
                "Clerk machine token",
            ),
        ];
        for (header, policy, frag) in cases {
            let got = check_header(doc(header).root(), policy);
            match (got, *frag) {
                (Ok(()), "") => {}
                (Ok(()), f) => panic!("{header} accepted, wanted error {f}"),
                (Err(e), "") => panic!("{header} rejected: {e}"),
                (Err(e), f) => assert!(e.to_string().contains(f), "{e} !~ {f}"),
            }
        }
    }

    #[test]
    fn long_values_are_truncated_in_messages() {
        let long = "x".repeat(500);
        let mut p = Policy::new(0);
        p.issuer = Some("a");
        let e = validate_claims(doc(&json!({ "iss": long })).root(), &p)
            .unwrap_err()
            .to_string();
        assert!(e.len() < 200, "{e}");
    }
}
