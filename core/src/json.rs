//! Strict JSON for JOSE headers and claims sets, in one pass.
//!
//! [`parse_strict`] checks the JSON grammar (RFC 8259, exactly what `serde_json` accepts: the
//! unit tests and a fuzz target compare the two) and records the document as a flat list of
//! nodes over its own text, so reading a claim or building a `jsonb` from it copies nothing and
//! allocates no tree. On top of the grammar it rejects:
//!
//! * duplicate member names at any nesting level (RFC 7515 §5.2 / RFC 7519 §4 allow "reject or
//!   last wins"; rejecting removes any chance of two parsers, e.g. a gateway and this extension,
//!   disagreeing on `alg`, `sub`, `role`…);
//! * strings containing U+0000 (`\u0000`): legal JSON, but PostgreSQL `jsonb` and `text` cannot
//!   store it, and silently truncating would change meaning;
//! * nesting deeper than [`MAX_DEPTH`] (`serde_json`'s limit), so no input can overflow a stack.
//!
//! A syntax error is reported with `serde_json`'s message (line and column), computed only then.

use serde_json::Value;

/// The deepest nesting of arrays and objects accepted (`serde_json` refuses 128 levels).
pub const MAX_DEPTH: usize = 127;

/// Parses `bytes` as JSON and applies the duplicate-name and NUL checks.
pub fn parse_strict(bytes: Vec<u8>) -> Result<Doc, Refusal> {
    parse(bytes, true)
}

/// Parses JSON text as jsonb reads it: a repeated member name keeps its last value, and
/// `\u0000` is kept (the readers refuse it when they return text).
pub fn parse_lenient(text: String) -> Result<Doc, Refusal> {
    parse(text.into_bytes(), false)
}

/// Parses JSON text into a `serde_json::Value` as jsonb reads it: a repeated member name keeps
/// its last value, and `\u0000` is kept (the readers refuse it when they return text). The
/// value is built from the parsed nodes, so no member name means anything: `serde_json` itself,
/// with the `arbitrary_precision` and `raw_value` features this crate needs, would read an
/// object whose first key is `$serde_json::private::Number` or `$serde_json::private::RawValue`
/// as a number or as JSON text to parse again, letting a string claim pose as structure.
/// The error is `serde_json`'s message (line and column).
pub fn parse_value(text: &str) -> Result<Value, String> {
    match parse(text.as_bytes().to_vec(), false) {
        Ok(doc) => Ok(doc.to_value()),
        Err(Refusal::Syntax(Some(message))) => Err(message),
        Err(Refusal::TooLarge) => Err("JSON text too large".into()),
        Err(_) => Err("invalid JSON".into()),
    }
}

/// A document of no text whose root is `null`: what readers see where there are no claims.
static NULL: Doc = Doc {
    text: String::new(),
    unescaped: String::new(),
    nodes: Vec::new(),
    extra: Vec::new(),
};

/// JSON `null`, as an item of no document.
pub fn null() -> Item<'static> {
    NULL.root()
}

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not JSON: `serde_json`'s message, when it agrees.
    Syntax(Option<String>),
    TooLarge,
    /// (strict) A member name repeated in one object.
    Duplicate(String),
    /// (strict) A `\u0000` escape.
    Nul,
}

impl Refusal {
    /// The refusal as a message about `what` ("token header", "claims", …).
    pub fn message(&self, what: &str) -> String {
        match self {
            Refusal::Syntax(Some(message)) => format!("{what} is not valid JSON: {message}"),
            Refusal::Syntax(None) => format!("{what} is not valid JSON"),
            Refusal::TooLarge => format!("{what} is too large"),
            Refusal::Duplicate(name) => {
                format!("{what} has a duplicate member name {}", quoted(name))
            }
            Refusal::Nul => {
                format!("{what} contains a NUL character (\\u0000), which PostgreSQL cannot store")
            }
        }
    }
}

