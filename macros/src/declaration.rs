//! The SQL half of a declaration, as plain string work: the signature read far enough to name
//! the function for `COMMENT ON FUNCTION` and its C symbol, the attributes checked, the
//! statements written.

/// A signature `name(arguments) RETURNS type`, read.
#[derive(Debug, PartialEq)]
pub struct Signature {
    /// As written (trimmed): it goes into `CREATE FUNCTION` unchanged.
    text: String,
    /// The schema of a qualified name (`tests.same_bytes`).
    schema: Option<String>,
    /// The function's name, which its C symbol and the Rust function share.
    pub name: String,
    /// The argument types in order: how `COMMENT ON FUNCTION` names the function.
    arg_types: Vec<String>,
}

impl Signature {
    /// Reads `name(arguments) RETURNS type`, each argument `[IN | VARIADIC] name type
    /// [DEFAULT expr | = expr]`. Names are lower-case identifiers; a default may hold commas and
    /// brackets inside quotes or brackets (dollar quotes and `E''` strings are not read).
    pub fn parse(signature: &str) -> Result<Signature, String> {
        let text = signature.trim();
        let open = text
            .find('(')
            .ok_or("expected `name(arguments) RETURNS type`")?;
        let (schema, name) = qualified_name(text[..open].trim())?;
        let rest = &text[open..];
        let close = top_level(rest)?
            .into_iter()
            .find(|&(_, c)| c == ')')
            .map(|(i, _)| i)
            .ok_or("the argument list is not closed")?;
        let result = keyword_prefix(rest[close + 1..].trim_start(), "RETURNS");
        if result.is_none_or(|result| result.trim().is_empty()) {
            return Err("expected `RETURNS type` after the arguments".into());
        }
        let arg_types = split_arguments(&rest[1..close])?
            .into_iter()
            .map(argument_type)
            .collect::<Result<_, _>>()?;
        Ok(Signature {
            text: text.to_owned(),
            schema,
            name,
            arg_types,
        })
    }

    /// The C symbol: one scheme for every function.
    pub fn symbol(&self) -> String {
        format!("pg_jwt_claims_{}", self.name)
    }

    /// `CREATE FUNCTION` in C with `attributes`, then `COMMENT ON FUNCTION` with `comment`.
    pub fn statements(&self, attributes: &str, comment: &str) -> String {
        let qualified = match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        };
        format!(
            "\nCREATE FUNCTION {}\n    LANGUAGE c {}\n    AS 'MODULE_PATHNAME', '{}';\n\
             COMMENT ON FUNCTION {qualified}({}) IS '{}';\n",
            self.text,
            attributes.split_whitespace().collect::<Vec<_>>().join(" "),
            self.symbol(),
            self.arg_types.join(", "),
            comment.replace('\'', "''"),
        )
    }
}

/// Refuses attributes that leave volatility or parallel safety unsaid (every function says
/// both), or that say what the declaration writes itself (`LANGUAGE`, `AS`).
pub fn check_attributes(attributes: &str) -> Result<(), String> {
    let words: Vec<String> = attributes
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let volatility = words
        .iter()
        .filter(|w| matches!(w.as_str(), "IMMUTABLE" | "STABLE" | "VOLATILE"))
        .count();
    if volatility != 1 {
        return Err("say the volatility once: IMMUTABLE, STABLE or VOLATILE".into());
    }
    let parallel = words.iter().filter(|w| *w == "PARALLEL").count();
    let said = words
        .windows(2)
        .any(|w| w[0] == "PARALLEL" && matches!(w[1].as_str(), "SAFE" | "RESTRICTED" | "UNSAFE"));
    if parallel != 1 || !said {
        return Err("say PARALLEL SAFE, PARALLEL RESTRICTED or PARALLEL UNSAFE once".into());
    }
    if words.iter().any(|w| w == "LANGUAGE" || w == "AS") {
        return Err("LANGUAGE and AS are written by the declaration".into());
    }
    Ok(())
}

/// A lower-case SQL identifier, so that the name needs no quoting and is its own C symbol.
fn identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `name` or `schema.name`.
fn qualified_name(text: &str) -> Result<(Option<String>, String), String> {
    let (schema, name) = match text.split_once('.') {
        Some((schema, name)) => (Some(schema), name),
        None => (None, text),
    };
    if schema.is_some_and(|s| !identifier(s)) || !identifier(name) {
        return Err(format!(
            "`{text}` is not a lower-case name (or schema.name)"
        ));
    }
    Ok((schema.map(str::to_owned), name.to_owned()))
}

