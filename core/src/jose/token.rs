//! Strict parsing of the JWS compact serialization (RFC 7515 §7.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use serde_json::Value;

use super::parse_strict;
use super::{quoted, Alg, JoseError};
use crate::json::{Doc, Item, Kind};

/// Strict base64url decode, exactly as RFC 7515 §2 wants it: the `base64` crate's
/// `URL_SAFE_NO_PAD` engine takes the URL-safe alphabet only, refuses `=` padding, whitespace and
/// any other character, and refuses non-zero trailing bits in the last character (otherwise
/// signatures would be malleable); `strict_base64url` below holds it to that. `what` names the field for the error message.
pub(crate) fn b64url_decode(input: &str, what: &str) -> Result<Vec<u8>, JoseError> {
    B64URL.decode(input).map_err(|_| {
        JoseError::Malformed(format!(
            "{what} is not valid base64url (RFC 7515 §2: URL-safe alphabet, no padding)"
        ))
    })
}

/// The length of the signature once decoded, checked as strictly as [`b64url_decode`] checks
/// (alphabet, no padding, no length of 4n+1, zero trailing bits) without decoding it: the crypto
/// backend decodes it again. Any fault is reported by `b64url_decode` itself.
fn signature_len(input: &str) -> Result<usize, JoseError> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    };
    let bytes = input.as_bytes();
    let alphabet = bytes.iter().all(|c| value(*c).is_some());
    let last = bytes.last().and_then(|c| value(*c)).unwrap_or(0);
    let (whole, rest) = (bytes.len() / 4 * 3, bytes.len() % 4);
    match rest {
        0 if alphabet => Ok(whole),
        2 if alphabet && last & 0x0f == 0 => Ok(whole + 1),
        3 if alphabet && last & 0x03 == 0 => Ok(whole + 2),
        _ => b64url_decode(input, "token signature").map(|v| v.len()),
    }
}

/// base64url without padding.
pub(crate) fn b64url_encode(input: &[u8]) -> String {
    B64URL.encode(input)
}

/// The three segments of a compact JWS, still encoded.
pub(crate) struct Segments<'a> {
    pub header: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
    /// `header '.' payload` exactly as received: the JWS Signing Input.
    pub signing_input: &'a str,
}

