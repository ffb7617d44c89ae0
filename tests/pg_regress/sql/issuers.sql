-- issuers: pg_jwt_claims.issuers declares several issuers; a token's iss chooses the issuer,
-- whose keys and rules alone verify it. Here without shared_preload_libraries, so only static
-- keys work, and an issuer whose keys are fetched names the fix (the key worker, its fetches,
-- refetches and failures are tested against a local HTTPS issuer by scripts/issuers-test.sh).
\set SHOW_CONTEXT never
\set VERBOSITY default
load 'pg_jwt_claims';

-- 1. The setting is checked when set: a fault is refused (22023) with the reason, naming the
--    issuer and member, and the previous value stays.
\set VERBOSITY sqlstate
set pg_jwt_claims.issuers = '{"issuer": "https://a.example"}';
\set VERBOSITY default
set pg_jwt_claims.issuers = '{"issuer": "https://a.example"}';
set pg_jwt_claims.issuers = '[{"iss": "https://a.example"}]';
set pg_jwt_claims.issuers = '[{"issuer": "https://a.example"}, {"issuer": "https://a.example"}]';
set pg_jwt_claims.issuers = '[{"issuer": "https://a.example", "jwks_uri": "http://a.example/jwks"}]';
set pg_jwt_claims.issuers = '[{"issuer": "https://a.example", "jwks_uri": "https://u:p@a.example/jwks"}]';
set pg_jwt_claims.issuers = '[{"issuer": "not-a-url"}]';
set pg_jwt_claims.issuers = '[{"issuer": "https://a.example", "algorithms": ["none"]}]';
set pg_jwt_claims.issuers = '[{"issuer": "https://a.example", "jwks_uri": "https://a.example/k", "jwks": "x"}]';
\set VERBOSITY default
show pg_jwt_claims.issuers;

-- 2. Three issuers: two with static keys (Ed25519, RFC 8037 A.1 and a second key; a JWK Set as
--    a JSON object, a JWK as text) and one whose keys are discovered (they need the key worker).
select '{"kty":"OKP","crv":"Ed25519","kid":"one","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}' as one_private,
       '{"kty":"OKP","crv":"Ed25519","kid":"two","x":"OFAxxIjeEGsDRyJo_yjfw2gTBeQLLhoHHSkbLSJVa9k","d":"N0NE8C1KqgY9lW4h7O3qfYvvFcJwgWWJsaplDthr0Rw"}' as two_private \gset
