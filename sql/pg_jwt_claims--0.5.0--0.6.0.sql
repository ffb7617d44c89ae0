\echo Use "ALTER EXTENSION pg_jwt_claims UPDATE TO '0.6.0'" to load this file. \quit

-- The SQL-language and PL/pgSQL functions run with SET search_path = pg_catalog, pg_temp and
-- qualify their calls (issue 24, part 1): an overload planted in a schema of the caller's
-- search path, such as public.set_config(text, name, boolean), no longer runs in them.
-- jwt_policy_advice() is also linear in the size of a policy (issue 24, part 4).
-- The definitions are those of sql/testing.sql and sql/advice.sql.

CREATE OR REPLACE FUNCTION jwt_test_authenticate(claims jsonb, key text, algorithm text DEFAULT 'HS256',
                                      role name DEFAULT 'authenticated') RETURNS jsonb
    LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    verified jsonb;
BEGIN
    IF claims IS NULL OR key IS NULL OR algorithm IS NULL THEN
        RAISE EXCEPTION 'jwt_test_authenticate() needs claims, a key and an algorithm'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- A test token lives five minutes unless the claims say otherwise.
    IF pg_catalog.jsonb_typeof(claims) OPERATOR(pg_catalog.=) 'object'
       AND NOT claims OPERATOR(pg_catalog.?) 'exp' THEN
        claims := claims OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('exp',
            pg_catalog.floor(extract(epoch from pg_catalog.statement_timestamp()))::bigint
                OPERATOR(pg_catalog.+) 300);
    END IF;
    verified := @extschema@.jwt_authenticate(@extschema@.jwt_sign(claims, key, algorithm));
    IF role IS NOT NULL THEN
        PERFORM pg_catalog.set_config('role', role::text, true);
    END IF;
    RETURN verified;
END
$$;
COMMENT ON FUNCTION jwt_test_authenticate(jsonb, text, text, name) IS
    'For RLS tests in verify mode: signs claims with key (exp in 5 minutes unless given), authenticates the token with the configured keys, sets the role; all transaction-locally.';