/// Splits a compact JWS into its three segments.
pub(crate) fn split(token: &str) -> Result<Segments<'_>, JoseError> {
    if token.is_empty() {
        return Err(JoseError::Malformed("token is empty".into()));
    }
    if token.starts_with('{') {
        return Err(JoseError::Malformed(
            "JWS JSON serialization is not supported; expected the compact form header.payload.signature".into(),
        ));
    }
    // Exactly two dots, found with memchr (tokens run to kilobytes).
    let parts = token
        .split_once('.')
        .and_then(|(header, rest)| Some((header, rest.split_once('.')?)))
        .filter(|(_, (_, signature))| !signature.contains('.'));
    let Some((header, (payload, signature))) = parts else {
        let dots = token.bytes().filter(|b| *b == b'.').count();
        let extra = if dots == 4 {
            " (five segments: an encrypted JWE, which is not supported)"
        } else {
            ""
        };
        return Err(JoseError::Malformed(format!(
            "token must have 3 dot-separated segments, found {}{extra}",
            dots + 1
        )));
    };
    if header.is_empty() {
        return Err(JoseError::Malformed("token header segment is empty".into()));
    }
    let signing_input = token
        .get(..header.len() + 1 + payload.len())
        .ok_or_else(|| JoseError::Malformed("token must have 3 dot-separated segments".into()))?;
    Ok(Segments {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// A decoded, structurally valid JOSE header.
pub(crate) struct Header {
    pub doc: Doc,
    pub alg: String,
    pub kid: Option<String>,
}

/// Decodes the protected header: base64url → strict JSON → object with a
/// string `alg` and, if present, a string `kid`.
pub(crate) fn parse_header(segment: &str) -> Result<Header, JoseError> {
    let bytes = b64url_decode(segment, "token header")?;
    let doc = parse_strict(bytes, "token header")?;
    let obj = doc.root();
    if !obj.is_object() {
        return Err(JoseError::Malformed(
            "token header is not a JSON object".into(),
        ));
    }
    let alg = match obj.get("alg").map(Item::kind) {
        Some(Kind::String(s)) => s.to_owned(),
        Some(_) => {
            return Err(JoseError::Malformed(
                "token header \"alg\" is not a string".into(),
            ))
        }
        None => return Err(JoseError::Malformed("token header has no \"alg\"".into())),
    };
    let kid = match obj.get("kid").map(Item::kind) {
        None => None,
        Some(Kind::String(s)) => Some(s.to_owned()),
        Some(_) => {
            return Err(JoseError::Malformed(
                "token header \"kid\" is not a string".into(),
            ))
        }
    };
    Ok(Header { doc, alg, kid })
}

/// RFC 7515 §4.1.11: `crit` lists extensions the recipient must understand.
/// We implement none, so any listed name makes the token unusable; a `crit`
/// that is empty, not an array, or lists non-strings is malformed.
pub(crate) fn check_crit(header: Item) -> Result<(), JoseError> {
    let Some(crit) = header.get("crit") else {
        return Ok(());
    };
    let Kind::Array(list) = crit.kind() else {
        return Err(JoseError::Malformed(
            "token header \"crit\" is not an array".into(),
        ));
    };
    let Some(first) = list.clone().next() else {
        return Err(JoseError::Malformed(
            "token header \"crit\" is an empty array".into(),
        ));
    };
    if list.clone().any(|v| v.as_str().is_none()) {
        return Err(JoseError::Malformed(
            "token header \"crit\" lists a non-string".into(),
        ));
    }
    let name = first.as_str().unwrap_or_default();
    Err(JoseError::Unsupported(format!(
        "unsupported critical header parameter {}",
        quoted(name)
    )))
}

/// Result of [`decode`]: header and payload, NOT verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The protected header (a JSON object with a string `alg`).
    pub header: Value,
    /// The payload parsed as JSON (any JSON value, not necessarily an object).
    pub payload: Value,
}

/// Decodes a compact JWS/JWT **without verifying anything cryptographic**.
///
/// Structural checks only: exactly three segments, strict base64url in all
/// three, header a JSON object with a string `alg`, header and payload valid
/// JSON without duplicate member names or `\u0000`. The `alg` value itself
/// (including `none`) and `crit` are not judged here: nothing returned by
/// this function may be trusted. Errors are always [`JoseError::Malformed`].
pub fn decode(token: &str) -> Result<Decoded, JoseError> {
    let (header, payload) = decode_docs(token)?;
    Ok(Decoded {
        header: header.to_value(),
        payload: payload.to_value(),
    })
}

/// [`decode`]'s header and payload as the strictly parsed documents, for a caller that writes
/// them out as they are (the glue's jsonb writer) rather than as a `Value`.
pub fn decode_docs(token: &str) -> Result<(Doc, Doc), JoseError> {
    let seg = split(token)?;
    let header = parse_header(seg.header)?;
    b64url_decode(seg.signature, "token signature")?;
    let payload_bytes = b64url_decode(seg.payload, "token payload")?;
    let payload = parse_strict(payload_bytes, "token payload")?;
    Ok((header.doc, payload))
}

/// Refuses `alg` unless `algorithms` is empty (any supported algorithm) or lists it.
pub(crate) fn check_algorithm(alg: Alg, algorithms: &[String]) -> Result<(), JoseError> {
    if !algorithms.is_empty() && !algorithms.iter().any(|a| a == alg.name()) {
        return Err(JoseError::Rejected(format!(
            "algorithm {} is not allowed",
            quoted(alg.name())
        )));
    }
    Ok(())
}

/// Parsed, not yet verified token ready for signature checking.
pub(crate) struct Prepared<'a> {
    pub header: Header,
    pub alg: Alg,
    pub payload: Vec<u8>,
    pub signature_b64: &'a str,
    pub signing_input: &'a str,
}