/// `s` as a JSON string literal.
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Quotes a token-supplied or configured identifier (kid, alg, iss, aud, a member name…)
/// for an error message: at most 64 characters, control characters and quotes escaped (so a
/// `kid` containing NUL cannot break a C string).
pub fn quoted(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        None => format!("{s:?}"),
        Some((cut, _)) => format!("{:?}...", s.get(..cut).unwrap_or_default()),
    }
}

/// The parser proper; `strict` refuses repeated member names and `\u0000`.
fn parse(bytes: Vec<u8>, strict: bool) -> Result<Doc, Refusal> {
    // Only for the message: the text is refused whatever serde_json makes of it.
    let syntax = |bytes: &[u8]| {
        Refusal::Syntax(
            serde_json::from_slice::<Value>(bytes)
                .err()
                .map(|e| e.to_string()),
        )
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return Err(syntax(e.as_bytes())),
    };
    if u32::try_from(text.len()).is_err() {
        return Err(Refusal::TooLarge);
    }
    let mut parser = Parser {
        text: &text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        strict,
        nodes: Vec::with_capacity(text.len() / 8 + 4),
        unescaped: String::new(),
        extra: Vec::with_capacity(text.len() / 16 + 4),
        key_stack: Vec::with_capacity(text.len() / 32 + 4),
        problem: None,
    };
    if parser.document().is_err() {
        return Err(syntax(text.as_bytes()));
    }
    let Parser {
        nodes,
        unescaped,
        extra,
        problem,
        ..
    } = parser;
    let doc = Doc {
        text,
        unescaped,
        nodes,
        extra,
    };
    match problem {
        None => Ok(doc),
        Some((_, Problem::Duplicate(index))) => {
            Err(Refusal::Duplicate(doc.string_at(index).to_owned()))
        }
        Some((_, Problem::Nul)) => Err(Refusal::Nul),
    }
}

/// A strictly parsed JSON document: its text and its nodes in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    text: String,
    /// The strings that had escapes, decoded, one after another.
    unescaped: String,
    nodes: Vec<Node>,
    /// Per container: its text span; per object, then, its distinct key nodes in jsonb's key
    /// order (see [`Node`]).
    extra: Vec<u32>,
}

/// Byte range `start..end`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(self, s: &str) -> &str {
        s.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    /// The number as written, in the text.
    Number(Span),
    /// A string's contents: in the text when it has no escapes, else in `unescaped`.
    String {
        span: Span,
        escaped: bool,
    },
    /// `len` elements follow; `next` is the index of the node after the last descendant;
    /// `extra` is where [`Doc::extra`] holds the array's text span (start, end).
    Array {
        len: u32,
        next: u32,
        extra: u32,
    },
    /// `len` members follow, each a string key node then its value; `extra` is where
    /// [`Doc::extra`] holds the object's text span (start, end), then the number of distinct
    /// names, then their key nodes in jsonb's key order (a repeated name once, its last
    /// occurrence: only a lenient parse keeps repeats). Nodes stay 16 bytes.
    Object {
        len: u32,
        next: u32,
        extra: u32,
    },
}

// A document is mostly nodes: keep them at 16 bytes.
const _: () = assert!(size_of::<Node>() == 16);

