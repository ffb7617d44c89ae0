//! The claims object: parsing it from a setting's text and reading paths in it.
//!
//! Pure Rust over one parsed document ([`Doc`]): parsed once, whether the claims came from a
//! setting (leniently, as `::jsonb` reads them) or from a verified token (strictly), and read in
//! place by the typed readers, the Clerk rules and the glue's jsonb writer. Numbers keep the text
//! they were written with. The SQL glue decides where the text comes from and turns the answers
//! into Datums; the rules of what a path means and which JSON types a typed reader takes live
//! here.

use crate::json::{self, Doc, Elements, Item, Kind, Refusal};
use std::borrow::Cow;
use std::fmt;

/// A parsed claims object.
#[derive(Debug)]
pub struct Claims {
    doc: Doc,
}

/// Why a claims text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON at all (the message is serde_json's, with line and column).
    NotJson(String),
    /// Nested 128 or more levels deep (the parser's limit); never a stack overflow.
    TooDeep,
    /// JSON, but not an object (the JSON type found).
    NotObject(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotJson(msg) => write!(f, "invalid JSON: {msg}"),
            ParseError::TooDeep => f.write_str("JSON nested 128 or more levels deep"),
            ParseError::NotObject(found) => write!(f, "expected a JSON object, found {found}"),
        }
    }
}

impl Claims {
    /// Parses a claims text as jsonb reads it (a repeated name keeps its last value). The text
    /// must be a JSON object.
    pub fn parse(text: &str) -> Result<Claims, ParseError> {
        let doc = json::parse_lenient(text.to_owned()).map_err(|refusal| match refusal {
            Refusal::Syntax(Some(message)) if message.starts_with("recursion limit exceeded") => {
                ParseError::TooDeep
            }
            Refusal::Syntax(Some(message)) => ParseError::NotJson(message),
            Refusal::TooLarge => ParseError::NotJson("JSON text too large".into()),
            _ => ParseError::NotJson("invalid JSON".into()),
        })?;
        let root = doc.root();
        if !root.is_object() {
            return Err(ParseError::NotObject(json_type(root)));
        }
        Ok(Claims { doc })
    }

    /// The claims of a verified token: `doc` was strictly parsed and is an object.
    pub fn from_verified(doc: Doc) -> Claims {
        debug_assert!(doc.root().is_object());
        Claims { doc }
    }

    /// The exact text this was parsed from.
    pub fn text(&self) -> &str {
        self.doc.text()
    }

    /// The parsed document.
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// The whole claims object.
    pub fn root(&self) -> Item<'_> {
        self.doc.root()
    }

    /// `claims::json ->> name`, exactly as the guide's SQL function computes it: a string is
    /// returned unescaped, JSON null is `None`, any other value as the text it was written with;
    /// with duplicate keys the last one wins.
    pub fn json_field_text(&self, name: &str) -> Option<Cow<'_, str>> {
        let item = self.root().get(name)?;
        match item.kind() {
            Kind::Null => None,
            Kind::String(s) => Some(Cow::Borrowed(s)),
            _ => item.raw_text().map(Cow::Borrowed),
        }
    }
}

/// Follows `path` into `item` with the rules of jsonb's `#>`: object members by key, array
/// elements by integer index (negative counts from the end), anything else ends the walk.
pub fn get_path<'d>(item: Item<'d>, path: &[&str]) -> Option<Item<'d>> {
    path.iter().try_fold(item, |cur, step| match cur.kind() {
        Kind::Object(_) => cur.get(step),
        Kind::Array(mut elements) => {
            let index: i64 = parse_index(step)?;
            let len = i64::try_from(elements.len()).ok()?;
            let index = if index < 0 { len + index } else { index };
            usize::try_from(index).ok().and_then(|i| elements.nth(i))
        }
        _ => None,
    })
}

/// An array subscript as jsonb reads it (C `strtol` into an `int`): leading white space, an
/// optional sign, decimal digits and nothing after; out of `int` range is no subscript.
fn parse_index(step: &str) -> Option<i64> {
    let step = step.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let digits = step.strip_prefix(['-', '+']).unwrap_or(step);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    step.parse::<i32>().ok().map(i64::from)
}

