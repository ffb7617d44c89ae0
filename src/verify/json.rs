//! Strict JSON parsing for JOSE headers and claims sets.
//!
//! On top of `serde_json` (whose default recursion limit of 128 turns deeply
//! nested input into an error instead of a stack overflow) this rejects:
//!
//! * duplicate member names at any nesting level (RFC 7515 §5.2 / RFC 7519 §4
//!   allow "reject or last wins"; rejecting removes any chance of two parsers,
//!   e.g. a gateway and this extension, disagreeing on `alg`, `sub`, `role`…);
//! * strings containing U+0000 (`\u0000`): legal JSON, but PostgreSQL `jsonb`
//!   and `text` cannot store it, and silently truncating would change meaning.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::Value;

use super::JoseError;

/// Parses `bytes` as JSON and applies the duplicate-name and NUL checks.
/// `what` names the part ("header", "claims", "payload") for messages.
pub(crate) fn parse_strict(bytes: &[u8], what: &str) -> Result<Value, JoseError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| JoseError::Malformed(format!("{what} is not valid JSON: {e}")))?;
    match scan(bytes) {
        Ok(()) => Ok(value),
        Err(Problem::Duplicate(name)) => Err(JoseError::Malformed(format!(
            "{what} has a duplicate member name {}",
            super::quoted(&name)
        ))),
        Err(Problem::Nul) => Err(JoseError::Malformed(format!(
            "{what} contains a NUL character (\\u0000), which PostgreSQL cannot store"
        ))),
        Err(Problem::Syntax) => Err(JoseError::Malformed(format!("{what} is not valid JSON"))),
    }
}

enum Problem {
    Duplicate(String),
    Nul,
    Syntax,
}

enum Frame<'a> {
    Object { names: Names<'a>, expect_name: bool },
    Array,
}

/// The member names of one object seen so far: a short list searched in place (claims objects
/// have a few dozen members; no allocation for names without escapes), switching to a hash set
/// past [`FEW`] names so that a hostile object with thousands of members stays linear.
enum Names<'a> {
    Few(Vec<Cow<'a, [u8]>>),
    Many(HashSet<Cow<'a, [u8]>>),
}

const FEW: usize = 32;

impl<'a> Names<'a> {
    /// Adds `name`; false when it was already there.
    fn insert(&mut self, name: Cow<'a, [u8]>) -> bool {
        match self {
            Names::Few(list) if list.contains(&name) => false,
            Names::Few(list) if list.len() < FEW => {
                list.push(name);
                true
            }
            Names::Few(list) => {
                let mut set: HashSet<Cow<'a, [u8]>> = list.drain(..).collect();
                set.insert(name);
                *self = Names::Many(set);
                true
            }
            Names::Many(set) => set.insert(name),
        }
    }
}

/// Single pass over JSON text that `serde_json` has already accepted.
/// Iterative (explicit stack), so nesting depth cannot overflow the stack.
fn scan(bytes: &[u8]) -> Result<(), Problem> {
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => stack.push(Frame::Object {
                names: Names::Few(Vec::new()),
                expect_name: true,
            }),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Object { expect_name, .. }) = stack.last_mut() {
                    *expect_name = true;
                }
            }
            b'"' => {
                let start = i;
                let (end, has_escape) = string_end(bytes, i)?;
                if let Some(Frame::Object { names, expect_name }) = stack.last_mut() {
                    if *expect_name {
                        *expect_name = false;
                        let name = decode_name(bytes, start, end, has_escape)?;
                        if !names.insert(name.clone()) {
                            return Err(Problem::Duplicate(
                                String::from_utf8_lossy(&name).into_owned(),
                            ));
                        }
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Given the index of an opening quote, returns the index of the closing quote
/// and whether the string contains escapes. Fails on `\u0000`.
fn string_end(bytes: &[u8], open: usize) -> Result<(usize, bool), Problem> {
    let mut j = open + 1;
    let mut has_escape = false;
    loop {
        match bytes.get(j) {
            None => return Err(Problem::Syntax),
            Some(b'"') => return Ok((j, has_escape)),
            Some(b'\\') => {
                has_escape = true;
                if bytes.get(j + 1) == Some(&b'u') && bytes.get(j + 2..j + 6) == Some(b"0000") {
                    return Err(Problem::Nul);
                }
                j += 2;
            }
            Some(0) => return Err(Problem::Nul),
            Some(_) => j += 1,
        }
    }
}

/// A member name as its UTF-8 bytes: borrowed from the text when it has no escapes, decoded
/// otherwise (so `"a"` and `"\u0061"` are the same name).
fn decode_name(
    bytes: &[u8],
    open: usize,
    close: usize,
    has_escape: bool,
) -> Result<Cow<'_, [u8]>, Problem> {
    if has_escape {
        let quoted = bytes.get(open..=close).ok_or(Problem::Syntax)?;
        serde_json::from_slice::<String>(quoted)
            .map(|s| Cow::Owned(s.into_bytes()))
            .map_err(|_| Problem::Syntax)
    } else {
        bytes
            .get(open + 1..close)
            .map(Cow::Borrowed)
            .ok_or(Problem::Syntax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (input, Ok?)
        let cases: &[(&str, bool)] = &[
            (r#"{"a":1,"b":2}"#, true),
            (r#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#, true),
            (r#"{"a":"a","b":"a"}"#, true),
            (r#"{"a":"x\\u0000y"}"#, true), // escaped backslash, not a NUL
            (r#"{"a\"b":1,"a\u0022b":1}"#, false),
            (r#"{"a":1,"a":2}"#, false),
            (r#"{"x":{"a":1,"b":{},"a":2}}"#, false),
            (r#"{"\u0061":1,"a":2}"#, false),
            (r#"{"a":"x\u0000y"}"#, false),
            (r#"{"x\u0000":1}"#, false),
            (r#"[1,2,{"k":[1,{"k":1}],"k2":"}"}]"#, true),
            (r#"{"a":"\"","a2":"\\","b":1}"#, true),
            ("{", false),
        ];
        for (input, ok) in cases {
            assert_eq!(parse_strict(input.as_bytes(), "t").is_ok(), *ok, "{input}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse_strict(deep.as_bytes(), "claims").unwrap_err();
        assert!(matches!(err, JoseError::Malformed(_)), "{err:?}");
    }
}