impl Doc {
    /// The JSON text, exactly as received.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Takes the text, dropping the nodes.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The bytes this document holds on the heap: its text, its nodes and their side data
    /// (for the bounds of the caches that keep documents).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.unescaped.capacity()
            + self.nodes.capacity() * size_of::<Node>()
            + self.extra.capacity() * size_of::<u32>()
    }

    /// The top-level value.
    pub fn root(&self) -> Item<'_> {
        Item {
            doc: self,
            index: 0,
        }
    }

    /// The document as a `serde_json::Value` (numbers keep their text).
    pub fn to_value(&self) -> Value {
        self.root().to_value()
    }

    /// The decoded string of node `index`.
    fn string_at(&self, index: usize) -> &str {
        string_of(self.nodes.get(index), &self.text, &self.unescaped)
    }

    /// The key nodes of the object at `index` in jsonb's key order; empty for other values.
    fn sorted_keys(&self, index: usize) -> &[u32] {
        match self.nodes.get(index) {
            Some(Node::Object { extra, .. }) => {
                let at = *extra as usize + 2;
                let count = self.extra.get(at).copied().unwrap_or(0) as usize;
                self.extra.get(at + 1..at + 1 + count).unwrap_or_default()
            }
            _ => &[],
        }
    }

    /// The index after the value at `index` and all its descendants.
    fn next(&self, index: usize) -> usize {
        match self.nodes.get(index) {
            Some(Node::Array { next, .. } | Node::Object { next, .. }) => *next as usize,
            _ => index + 1,
        }
    }
}

/// One value of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub struct Item<'d> {
    doc: &'d Doc,
    index: usize,
}

/// What an [`Item`] is.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'d> {
    Null,
    Bool(bool),
    /// The number's text as written (valid JSON number syntax).
    Number(&'d str),
    /// The decoded string.
    String(&'d str),
    Array(Elements<'d>),
    Object(Members<'d>),
}

impl<'d> Item<'d> {
    pub fn kind(self) -> Kind<'d> {
        let doc = self.doc;
        match doc.nodes.get(self.index) {
            Some(Node::Bool(b)) => Kind::Bool(*b),
            Some(Node::Number(span)) => Kind::Number(span.of(&doc.text)),
            Some(Node::String { .. }) => Kind::String(doc.string_at(self.index)),
            Some(Node::Array { len, .. }) => Kind::Array(Elements {
                doc,
                index: self.index + 1,
                left: *len,
            }),
            Some(Node::Object { len, .. }) => Kind::Object(Members {
                doc,
                index: self.index + 1,
                left: *len,
            }),
            Some(Node::Null) | None => Kind::Null,
        }
    }
    /// A value other than a string as written in the text: a number's digits, an array or
    /// object with everything inside (what `json ->>` returns for it). `None` for a string,
    /// which readers return decoded.
    pub fn raw_text(self) -> Option<&'d str> {
        let doc = self.doc;
        match doc.nodes.get(self.index) {
            Some(Node::Number(span)) => Some(span.of(&doc.text)),
            Some(Node::Array { extra, .. } | Node::Object { extra, .. }) => {
                let at = *extra as usize;
                match doc.extra.get(at..at + 2) {
                    Some(&[start, end]) => Some(Span { start, end }.of(&doc.text)),
                    _ => None,
                }
            }
            Some(Node::Bool(true)) => Some("true"),
            Some(Node::Bool(false)) => Some("false"),
            Some(Node::Null) | None => Some("null"),
            Some(Node::String { .. }) => None,
        }
    }

    pub fn is_null(self) -> bool {
        matches!(self.kind(), Kind::Null)
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.kind() {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// A number as a double, as JavaScript reads it; `None` for other types and for numbers
    /// out of a double's range.
    pub fn as_f64(self) -> Option<f64> {
        match self.kind() {
            Kind::Number(n) => n.parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        }
    }

    /// The item itself when it is an object.
    pub fn as_object(self) -> Option<Item<'d>> {
        self.is_object().then_some(self)
    }

    /// An array's elements.
    pub fn elements(self) -> Option<Elements<'d>> {
        match self.kind() {
            Kind::Array(elements) => Some(elements),
            _ => None,
        }
    }

    pub fn is_object(self) -> bool {
        matches!(self.kind(), Kind::Object(_))
    }

    pub fn as_str(self) -> Option<&'d str> {
        match self.kind() {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The member `name` of an object (member names are unique); `None` for other values.
    pub fn get(self, name: &str) -> Option<Item<'d>> {
        let doc = self.doc;
        // A binary search of the keys in jsonb's order: by length, then bytes.
        let keys = doc.sorted_keys(self.index);
        let found = keys
            .binary_search_by(|&key| {
                let key = doc.string_at(key as usize);
                key.len()
                    .cmp(&name.len())
                    .then_with(|| key.as_bytes().cmp(name.as_bytes()))
            })
            .ok()?;
        keys.get(found).map(|&key| Item {
            doc,
            index: key as usize + 1,
        })
    }

    /// The members of an object in jsonb's key order ([`jsonb_key_order`]); none for other
    /// values.
    pub fn jsonb_members(self) -> impl ExactSizeIterator<Item = (&'d str, Item<'d>)> + Clone {
        let doc = self.doc;
        let keys = doc.sorted_keys(self.index);
        keys.iter().map(move |&key| {
            let key = key as usize;
            (
                doc.string_at(key),
                Item {
                    doc,
                    index: key + 1,
                },
            )
        })
    }

    pub fn to_value(self) -> Value {
        match self.kind() {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            // The text is valid JSON number syntax, which serde_json reads back exactly.
            Kind::Number(n) => serde_json::from_str(n).unwrap_or(Value::Null),
            Kind::String(s) => Value::String(s.to_owned()),
            Kind::Array(elements) => Value::Array(elements.map(Item::to_value).collect()),
            Kind::Object(members) => {
                Value::Object(members.map(|(k, v)| (k.to_owned(), v.to_value())).collect())
            }
        }
    }
}

/// The elements of an array, in order.
#[derive(Debug, Clone, Copy)]
pub struct Elements<'d> {
    doc: &'d Doc,
    index: usize,
    left: u32,
}