/// The characters of `text` outside quotes (`'…'`, `"…"`) and at bracket depth 0, with their
/// byte offsets; an opening bracket stands at the depth before it, a closing one at the depth
/// after it. Refuses unbalanced brackets and an open quote.
fn top_level(text: &str) -> Result<Vec<(usize, char)>, String> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            // A doubled quote closes and reopens: the same as an escaped one here.
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => {
                if depth == 0 {
                    found.push((i, c));
                }
                depth += 1;
            }
            (None, ')' | ']') => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("`{c}` closes nothing in `{text}`"))?;
                if depth == 0 {
                    found.push((i, c));
                }
            }
            (None, c) if depth == 0 => found.push((i, c)),
            (None, _) => {}
        }
    }
    match (quote, depth) {
        (Some(q), _) => Err(format!("a {q} quote is not closed in `{text}`")),
        (None, 0) => Ok(found),
        (None, _) => Err(format!("a bracket is not closed in `{text}`")),
    }
}

/// Whether `c` can be part of a word (an identifier or keyword).
fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// What follows `keyword` (any letter case) at the start of `text`, when a word ends there.
fn keyword_prefix<'t>(text: &'t str, keyword: &str) -> Option<&'t str> {
    let rest = text
        .get(..keyword.len())
        .filter(|start| start.eq_ignore_ascii_case(keyword))
        .map(|_| &text[keyword.len()..])?;
    rest.chars().next().is_none_or(|c| !word(c)).then_some(rest)
}

/// The arguments between the parentheses, split at the commas between them.
fn split_arguments(arguments: &str) -> Result<Vec<&str>, String> {
    if arguments.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    let commas = top_level(arguments)?.into_iter().filter(|&(_, c)| c == ',');
    for end in commas.map(|(i, _)| i).chain([arguments.len()]) {
        let piece = arguments[start..end].trim();
        if piece.is_empty() {
            return Err(format!("an argument is empty in `({arguments})`"));
        }
        pieces.push(piece);
        start = end + 1;
    }
    Ok(pieces)
}

/// Where an argument's default (`DEFAULT expr` or `= expr`) starts, or its length.
fn default_start(argument: &str) -> Result<usize, String> {
    let start = top_level(argument)?.into_iter().find_map(|(i, c)| {
        let keyword =
            keyword_prefix(&argument[i..], "DEFAULT").is_some() && !argument[..i].ends_with(word);
        (c == '=' || keyword).then_some(i)
    });
    match start {
        None => Ok(argument.len()),
        Some(i) => {
            let value = keyword_prefix(&argument[i..], "DEFAULT").unwrap_or(&argument[i + 1..]);
            if value.trim().is_empty() {
                return Err(format!("`{argument}` has a default without a value"));
            }
            Ok(i)
        }
    }
}

