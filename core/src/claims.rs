//! The claims object: parsing it from a setting's text and reading paths in it.
//!
//! Pure Rust over `serde_json::Value` (with `arbitrary_precision`, so numbers keep the text they
//! were written with). The SQL glue decides where the text comes from and turns the answers into
//! Datums; the rules of what a path means and which JSON types a typed reader takes live here.

use crate::json::parse_value;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

/// A parsed claims object, kept with the exact text it was parsed from.
#[derive(Debug)]
pub struct Claims {
    text: String,
    /// Parsed on first use for a verified token's claims (`jwt_verify` never needs it).
    value: OnceCell<Value>,
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
    /// Parses a claims text. The text must be a JSON object.
    pub fn parse(text: &str) -> Result<Claims, ParseError> {
        let value = parse_value(text).map_err(|message| {
            if message.starts_with("recursion limit exceeded") {
                ParseError::TooDeep
            } else {
                ParseError::NotJson(message)
            }
        })?;
        if !value.is_object() {
            return Err(ParseError::NotObject(json_type(&value)));
        }
        Ok(Claims {
            text: text.into(),
            value: OnceCell::from(value),
        })
    }

    /// Wraps the claims of a verified token: `doc` was strictly parsed and is an object. Its
    /// `Value` is built when first read.
    pub fn from_verified(doc: crate::json::Doc) -> Claims {
        debug_assert!(doc.root().is_object());
        Claims {
            text: doc.into_text(),
            value: OnceCell::new(),
        }
    }

    /// The exact text this was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The whole claims object.
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| {
            // Only a verified token's claims get here: text the strict parser accepted, which
            // the same parser reads again. Were it ever refused, no claims (fail closed).
            parse_value(&self.text).unwrap_or_else(|_| Value::Object(Default::default()))
        })
    }

    /// `claims::json ->> name`, exactly as the guide's SQL function computes it: a string is
    /// returned unescaped, JSON null is `None`, any other value as the text it was written with;
    /// with duplicate keys the last one wins.
    pub fn json_field_text(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.value().get(name)? {
            Value::Null => None,
            Value::String(s) => Some(Cow::Borrowed(s)),
            _ => raw_top_level(&self.text, name).map(Cow::Owned),
        }
    }
}

/// The verbatim text of the last top-level member `name` of a JSON object text.
fn raw_top_level(text: &str, name: &str) -> Option<String> {
    struct LastMember<'n>(&'n str);
    impl<'de> serde::de::DeserializeSeed<'de> for LastMember<'_> {
        type Value = Option<String>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> serde::de::Visitor<'de> for LastMember<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                let raw: Box<RawValue> = map.next_value()?;
                if key == self.0 {
                    found = Some(raw.get().to_owned());
                }
            }
            Ok(found)
        }
    }
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    LastMember(name).deserialize(&mut de).ok().flatten()
}

/// Follows `path` into `value` with the rules of jsonb's `#>`: object members by key, array
/// elements by integer index (negative counts from the end), anything else ends the walk.
pub fn get_path<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |cur, step| match cur {
        Value::Object(map) => map.get(*step),
        Value::Array(items) => {
            let index: i64 = parse_index(step)?;
            let len = i64::try_from(items.len()).ok()?;
            let index = if index < 0 { len + index } else { index };
            usize::try_from(index).ok().and_then(|i| items.get(i))
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
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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

fn typed<'a, T>(
    value: Option<&'a Value>,
    wanted: &'static str,
    pick: impl FnOnce(&'a Value) -> Option<T>,
) -> Typed<T> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => pick(v).map(Some).ok_or(WrongType {
            found: json_type(v),
            wanted,
        }),
    }
}

/// A JSON boolean.
pub fn as_bool(value: Option<&Value>) -> Typed<bool> {
    typed(value, "boolean", Value::as_bool)
}

/// A JSON number, as the text it was written with (the glue converts it with Postgres' own
/// numeric rules, so `1e3`, `1.50` and 20-digit values mean what they mean in SQL).
pub fn as_number_text(value: Option<&Value>) -> Typed<&str> {
    typed(value, "number", |v| match v {
        Value::Number(n) => Some(n.as_str()),
        _ => None,
    })
}

/// A JSON array; each element as `#>>` would give it (strings unescaped, JSON null as `None`,
/// other values as JSON text).
/// A JSON array's elements.
pub fn as_array(value: Option<&Value>) -> Typed<&[Value]> {
    typed(value, "array", |v| v.as_array().map(Vec::as_slice))
}

/// `#>>` for one value: strings unescaped, JSON null as `None`, anything else as JSON text.
///
/// Non-string values come back in serde_json's compact form; the glue re-renders them through
/// jsonb so that the text is exactly what `jsonb #>>` prints.
pub fn text_of(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// The value of a legacy per-claim setting (`request.jwt.claim.<name>`, `jwt.claims.<name>`),
/// which holds the claim as text: JSON numbers, booleans, arrays and objects are read as such,
/// anything else is the claim's string value. `None` for ''.
pub fn legacy_claim_value(text: &str) -> Option<Value> {
    if text.is_empty() {
        return None;
    }
    match parse_value(text) {
        Ok(Value::String(_)) | Err(_) => Some(Value::String(text.to_owned())),
        Ok(value) => Some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    /// Member names that mean something to serde_json (with `arbitrary_precision` and
    /// `raw_value`) are plain names here, as in jsonb: a string claim cannot pose as structure,
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
            // serde_json alone reads each of these as something else.
            assert_ne!(
                serde_json::from_str::<Value>(text).ok(),
                Some(literal.clone())
            );
            let from_setting = Claims::parse(text).unwrap();
            assert_eq!(from_setting.value(), &literal, "{text}");
            let doc = crate::jose::parse_claims(text.as_bytes().to_vec()).unwrap();
            let from_token = Claims::from_verified(doc);
            assert_eq!(from_token.value(), &literal, "{text}");
            assert_ne!(
                from_token.value().get("sub"),
                Some(&json!("admin")),
                "{text}"
            );
            assert_eq!(get_path(from_token.value(), &["o", "rol"]), None, "{text}");
        }
        assert_eq!(
            legacy_claim_value(r#"{"$serde_json::private::Number":"7"}"#),
            Some(json!({"$serde_json::private::Number": "7"}))
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
        for (path, want) in cases {
            assert_eq!(get_path(&v, path).cloned(), *want, "{path:?}");
        }
    }

    #[test]
    fn typed_readers() {
        let v = json!({"b": true, "n": 12, "big": 12345678901234567890u64, "s": "x", "z": null,
                       "a": ["x", 1, null, {"k": 1}]});
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
        let arr: Vec<Option<Cow<str>>> = arr.iter().map(text_of).collect();
        let arr: Vec<Option<&str>> = arr.iter().map(|x| x.as_deref()).collect();
        assert_eq!(arr, vec![Some("x"), Some("1"), None, Some(r#"{"k":1}"#)]);
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
        assert_eq!(legacy_claim_value(""), None);
        assert_eq!(legacy_claim_value("user_1"), Some(json!("user_1")));
        assert_eq!(
            legacy_claim_value("123").map(|v| v.to_string()),
            Some("123".into())
        );
        assert_eq!(legacy_claim_value("true"), Some(json!(true)));
        assert_eq!(
            legacy_claim_value(r#""quoted""#),
            Some(json!(r#""quoted""#))
        );
        assert_eq!(
            legacy_claim_value(r#"{"id":"o"}"#),
            Some(json!({"id": "o"}))
        );
    }
}