CREATE OR REPLACE FUNCTION jwt_policy_advice()
RETURNS TABLE(kind text, table_name regclass, name text, expression text, found text, suggestion text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL UNSAFE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $advice$
#variable_conflict use_column
DECLARE
    -- The extension's schema, as CREATE EXTENSION quotes it: the prefix of every suggestion.
    ext constant text := $ext$@extschema@$ext$;
    ext_ns constant oid := pg_catalog.to_regnamespace($ext$@extschema@$ext$);
    -- Verify mode: the setting's, or the database's own (a row of jwt_database_mode).
    verify constant boolean :=
        coalesce(pg_catalog.current_setting('pg_jwt_claims.mode', true), '') = 'verify'
        OR EXISTS (SELECT FROM @extschema@.jwt_database_mode);
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
    r_doc int[] := '{}';      -- an index into docs
    docs text[] := '{}';      -- each target's text that has a hit, once
    doc_no int;
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
    first_rs int;
    first_p int;
    c int;
    -- The text in pieces (see below), where each starts, and the 300 characters after each.
    pieces text[];
    pstart int[];
    ahead text[];
    npieces int;
    doc_len int;
    piece_no int;
    pc text;
    pre text;
    hit_at int;
    post text;
    pb int;
    post_len int;
    jj int;
    j int;
    seg text;
    nd_idx int[];
    nd_txt text[];
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
            reads := 0; calls := '{}'; first_rs := NULL; first_p := NULL;
        END IF;

        -- The calls of listed functions this policy or default depends on, as they are written.
        IF d.phase = 2 THEN
            SELECT coalesce(pg_catalog.array_agg(f.idx ORDER BY f.idx), '{}'),
                   coalesce(pg_catalog.array_agg(f.needle ORDER BY f.idx), '{}')
            INTO nd_idx, nd_txt
            FROM (SELECT a.idx, pg_catalog.format('%I.%I(', ns.nspname, pr.proname) AS needle
                  FROM pg_catalog.generate_subscripts(fn_oid, 1) AS a(idx)
                  JOIN pg_catalog.pg_proc pr ON pr.oid = fn_oid[a.idx]
                  JOIN pg_catalog.pg_namespace ns ON ns.oid = pr.pronamespace
                  WHERE fn_oid[a.idx] IN (SELECT dep.refobjid FROM pg_catalog.pg_depend dep
                                          WHERE dep.classid = d.classid AND dep.objid = d.objid
                                            AND dep.refclassid = 'pg_catalog.pg_proc'::regclass)) AS f;
        ELSE
            nd_idx := '{}'; nd_txt := '{}';
        END IF;

        -- The text cut, in one pass of a regular expression, before every place where a claim
        -- read or a call of a listed function may start: each piece but the first starts with
        -- one. In a UTF-8 database substr() counts characters from the start of its text, so
        -- nothing below reads the text by its position in the whole: only the piece of a hit,
        -- the piece before it and the next 300 characters (ahead), which keeps the work linear in
        -- the size of the text (a scan by position is quadratic).
        pieces := ARRAY(
            SELECT t.piece
            FROM pg_catalog.regexp_split_to_table(d.doc,
                     '(?=[Cc][Uu][Rr][Rr][Ee][Nn][Tt]_[Ss][Ee][Tt][Tt][Ii][Nn][Gg]'
                     || coalesce((SELECT pg_catalog.string_agg(
                                             '|' || pg_catalog.regexp_replace(n.needle, '([^[:alnum:]_])', '\\\1', 'g'),
                                             '' ORDER BY n.i)
                                  FROM pg_catalog.unnest(nd_txt) WITH ORDINALITY AS n(needle, i)), '')
                     || ')') WITH ORDINALITY AS t(piece, i)
            ORDER BY t.i);
        npieces := pg_catalog.cardinality(pieces);
        pstart := '{}'; doc_len := 0;
        FOREACH seg IN ARRAY pieces LOOP
            pstart := pstart || (doc_len + 1);
            doc_len := doc_len + pg_catalog.length(seg);
        END LOOP;
        ahead := pg_catalog.array_fill(''::text, ARRAY[npieces]);
        FOR i IN REVERSE npieces - 1 .. 1 LOOP
            ahead[i] := pg_catalog.left(pg_catalog.left(pieces[i + 1], 300) || ahead[i + 1], 300);
        END LOOP;
        doc_no := 0;

        FOR piece_no IN 1 .. npieces LOOP
            pc := pieces[piece_no];
            pre := CASE WHEN piece_no > 1 THEN pieces[piece_no - 1] ELSE '' END;
            -- The claim read or the calls that start this piece, if the character before lets them.
            FOR b IN
                SELECT 'setting'::text AS bkind, NULL::int AS fidx, NULL::text AS needle
                WHERE pg_catalog.lower(pg_catalog.left(pc, 15)) = 'current_setting'
                  AND (pre = '' OR pg_catalog.right(pre, 1) !~ '[[:alnum:]_$".]'
                       OR pg_catalog.lower(pg_catalog.right(pre, 11)) = 'pg_catalog.')
                UNION ALL
                SELECT 'function', nd.idx, nd.needle
                FROM ROWS FROM (pg_catalog.unnest(nd_idx), pg_catalog.unnest(nd_txt)) AS nd(idx, needle)
                WHERE pg_catalog.left(pc, pg_catalog.length(nd.needle)) = nd.needle
                  AND (pre = '' OR pg_catalog.right(pre, 1) !~ '[[:alnum:]_$".]')
            LOOP
                frole := NULL;
                hit_at := pstart[piece_no];
                -- What follows the hit: its piece and the 300 characters after it, moved on below
                -- when a read goes further.
                post := pc || ahead[piece_no]; pb := hit_at; jj := piece_no;
                post_len := pg_catalog.length(post);
                IF b.bkind = 'setting' THEN
                    m := pg_catalog.regexp_match(pg_catalog.left(post, 200),
                        '^(current_setting\s*\(\s*''request\.jwt\.claims''\s*(?:::\s*text\s*)?(?:,\s*(true|false)\s*)?\))', 'i');
                    CONTINUE WHEN m IS NULL;
                    span_start := hit_at;
                    stop := hit_at + pg_catalog.length(m[1]);
                    IF pg_catalog.length(pre) >= 11 AND pg_catalog.lower(pg_catalog.right(pre, 11)) = 'pg_catalog.' THEN
                        span_start := span_start - 11;
                    END IF;
                    base_txt := 'current_setting(''request.jwt.claims''' ||
                                coalesce(', ' || pg_catalog.lower(m[2]), '') || ')';
                    -- nullif(current_setting(…), '') as Supabase writes it.
                    m := pg_catalog.regexp_match(pg_catalog.left(pre, pg_catalog.length(pre) - (hit_at - span_start)),
                                                 '(nullif\s*\(\s*)$', 'i');
                    m2 := pg_catalog.regexp_match(pg_catalog.substr(post, stop - hit_at + 1, 100), '^(\s*,\s*''''\s*(?:::\s*text\s*)?\))', 'i');
                    IF m IS NOT NULL AND m2 IS NOT NULL THEN
                        span_start := span_start - pg_catalog.length(m[1]);
                        stop := stop + pg_catalog.length(m2[1]);
                        base_txt := 'nullif(' || base_txt || ', '''')';
                    END IF;
                    jkind := NULL;  -- a ::json or ::jsonb cast must follow
                ELSE
                    frole := fn_role[b.fidx];
                    span_start := hit_at;
                    -- The end of the call: its closing parenthesis, outside quotes. A run of other
                    -- characters is one token; the call may go on into the pieces after this one.
                    p := hit_at + pg_catalog.length(b.needle);
                    depth := 1; q := NULL; j := piece_no;
                    seg := pg_catalog.substr(pc, pg_catalog.length(b.needle) + 1);
                    <<call>>
                    LOOP
                        FOR ch IN SELECT t[1] FROM pg_catalog.regexp_matches(seg, '([()''"]|[^()''"]+)', 'g') AS t LOOP
                            IF q IS NOT NULL THEN
                                IF ch = q THEN q := NULL; END IF;
                            ELSIF ch IN ('''', '"') THEN q := ch;
                            ELSIF ch = '(' THEN depth := depth + 1;
                            ELSIF ch = ')' THEN depth := depth - 1;
                            END IF;
                            p := p + pg_catalog.length(ch);
                            EXIT call WHEN depth = 0;
                        END LOOP;
                        j := j + 1;
                        EXIT WHEN j > npieces;
                        seg := pieces[j];
                    END LOOP;
                    stop := p;
                    base_txt := fn_found[b.fidx];
                    jkind := CASE WHEN frole = 'auth.jwt' THEN 'jsonb' END;
                END IF;

                -- The parentheses just before the read: a path may continue after they close.
                lead := (pg_catalog.regexp_match(pg_catalog.left(pre, pg_catalog.length(pre) - (hit_at - span_start)),
                                                 '([(\s]*)$'))[1];
                k0 := pg_catalog.length(lead) - pg_catalog.length(pg_catalog.replace(lead, '(', ''));
                k := k0; p := stop; path := '{}'; lastop := NULL; lastcast := NULL; chain_txt := '';
                -- Casts, and path operators when the read gives JSON.
                LOOP
                    IF p + 299 > pb + post_len - 1 AND pb + post_len - 1 < doc_len THEN
                        -- Past what post holds: the piece that p is in, and the 300 after it.
                        WHILE jj < npieces AND pstart[jj + 1] <= p LOOP
                            jj := jj + 1;
                        END LOOP;
                        post := pieces[jj] || ahead[jj]; pb := pstart[jj];
                        post_len := pg_catalog.length(post);
                    END IF;
                    rest := pg_catalog.substr(post, p - pb + 1, 300);
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
                    -- Only a body of one read is reduced (below): keep where the first one starts
                    -- (at the c-th '(' of lead from its end) and ends.
                    IF reads = 1 THEN
                        c := k0 - k;
                        first_rs := span_start - CASE WHEN c > 0 THEN pg_catalog.length(pg_catalog.array_to_string(
                            (pg_catalog.string_to_array(pg_catalog.reverse(lead), '('))[1:c], '(')) + 1 ELSE 0 END;
                        first_p := p;
                    END IF;
                    CONTINUE;
                END IF;

                -- Phase 2: a hit in a policy or default. A read that is not cast to JSON parses
                -- nothing.
                CONTINUE WHEN frole IS NULL AND jkind IS NULL;
                -- Wrapped: the whole target of a sub-select without FROM, run once per statement.
                wrapped := k = 0
                    AND pg_catalog.left(pre, pg_catalog.length(pre) - (hit_at - span_start) - pg_catalog.length(lead))
                        ~* '\(\s*SELECT$'
                    AND rest ~* '^\s*(AS\s+("(?:[^"]|"")*"|[^\s()]+)\s*)?\)';  -- rest: the text at p
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
                IF doc_no = 0 THEN
                    docs := docs || d.doc;
                    doc_no := pg_catalog.cardinality(docs);
                END IF;
                r_doc := r_doc || doc_no;  -- the text once per target, not once per hit
                r_found := r_found || (what || coalesce(' (' || note || ')', ''));
                r_sugg := r_sugg || cand;
            END LOOP;
        END LOOP;

        IF d.phase = 1 THEN
            -- A body that is one claim read (with nullif(…, ''), casts and parentheses) is
            -- replaced by its call, cast to the function's type; any other body gets the calls
            -- for what it reads.
            IF reads = 1 THEN
                reduced := pg_catalog.lower(pg_catalog.substr(d.doc, 1, first_rs - 1) || ' #read# '
                                            || pg_catalog.substr(d.doc, first_p));
                reduced := pg_catalog.regexp_replace(reduced,
                    '::\s*[a-z_][a-z0-9_$.]*(\s+varying)?(\s*\([0-9, ]*\))?(\s*\[\s*\])*', '', 'g');
                LOOP
                    rest := reduced;
                    reduced := pg_catalog.regexp_replace(reduced, '\(\s*#read#\s*\)', ' #read# ', 'g');
                    reduced := pg_catalog.regexp_replace(reduced, 'nullif\s*\(\s*#read#\s*,\s*''''\s*\)', ' #read# ', 'g');
                    EXIT WHEN reduced = rest;
                END LOOP;
            END IF;
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

    -- Each hit once, in the order of the texts: the texts are ranked once (equal texts, such as a
    -- policy's USING and WITH CHECK, share a rank) and the hits are compared by rank, never by
    -- their text, which may be a megabyte and the same for thousands of hits.
    RETURN QUERY
        WITH texts AS (
            SELECT x.i, x.t, pg_catalog.dense_rank() OVER (ORDER BY x.t) AS rk
            FROM pg_catalog.unnest(docs) WITH ORDINALITY AS x(t, i)
        ), ranked AS (
            SELECT DISTINCT ON (tx.rk) tx.rk, tx.t FROM texts tx ORDER BY tx.rk
        ), hits AS (
            SELECT DISTINCT u.k, u.r, u.n, tx.rk, u.f, u.s
            FROM ROWS FROM (pg_catalog.unnest(r_kind), pg_catalog.unnest(r_rel), pg_catalog.unnest(r_name),
                            pg_catalog.unnest(r_doc), pg_catalog.unnest(r_found), pg_catalog.unnest(r_sugg))
                 AS u(k, r, n, e, f, s)
            JOIN texts tx ON tx.i = u.e
        )
        -- The text is fetched after the sort (a sub-select is evaluated above it), not sorted.
        SELECT h.k, h.r::regclass, h.n, (SELECT rt.t FROM ranked rt WHERE rt.rk = h.rk), h.f, h.s
        FROM hits h
        ORDER BY h.r::regclass::text, h.k, h.n, h.rk, h.f;
END
$advice$;

COMMENT ON FUNCTION jwt_policy_advice() IS
    'RLS policies and column defaults that still read the JWT claims in SQL once per row, each with the compiled call that replaces it: calls of LANGUAGE sql or plpgsql functions whose body reads current_setting(''request.jwt.claims'') (the guide''s requesting_user_id()), current_setting(''request.jwt.claims'')::json or ::jsonb in the expression, and Supabase''s auth.uid(), auth.jwt() (with its -> / ->> path), auth.role(), auth.email(). Tables in pg_catalog, information_schema and the extension''s schema (unless public) are skipped, and those the caller has no privilege on. A call that is the whole of a (SELECT ...) runs once per statement and is listed only in verify mode, where it still trusts claims any role can set. Pattern matching on pg_get_expr text and function bodies: calls through other functions, operators, views or dynamic SQL are not seen, a body that is more than one claim read gets the calls for its claims, and look-alike text in string literals can match. Suggestions follow Clerk''s meaning: pending sessions and empty ids read as NULL, o.id is read only from v2 tokens.';

-- The target schema check of CREATE EXTENSION, on the way up too: an install that an earlier
-- release's script put where its owner cannot create objects (pg_catalog, another role's
-- schema) does not update.
DO $install_check$
BEGIN
    IF NOT pg_catalog.has_schema_privilege($role$@extowner@$role$::pg_catalog.regrole,
            $schema$@extschema@$schema$::pg_catalog.regnamespace, 'CREATE') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('permission denied for schema %s', $schema$@extschema@$schema$),
            DETAIL = pg_catalog.format('pg_jwt_claims is installed into the target schema, and role %s cannot create objects there.', $role$@extowner@$role$),
            HINT = 'Install it into a schema where you have CREATE privilege, e.g. CREATE EXTENSION pg_jwt_claims SCHEMA extensions.';
    END IF;
END
$install_check$;

-- The mode the database requires, held by the database: a row 'verify' in jwt_database_mode
-- puts every session in verify mode and is dumped with the extension (pg_dump/pg_restore keep
-- it, where ALTER DATABASE ... SET is lost without --create).
CREATE FUNCTION jwt_database_mode_changed() RETURNS trigger
    LANGUAGE c VOLATILE PARALLEL UNSAFE
    AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_database_mode_changed';
COMMENT ON FUNCTION jwt_database_mode_changed() IS 'Trigger of jwt_database_mode: makes every session read the database''s required mode again after a change.';
CREATE TABLE jwt_database_mode (
    mode text PRIMARY KEY CHECK (mode = 'verify')
);
COMMENT ON TABLE jwt_database_mode IS
    'A row ''verify'' puts every session of this database in verify mode, whatever pg_jwt_claims.mode says; dumped with the extension, so pg_dump and pg_restore keep it.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.jwt_database_mode', '');
GRANT SELECT ON jwt_database_mode TO PUBLIC;
GRANT INSERT, UPDATE, DELETE, TRUNCATE ON jwt_database_mode TO @extowner@;
CREATE TRIGGER jwt_database_mode_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jwt_database_mode
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.jwt_database_mode_changed();
