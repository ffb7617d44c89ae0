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