/// The JSON type name Postgres uses (`jsonb_typeof`).
pub fn json_type(item: Item<'_>) -> &'static str {
    match item.kind() {
        Kind::Null => "null",
        Kind::Bool(_) => "boolean",
        Kind::Number(_) => "number",
        Kind::String(_) => "string",
        Kind::Array(_) => "array",
        Kind::Object(_) => "object",
    }
}

/// A claim held a JSON type other than the one a typed reader returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongType {
    pub found: &'static str,
    pub wanted: &'static str,
}

/// What a typed reader found at a path: `Ok(None)` for absent or JSON null.
pub type Typed<T> = Result<Option<T>, WrongType>;

fn typed<'d, T>(
    item: Option<Item<'d>>,
    wanted: &'static str,
    pick: impl FnOnce(Item<'d>) -> Option<T>,
) -> Typed<T> {
    match item {
        None => Ok(None),
        Some(i) if i.is_null() => Ok(None),
        Some(i) => pick(i).map(Some).ok_or(WrongType {
            found: json_type(i),
            wanted,
        }),
    }
}

/// A JSON boolean.
pub fn as_bool(item: Option<Item<'_>>) -> Typed<bool> {
    typed(item, "boolean", Item::as_bool)
}

/// A JSON number, as the text it was written with (the glue converts it with Postgres' own
/// numeric rules, so `1e3`, `1.50` and 20-digit values mean what they mean in SQL).
pub fn as_number_text(item: Option<Item<'_>>) -> Typed<&str> {
    typed(item, "number", |i| match i.kind() {
        Kind::Number(n) => Some(n),
        _ => None,
    })
}