impl<'d> Iterator for Elements<'d> {
    type Item = Item<'d>;
    fn next(&mut self) -> Option<Item<'d>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = Item {
            doc: self.doc,
            index: self.index,
        };
        self.index = self.doc.next(self.index);
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Elements<'_> {}

/// The members of an object, in document order, as (name, value).
#[derive(Debug, Clone, Copy)]
pub struct Members<'d> {
    doc: &'d Doc,
    index: usize,
    left: u32,
}

impl<'d> Iterator for Members<'d> {
    type Item = (&'d str, Item<'d>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let name = self.doc.string_at(self.index);
        let value = Item {
            doc: self.doc,
            index: self.index + 1,
        };
        self.index = self.doc.next(self.index + 1);
        Some((name, value))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Members<'_> {}

/// The order `jsonb` keeps object keys in: shorter first, then bytewise.
#[cfg(test)]
pub fn jsonb_key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// A member name as jsonb orders it: by length, then bytes (the first eight as an integer).
struct SortKey {
    len: usize,
    prefix: u64,
    node: u32,
}

/// The first eight bytes of `name`, zero-padded, as a big-endian integer: comparing two of
/// the same length compares those bytes.
fn prefix(name: &str) -> u64 {
    let mut word = [0u8; 8];
    let head = name.as_bytes().get(..8).unwrap_or(name.as_bytes());
    word[..head.len()].copy_from_slice(head);
    u64::from_be_bytes(word)
}

/// A syntax error; the message comes from `serde_json`.
struct Syntax;

/// A strictness problem, reported only if the whole text is valid JSON.
enum Problem {
    /// The node index of the second occurrence of a member name.
    Duplicate(usize),
    Nul,
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    depth: usize,
    /// Refuse repeated member names and `\\u0000` (tokens); otherwise keep them (claims texts).
    strict: bool,
    nodes: Vec<Node>,
    unescaped: String,
    extra: Vec<u32>,
    /// The keys of the objects being parsed, innermost last.
    key_stack: Vec<SortKey>,
    /// The first problem in document order, by node index.
    problem: Option<(usize, Problem)>,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<(), Syntax> {
        self.value()?;
        self.skip_whitespace();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(Syntax)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Syntax> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Syntax)
        }
    }

