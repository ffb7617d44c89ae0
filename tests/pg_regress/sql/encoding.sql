-- In a SQL_ASCII database, text can hold bytes that are not UTF-8. Every function that reads
-- such text (an argument, the claims, a token, a key or a validation setting) answers 22021,
-- never an internal error and never as if the value were unset, and the session carries on.
\set SHOW_CONTEXT never
drop database if exists pg_jwt_claims_ascii;
create database pg_jwt_claims_ascii encoding 'SQL_ASCII' template template0 lc_collate 'C' lc_ctype 'C';
\c pg_jwt_claims_ascii
create extension pg_jwt_claims;
-- The fixed tokens below carry no exp.
set pg_jwt_claims.required_claims = '';
create function pg_temp.state(sql text) returns text language plpgsql as $$
begin execute sql; return 'ok';
exception when others then return sqlstate;
end $$;
select n, what, pg_temp.state(sql) as sqlstate
from (values
    (1, 'claims not UTF-8', $q$select set_config('request.jwt.claims', E'{"sub":"\xff"}', true), requesting_user_id()$q$),
    (2, 'a Clerk helper argument', $q$select jwt_has_permission(E'org:inv:\xff')$q$),
    (3, 'a path element', $q$select set_config('request.jwt.claims', '{"sub":"u"}', true), jwt_claim(E'\xff')$q$),
    (4, 'jwt_decode token', $q$select * from jwt_decode(E'\xff.\xff.\xff')$q$),
    (5, 'jwt_verify token', $q$select jwt_verify(E'\xff', 'secret')$q$),
    (6, 'jwt_verify key', $q$select jwt_verify(jwt_sign('{"a":1}', 'k'), E'\xff')$q$),
    (7, 'jwt_sign key', $q$select jwt_sign('{"a":1}', E'\xff')$q$),
    (8, 'jwt_sign claims', $q$select jwt_sign(E'{"a":"\xff"}', 'k')$q$),
    (9, 'jwt_sign algorithm', $q$select jwt_sign('{"a":1}', 'k', E'HS\xff')$q$),
    (10, 'jwt_authenticate token', $q$select jwt_authenticate(E'\xff')$q$),
    (11, 'ASCII works', $q$select jwt_verify(jwt_sign('{"sub":"u","exp":4102444800}', 'k'), 'k')$q$),
    (12, 'a legacy claim setting', $q$select set_config('request.jwt.claims', '', true), set_config('request.jwt.claim.sub', E'\xff', true), requesting_user_id()$q$),
    (13, 'verify mode token', $q$select set_config('pg_jwt_claims.mode', 'verify', true), set_config('pg_jwt_claims.secret', 'k', true), set_config('pg_jwt_claims.token', E'\xff', true), requesting_user_id()$q$),
    (14, 'verify mode headers', $q$select set_config('pg_jwt_claims.mode', 'verify', true), set_config('request.headers', E'{"authorization":"Bearer \xff"}', true), requesting_user_id()$q$),
    (15, 'an issuer setting', $q$select set_config('pg_jwt_claims.issuer', E'https://\xff', true), jwt_verify(jwt_sign('{"sub":"u","exp":4102444800}', 'k'), 'k')$q$)
) as cases(n, what, sql)
order by n;
-- Claims with a \u escape beyond ASCII ({"sub":"\u00e9t\u00e9","n":1.5}): jwt_verify refuses
-- them exactly as jsonb_in refuses the same text here (the SQLSTATE depends on the version).
select pg_temp.state($q$select jwt_verify('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJcdTAwZTl0XHUwMGU5IiwibiI6MS41fQ.k8SMOOtm9Gy5NoNA_JMjMv2gqCDxnuVHS8HIYgsyXz8', 'k')$q$)
       = pg_temp.state($q$select '{"sub":"\u00e9t\u00e9","n":1.5}'::jsonb$q$) as refused_as_jsonb_in_refuses,
       pg_temp.state($q$select '{"sub":"\u00e9t\u00e9","n":1.5}'::jsonb$q$) <> 'ok' as jsonb_in_refuses;
select 'alive' as backend;
\c postgres
drop database pg_jwt_claims_ascii;

-- In a LATIN1 database, jwt_verify's jsonb is what jsonb_in makes of the claims: \u escapes
-- become LATIN1 characters. The token's claims are {"sub":"\u00e9t\u00e9","n":1.5}.
drop database if exists pg_jwt_claims_latin1;
create database pg_jwt_claims_latin1 encoding 'LATIN1' template template0 lc_collate 'C' lc_ctype 'C';
\c pg_jwt_claims_latin1
create extension pg_jwt_claims;
-- The fixed tokens below carry no exp.
set pg_jwt_claims.required_claims = '';
set client_encoding = 'UTF8';
select claims, claims = '{"sub":"\u00e9t\u00e9","n":1.5}'::jsonb as same_as_jsonb_in,
       claims ->> 'sub' = 'été' as sub_is_ete, length(claims ->> 'sub') as sub_length
from (select jwt_verify('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJcdTAwZTl0XHUwMGU5IiwibiI6MS41fQ.k8SMOOtm9Gy5NoNA_JMjMv2gqCDxnuVHS8HIYgsyXz8', 'k') as claims) v;
\c postgres
drop database pg_jwt_claims_latin1;
