-- Runs once, when the regression database is created.
CREATE EXTENSION pg_jwt_claims;
-- expect_error(sql) runs a statement that must fail and shows its SQLSTATE and message,
-- so every file can assert the SQLSTATE, not just the text.
CREATE SCHEMA regress;
CREATE FUNCTION regress.expect_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
GRANT USAGE ON SCHEMA regress TO PUBLIC;

-- The function the Clerk + Supabase guide asks users to create, kept verbatim so that tests
-- can compare requesting_user_id() with it.
CREATE FUNCTION regress.guide_user_id() RETURNS text LANGUAGE sql STABLE AS $$
    select nullif(current_setting('request.jwt.claims', true)::json->>'sub', '')::text
$$;

-- with_settings(settings, expression) evaluates one SQL expression (the answer as text) with
-- the given settings set the PostgREST way, set_config(name, value, true), inside a
-- subtransaction that is rolled back afterwards: one row of a table-driven test never sees
-- another row's settings. A JSON null value resets that setting. An error comes back as
-- 'SQLSTATE: message', as from expect_error.
CREATE FUNCTION regress.with_settings(settings jsonb, expression text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    answer text;
BEGIN
    BEGIN
        PERFORM set_config(key, value, true) FROM jsonb_each_text(settings);
        EXECUTE format('select (%s)::text', expression) INTO answer;
        RAISE EXCEPTION 'undo the settings' USING ERRCODE = 'RGR01';
    EXCEPTION
        WHEN SQLSTATE 'RGR01' THEN NULL;  -- answer keeps its value; the settings are undone
        WHEN OTHERS THEN answer := SQLSTATE || ': ' || SQLERRM;
    END;
    RETURN answer;
END $$;

-- with_claims(claims, expression): with_settings for the usual case, the claims in
-- request.jwt.claims. NULL claims means the setting is not set.
CREATE FUNCTION regress.with_claims(claims text, expression text) RETURNS text
LANGUAGE sql AS $$
    select regress.with_settings(jsonb_build_object('request.jwt.claims', claims), expression)
$$;

-- eval(expression): the value of one SQL expression as text, or its error as
-- 'SQLSTATE: message', so a table of cases can show answers and errors side by side.
CREATE FUNCTION regress.eval(expression text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    answer text;
BEGIN
    EXECUTE format('select (%s)::text', expression) INTO answer;
    RETURN answer;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
