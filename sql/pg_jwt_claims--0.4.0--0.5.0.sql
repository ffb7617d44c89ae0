\echo Use "ALTER EXTENSION pg_jwt_claims UPDATE TO '0.5.0'" to load this file. \quit
-- 0.5.0 declares several issuers (pg_jwt_claims.issuers) whose keys a background worker
-- fetches: jwt_issuers() shows them, jwt_refresh_keys() makes the worker fetch one now
-- (superuser-only unless granted).
CREATE FUNCTION jwt_issuers() RETURNS TABLE(issuer text, key_source text, discovery_uri text, jwks_uri text, keys jsonb, generation bigint, fetched_at timestamptz, expires_at timestamptz, last_attempt_at timestamptz, last_error text, fetches bigint, refetches bigint, failures bigint, verified bigint, refused jsonb)
    LANGUAGE c VOLATILE PARALLEL RESTRICTED
    AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_issuers';
COMMENT ON FUNCTION jwt_issuers() IS 'The declared issuers: their URLs, key ids and algorithms, the key worker''s fetches and last error, and verification outcomes.';
CREATE FUNCTION jwt_refresh_keys(issuer text) RETURNS boolean
    LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
    AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_refresh_keys';
COMMENT ON FUNCTION jwt_refresh_keys(text) IS 'Makes the key worker fetch a declared issuer''s keys now and waits for it; superuser-only unless granted.';
REVOKE EXECUTE ON FUNCTION jwt_refresh_keys(text) FROM PUBLIC;
