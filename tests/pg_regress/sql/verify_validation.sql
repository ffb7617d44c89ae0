-- verify_validation: the claim checks jwt_verify (and verify mode) applies after the signature,
-- and the settings that configure them: pg_jwt_claims.leeway, issuer, audience,
-- authorized_parties and algorithms. An empty setting turns its check off.
--
-- Time claims are judged against the start of the current statement (statement_timestamp()),
-- so the tokens here carry times computed from it in the same statement; no output depends on
-- the clock.
\set SHOW_CONTEXT never

-- verdict(claims[, alg]) signs the claims with a test secret and verifies them with the same
-- secret: 'no error', or 'SQLSTATE: message' with any timestamp in the message masked.
create function pg_temp.verdict(claims jsonb, alg text default 'HS256') returns text language sql as $$
    select regexp_replace(
        regress.expect_error(format('select jwt_verify(%L, %L)',
                                    jwt_sign(claims, 'validation-secret', alg), 'validation-secret')),
        '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>')
$$;
-- now_s(): the statement's start in whole Unix seconds, as the extension reads it.
create function pg_temp.now_s() returns bigint language sql stable as $$
    select floor(extract(epoch from statement_timestamp()))::bigint
$$;

-- The defaults are Clerk's: 5 seconds of leeway, exp required, typ absent or JWT. (The settings
-- exist once the library is loaded, which any of its functions does.) Section 8 shows them.
load 'pg_jwt_claims';
show pg_jwt_claims.leeway;
show pg_jwt_claims.required_claims;
show pg_jwt_claims.token_types;