    fn note(&mut self, index: usize, problem: Problem) {
        if self.strict
            && self
                .problem
                .as_ref()
                .is_none_or(|(first, _)| index < *first)
        {
            self.problem = Some((index, problem));
        }
    }

    fn value(&mut self) -> Result<(), Syntax> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'n') => self.literal(b"null", Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Syntax),
        }
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Result<(), Syntax> {
        if self.bytes.get(self.pos..self.pos + word.len()) != Some(word) {
            return Err(Syntax);
        }
        self.pos += word.len();
        self.nodes.push(node);
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<(), Syntax> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Syntax),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(Syntax);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(Syntax);
            }
        }
        self.nodes.push(Node::Number(span(start, self.pos)));
        Ok(())
    }

    /// After an element or member: a comma (false) or the closing `close` (true).
    fn closes(&mut self, close: u8) -> Result<bool, Syntax> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(Syntax),
        }
    }

    fn enter(&mut self) -> Result<(), Syntax> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Syntax);
        }
        self.pos += 1;
        Ok(())
    }

    fn array(&mut self) -> Result<(), Syntax> {
        let start = self.pos;
        self.enter()?;
        let at = self.nodes.len();
        self.nodes.push(Node::Null);
        let mut len = 0u32;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.value()?;
                len += 1;
                if self.closes(b']')? {
                    break;
                }
            }
        }
        let extra = self.extra.len() as u32;
        self.extra.extend([start as u32, self.pos as u32]);
        self.nodes[at] = Node::Array {
            len,
            next: self.nodes.len() as u32,
            extra,
        };
        self.depth -= 1;
        Ok(())
    }

    fn object(&mut self) -> Result<(), Syntax> {
        let start = self.pos;
        self.enter()?;
        let at = self.nodes.len();
        self.nodes.push(Node::Null);
        // This object's keys go on the key stack above those of the objects around it.
        let base = self.key_stack.len();
        let mut len = 0u32;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return Err(Syntax);
                }
                let key = self.nodes.len();
                self.string()?;
                let name = self.name_of(key);
                self.key_stack.push(SortKey {
                    len: name.len(),
                    prefix: prefix(name),
                    node: key as u32,
                });
                self.expect(b':')?;
                self.value()?;
                len += 1;
                if self.closes(b'}')? {
                    break;
                }
            }
        }
        let extra = self.extra.len() as u32;
        self.extra.extend([start as u32, self.pos as u32]);
        self.sort_keys(base);
        self.nodes[at] = Node::Object {
            len,
            next: self.nodes.len() as u32,
            extra,
        };
        self.depth -= 1;
        Ok(())
    }

    /// Sorts the keys on the key stack from `base` (one object's) into jsonb's key order,
    /// appends their number and them to `extra` and pops them; notes the first repeated member
    /// name (strict) or keeps only the last occurrence of each (lenient, as jsonb does).
    fn sort_keys(&mut self, base: usize) {
        let mut keys = self.key_stack.split_off(base);
        if keys.len() > 1 {
            // Integers first (length, first eight bytes); whole names only on a tie.
            let name = |k: &SortKey| self.name_of(k.node as usize);
            keys.sort_unstable_by(|a, b| {
                (a.len, a.prefix)
                    .cmp(&(b.len, b.prefix))
                    .then_with(|| name(a).cmp(name(b)))
                    .then(a.node.cmp(&b.node))
            });
            let repeated = keys
                .windows(2)
                .filter(|w| {
                    (w[0].len, w[0].prefix) == (w[1].len, w[1].prefix)
                        && (w[0].len <= 8 || name(&w[0]) == name(&w[1]))
                })
                .map(|w| w[1].node as usize)
                .min();
            if repeated.is_some() && !self.strict {
                // Equal names sort by position: keep the last of each run.
                let mut kept: Vec<SortKey> = Vec::with_capacity(keys.len());
                for key in keys {
                    if kept.last().is_some_and(|last| {
                        (last.len, last.prefix) == (key.len, key.prefix)
                            && (key.len <= 8 || name(last) == name(&key))
                    }) {
                        kept.pop();
                    }
                    kept.push(key);
                }
                keys = kept;
            }
            if let Some(second) = repeated {
                self.note(second, Problem::Duplicate(second));
            }
        }
        self.extra.push(keys.len() as u32);
        self.extra.extend(keys.iter().map(|k| k.node));
    }

    /// The decoded string of node `index`.
    fn name_of(&self, index: usize) -> &str {
        string_of(self.nodes.get(index), self.text, &self.unescaped)
    }
}

