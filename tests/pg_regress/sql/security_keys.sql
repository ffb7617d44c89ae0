-- security_keys: settings are not secrets. Every role can read pg_jwt_claims.issuers (and any
-- setting in its placeholder before the library loads), pg_db_role_setting and pg_proc hold
-- ALTER DATABASE/ROLE and function SET values for every role to read, and the server log gets
-- every changed value of the configuration files on reload. So private key material is
-- refused in pg_jwt_claims.jwks and pg_jwt_claims.issuers when set (22023, naming what was
-- found, never quoting the value), and pg_jwt_claims.secret is accepted only from SET in a
-- session. The keys argument of jwt_verify() is the caller's own and may hold a secret.
\set SHOW_CONTEXT never
\set VERBOSITY default
load 'pg_jwt_claims';

-- What a refused SET says: SQLSTATE and the first sentence of its detail (what was found).
create function pg_temp.refusal(sql text) returns text language plpgsql as $$
declare
    detail text;
begin
    execute sql;
    return 'accepted';
exception when others then
    get stacked diagnostics detail = pg_exception_detail;
    return sqlstate || ': ' || split_part(detail, '. ', 1);
end $$;

-- 1. pg_jwt_claims.jwks: private JWK members, symmetric keys and private PEM blocks are refused;
--    public keys are accepted. (The Ed25519 key is RFC 8037 A.1's.)
select 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' as d,
       '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' as x \gset
select n, what, pg_temp.refusal(format('set pg_jwt_claims.jwks = %L', material)) as outcome,
       strpos(pg_temp.refusal(format('set pg_jwt_claims.jwks = %L', material)), :'d') = 0 as value_not_shown
from (values
    (1, 'public OKP JWK', format('{"kty":"OKP","crv":"Ed25519","x":"%s"}', :'x')),
    (2, 'private OKP JWK', format('{"kty":"OKP","crv":"Ed25519","x":"%s","d":"%s"}', :'x', :'d')),
    (3, 'private RSA JWK in a set', '{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","p":"AQAB","q":"AQAB","dp":"AQAB","dq":"AQAB","qi":"AQAB"}]}'),
    (4, 'private EC JWK', '{"kty":"EC","crv":"P-256","x":"AQAB","y":"AQAB","d":"AQAB"}'),
    (5, 'oct JWK', '{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}'),
    (6, 'oct JWK in a set', format('{"keys":[{"kty":"OKP","crv":"Ed25519","x":"%s"},{"kty":"oct","k":"c2VjcmV0"}]}', :'x')),
    (7, 'invalid JSON with "d"', format('{"kty":"OKP","x":"%s","d": "%s"', :'x', :'d')),
    (8, 'PEM public key', E'-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
    (9, 'PEM PRIVATE KEY', format(E'-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----', :'d')),
    (10, 'PEM RSA PRIVATE KEY', E'-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----'),
    (11, 'PEM EC PRIVATE KEY', E'-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----'),
    (12, 'PEM ENCRYPTED PRIVATE KEY', E'-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----'),
    (13, 'PEM OPENSSH PRIVATE KEY after a public key', E'-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----')
) as cases(n, what, material)
order by n;
-- The whole refusal: it says why and what to do, and never quotes the value.
set pg_jwt_claims.jwks = '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}';
show pg_jwt_claims.jwks;
reset pg_jwt_claims.jwks;

-- 2. pg_jwt_claims.issuers, which every role can SHOW: an issuer's static jwks, as an object or
--    as text, is held to the same rule; a public one is accepted.
select n, what, pg_temp.refusal(format('set pg_jwt_claims.issuers = %L', issuers)) as outcome
from (values
    (1, 'public jwks object', format('[{"issuer":"https://a.example","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"%s"}]}}]', :'x')),
    (2, 'private jwks object', format('[{"issuer":"https://a.example","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"%s","d":"%s"}]}}]', :'x', :'d')),
    (3, 'private JWK as text', format('[{"issuer":"https://a.example","jwks":"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"d\":\"%s\"}"}]', :'x', :'d')),
    (4, 'oct JWK as text', '[{"issuer":"https://a.example","jwks":"{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"}]'),
    (5, 'PEM private key as text', '[{"issuer":"https://a.example","jwks":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}]'),
    (6, 'a secret file', '[{"issuer":"https://a.example","secret_file":"/etc/postgresql/hs256.key"}]')
) as cases(n, what, issuers)
order by n;
set pg_jwt_claims.issuers = '[{"issuer":"https://a.example","jwks":{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}}]';
show pg_jwt_claims.issuers;
reset pg_jwt_claims.issuers;

-- 3. The keys argument of jwt_verify() is the caller's own: a secret or a private JWK there is
--    still accepted.
select jwt_verify(jwt_sign('{"sub":"user_hmac","exp":4102444800}', 'caller-secret'), 'caller-secret') ->> 'sub' as with_secret,
       jwt_verify(jwt_sign('{"sub":"user_oct","exp":4102444800}', 'caller-secret'),
                  '{"kty":"oct","k":"Y2FsbGVyLXNlY3JldA"}') ->> 'sub' as with_oct_jwk;
select jwt_verify(jwt_sign('{"sub":"user_okp","exp":4102444800}', format('{"kty":"OKP","crv":"Ed25519","x":"%s","d":"%s"}', :'x', :'d'), 'EdDSA'),
                  format('{"kty":"OKP","crv":"Ed25519","x":"%s","d":"%s"}', :'x', :'d')) ->> 'sub' as with_private_jwk;

-- 4. pg_jwt_claims.secret only from SET in a session (a superuser's, as every pg_jwt_claims
--    setting): ALTER SYSTEM (the configuration files, logged on reload), ALTER DATABASE/ROLE
--    (pg_db_role_setting) and a function's SET clause (pg_proc) are refused; an empty value is
--    accepted anywhere, and RESET works.
begin;
set local pg_jwt_claims.secret = 'session-secret-0123456789';
select jwt_verify(jwt_sign('{"sub":"user_session","exp":4102444800}', 'session-secret-0123456789')) ->> 'sub' as session_secret;
rollback;
select n, what, pg_temp.refusal(statement) as outcome
from (values
    (1, 'SET', $$set pg_jwt_claims.secret = 'session-secret-0123456789'$$),
    (2, 'set_config', $$select set_config('pg_jwt_claims.secret', 'session-secret-0123456789', true)$$),
    (3, 'ALTER ROLE', $$alter role current_user set pg_jwt_claims.secret = 'role-secret-0123456789'$$),
    (4, 'ALTER ROLE IN DATABASE', format($$alter role current_user in database %I set pg_jwt_claims.secret = 'role-secret-0123456789'$$, current_database())),
    (5, 'ALTER DATABASE', format($$alter database %I set pg_jwt_claims.secret = 'database-secret-0123456789'$$, current_database())),
    (6, 'function SET clause', $$create function pg_temp.f() returns int language sql set pg_jwt_claims.secret = 'function-secret-0123456789' as 'select 1'$$),
    (7, 'ALTER ROLE, empty', $$alter role current_user set pg_jwt_claims.secret = ''$$)
) as cases(n, what, statement)
order by n;
alter role current_user reset pg_jwt_claims.secret;
reset pg_jwt_claims.secret;
select count(*) as secrets_in_catalogs
from pg_db_role_setting, unnest(setconfig) as setting
where setting like 'pg_jwt_claims.secret=_%';
alter system set pg_jwt_claims.secret = 'file-secret-0123456789';
alter system reset pg_jwt_claims.secret;