-- 1. Time claims with a leeway of 30 seconds (PostgREST's) and no required claim.
set pg_jwt_claims.leeway = 30;
set pg_jwt_claims.required_claims = '';
with cases(n, what, claims) as (values
    (1, 'no time claims', '{}'::jsonb),
    (2, 'exp in a minute', jsonb_build_object('exp', pg_temp.now_s() + 60)),
    (3, 'exp 10 s ago (within leeway)', jsonb_build_object('exp', pg_temp.now_s() - 10)),
    (4, 'exp 29 s ago', jsonb_build_object('exp', pg_temp.now_s() - 29)),
    (5, 'exp 30 s ago', jsonb_build_object('exp', pg_temp.now_s() - 30)),
    (6, 'exp 60 s ago', jsonb_build_object('exp', pg_temp.now_s() - 60)),
    (7, 'nbf 30 s ahead', jsonb_build_object('nbf', pg_temp.now_s() + 30)),
    (8, 'nbf 31 s ahead', jsonb_build_object('nbf', pg_temp.now_s() + 31)),
    (9, 'nbf an hour ahead', jsonb_build_object('nbf', pg_temp.now_s() + 3600)),
    (10, 'iat 10 s ahead', jsonb_build_object('iat', pg_temp.now_s() + 10)),
    (11, 'iat a minute ahead', jsonb_build_object('iat', pg_temp.now_s() + 60)),
    (12, 'iat, nbf in the past, exp ahead', jsonb_build_object('iat', pg_temp.now_s() - 5,
                                             'nbf', pg_temp.now_s() - 5, 'exp', pg_temp.now_s() + 5))
)
select n, what, pg_temp.verdict(claims) as verdict from cases order by n;
-- Fixed times show the whole message.
select n, regress.expect_error(format('select jwt_verify(%L, %L)', jwt_sign(claims::jsonb, 'validation-secret'),
                                      'validation-secret')) as error
from (values (1, '{"exp":1700000000}'), (2, '{"nbf":4102444800}'), (3, '{"iat":4102444800.75}')) as cases(n, claims)
order by n;

-- Time claims must be JSON numbers (fractions allowed): anything else is rejected, whatever
-- the settings.
select n, claims, pg_temp.verdict(claims::jsonb) as verdict
from (values
    (1, '{"exp":"4102444800"}'),
    (2, '{"exp":null}'),
    (3, '{"exp":[4102444800]}'),
    (4, '{"nbf":true}'),
    (5, '{"iat":"yesterday"}'),
    (6, '{"exp":4102444800.5}'),
    (7, '{"iss":42}'),
    (8, '{"sub":7}'),
    (9, '{"aud":{"api":true}}'),
    (10, '{"aud":["api",1]}')
) as cases(n, claims)
order by n;

-- 2. pg_jwt_claims.leeway: 0 makes the checks exact; units are accepted; 0 to 86400 seconds.
set pg_jwt_claims.leeway = 0;
with cases(n, what, claims) as (values
    (1, 'exp now', jsonb_build_object('exp', pg_temp.now_s())),
    (2, 'exp in a second', jsonb_build_object('exp', pg_temp.now_s() + 1)),
    (3, 'exp 10 s ago', jsonb_build_object('exp', pg_temp.now_s() - 10)),
    (4, 'nbf now', jsonb_build_object('nbf', pg_temp.now_s())),
    (5, 'nbf in a second', jsonb_build_object('nbf', pg_temp.now_s() + 1)),
    (6, 'iat now', jsonb_build_object('iat', pg_temp.now_s())),
    (7, 'iat in a second', jsonb_build_object('iat', pg_temp.now_s() + 1))
)
select n, what, pg_temp.verdict(claims) as verdict from cases order by n;
set pg_jwt_claims.leeway = '2min';
show pg_jwt_claims.leeway;
select pg_temp.verdict(jsonb_build_object('exp', pg_temp.now_s() - 60)) as exp_60_s_ago,
       pg_temp.verdict(jsonb_build_object('exp', pg_temp.now_s() - 120)) as exp_120_s_ago,
       pg_temp.verdict(jsonb_build_object('nbf', pg_temp.now_s() + 120)) as nbf_120_s_ahead;
-- (The valid range that follows is printed differently by PostgreSQL 15 and 18: cut off.)
select n, regexp_replace(regress.expect_error(statement), ' \(0 .*\)$', '') as error
from (values (1, 'set pg_jwt_claims.leeway = -1'),
             (2, 'set pg_jwt_claims.leeway = 86401'),
             (3, 'set pg_jwt_claims.leeway = ''soon''')) as cases(n, statement)
order by n;
show pg_jwt_claims.leeway;
reset pg_jwt_claims.leeway;
show pg_jwt_claims.leeway;

-- A token is judged at its statement's start, so one statement sees one answer, and a token
-- that expires during a long transaction stops counting at the next statement. A verified token
-- that is cached is judged again in each statement: it expires exactly when an uncached one
-- would.
set pg_jwt_claims.leeway = 0;
begin;
select jwt_sign(jsonb_build_object('sub', 'user_2abc', 'exp', pg_temp.now_s() + 1), 'validation-secret') as short_token
\gset
select jwt_verify(:'short_token', 'validation-secret') ->> 'sub' as at_start;
select pg_sleep(1.2);
select regexp_replace(regress.expect_error(format('select jwt_verify(%L, %L)', :'short_token', 'validation-secret')),
                      '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>') as same_transaction_later;
commit;
select regexp_replace(regress.expect_error(format('select jwt_verify(%L, %L)', :'short_token', 'validation-secret')),
                      '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>') as next_transaction;
reset pg_jwt_claims.leeway;

-- 3. pg_jwt_claims.issuer: iss must equal it exactly.
set pg_jwt_claims.issuer = 'https://clerk.example.com';
select n, claims, pg_temp.verdict(claims::jsonb) as verdict
from (values
    (1, '{"iss":"https://clerk.example.com"}'),
    (2, '{"iss":"https://clerk.example.com/"}'),
    (3, '{"iss":"https://evil.example.com"}'),
    (4, '{"sub":"user_2abc"}')
) as cases(n, claims)
order by n;
-- The setting is trimmed; empty turns the check off.
set pg_jwt_claims.issuer = '  https://clerk.example.com ';
select pg_temp.verdict('{"iss":"https://clerk.example.com"}') as trimmed_setting;
set pg_jwt_claims.issuer = '';
select pg_temp.verdict('{"iss":"https://evil.example.com"}') as empty_issuer, pg_temp.verdict('{}') as empty_no_iss;
reset pg_jwt_claims.issuer;

-- 4. pg_jwt_claims.audience: a comma-separated list; aud (a string or an array of strings)
--    passes when any of its values is listed.
set pg_jwt_claims.audience = 'api';
select n, claims, pg_temp.verdict(claims::jsonb) as verdict
from (values
    (1, '{"aud":"api"}'),
    (2, '{"aud":["web","api"]}'),
    (3, '{"aud":"web"}'),
    (4, '{"aud":["web","mobile"]}'),
    (5, '{"aud":[]}'),
    (6, '{"aud":"API"}'),
    (7, '{"sub":"user_2abc"}')
) as cases(n, claims)
order by n;
set pg_jwt_claims.audience = 'api, web';
select n, claims, pg_temp.verdict(claims::jsonb) as verdict
from (values
    (1, '{"aud":"api"}'),
    (2, '{"aud":"web"}'),
    (3, '{"aud":["mobile","web"]}'),
    (4, '{"aud":"api, web"}'),
    (5, '{"aud":"mobile"}')
) as cases(n, claims)
order by n;
set pg_jwt_claims.audience = '';
select pg_temp.verdict('{"aud":"anything"}') as empty_audience, pg_temp.verdict('{}') as empty_no_aud;
reset pg_jwt_claims.audience;

-- 5. pg_jwt_claims.authorized_parties: Clerk's azp, the origin the token was made for.
set pg_jwt_claims.authorized_parties = 'https://app.example.com,https://admin.example.com';
select n, claims, pg_temp.verdict(claims::jsonb) as verdict
from (values
    (1, '{"azp":"https://app.example.com"}'),
    (2, '{"azp":"https://admin.example.com"}'),
    (3, '{"azp":"https://evil.example.com"}'),
    (4, '{"azp":"https://app.example.com/"}'),
    (5, '{"azp":["https://app.example.com"]}'),
    (6, '{"sub":"user_2abc"}')
) as cases(n, claims)
order by n;
set pg_jwt_claims.authorized_parties = '';
select pg_temp.verdict('{"azp":"https://evil.example.com"}') as unchecked_azp,
       pg_temp.verdict('{"azp":1}') as unchecked_non_string_azp;
reset pg_jwt_claims.authorized_parties;

-- 6. pg_jwt_claims.algorithms: an allow-list of JOSE names (exact, case-sensitive).
--    alg "none" is never accepted, even when listed.
select jwt_sign('{}', 'validation-secret', 'HS256') as hs256_token,
       jwt_sign('{}', 'validation-secret', 'HS384') as hs384_token,
       translate(encode(convert_to('{"alg":"none"}', 'utf8'), 'base64'), '+/=', '-_') || '.'
           || translate(encode(convert_to('{"sub":"admin"}', 'utf8'), 'base64'), '+/=', '-_') || '.' as none_token
\gset
-- with_algorithms(setting, token): the token's verdict with pg_jwt_claims.algorithms set to
-- setting for that call only.
create function pg_temp.with_algorithms(setting text, token text) returns text language plpgsql as $$
declare
    saved text := current_setting('pg_jwt_claims.algorithms');
    answer text;
begin
    perform set_config('pg_jwt_claims.algorithms', setting, true);
    answer := regress.expect_error(format('select jwt_verify(%L, %L)', token, 'validation-secret'));
    perform set_config('pg_jwt_claims.algorithms', saved, true);
    return answer;
end $$;
select n, algorithms,
       pg_temp.with_algorithms(algorithms, :'hs256_token') as hs256,
       pg_temp.with_algorithms(algorithms, :'hs384_token') as hs384,
       pg_temp.with_algorithms(algorithms, :'none_token') as alg_none
from (values
    (1, ''),
    (2, 'HS256'),
    (3, 'HS256, HS384'),
    (4, 'RS256'),
    (5, 'hs256'),
    (6, 'none,HS256')
) as settings(n, algorithms)
order by n;
show pg_jwt_claims.algorithms;

-- 7. Settings changes take effect at once, also for a token verified (and cached) before,
--    and transaction-local ones end with the transaction.
select jwt_sign('{"sub":"user_2abc","iss":"https://clerk.example.com","aud":"api","exp":4102444800}',
                'validation-secret') as token
\gset
select jwt_verify(:'token', 'validation-secret') ->> 'sub' as no_checks;
set pg_jwt_claims.issuer = 'https://other.example.com';
select regress.expect_error(format('select jwt_verify(%L, %L)', :'token', 'validation-secret')) as other_issuer;
begin;
set local pg_jwt_claims.issuer = 'https://clerk.example.com';
select jwt_verify(:'token', 'validation-secret') ->> 'sub' as right_issuer_in_transaction;
set local pg_jwt_claims.audience = 'web';
select regress.expect_error(format('select jwt_verify(%L, %L)', :'token', 'validation-secret')) as wrong_audience;
rollback;
select regress.expect_error(format('select jwt_verify(%L, %L)', :'token', 'validation-secret')) as other_issuer_again;
reset pg_jwt_claims.issuer;
select jwt_verify(:'token', 'validation-secret') ->> 'sub' as no_checks_again;

-- The checks apply to the configured keys as well.
begin;
set local pg_jwt_claims.secret = 'validation-secret';
set local pg_jwt_claims.audience = 'web';
select regress.expect_error(format('select jwt_verify(%L)', :'token')) as configured_wrong_audience;
set local pg_jwt_claims.audience = 'api';
select jwt_verify(:'token') ->> 'sub' as configured_right_audience;
rollback;

-- 8. Clerk's verifyToken rules are the defaults: exp required, 5 seconds of clock skew, and a
--    fraction of a second in exp, nbf or iat dropped toward zero first (exp 0.9 s from now has
--    expired). sub is optional by default (Supabase's anon key has none); a Clerk set-up
--    requires it. (typ is checked too: absent or exactly JWT; see the unit tests and
--    tests/clerk-sdk, which sign headers these functions cannot.)
reset pg_jwt_claims.leeway;
reset pg_jwt_claims.required_claims;
with cases(n, what, claims) as (values
    (1, 'no exp', jsonb_build_object('sub', 'user_1')),
    (2, 'exp in a minute, no sub', jsonb_build_object('exp', pg_temp.now_s() + 60)),
    (3, 'exp 4 s ago (within 5 s)', jsonb_build_object('exp', pg_temp.now_s() - 4)),
    (4, 'exp 5 s ago', jsonb_build_object('exp', pg_temp.now_s() - 5)),
    (5, 'exp 4.99 s ago: 5 once truncated', jsonb_build_object('exp', pg_temp.now_s() - 5 + 0.99)),
    (6, 'nbf 5.99 s ahead: 5 once truncated', jsonb_build_object('exp', pg_temp.now_s() + 60, 'nbf', pg_temp.now_s() + 5.99)),
    (7, 'nbf 6 s ahead', jsonb_build_object('exp', pg_temp.now_s() + 60, 'nbf', pg_temp.now_s() + 6)),
    (8, 'iat 5.5 s ahead', jsonb_build_object('exp', pg_temp.now_s() + 60, 'iat', pg_temp.now_s() + 5.5)),
    (9, 'exp a string', jsonb_build_object('exp', (pg_temp.now_s() + 60)::text))
)
select n, what, pg_temp.verdict(claims) as verdict from cases order by n;
set pg_jwt_claims.required_claims = 'exp, sub';
select n, what, pg_temp.verdict(claims) as verdict_requiring_sub from (values
    (1, 'exp and sub', jsonb_build_object('exp', pg_temp.now_s() + 60, 'sub', 'user_1')),
    (2, 'exp, sub empty', jsonb_build_object('exp', pg_temp.now_s() + 60, 'sub', '')),
    (3, 'exp, no sub', jsonb_build_object('exp', pg_temp.now_s() + 60)),
    (4, 'exp, sub a number', jsonb_build_object('exp', pg_temp.now_s() + 60, 'sub', 5))
) as cases(n, what, claims) order by n;
reset pg_jwt_claims.required_claims;