/// A JSON array's elements.
pub fn as_array(item: Option<Item<'_>>) -> Typed<Elements<'_>> {
    typed(item, "array", Item::elements)
}

/// `#>>` for one value: strings unescaped, JSON null as `None`, anything else as the JSON text
/// it was written with (the glue re-renders such values through jsonb, so that the text is
/// exactly what `jsonb #>>` prints).
pub fn text_of(item: Item<'_>) -> Option<Cow<'_, str>> {
    match item.kind() {
        Kind::Null => None,
        Kind::String(s) => Some(Cow::Borrowed(s)),
        _ => item.raw_text().map(Cow::Borrowed),
    }
}

/// The JSON text of a legacy per-claim setting's value (`request.jwt.claim.<name>`,
/// `jwt.claims.<name>`), which holds the claim as text: `None` for ''.
///
/// A gateway writes a number, a boolean, an object or an array as its serializer does
/// (PostGraphile: JavaScript's `String()` and `JSON.stringify`), so such text is read as that
/// JSON value only when it is exactly such a serialization: no white space around it, and a
/// number only in JSON's own grammar. Anything else is the claim's string value, verbatim: ` 42`
/// stays the string ` 42`, never the number 42, so two distinct string claims can never read as
/// one identity. `null` is the string `"null"` too: no gateway writes a null claim (PostGraphile
/// skips it, PostgREST before 9 too), while a user whose id is the string `null` can exist.
pub fn legacy_claim_json(text: &str) -> Option<String> {
    let first = *text.as_bytes().first()?;
    let last = *text.as_bytes().last()?;
    // Most values (user ids, roles, emails) cannot start a JSON number, boolean, object or
    // array: no parse for them. Legacy answers are computed on every call.
    let serialized = matches!(first, b'{' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f')
        && !matches!(last, b' ' | b'\t' | b'\n' | b'\r');
    if !serialized {
        return Some(json::quote(text));
    }
    match json::parse_lenient(text.to_owned()) {
        Ok(doc) if !matches!(doc.root().kind(), Kind::String(_) | Kind::Null) => {
            Some(text.to_owned())
        }
        _ => Some(json::quote(text)),
    }
}

/// The claims object assembled from legacy per-claim settings: `(name, value text)` pairs, the
/// values as [`legacy_claim_json`] gives them. `None` without any.
pub fn assemble_legacy(found: &[(&str, String)]) -> Option<Claims> {
    if found.is_empty() {
        return None;
    }
    let members: Vec<String> = found
        .iter()
        .map(|(name, value)| format!("{}:{value}", json::quote(name)))
        .collect();
    Claims::parse(&format!("{{{}}}", members.join(","))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn doc(value: &Value) -> Doc {
        json::parse_lenient(value.to_string()).unwrap()
    }

    #[test]
    fn parse_accepts_objects_only() {
        let cases: &[(&str, Result<(), ParseError>)] = &[
            (r#"{"sub":"user_1"}"#, Ok(())),
            ("{}", Ok(())),
            ("[1]", Err(ParseError::NotObject("array"))),
            (r#""x""#, Err(ParseError::NotObject("string"))),
            ("null", Err(ParseError::NotObject("null"))),
            ("42", Err(ParseError::NotObject("number"))),
        ];
        for (text, want) in cases {
            assert_eq!(&Claims::parse(text).map(|_| ()), want, "{text}");
        }
        assert!(matches!(
            Claims::parse("{not json"),
            Err(ParseError::NotJson(_))
        ));
        assert!(matches!(Claims::parse(""), Err(ParseError::NotJson(_))));
    }

    /// Member names that mean something to serde_json (with `arbitrary_precision`, or with
    /// `raw_value`, which this crate does not enable) are plain names here, as in jsonb: a string claim cannot pose as structure,
    /// whether the claims come from a setting or from a verified token.
    #[test]
    fn serde_json_private_names_are_plain_names() {
        let texts = [
            r#"{"$serde_json::private::RawValue":"{\"sub\":\"admin\",\"role\":\"service_role\"}"}"#,
            r#"{"$serde_json::private::Number":"1","sub":"u"}"#,
            r#"{"sub":"u","o":{"$serde_json::private::RawValue":"{\"rol\":\"admin\"}"}}"#,
        ];
        for text in texts {
            let literal = {
                let mut v: Value = serde_json::from_str("{}").unwrap();
                let map = v.as_object_mut().unwrap();
                let strict =
                    crate::jose::parse_claims(text.as_bytes().to_vec()).expect("valid JSON");
                for (k, item) in strict.root().jsonb_members() {
                    map.insert(k.to_owned(), item.to_value());
                }
                v
            };
            // With `arbitrary_precision` (which this crate enables), serde_json alone reads the
            // number name as something else; `raw_value` is not enabled, so it reads the raw
            // value name as a plain name.
            let serde_reads_as_is =
                serde_json::from_str::<Value>(text).ok() == Some(literal.clone());
            assert_eq!(
                serde_reads_as_is,
                !text.contains("private::Number"),
                "{text}"
            );
            let from_setting = Claims::parse(text).unwrap();
            assert_eq!(from_setting.root().to_value(), literal, "{text}");
            let doc = crate::jose::parse_claims(text.as_bytes().to_vec()).unwrap();
            let from_token = Claims::from_verified(doc);
            assert_eq!(from_token.root().to_value(), literal, "{text}");
            assert_ne!(
                from_token.root().get("sub").and_then(Item::as_str),
                Some("admin"),
                "{text}"
            );
            assert!(
                get_path(from_token.root(), &["o", "rol"]).is_none(),
                "{text}"
            );
        }
        let legacy = legacy_claim_json(r#"{"$serde_json::private::Number":"7"}"#).unwrap();
        let assembled = assemble_legacy(&[("x", legacy)]).unwrap();
        assert_eq!(
            assembled.root().to_value(),
            json!({"x": {"$serde_json::private::Number": "7"}})
        );
    }

    #[test]
    fn deep_nesting_is_a_clean_error() {
        let deep = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
        assert_eq!(Claims::parse(&deep).unwrap_err(), ParseError::TooDeep);
        let shallow = format!("{}1{}", r#"{"a":"#.repeat(100), "}".repeat(100));
        assert!(Claims::parse(&shallow).is_ok());
    }

    #[test]
    fn json_field_text_matches_json_arrow_text() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"sub":"user_1"}"#, Some("user_1")),
            (r#"{"sub":""}"#, Some("")),
            (r#"{"sub":null}"#, None),
            (r#"{"other":1}"#, None),
            (r#"{"sub":1e2}"#, Some("1e2")),
            (r#"{"sub":true}"#, Some("true")),
            (r#"{"sub": {"x" : 1e2}}"#, Some(r#"{"x" : 1e2}"#)),
            (r#"{"sub":"a","sub":"b"}"#, Some("b")),
            (r#"{"sub":"caf\u00e9 \"q\""}"#, Some("café \"q\"")),
        ];
        for (text, want) in cases {
            let claims = Claims::parse(text).unwrap();
            assert_eq!(claims.json_field_text("sub").as_deref(), *want, "{text}");
        }
    }

    #[test]
    fn paths_follow_jsonb_rules() {
        let v = json!({"o": {"id": "org_1", "list": [10, 20, 30]}, "email": "a@b.c"});
        let cases: &[(&[&str], Option<Value>)] = &[
            (&["email"], Some(json!("a@b.c"))),
            (&["o", "id"], Some(json!("org_1"))),
            (&["o", "list", "0"], Some(json!(10))),
            (&["o", "list", "-1"], Some(json!(30))),
            (&["o", "list", "3"], None),
            (&["o", "list", "-4"], None),
            (&["o", "list", "x"], None),
            (&["o", "list", " 1"], Some(json!(20))),
            (&["o", "list", "1 "], None),
            (&["o", "list", "+2"], Some(json!(30))),
            (&["o", "list", "4294967297"], None),
            (&["email", "x"], None),
            (&["missing"], None),
            (&[], Some(v.clone())),
        ];
        let d = doc(&v);
        for (path, want) in cases {
            assert_eq!(
                get_path(d.root(), path).map(Item::to_value),
                *want,
                "{path:?}"
            );
        }
    }

    #[test]
    fn typed_readers() {
        let d = json::parse_lenient(
            r#"{"b": true, "n": 12, "big": 12345678901234567890, "s": "x", "z": null,
                "a": ["x", 1, null, {"k": 1}]}"#
                .into(),
        )
        .unwrap();
        let v = d.root();
        assert_eq!(as_bool(v.get("b")), Ok(Some(true)));
        assert_eq!(as_bool(v.get("z")), Ok(None));
        assert_eq!(as_bool(v.get("none")), Ok(None));
        assert_eq!(
            as_bool(v.get("s")),
            Err(WrongType {
                found: "string",
                wanted: "boolean"
            })
        );
        assert_eq!(as_number_text(v.get("n")), Ok(Some("12")));
        assert_eq!(
            as_number_text(v.get("big")),
            Ok(Some("12345678901234567890"))
        );
        assert_eq!(
            as_number_text(v.get("b")),
            Err(WrongType {
                found: "boolean",
                wanted: "number"
            })
        );
        let arr = as_array(v.get("a")).unwrap().unwrap();
        let arr: Vec<Option<Cow<str>>> = arr.map(text_of).collect();
        let arr: Vec<Option<&str>> = arr.iter().map(|x| x.as_deref()).collect();
        assert_eq!(arr, vec![Some("x"), Some("1"), None, Some(r#"{"k": 1}"#)]);
        assert_eq!(
            as_array(v.get("n")).unwrap_err(),
            WrongType {
                found: "number",
                wanted: "array"
            }
        );
    }

    #[test]
    fn legacy_claim_values() {
        let read = |text: &str| {
            legacy_claim_json(text)
                .and_then(|json| assemble_legacy(&[("c", json)]))
                .and_then(|claims| claims.root().get("c").map(Item::to_value))
        };
        assert_eq!(legacy_claim_json(""), None);
        assert_eq!(read("user_1"), Some(json!("user_1")));
        assert_eq!(read("123").map(|v| v.to_string()), Some("123".into()));
        assert_eq!(read("true"), Some(json!(true)));
        assert_eq!(read(r#""quoted""#), Some(json!(r#""quoted""#)));
        assert_eq!(read(r#"{"id":"o"}"#), Some(json!({"id": "o"})));
        assert_eq!(read("null"), Some(json!("null")));
        assert_eq!(read(" 12 "), Some(json!(" 12 ")));
        assert_eq!(read("12 "), Some(json!("12 ")));
        assert_eq!(read("\n12"), Some(json!("\n12")));
        assert_eq!(read("+12"), Some(json!("+12")));
        assert_eq!(read("012"), Some(json!("012")));
        assert_eq!(read("1e3").map(|v| v.is_number()), Some(true));
        assert_eq!(read("nope"), Some(json!("nope")));
        assert_eq!(read("-x"), Some(json!("-x")));
        assert_eq!(read("\t[1]"), Some(json!("\t[1]")));
        assert_eq!(read("[1]\n"), Some(json!("[1]\n")));
        assert_eq!(read("[1]"), Some(json!([1])));
        assert!(assemble_legacy(&[]).is_none());
    }

    /// The identity a reader gives for a claim that came through a per-claim setting: what
    /// `claims::json ->> name` gives for the assembled object.
    fn legacy_identity(text: &str) -> Option<String> {
        let json = legacy_claim_json(text)?;
        let claims = assemble_legacy(&[("sub", json)])?;
        claims.json_field_text("sub").map(|c| c.into_owned())
    }

    /// Distinct string claims never give the same answer: each reads back as exactly its own
    /// text (so never as another's), whether it is read as a string or as the JSON value it
    /// serializes. Over generated strings: digits, padded digits, JSON keywords, numbers in
    /// every notation, containers, unicode, quotes and escapes.
    #[test]
    fn distinct_string_claims_never_merge() {
        let atoms = [
            "42",
            "-42",
            "0",
            "007",
            "1e3",
            "1E3",
            "1.50",
            "-0",
            "+1",
            ".5",
            "5.",
            "0x10",
            "true",
            "false",
            "null",
            "True",
            "[1]",
            "[1, 2]",
            "{}",
            "{\"a\":1}",
            "{\"a\": 1}",
            "\"42\"",
            "\"\"",
            "é",
            "日本",
            "\u{1F600}",
            "a\"b",
            "a\\b",
            "user_1",
            "NaN",
            "Infinity",
            "-",
            "[",
            "{",
            "\\u0041",
            "1 2",
            "",
        ];
        let pads = ["", " ", "  ", "\t", "\n", "\r", "\u{a0}", "\u{2028}", "0"];
        let mut seen: std::collections::HashMap<String, String> = Default::default();
        let mut inputs = Vec::new();
        for atom in atoms {
            for before in pads {
                for after in pads {
                    inputs.push(format!("{before}{atom}{after}"));
                }
            }
        }
        for a in atoms {
            for b in atoms {
                inputs.push(format!("{a}{b}"));
            }
        }
        for text in inputs {
            let Some(answer) = legacy_identity(&text) else {
                assert!(text.is_empty() || text == "null", "{text:?} reads as NULL");
                continue;
            };
            assert_eq!(answer, text, "{text:?} must read back as itself");
            if let Some(other) = seen.insert(answer.clone(), text.clone()) {
                assert_eq!(other, text, "{other:?} and {text:?} merge into {answer:?}");
            }
        }
    }

    #[test]
    fn lenient_documents_keep_the_last_of_repeated_names() {
        let claims = Claims::parse(r#"{"sub":"a","o":{"id":1,"id":2},"sub":"b"}"#).unwrap();
        assert_eq!(claims.root().get("sub").and_then(Item::as_str), Some("b"));
        assert_eq!(
            get_path(claims.root(), &["o", "id"]).map(Item::to_value),
            Some(json!(2))
        );
        assert_eq!(claims.root().jsonb_members().len(), 2);
        assert_eq!(claims.root().get("o").unwrap().jsonb_members().len(), 1);
    }
}
