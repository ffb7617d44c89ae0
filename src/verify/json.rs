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

enum Frame {
    Object {
        names: HashSet<String>,
        expect_name: bool,
    },
    Array,
}

/// Single pass over JSON text that `serde_json` has already accepted.
/// Iterative (explicit stack), so nesting depth cannot overflow the stack.
fn scan(bytes: &[u8]) -> Result<(), Problem> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => stack.push(Frame::Object {
                names: HashSet::new(),
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
                        if names.contains(&name) {
                            return Err(Problem::Duplicate(name));
                        }
                        names.insert(name);
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

fn decode_name(
    bytes: &[u8],
    open: usize,
    close: usize,
    has_escape: bool,
) -> Result<String, Problem> {
    if has_escape {
        let quoted = bytes.get(open..=close).ok_or(Problem::Syntax)?;
        serde_json::from_slice::<String>(quoted).map_err(|_| Problem::Syntax)
    } else {
        let raw = bytes.get(open + 1..close).ok_or(Problem::Syntax)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| Problem::Syntax)
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
