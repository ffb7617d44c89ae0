//! `jwt_policy_advice()`: the RLS policies and column defaults that still read the request's JWT
//! claims in SQL once per row, each with the compiled call that replaces it.
//!
//! It is written in PL/pgSQL (no Rust entry point): it reads `pg_policy`, `pg_attrdef`,
//! `pg_depend` and `pg_proc` as the caller (`SECURITY INVOKER`) and changes nothing. What it
//! matches:
//!
//! * a `LANGUAGE sql` or `plpgsql` function the expression calls (found through `pg_depend`)
//!   whose body (`prosrc`, or the deparsed body of a `BEGIN ATOMIC` function) reads
//!   `current_setting('request.jwt.claims'…)`: the guide's `requesting_user_id()` and the like;
//! * `current_setting('request.jwt.claims'…)::json` or `::jsonb` written in the expression;
//! * Supabase's `auth.uid()`, `auth.jwt()`, `auth.role()` and `auth.email()` (zero-argument
//!   functions in schema `auth` whose body reads `request.jwt.claim…`), with the `->`, `->>`,
//!   `#>`, `#>>` path that follows `auth.jwt()`.
//!
//! A call that is the whole target of a `FROM`-less sub-select, `(select auth.uid())`, runs once
//! per statement as an InitPlan: it is listed only when `pg_jwt_claims.mode` is `verify`, where
//! it still trusts a setting any role can set. A function whose body calls the compiled
//! functions (the README's switch) reads no setting and is not listed.
//!
//! Limits (also in the function's comment): it matches text, the deparsed expression
//! (`pg_get_expr`) and function bodies, not plans; calls through other functions, operators,
//! views or dynamic SQL are not seen; a body with more than a single claim read gets the calls
//! for its claims rather than one replacement; text inside string literals that looks like a
//! call can be matched.
//!
//! The suggestions name the extension's schema through `@extschema@`, which `CREATE EXTENSION`
//! replaces with the quoted schema name (the extension is not relocatable).