impl Prepared<'_> {
    /// Checks the signature with a key of `keys` chosen by `alg` and `kid`.
    pub(crate) fn check_signature(&self, keys: &super::KeySet) -> Result<(), JoseError> {
        keys.verify(
            self.alg,
            self.header.kid.as_deref(),
            self.signing_input.as_bytes(),
            self.signature_b64,
        )
    }
}

/// Everything [`super::verify_signature`] checks before touching a key.
pub(crate) fn prepare<'a>(
    token: &'a str,
    algorithms: &[String],
) -> Result<Prepared<'a>, JoseError> {
    let seg = split(token)?;
    let header = parse_header(seg.header)?;
    let alg = Alg::from_name(&header.alg)?;
    check_crit(header.doc.root())?;
    check_algorithm(alg, algorithms)?;
    let payload = b64url_decode(seg.payload, "token payload")?;
    let signature = signature_len(seg.signature)?;
    if signature == 0 {
        return Err(JoseError::Rejected("token has no signature".into()));
    }
    if let Some(len) = alg.fixed_signature_len() {
        if signature != len {
            return Err(JoseError::Rejected(format!(
                "invalid signature: {} signatures are {len} bytes, got {signature}",
                alg.name(),
            )));
        }
    }
    Ok(Prepared {
        header,
        alg,
        payload,
        signature_b64: seg.signature,
        signing_input: seg.signing_input,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_base64url() {
        let ok: &[(&str, &[u8])] = &[
            ("", b""),
            ("Zm9v", b"foo"),
            ("Zm8", b"fo"),
            ("Zg", b"f"),
            ("-_8", &[0xfb, 0xff]),
        ];
        for (input, out) in ok {
            assert_eq!(b64url_decode(input, "x").unwrap(), *out, "{input}");
        }
        // padding, std alphabet, whitespace, junk, non-zero trailing bits, bad length
        // ("Zh" and "Zm9" leave non-zero unused bits in their last character)
        for bad in [
            "Zg==", "Zm8=", "+/8", "Zm 9v", "Zm9v\n", "Zm9v?", "Zh", "Zm9", "Z", "Zm9vY",
        ] {
            assert!(b64url_decode(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn signature_length_without_decoding() {
        let inputs = [
            "",
            "Zg",
            "Zm8",
            "Zm9v",
            "Zh",
            "Zm9",
            "Z",
            "Zm9vY",
            "Zg==",
            "+/8",
            "-_8",
            "Zm 9v",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "_w",
            "_x",
            "__8",
            "__9",
        ];
        for input in inputs {
            let decoded = B64URL.decode(input).map(|v| v.len()).map_err(|_| ());
            let counted = signature_len(input).map_err(|_| ());
            assert_eq!(counted, decoded, "{input:?}");
        }
    }

    #[test]
    fn split_counts_segments() {
        assert!(split("a.b.c").is_ok());
        assert!(split("a.b.").is_ok());
        assert!(split("a..c").is_ok());
        for bad in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "a.b.c.d.e",
            ".b.c",
            "{\"payload\":1}",
        ] {
            assert!(matches!(split(bad), Err(JoseError::Malformed(_))), "{bad}");
        }
        let seg = split("hh.pp.ss").unwrap();
        assert_eq!(seg.signing_input, "hh.pp");
        assert_eq!(seg.signature, "ss");
        let msg = split("a.b.c.d.e").err().unwrap().to_string();
        assert!(msg.contains("JWE"), "{msg}");
    }

    #[test]
    fn crit_rules() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"alg":"HS256"}"#, None),
            (r#"{"alg":"HS256","crit":["b64"]}"#, Some("Unsupported")),
            (r#"{"alg":"HS256","crit":[]}"#, Some("Malformed")),
            (r#"{"alg":"HS256","crit":"b64"}"#, Some("Malformed")),
            (r#"{"alg":"HS256","crit":[1]}"#, Some("Malformed")),
        ];
        for (h, want) in cases {
            let doc = parse_strict(h.as_bytes().to_vec(), "h").unwrap();
            let got = check_crit(doc.root()).err().map(|e| e.kind_name());
            assert_eq!(got, *want, "{h}");
        }
    }
}
