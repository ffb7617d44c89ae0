-- jwt_test_authenticate(): for RLS tests in verify mode, sign and authenticate in one call.
-- Included in the install script by src/functions/testing.rs (extension_sql_file!).
--
-- It runs as its caller, often a superuser running pgTAP tests, so nothing in it may resolve
-- through the caller's search path: an overload such as public.set_config(text, name, boolean)
-- would match more exactly than pg_catalog's and run with the caller's privileges. The SET
-- clause searches only pg_catalog (pg_temp is never searched for functions or operators), and
-- every call and operator is qualified as well, so the body reads the same with or without it.
-- The extension's own functions are called through @extschema@.

CREATE FUNCTION jwt_test_authenticate(claims jsonb, key text, algorithm text DEFAULT 'HS256',
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