pgrx::extension_sql!(
    r#"
CREATE FUNCTION jwt_policy_advice()
RETURNS TABLE(kind text, table_name regclass, name text, expression text, found text, suggestion text)
LANGUAGE plpgsql STABLE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $advice$
#variable_conflict use_column
DECLARE
    -- The extension's schema, as CREATE EXTENSION quotes it: the prefix of every suggestion.
    ext constant text := $ext$@extschema@$ext$;
    ext_ns constant oid := pg_catalog.to_regnamespace($ext$@extschema@$ext$);
    verify constant boolean :=
        coalesce(pg_catalog.current_setting('pg_jwt_claims.mode', true), '') = 'verify';
    -- Functions that read the claims, found in phase 1: their role ('auth.uid', 'auth.jwt',
    -- 'auth.role', 'auth.email' or 'sql'), what to show and (for 'sql') the suggestion.
    fn_oid oid[] := '{}';
    fn_role text[] := '{}';
    fn_found text[] := '{}';
    fn_sugg text[] := '{}';
    -- The answer, one element per hit.
    r_kind text[] := '{}';
    r_rel oid[] := '{}';
    r_name text[] := '{}';
    r_expr text[] := '{}';
    r_found text[] := '{}';
    r_sugg text[] := '{}';
    d record;
    b record;
    m text[];
    m2 text[];
    frole text;
    span_start int;
    stop int;
    base_txt text;
    jkind text;
    lead text;
    k0 int;
    k int;
    p int;
    rest text;
    path text[];
    lastop text;
    lastcast text;
    chain_txt text;
    akey text;
    cand text;
    ctype text;
    rtype text;
    depth int;
    q text;
    ch text;
    wrapped boolean;
    what text;
    note text;
    -- Phase 1, per function body: the claim reads and the body with each read replaced.
    reads int;
    calls text[];
    reduced text;
    cursor_at int;
    rs int;
    c int;
BEGIN
    FOR d IN
        WITH targets AS (
            SELECT 'policy'::text AS kind, 'pg_catalog.pg_policy'::regclass::oid AS classid,
                   pol.oid AS objid, pol.polrelid AS relid, pol.polname::text AS objname, e.expr
            FROM pg_catalog.pg_policy pol
            CROSS JOIN LATERAL (VALUES (pg_catalog.pg_get_expr(pol.polqual, pol.polrelid)),
                                       (pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid))) AS e(expr)
            UNION ALL
            SELECT 'default', 'pg_catalog.pg_attrdef'::regclass::oid, ad.oid, ad.adrelid,
                   att.attname::text, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
            FROM pg_catalog.pg_attrdef ad
            JOIN pg_catalog.pg_attribute att ON att.attrelid = ad.adrelid AND att.attnum = ad.adnum
            WHERE NOT att.attisdropped AND att.attgenerated = ''
              -- A partition's or child's copy of its parent's default is the parent's to change
              -- (ALTER TABLE … SET DEFAULT recurses).
              AND NOT EXISTS (
                  SELECT 1
                  FROM pg_catalog.pg_inherits inh
                  JOIN pg_catalog.pg_attribute patt
                    ON patt.attrelid = inh.inhparent AND patt.attname = att.attname
                  JOIN pg_catalog.pg_attrdef pad
                    ON pad.adrelid = patt.attrelid AND pad.adnum = patt.attnum
                  WHERE inh.inhrelid = ad.adrelid
                    AND pg_catalog.pg_get_expr(pad.adbin, pad.adrelid)
                        = pg_catalog.pg_get_expr(ad.adbin, ad.adrelid))
        ),
        visible AS (
            SELECT t.*
            FROM targets t
            JOIN pg_catalog.pg_class cl ON cl.oid = t.relid
            JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace
            WHERE t.expr IS NOT NULL
              AND ns.nspname NOT IN ('pg_catalog', 'information_schema')
              AND ns.nspname NOT LIKE 'pg\_toast%'
              AND (ns.nspname NOT LIKE 'pg\_temp\_%' OR ns.oid = pg_catalog.pg_my_temp_schema())
              -- The extension's own schema, unless it is public (the default, beside the
              -- application's tables).
              AND (ns.oid IS DISTINCT FROM ext_ns OR ns.nspname = 'public')
              AND pg_catalog.has_schema_privilege(ns.oid, 'USAGE')
              AND pg_catalog.has_table_privilege(cl.oid,
                      'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
        ),
        bodies AS (
            SELECT pr.oid AS fn, ns.nspname, pr.proname, pr.pronargs, pr.proretset, pr.prorettype,
                   CASE WHEN pr.prosrc ~ '\S' THEN pr.prosrc
                        ELSE pg_catalog.substring(pg_catalog.pg_get_functiondef(pr.oid),
                                                  '\nBEGIN ATOMIC(.*)$') END AS doc
            FROM pg_catalog.pg_proc pr
            JOIN pg_catalog.pg_language lang ON lang.oid = pr.prolang
            JOIN pg_catalog.pg_namespace ns ON ns.oid = pr.pronamespace
            WHERE lang.lanname IN ('sql', 'plpgsql') AND pr.prokind = 'f'
              AND pr.oid IN (SELECT dep.refobjid FROM pg_catalog.pg_depend dep
                             WHERE dep.refclassid = 'pg_catalog.pg_proc'::regclass
                               AND dep.classid IN ('pg_catalog.pg_policy'::regclass,
                                                   'pg_catalog.pg_attrdef'::regclass))
        )
        SELECT 1 AS phase, bo.fn, bo.nspname, bo.proname, bo.pronargs, bo.proretset, bo.prorettype,
               NULL::text AS kind, NULL::oid AS classid, NULL::oid AS objid, NULL::oid AS relid,
               NULL::text AS objname, bo.doc
        FROM bodies bo
        WHERE bo.doc ~* 'current_setting\s*\(\s*''request\.jwt\.claim'
        UNION ALL
        SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL,
               v.kind, v.classid, v.objid, v.relid, v.objname, v.expr
        FROM visible v
        ORDER BY 1
    LOOP
        frole := NULL;
        IF d.phase = 1 THEN
            IF d.nspname = 'auth' AND d.pronargs = 0 AND d.proname IN ('uid', 'jwt', 'role', 'email') THEN
                -- Supabase's helpers: known meaning, no need to read the body.
                fn_oid := fn_oid || d.fn;
                fn_role := fn_role || ('auth.' || d.proname);
                fn_found := fn_found || pg_catalog.format('auth.%s()', d.proname);
                fn_sugg := fn_sugg || NULL::text;
                CONTINUE;
            END IF;
            -- Other functions: only those that parse the claims object, not the cheap
            -- request.jwt.claim.<name> settings of PostgREST before 9.
            CONTINUE WHEN d.doc !~* 'current_setting\s*\(\s*''request\.jwt\.claims''';
            reads := 0; calls := '{}'; reduced := ''; cursor_at := 1;
        END IF;

        -- Every place in the text where a claim read or a call of a listed function starts.
        FOR b IN
            SELECT s.i AS start, 'setting'::text AS bkind, NULL::int AS fidx, NULL::text AS needle
            FROM pg_catalog.generate_series(1, pg_catalog.length(d.doc)) AS s(i)
            WHERE pg_catalog.lower(pg_catalog.substr(d.doc, s.i, 15)) = 'current_setting'
              AND (s.i = 1 OR pg_catalog.substr(d.doc, s.i - 1, 1) !~ '[[:alnum:]_$".]'
                   OR pg_catalog.lower(pg_catalog.substr(d.doc, greatest(1, s.i - 11), 11)) = 'pg_catalog.')
            UNION ALL
            SELECT s.i, 'function', f.idx, f.needle
            FROM (SELECT a.idx, pg_catalog.format('%I.%I(', ns.nspname, pr.proname) AS needle
                  FROM pg_catalog.generate_subscripts(fn_oid, 1) AS a(idx)
                  JOIN pg_catalog.pg_proc pr ON pr.oid = fn_oid[a.idx]
                  JOIN pg_catalog.pg_namespace ns ON ns.oid = pr.pronamespace
                  WHERE d.phase = 2
                    AND fn_oid[a.idx] IN (SELECT dep.refobjid FROM pg_catalog.pg_depend dep
                                          WHERE dep.classid = d.classid AND dep.objid = d.objid
                                            AND dep.refclassid = 'pg_catalog.pg_proc'::regclass)) AS f
            CROSS JOIN pg_catalog.generate_series(1, pg_catalog.length(d.doc)) AS s(i)
            WHERE pg_catalog.substr(d.doc, s.i, pg_catalog.length(f.needle)) = f.needle
              AND (s.i = 1 OR pg_catalog.substr(d.doc, s.i - 1, 1) !~ '[[:alnum:]_$".]')
            ORDER BY 1
        LOOP
            frole := NULL;
            IF b.bkind = 'setting' THEN
                m := pg_catalog.regexp_match(pg_catalog.substr(d.doc, b.start, 200),
                    '^(current_setting\s*\(\s*''request\.jwt\.claims''\s*(?:::\s*text\s*)?(?:,\s*(true|false)\s*)?\))', 'i');
                CONTINUE WHEN m IS NULL;
                span_start := b.start;
                stop := b.start + pg_catalog.length(m[1]);
                IF span_start > 11 AND pg_catalog.lower(pg_catalog.substr(d.doc, span_start - 11, 11)) = 'pg_catalog.' THEN
                    span_start := span_start - 11;
                END IF;
                base_txt := 'current_setting(''request.jwt.claims''' ||
                            coalesce(', ' || pg_catalog.lower(m[2]), '') || ')';
                -- nullif(current_setting(…), '') as Supabase writes it.
                m := pg_catalog.regexp_match(pg_catalog.substr(d.doc, 1, span_start - 1), '(nullif\s*\(\s*)$', 'i');
                m2 := pg_catalog.regexp_match(pg_catalog.substr(d.doc, stop, 100), '^(\s*,\s*''''\s*(?:::\s*text\s*)?\))', 'i');
                IF m IS NOT NULL AND m2 IS NOT NULL THEN
                    span_start := span_start - pg_catalog.length(m[1]);
                    stop := stop + pg_catalog.length(m2[1]);
                    base_txt := 'nullif(' || base_txt || ', '''')';
                END IF;
                jkind := NULL;  -- a ::json or ::jsonb cast must follow
            ELSE
                frole := fn_role[b.fidx];
                span_start := b.start;
                -- The end of the call: its closing parenthesis.
                p := b.start + pg_catalog.length(b.needle);
                depth := 1; q := NULL;
                WHILE depth > 0 AND p <= pg_catalog.length(d.doc) LOOP
                    ch := pg_catalog.substr(d.doc, p, 1);
                    IF q IS NOT NULL THEN
                        IF ch = q THEN q := NULL; END IF;
                    ELSIF ch IN ('''', '"') THEN q := ch;
                    ELSIF ch = '(' THEN depth := depth + 1;
                    ELSIF ch = ')' THEN depth := depth - 1;
                    END IF;
                    p := p + 1;
                END LOOP;
                stop := p;
                base_txt := fn_found[b.fidx];
                jkind := CASE WHEN frole = 'auth.jwt' THEN 'jsonb' END;
            END IF;

            -- The parentheses just before the read: a path may continue after they close.
            lead := (pg_catalog.regexp_match(pg_catalog.substr(d.doc, 1, span_start - 1), '([(\s]*)$'))[1];
            k0 := pg_catalog.length(lead) - pg_catalog.length(pg_catalog.replace(lead, '(', ''));
            k := k0; p := stop; path := '{}'; lastop := NULL; lastcast := NULL; chain_txt := '';
            -- Casts, and path operators when the read gives JSON.
            LOOP
                rest := pg_catalog.substr(d.doc, p, 300);
                m := pg_catalog.regexp_match(rest, '^(\s*::\s*(jsonb|json|text)\M(?!\s*\[))', 'i');
                IF m IS NOT NULL THEN
                    lastcast := pg_catalog.lower(m[2]);
                    IF lastop IS NULL AND lastcast IN ('json', 'jsonb') AND frole IS NULL THEN
                        jkind := lastcast;
                    END IF;
                    chain_txt := chain_txt || '::' || lastcast;
                    p := p + pg_catalog.length(m[1]);
                    CONTINUE;
                END IF;
                IF jkind IS NOT NULL AND (lastop IS NULL OR lastop IN ('->', '#>')) THEN
                    m := pg_catalog.regexp_match(rest,
                        '^(\s*(->>|->)\s*(''(?:[^'']|'''')*''|-?[0-9]+)(?:\s*::\s*text\M(?!\s*\[))?)');
                    IF m IS NOT NULL THEN
                        IF pg_catalog.left(m[3], 1) = '''' THEN
                            akey := pg_catalog.replace(pg_catalog.substr(m[3], 2, pg_catalog.length(m[3]) - 2), '''''', '''');
                            chain_txt := chain_txt || ' ' || m[2] || ' ' || pg_catalog.quote_literal(akey);
                        ELSE
                            akey := m[3];
                            chain_txt := chain_txt || ' ' || m[2] || ' ' || akey;
                        END IF;
                        path := path || akey;
                        lastop := m[2];
                        p := p + pg_catalog.length(m[1]);
                        CONTINUE;
                    END IF;
                    m := pg_catalog.regexp_match(rest,
                        '^(\s*(#>>|#>)\s*''\{([^''"{}\\]*)\}''(?:\s*::\s*text\s*\[\s*\])?)');
                    IF m IS NOT NULL THEN
                        path := path || ARRAY(SELECT pg_catalog.btrim(e)
                                              FROM pg_catalog.unnest(pg_catalog.string_to_array(m[3], ',')) AS e);
                        chain_txt := chain_txt || ' ' || m[2] || ' ' || pg_catalog.quote_literal('{' || m[3] || '}');
                        lastop := m[2];
                        p := p + pg_catalog.length(m[1]);
                        CONTINUE;
                    END IF;
                END IF;
                m := pg_catalog.regexp_match(rest, '^(\s*\))');
                IF m IS NOT NULL AND k > 0 THEN
                    k := k - 1;
                    p := p + pg_catalog.length(m[1]);
                    CONTINUE;
                END IF;
                EXIT;
            END LOOP;

            -- The compiled call for what was read.
            cand := CASE
                WHEN frole = 'sql' THEN fn_sugg[b.fidx]
                WHEN frole = 'auth.uid' AND lastcast = 'text' THEN 'requesting_user_id()'
                WHEN frole = 'auth.uid' THEN 'requesting_user_id()::uuid'
                WHEN frole = 'auth.role' THEN 'jwt_role()'
                WHEN frole = 'auth.email' THEN 'jwt_email()'
                WHEN path = '{}' THEN 'jwt_claims()' || CASE WHEN jkind = 'json' THEN '::json' ELSE '' END
                WHEN lastop IN ('->', '#>') THEN
                    pg_catalog.format('jwt_claim_json(%s)', pg_catalog.array_to_string(
                        ARRAY(SELECT pg_catalog.quote_literal(e) FROM pg_catalog.unnest(path) AS e), ', '))
                    || CASE WHEN jkind = 'json' THEN '::json' ELSE '' END
                WHEN path = '{sub}' THEN 'requesting_user_id()'
                WHEN path = '{sid}' THEN 'requesting_session_id()'
                WHEN path = '{role}' THEN 'jwt_role()'
                WHEN path = '{email}' THEN 'jwt_email()'
                WHEN path IN ('{org_id}', '{o,id}') THEN 'requesting_org_id()'
                WHEN path = '{org_role}' THEN 'requesting_org_role()'
                WHEN path IN ('{org_slug}', '{o,slg}') THEN 'requesting_org_slug()'
                WHEN path = '{act,sub}' THEN 'requesting_actor_id()'
                WHEN path = '{sts}' THEN 'jwt_session_status()'
                ELSE pg_catalog.format('jwt_claim(%s)', pg_catalog.array_to_string(
                        ARRAY(SELECT pg_catalog.quote_literal(e) FROM pg_catalog.unnest(path) AS e), ', '))
            END;
            IF frole IS DISTINCT FROM 'sql' THEN
                cand := ext || '.' || cand;
            END IF;

            IF d.phase = 1 THEN
                -- A claim read inside a function body: remember its call, and replace it (with
                -- the parentheses it closed) by a marker to see whether the body is nothing else.
                reads := reads + 1;
                calls := calls || cand;
                rs := span_start; c := k0 - k;
                WHILE c > 0 AND rs > 1 LOOP
                    rs := rs - 1;
                    IF pg_catalog.substr(d.doc, rs, 1) = '(' THEN c := c - 1; END IF;
                END LOOP;
                IF rs >= cursor_at THEN
                    reduced := reduced || pg_catalog.substr(d.doc, cursor_at, rs - cursor_at) || ' #read# ';
                    cursor_at := p;
                END IF;
                CONTINUE;
            END IF;

            -- Phase 2: a hit in a policy or default. A read that is not cast to JSON parses
            -- nothing.
            CONTINUE WHEN frole IS NULL AND jkind IS NULL;
            -- Wrapped: the whole target of a sub-select without FROM, run once per statement.
            wrapped := k = 0
                AND pg_catalog.substr(d.doc, 1, span_start - 1 - pg_catalog.length(lead)) ~* '\(\s*SELECT$'
                AND pg_catalog.substr(d.doc, p, 300) ~* '^\s*(AS\s+("(?:[^"]|"")*"|[^\s()]+)\s*)?\)';
            CONTINUE WHEN wrapped AND NOT verify;
            IF frole = 'sql' THEN
                what := fn_found[b.fidx];
                note := 'reads request.jwt.claims';
            ELSE
                what := base_txt || chain_txt;
                note := NULL;
            END IF;
            IF wrapped THEN
                what := '(SELECT ' || what || ')';
                note := pg_catalog.concat_ws('; ', note,
                    'once per statement, but unverified in verify mode');
            END IF;
            r_kind := r_kind || d.kind;
            r_rel := r_rel || d.relid;
            r_name := r_name || d.objname;
            r_expr := r_expr || d.doc;
            r_found := r_found || (what || coalesce(' (' || note || ')', ''));
            r_sugg := r_sugg || cand;
        END LOOP;

        IF d.phase = 1 THEN
            -- A body that is one claim read (with nullif(…, ''), casts and parentheses) is
            -- replaced by its call, cast to the function's type; any other body gets the calls
            -- for what it reads.
            reduced := pg_catalog.lower(reduced || pg_catalog.substr(d.doc, cursor_at));
            reduced := pg_catalog.regexp_replace(reduced,
                '::\s*[a-z_][a-z0-9_$.]*(\s+varying)?(\s*\([0-9, ]*\))?(\s*\[\s*\])*', '', 'g');
            LOOP
                rest := reduced;
                reduced := pg_catalog.regexp_replace(reduced, '\(\s*#read#\s*\)', ' #read# ', 'g');
                reduced := pg_catalog.regexp_replace(reduced, 'nullif\s*\(\s*#read#\s*,\s*''''\s*\)', ' #read# ', 'g');
                EXIT WHEN reduced = rest;
            END LOOP;
            IF reads = 1 AND d.pronargs = 0 AND NOT d.proretset
               AND (reduced ~ '^\s*(begin\s+atomic\s+)?(select\s+)?#read#(\s+as\s+("[^"]*"|\S+))?\s*;?\s*(end\s*;?)?\s*$'
                    OR reduced ~ '^\s*begin\s+return\s+#read#\s*;\s*end\s*;?\s*$') THEN
                cand := calls[1];
                ctype := CASE WHEN cand LIKE '%::json' THEN 'json'
                              WHEN cand LIKE '%.jwt\_claims()' OR cand LIKE '%.jwt\_claim\_json(%' THEN 'jsonb'
                              WHEN cand LIKE '%::uuid' THEN 'uuid'
                              ELSE 'text' END;
                rtype := pg_catalog.format_type(d.prorettype, NULL);
                IF rtype <> ctype AND NOT (ctype = 'text' AND rtype = 'character varying') THEN
                    cand := cand || '::' || rtype;
                END IF;
            ELSE
                cand := coalesce(pg_catalog.array_to_string(
                            ARRAY(SELECT DISTINCT e FROM pg_catalog.unnest(calls) AS e ORDER BY e), ', '),
                            '')
                        || ' (in the body of ' || d.fn::regprocedure::text || ')';
                IF reads = 0 THEN
                    cand := ext || '.jwt_claims()' || cand;
                END IF;
            END IF;
            fn_oid := fn_oid || d.fn;
            fn_role := fn_role || 'sql'::text;
            fn_found := fn_found || d.fn::regprocedure::text;
            fn_sugg := fn_sugg || cand;
        END IF;
    END LOOP;

    RETURN QUERY
        SELECT h.k, h.r::regclass, h.n, h.e, h.f, h.s
        FROM (SELECT DISTINCT u.k, u.r, u.n, u.e, u.f, u.s
              FROM unnest(r_kind, r_rel, r_name, r_expr, r_found, r_sugg) AS u(k, r, n, e, f, s)) AS h
        ORDER BY h.r::regclass::text, h.k, h.n, h.e, h.f;
END
$advice$;

COMMENT ON FUNCTION jwt_policy_advice() IS
    'RLS policies and column defaults that still read the JWT claims in SQL once per row, each with the compiled call that replaces it: calls of LANGUAGE sql or plpgsql functions whose body reads current_setting(''request.jwt.claims'') (the guide''s requesting_user_id()), current_setting(''request.jwt.claims'')::json or ::jsonb in the expression, and Supabase''s auth.uid(), auth.jwt() (with its -> / ->> path), auth.role(), auth.email(). Tables in pg_catalog, information_schema and the extension''s schema (unless public) are skipped, and those the caller has no privilege on. A call that is the whole of a (SELECT ...) runs once per statement and is listed only in verify mode, where it still trusts claims any role can set. Pattern matching on pg_get_expr text and function bodies: calls through other functions, operators, views or dynamic SQL are not seen, a body that is more than one claim read gets the calls for its claims, and look-alike text in string literals can match. Suggestions follow Clerk''s meaning: pending sessions and empty ids read as NULL, o.id is read only from v2 tokens.';
"#,
    name = "policy_advice",
    // After the functions its suggestions call.
    requires = [
        "requesting_user_id",
        "requesting_session_id",
        "jwt_role",
        "jwt_email",
        "jwt_claims",
        "jwt_claim",
        "jwt_claim_json",
        "requesting_org_id",
        "requesting_org_role",
        "requesting_org_slug",
        "requesting_actor_id",
        "jwt_session_status",
    ],
);
