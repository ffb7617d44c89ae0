\echo Use "ALTER EXTENSION pg_jwt_claims UPDATE TO '0.4.0'" to load this file. \quit
-- 0.4.0 names every C function's symbol by one scheme, pg_jwt_claims_<name>. Three had other
-- names: jwt_decode, jwt_sign and jwt_authenticate now point at their new symbols (same
-- signatures, attributes and comments). The library still exports the old symbols for the
-- scripts of earlier releases.
CREATE OR REPLACE FUNCTION jwt_decode(token text) RETURNS TABLE(header jsonb, payload jsonb)
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_decode';
CREATE OR REPLACE FUNCTION jwt_sign(claims jsonb, key text, algorithm text DEFAULT 'HS256') RETURNS text
    LANGUAGE c VOLATILE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_sign';
CREATE OR REPLACE FUNCTION jwt_authenticate(token text) RETURNS jsonb
    LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
    AS 'MODULE_PATHNAME', 'pg_jwt_claims_jwt_authenticate';