/// The type of one argument `[IN | VARIADIC] name type [DEFAULT …]`, whitespace collapsed.
fn argument_type(argument: &str) -> Result<String, String> {
    let mut words = argument[..default_start(argument)?]
        .split_whitespace()
        .peekable();
    match words.peek().map(|w| w.to_ascii_uppercase()).as_deref() {
        Some("IN" | "VARIADIC") => {
            words.next();
        }
        Some("OUT" | "INOUT") => {
            return Err(format!(
                "`{argument}`: OUT arguments are not declared here; say RETURNS TABLE(…)"
            ))
        }
        _ => {}
    }
    let name = words.next().unwrap_or_default();
    let type_words: Vec<&str> = words.collect();
    if type_words.is_empty() {
        return Err(format!(
            "argument `{argument}` has no name: write `name type`"
        ));
    }
    if !identifier(name) {
        return Err(format!("argument name `{name}` is not a lower-case name"));
    }
    Ok(type_words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(signature: &str) -> Vec<String> {
        Signature::parse(signature)
            .unwrap_or_else(|e| panic!("{signature}: {e}"))
            .arg_types
    }

    #[test]
    fn argument_types() {
        let cases: &[(&str, &[&str])] = &[
            ("requesting_user_id() RETURNS text", &[]),
            ("jwt_claims( ) RETURNS jsonb", &[]),
            ("jwt_claim(VARIADIC path text[]) RETURNS text", &["text[]"]),
            ("jwt_claim(variadic path text[]) RETURNS text", &["text[]"]),
            ("jwt_has_org_role(IN role text) RETURNS boolean", &["text"]),
            (
                "jwt_sign(claims jsonb, key text, algorithm text DEFAULT 'HS256') RETURNS text",
                &["jsonb", "text", "text"],
            ),
            ("jwt_test_logout(role name DEFAULT NULL) RETURNS void", &["name"]),
            ("f(a text default 'x') returns text", &["text"]),
            ("f(a text DEFAULT'x') RETURNS text", &["text"]),
            (
                "f(a text DEFAULT 'x, y', b int[] DEFAULT ARRAY[1, 2], c numeric(10, 2) = round(1.5, 1)) RETURNS void",
                &["text", "int[]", "numeric(10, 2)"],
            ),
            ("f(a text DEFAULT 'it''s, (here') RETURNS text", &["text"]),
            ("f(a text DEFAULT '', b text) RETURNS text", &["text", "text"]),
            ("f(default_key text, key_default text) RETURNS text", &["text", "text"]),
            ("f(at  timestamp with\n time zone) RETURNS text", &["timestamp with time zone"]),
            (
                "jwt_decode(token text) RETURNS TABLE(header jsonb, payload jsonb)",
                &["text"],
            ),
            (
                "jwt_test_login(claims jsonb, role name DEFAULT 'authenticated') RETURNS jsonb",
                &["jsonb", "name"],
            ),
        ];
        for (signature, want) in cases {
            assert_eq!(types(signature), *want, "{signature}");
        }
    }

    #[test]
    fn names_and_symbols() {
        let plain = Signature::parse("  jwt_role() RETURNS text ").unwrap();
        assert_eq!(
            (plain.schema.as_deref(), plain.name.as_str()),
            (None, "jwt_role")
        );
        assert_eq!(plain.symbol(), "pg_jwt_claims_jwt_role");
        let qualified =
            Signature::parse("tests.same_bytes(a jsonb, b jsonb) RETURNS boolean").unwrap();
        assert_eq!(qualified.schema.as_deref(), Some("tests"));
        assert_eq!(qualified.symbol(), "pg_jwt_claims_same_bytes");
    }

    #[test]
    fn refusals() {
        let cases: &[(&str, &str)] = &[
            ("jwt_has_org_role(text) RETURNS boolean", "has no name"),
            ("jwt_claim(VARIADIC text[]) RETURNS text", "has no name"),
            ("f(a text, text) RETURNS text", "has no name"),
            ("f(a text)", "RETURNS"),
            ("f(a text) RETURNS ", "RETURNS"),
            ("f(a text) RETURNING text", "RETURNS"),
            ("f RETURNS text", "expected `name(arguments)"),
            ("f(a text RETURNS text", "not closed"),
            ("f(a text)) RETURNS text", "closes nothing"),
            ("f(a text DEFAULT 'x) RETURNS text", "quote is not closed"),
            ("f(a text,) RETURNS text", "empty"),
            ("f(,a text) RETURNS text", "empty"),
            ("f(a text DEFAULT) RETURNS text", "without a value"),
            ("f(a text =) RETURNS text", "without a value"),
            ("f(OUT a text) RETURNS text", "OUT arguments"),
            ("f(INOUT a text) RETURNS text", "OUT arguments"),
            ("F() RETURNS text", "lower-case name"),
            ("\"f\"() RETURNS text", "lower-case name"),
            ("a.b.c() RETURNS text", "lower-case name"),
            ("f(\"A\" text) RETURNS text", "argument name"),
        ];
        for (signature, want) in cases {
            match Signature::parse(signature) {
                Ok(s) => panic!("{signature}: accepted as {s:?}"),
                Err(e) => assert!(e.contains(want), "{signature}: {e}"),
            }
        }
    }

    #[test]
    fn attributes() {
        for good in [
            "STABLE PARALLEL SAFE",
            "stable strict parallel safe",
            "VOLATILE STRICT PARALLEL UNSAFE",
            "IMMUTABLE STRICT PARALLEL RESTRICTED LEAKPROOF",
        ] {
            assert_eq!(check_attributes(good), Ok(()), "{good}");
        }
        for (bad, want) in [
            ("PARALLEL SAFE", "volatility"),
            ("STABLE VOLATILE PARALLEL SAFE", "volatility"),
            ("STABLE", "PARALLEL"),
            ("STABLE PARALLEL", "PARALLEL"),
            ("STABLE PARALLEL SAFE PARALLEL UNSAFE", "PARALLEL"),
            ("STABLE PARALLEL SAFE LANGUAGE sql", "LANGUAGE"),
        ] {
            let got = check_attributes(bad).expect_err(bad);
            assert!(got.contains(want), "{bad}: {got}");
        }
    }

    #[test]
    fn statements() {
        let signature = Signature::parse("jwt_has_org_role(role text) RETURNS boolean").unwrap();
        assert_eq!(
            signature.statements("STABLE  STRICT\n PARALLEL SAFE", "Clerk's has({ role })."),
            "\nCREATE FUNCTION jwt_has_org_role(role text) RETURNS boolean\n    \
             LANGUAGE c STABLE STRICT PARALLEL SAFE\n    \
             AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_has_org_role';\n\
             COMMENT ON FUNCTION jwt_has_org_role(text) IS 'Clerk''s has({ role }).';\n"
        );
        let qualified = Signature::parse("tests.panic() RETURNS int").unwrap();
        assert!(qualified
            .statements("VOLATILE PARALLEL UNSAFE", "x")
            .contains("COMMENT ON FUNCTION tests.panic() IS 'x';"));
    }
}