/// Strings.
impl Parser<'_> {
    /// A string at the opening quote.
    fn string(&mut self) -> Result<(), Syntax> {
        self.pos += 1;
        let start = self.pos;
        self.skip_plain();
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.nodes.push(Node::String {
                        span: span(start, self.pos),
                        escaped: false,
                    });
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => return self.escaped_string(start),
                Some(0x20..) => self.pos += 1,
                _ => return Err(Syntax),
            }
        }
    }

    /// Skips bytes that need no attention in a string (not `"`, `\\` or a control character),
    /// eight at a time.
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        while let Some(chunk) = self.bytes.get(self.pos..self.pos + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let x = u64::from_le_bytes(word);
            // A set high bit marks a quote, a backslash or a byte below 0x20; the lowest one is
            // exact (borrows only run towards higher bytes).
            let found = zero(x ^ (ONES * u64::from(b'"')))
                | zero(x ^ (ONES * u64::from(b'\\')))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
            if found != 0 {
                self.pos += (found.trailing_zeros() / 8) as usize;
                return;
            }
            self.pos += 8;
        }
    }

    /// The rest of a string that has escapes, decoded into `unescaped`.
    fn escaped_string(&mut self, start: usize) -> Result<(), Syntax> {
        let index = self.nodes.len();
        let out = self.unescaped.len();
        let mut run = start;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.push_run(run)?;
                    self.nodes.push(Node::String {
                        span: span(out, self.unescaped.len()),
                        escaped: true,
                    });
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.push_run(run)?;
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let c = self.unicode_escape()?;
                            if c == '\0' {
                                self.note(index, Problem::Nul);
                            }
                            c
                        }
                        _ => return Err(Syntax),
                    };
                    self.pos += 1;
                    self.unescaped.push(c);
                    run = self.pos;
                }
                Some(0x20..) => {
                    self.pos += 1;
                    self.skip_plain();
                }
                _ => return Err(Syntax),
            }
        }
    }

    /// Copies the unescaped run `run..pos` (it starts and ends at ASCII bytes).
    fn push_run(&mut self, run: usize) -> Result<(), Syntax> {
        let s = self.text.get(run..self.pos).ok_or(Syntax)?;
        self.unescaped.push_str(s);
        Ok(())
    }

    /// `\uXXXX` (with `pos` at the `u`), a surrogate pair taking a second escape; leaves `pos`
    /// at the last hex digit. Lone surrogates are errors, as in `serde_json`.
    fn unicode_escape(&mut self) -> Result<char, Syntax> {
        let first = self.hex4(self.pos + 1)?;
        self.pos += 4;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.pos + 1..self.pos + 3) != Some(b"\\u") {
                    return Err(Syntax);
                }
                let second = self.hex4(self.pos + 3)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(Syntax);
                }
                self.pos += 6;
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(Syntax),
            code => code,
        };
        char::from_u32(code).ok_or(Syntax)
    }

    fn hex4(&self, at: usize) -> Result<u32, Syntax> {
        let digits = self.bytes.get(at..at + 4).ok_or(Syntax)?;
        digits.iter().try_fold(0u32, |acc, b| {
            let d = (*b as char).to_digit(16).ok_or(Syntax)?;
            Ok(acc << 4 | d)
        })
    }
}