set pg_jwt_claims.issuers = '[
  {"issuer": "https://one.example", "audience": "app", "leeway": 0,
   "jwks": {"keys": [{"kty":"OKP","crv":"Ed25519","kid":"one","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}},
  {"issuer": "https://two.example", "required_claims": ["exp", "sub"],
   "jwks": "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"two\",\"x\":\"OFAxxIjeEGsDRyJo_yjfw2gTBeQLLhoHHSkbLSJVa9k\"}"},
  {"issuer": "https://fetched.example"}]';
select issuer, key_source, discovery_uri, keys, generation, last_error, verified, refused
from jwt_issuers();

-- 3. Each issuer's token verifies with its keys and rules; an issuer's rules are its own.
select jwt_verify(jwt_sign('{"iss": "https://one.example", "sub": "user_one", "aud": "app", "exp": 4102444800}', :'one_private', 'EdDSA')) ->> 'sub' as one;
select jwt_verify(jwt_sign('{"iss": "https://two.example", "sub": "user_two", "exp": 4102444800}', :'two_private', 'EdDSA')) ->> 'sub' as two;
select jwt_verify(jwt_sign('{"iss": "https://one.example", "sub": "x", "aud": "other", "exp": 4102444800}', :'one_private', 'EdDSA'));
select jwt_verify(jwt_sign('{"iss": "https://two.example", "exp": 4102444800}', :'two_private', 'EdDSA'));
-- Issuer one allows no clock skew; two has pg_jwt_claims.leeway (5 s): a token expired 3 s ago.
create function pg_temp.outcome(token text) returns text language plpgsql as $$
begin
    perform jwt_verify(token);
    return 'verified';
exception when others then
    return sqlstate || ': ' || regexp_replace(sqlerrm, '\d{4}-\d\d-\d\dT[0-9:]+Z', '<time>');
end $$;
select pg_temp.outcome(jwt_sign(jsonb_build_object('iss', 'https://one.example', 'sub', 'x', 'aud', 'app',
    'exp', extract(epoch from now())::bigint - 3), :'one_private', 'EdDSA')) as one_expired_3s_ago;
select pg_temp.outcome(jwt_sign(jsonb_build_object('iss', 'https://two.example', 'sub', 'x',
    'exp', extract(epoch from now())::bigint - 3), :'two_private', 'EdDSA')) as two_expired_3s_ago;

-- 4. A token claiming issuer one signed with issuer two's key (its kid unknown to one, or the
--    kid renamed to one's): refused. An iss nobody declared, or none, is refused (28000) when
--    the single-issuer settings hold no keys.
select jwt_verify(jwt_sign('{"iss": "https://one.example", "sub": "mallory", "aud": "app", "exp": 4102444800}', :'two_private', 'EdDSA'));
select jwt_verify(jwt_sign('{"iss": "https://one.example", "sub": "mallory", "aud": "app", "exp": 4102444800}',
                           replace(:'two_private', '"kid":"two"', '"kid":"one"'), 'EdDSA'));
select jwt_verify(jwt_sign('{"iss": "https://nobody.example", "exp": 4102444800}', :'one_private', 'EdDSA'));
select jwt_verify(jwt_sign('{"sub": "x", "exp": 4102444800}', :'one_private', 'EdDSA'));
select issuer, verified, refused from jwt_issuers() where key_source = 'static';
-- A token verified with keys given to jwt_verify is verified again through its issuer when no
-- keys are given, and the other way round (the verified-token cache keeps them apart).
select jwt_sign('{"iss": "https://one.example", "sub": "user_one", "aud": "app", "exp": 4102444800}', :'one_private', 'EdDSA') as one_token \gset
select jwt_verify(:'one_token', '{"kty":"OKP","crv":"Ed25519","kid":"one","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}') ->> 'sub' as given,
       jwt_verify(:'one_token') ->> 'sub' as declared;
select jwt_verify(:'one_token', 'some-other-secret-0123456789abcdef');

-- 5. The single-issuer settings are the default issuer: a token whose iss is not declared
--    verifies with them, under their rules, and a declared iss never falls back to them.
set pg_jwt_claims.secret = 'default-issuer-secret-0123456789';
select jwt_verify(jwt_sign('{"iss": "https://legacy.example", "sub": "user_legacy", "exp": 4102444800}', 'default-issuer-secret-0123456789')) ->> 'sub' as legacy;
select jwt_verify(jwt_sign('{"iss": "https://one.example", "sub": "mallory", "aud": "app", "exp": 4102444800}', 'default-issuer-secret-0123456789'));
select issuer, key_source, keys from jwt_issuers() where key_source = 'settings';
reset pg_jwt_claims.secret;

-- 6. Keys fetched by the key worker need shared_preload_libraries: the error names the fix.
\set VERBOSITY verbose
select jwt_verify(jwt_sign('{"iss": "https://fetched.example", "exp": 4102444800}', :'one_private', 'EdDSA'));
select jwt_refresh_keys('https://fetched.example');
select jwt_refresh_keys('https://one.example');
select jwt_refresh_keys('https://nobody.example');
\set VERBOSITY default

-- 7. A key id holding NUL (a JWK may say "\u0000"; jsonb cannot hold it) is shown without it.
set pg_jwt_claims.issuers = '[{"issuer": "https://nul.example", "jwks": "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\\u0000b\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"}]';
select issuer, keys from jwt_issuers();

-- 8. Only superusers configure issuers and refresh keys; every role may read jwt_issuers().
create role issuers_plain;
set role issuers_plain;
set pg_jwt_claims.issuers = '[]';
select jwt_refresh_keys('https://fetched.example');
select count(*) from jwt_issuers();
reset role;
drop role issuers_plain;
reset pg_jwt_claims.issuers;
select count(*) from jwt_issuers();
