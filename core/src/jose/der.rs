//! Minimal DER reader and writer: just enough ASN.1 to pull public keys out of
//! SubjectPublicKeyInfo / PKCS#1 / X.509 certificates and to assemble the
//! PKCS#1 / PKCS#8 private-key documents the `jsonwebtoken` crate accepts.
//!
//! Only definite lengths and single-byte tags are supported (that is all DER
//! key material uses). Every access is bounds-checked; malformed input yields
//! `Err(DerError)`, never a panic.

/// Opaque parse failure; callers turn it into a `JoseError::InvalidKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DerError;

pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const SEQUENCE: u8 = 0x30;
/// `[0]` constructed, context-specific (X.509 version, SEC1 parameters).
pub(crate) const CTX0: u8 = 0xA0;
/// `[1]` constructed, context-specific (SEC1 public key).
pub(crate) const CTX1: u8 = 0xA1;
/// `[1] IMPLICIT BIT STRING` (PKCS#8 v2 / OneAsymmetricKey public key).
pub(crate) const CTX1_PRIMITIVE: u8 = 0x81;

// DER-encoded OBJECT IDENTIFIER contents.
pub(crate) const OID_RSA_ENCRYPTION: &[u8] =
    &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
pub(crate) const OID_RSASSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
pub(crate) const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
pub(crate) const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
pub(crate) const OID_P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];
pub(crate) const OID_SECP256K1: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x0A];
pub(crate) const OID_X25519: &[u8] = &[0x2B, 0x65, 0x6E];
pub(crate) const OID_X448: &[u8] = &[0x2B, 0x65, 0x6F];
pub(crate) const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];
pub(crate) const OID_ED448: &[u8] = &[0x2B, 0x65, 0x71];

/// One decoded TLV element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element<'a> {
    pub tag: u8,
    /// The value octets.
    pub content: &'a [u8],
    /// The whole element including tag and length octets.
    pub raw: &'a [u8],
}

/// Sequential reader over concatenated DER elements.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// Reads the next element whatever its tag.
    pub(crate) fn read_any(&mut self) -> Result<Element<'a>, DerError> {
        let tag = *self.data.first().ok_or(DerError)?;
        if tag & 0x1F == 0x1F {
            // High tag numbers never occur in key material.
            return Err(DerError);
        }
        let first_len = *self.data.get(1).ok_or(DerError)?;
        let (len, header) = if first_len < 0x80 {
            (usize::from(first_len), 2usize)
        } else {
            let n = usize::from(first_len & 0x7F);
            if n == 0 || n > 4 {
                // Indefinite length (BER) or absurdly long.
                return Err(DerError);
            }
            let bytes = self.data.get(2..2 + n).ok_or(DerError)?;
            let mut len = 0usize;
            for b in bytes {
                len = len.checked_mul(256).ok_or(DerError)? | usize::from(*b);
            }
            if len < 0x80 {
                // Non-minimal length encoding is not DER.
                return Err(DerError);
            }
            (len, 2 + n)
        };
        let end = header.checked_add(len).ok_or(DerError)?;
        let raw = self.data.get(..end).ok_or(DerError)?;
        let content = raw.get(header..).ok_or(DerError)?;
        self.data = self.data.get(end..).ok_or(DerError)?;
        Ok(Element { tag, content, raw })
    }

    /// Reads the next element and checks its tag; returns its content.
    pub(crate) fn read(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        let el = self.read_any()?;
        if el.tag == tag {
            Ok(el.content)
        } else {
            Err(DerError)
        }
    }

    /// Reads the next element, which must be tagged `tag`, and returns it whole.
    pub(crate) fn read_raw(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        let el = self.read_any()?;
        if el.tag == tag {
            Ok(el.raw)
        } else {
            Err(DerError)
        }
    }
}

/// Parses a whole buffer that must be exactly one element with `tag`.
pub(crate) fn single(data: &[u8], tag: u8) -> Result<&[u8], DerError> {
    let mut r = Reader::new(data);
    let content = r.read(tag)?;
    if r.is_empty() {
        Ok(content)
    } else {
        Err(DerError)
    }
}

/// BIT STRING content with zero unused bits → the bit octets.
pub(crate) fn bit_string_bytes(content: &[u8]) -> Result<&[u8], DerError> {
    match content.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(DerError),
    }
}

/// INTEGER content interpreted as a non-negative big-endian number, with the
/// sign-padding zero octets removed. Negative numbers are rejected.
pub(crate) fn unsigned_integer(content: &[u8]) -> Result<&[u8], DerError> {
    match content.first() {
        None => Err(DerError),
        Some(b) if b & 0x80 != 0 => Err(DerError),
        Some(_) => Ok(strip_leading_zeros(content)),
    }
}

/// Removes leading zero octets (keeps at least one octet when non-empty).
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first_nonzero = bytes.iter().position(|b| *b != 0);
    match first_nonzero {
        Some(i) => bytes.get(i..).unwrap_or(bytes),
        None => bytes.get(bytes.len().saturating_sub(1)..).unwrap_or(bytes),
    }
}

/// Encodes one TLV element.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// Encodes a non-negative big-endian number as a DER INTEGER.
pub(crate) fn integer(unsigned_be: &[u8]) -> Vec<u8> {
    let stripped = strip_leading_zeros(unsigned_be);
    let mut content = Vec::with_capacity(stripped.len() + 1);
    match stripped.first() {
        None => content.push(0),
        Some(b) if b & 0x80 != 0 => {
            content.push(0);
            content.extend_from_slice(stripped);
        }
        Some(_) => content.extend_from_slice(stripped),
    }
    tlv(INTEGER, &content)
}

/// Encodes a SEQUENCE of already-encoded elements.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_lengths() {
        for len in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let content = vec![7u8; len];
            let enc = tlv(OCTET_STRING, &content);
            let mut r = Reader::new(&enc);
            let el = r.read_any().unwrap();
            assert_eq!(el.tag, OCTET_STRING);
            assert_eq!(el.content.len(), len);
            assert_eq!(el.raw.len(), enc.len());
            assert!(r.is_empty());
        }
    }

    #[test]
    fn rejects_bad_encodings() {
        let cases: &[&[u8]] = &[
            &[],
            &[0x30],
            &[0x30, 0x80, 0x00, 0x00],       // indefinite length
            &[0x30, 0x81, 0x05, 1, 2, 3, 4], // non-minimal, and truncated
            &[0x30, 0x05, 1, 2],             // truncated
            &[0x1F, 0x01, 0x00],             // high tag number
            &[0x30, 0x85, 1, 1, 1, 1, 1],    // 5 length octets
        ];
        for c in cases {
            assert!(Reader::new(c).read_any().is_err(), "{c:?}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(integer(&[0x00, 0x00, 0x01]), vec![0x02, 0x01, 0x01]);
        assert_eq!(integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[]), vec![0x02, 0x01, 0x00]);
        assert_eq!(unsigned_integer(&[0x00, 0x80]).unwrap(), &[0x80]);
        assert!(unsigned_integer(&[0x80]).is_err());
        assert!(unsigned_integer(&[]).is_err());
    }
}