/// A string node's decoded text: in the document's text when it had no escapes, else in the
/// decoded strings.
fn string_of<'a>(node: Option<&Node>, text: &'a str, unescaped: &'a str) -> &'a str {
    match node {
        Some(Node::String {
            span,
            escaped: false,
        }) => span.of(text),
        Some(Node::String {
            span,
            escaped: true,
        }) => span.of(unescaped),
        _ => "",
    }
}

fn span(start: usize, end: usize) -> Span {
    // The text is at most u32::MAX bytes (checked in parse).
    Span {
        start: start as u32,
        end: end as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<Doc, String> {
        parse_strict(input.as_bytes().to_vec()).map_err(|r| r.message("t"))
    }

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
            assert_eq!(parse(input).is_ok(), *ok, "{input}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse(&deep).unwrap_err();
        assert!(err.contains("recursion limit"), "{err:?}");
    }

    #[test]
    fn messages() {
        let msg = |s: &str| parse(s).unwrap_err();
        assert_eq!(
            msg(r#"{"a":1,"b":2,"a":3}"#),
            r#"t has a duplicate member name "a""#
        );
        assert_eq!(
            msg(r#"{"b\u0000":1,"b":{"c":1,"c":2}}"#),
            "t contains a NUL character (\\u0000), which PostgreSQL cannot store"
        );
        assert_eq!(
            msg(r#"{"x":{"c":1,"c":2},"y":"\u0000"}"#),
            r#"t has a duplicate member name "c""#
        );
        // A syntax error wins over a duplicate, with serde_json's message.
        assert_eq!(
            msg(r#"{"a":1,"a":2} x"#),
            "t is not valid JSON: trailing characters at line 1 column 15"
        );
        assert_eq!(
            msg("{\"a\":\"\u{ff}\"\u{1}}"),
            "t is not valid JSON: expected `,` or `}` at line 1 column 10"
        );
        let not_utf8 = parse_strict(b"{\"a\":\"\xff\"}".to_vec())
            .unwrap_err()
            .message("t");
        assert!(not_utf8.starts_with("t is not valid JSON: "), "{not_utf8}");
    }

    #[test]
    fn nodes_read_back() {
        let doc = parse(
            r#" {"s":"plain","e":"tab\there \u00e9 \ud83d\ude00","n":-1.5e3,"t":true,"f":false,
                "z":null,"a":[1,[2,3],{"k":"v"},[]],"o":{"p":{"q":[]}},"last":0} "#,
        )
        .unwrap();
        let root = doc.root();
        assert_eq!(root.get("s").unwrap().as_str(), Some("plain"));
        assert_eq!(root.get("e").unwrap().as_str(), Some("tab\there é 😀"));
        assert!(matches!(
            root.get("n").unwrap().kind(),
            Kind::Number("-1.5e3")
        ));
        assert!(matches!(root.get("t").unwrap().kind(), Kind::Bool(true)));
        assert!(matches!(root.get("z").unwrap().kind(), Kind::Null));
        assert!(matches!(
            root.get("last").unwrap().kind(),
            Kind::Number("0")
        ));
        assert!(root.get("missing").is_none());
        let Kind::Array(a) = root.get("a").unwrap().kind() else {
            panic!()
        };
        assert_eq!(a.len(), 4);
        let names: Vec<&str> = root.jsonb_members().map(|(k, _)| k).collect();
        assert_eq!(names, ["a", "e", "f", "n", "o", "s", "t", "z", "last"]);
        let (_, o) = root.jsonb_members().nth(4).unwrap();
        assert_eq!(o.jsonb_members().map(|(k, _)| k).collect::<Vec<_>>(), ["p"]);
        assert_eq!(root.get("s").unwrap().jsonb_members().len(), 0);
        let many = parse(
            r#"{"bb":1,"a":1,"ab":1,"abcdefghij":1,"abcdefghia":1,"abcdefgh":1,"abcdefgg":1,"é":1,"z":1,"":1}"#,
        )
        .unwrap();
        let names: Vec<&str> = many.root().jsonb_members().map(|(k, _)| k).collect();
        let mut want = names.clone();
        want.sort_by(|a, b| jsonb_key_order(a, b));
        assert_eq!(names, want);
        assert_eq!(names[0], "");
        let expected: Value = serde_json::from_str(doc.text()).unwrap();
        assert_eq!(doc.to_value(), expected);
        assert_eq!(
            serde_json::to_string(&doc.to_value()).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn depth_limit_matches_serde_json() {
        for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1] {
            for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
                let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                let ours = parse(&text).is_ok();
                let theirs = serde_json::from_str::<Value>(&text).is_ok();
                assert_eq!(ours, theirs, "depth {depth} {open}");
                assert_eq!(ours, depth <= MAX_DEPTH, "depth {depth} {open}");
            }
        }
    }

    /// Every input that either parser accepts, the other accepts too (duplicates and NUL
    /// aside), with the same value: hand-picked edge cases, then many generated mutations.
    #[test]
    fn agrees_with_serde_json() {
        let mut inputs: Vec<String> = [
            "",
            " ",
            "1",
            "-",
            "-0",
            "01",
            "1.",
            ".5",
            "1.5",
            "1e5",
            "1E+5",
            "1e-5",
            "1e",
            "1e+",
            "-01",
            "00",
            "1.0e",
            "2.5E-3",
            "-1.5e300",
            "1e400",
            "123456789012345678901234567890",
            "true",
            "tru",
            "truex",
            "nul",
            "null",
            "false ",
            "\"\"",
            "\"a",
            "\"\\\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u00e9\"",
            "\"\\uD83D\\uDE00\"",
            "\"\\uD83D\"",
            "\"\\uDE00\"",
            "\"\\uD83Dx\"",
            "\"\\uD83D\\u0041\"",
            "\"\t\"",
            "\"\u{7f}\"",
            "\"\u{1}\"",
            "[]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{}",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{1:1}",
            "{\"a\" : 1 , \"b\" : [ ] }",
            "\u{feff}{}",
            "{}\u{0}",
            "[\"\\/\\b\\f\\n\\r\\t\"]",
            "\r\n\t[1]\r\n",
            "[1]]",
            "[[1]",
            "{\"a\":1}}",
            "[true,false,null]",
            "[-]",
            "[+1]",
            "[0x1]",
            "[Infinity]",
            "[NaN]",
            "[1.5e+]",
            "{\"é\":\"ü\"}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Mutations of a claims-like document: each byte deleted, each byte replaced by a few
        // JSON-significant characters.
        let base = r#"{"sub":"user_1","n":[1,-2.5e3,{"o":null}],"b":true,"s":"a\"\\\u00e9"}"#;
        let bytes = base.as_bytes();
        for i in 0..bytes.len() {
            let mut cut = bytes.to_vec();
            cut.remove(i);
            inputs.push(String::from_utf8_lossy(&cut).into_owned());
            for c in [
                b'"', b'{', b'}', b'[', b']', b',', b':', b'\\', b'0', b'e', b'-', b' ',
            ] {
                let mut m = bytes.to_vec();
                m[i] = c;
                inputs.push(String::from_utf8_lossy(&m).into_owned());
            }
        }
        for input in &inputs {
            let theirs = serde_json::from_str::<Value>(input);
            match parse(input) {
                Ok(doc) => {
                    let theirs = theirs.unwrap_or_else(|e| panic!("{input:?}: serde: {e}"));
                    assert_eq!(doc.to_value(), theirs, "{input:?}");
                }
                Err(e) if e.contains("is not valid JSON") => {
                    assert!(theirs.is_err(), "{input:?}: ours {e}");
                }
                Err(_) => {} // duplicate or NUL: valid JSON, refused on purpose
            }
        }
    }
}
