-- verify_mode: pg_jwt_claims.mode = verify, where identity comes only from a token that
-- verifies now (pg_jwt_claims.token, else the Bearer token of PostgREST's request.headers),
-- never from a claims setting a client can SET. Then the guide's todos scenario in verify
-- mode, as a role subject to RLS, serial and with parallel workers.
\set SHOW_CONTEXT never

-- 0. In trust mode (the default) the claims setting is the identity. Switching the mode takes
--    effect at once, even for a reader that answered before in the same statement (a plpgsql
--    loop calling the same reader).
load 'pg_jwt_claims';
create function pg_temp.answers_while_switching_mode() returns text[] language plpgsql as $$
declare
    answers text[] := '{}';
begin
    perform set_config('request.jwt.claims', '{"sub":"victim"}', true);
    for i in 1..3 loop
        if i = 2 then perform set_config('pg_jwt_claims.mode', 'verify', true); end if;
        if i = 3 then perform set_config('pg_jwt_claims.mode', 'trust', true); end if;
        answers := answers || coalesce(requesting_user_id(), 'NULL');
    end loop;
    return answers;
end $$;
select pg_temp.answers_while_switching_mode() as trust_verify_trust;

-- 1. The superuser configures verify mode with an HMAC secret (in production: a secret file,
--    pg_jwt_claims.secret_file) and a JWK Set holding a kid-named Ed25519 public key. A JWK Set
--    holds public keys only: an HMAC key there would be a secret in a readable place.
select 'mode-secret-7f3a9c1e5b2d8046' as secret, 'attacker-secret' as other_secret,
       'jwks-secret-0d9e8f7a6b5c4d3e' as jwks_secret \gset
set pg_jwt_claims.mode = verify;
set pg_jwt_claims.secret = :'secret';
select '{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"service","x":"OFAxxIjeEGsDRyJo_yjfw2gTBeQLLhoHHSkbLSJVa9k"}]}' as jwks,
       '{"kty":"OKP","crv":"Ed25519","kid":"service","x":"OFAxxIjeEGsDRyJo_yjfw2gTBeQLLhoHHSkbLSJVa9k","d":"N0NE8C1KqgY9lW4h7O3qfYvvFcJwgWWJsaplDthr0Rw"}' as service_jwk
\gset
set pg_jwt_claims.jwks = :'jwks';

select jwt_sign('{"sub":"user_alice","sid":"sess_alice","exp":4102444800,"v":2,"o":{"id":"org_1","rol":"admin"}}', :'secret') as alice_token,
       jwt_sign('{"sub":"user_bob","sid":"sess_bob","exp":4102444800}', :'secret') as bob_token,
       jwt_sign('{"sub":"service_job","exp":4102444800}', :'service_jwk', 'EdDSA') as service_token,
       jwt_sign('{"sub":"victim","exp":4102444800}', :'other_secret') as forged_token,
       jwt_sign('{"sub":"victim","exp":1700000000}', :'secret') as expired_token,
       jwt_sign('{"sub":"victim","exp":4102444800,"sts":"pending"}', :'secret') as pending_token
\gset
select split_part(:'alice_token', '.', 1) || '.'
           || translate(encode(convert_to('{"sub":"victim","exp":4102444800}', 'utf8'), 'base64'), E'+/=\n', '-_')
           || '.' || split_part(:'alice_token', '.', 3) as altered_token,
       translate(encode(convert_to('{"alg":"none"}', 'utf8'), 'base64'), E'+/=\n', '-_') || '.'
           || translate(encode(convert_to('{"sub":"victim"}', 'utf8'), 'base64'), E'+/=\n', '-_') || '.' as unsigned_token
\gset

-- answer(expression): the expression's value as text ('NULL' for NULL), or 'SQLSTATE: message'.
create function pg_temp.answer(expression text) returns text language plpgsql as $$
declare
    result text := regress.expect_error(format('select (%s)', expression));
begin
    if result = 'no error' then
        execute format('select coalesce((%s)::text, ''NULL'')', expression) into result;
    end if;
    return result;
end $$;
-- answer_with(setting, value, expression): answer(expression) with the setting set to value
-- for that call only.
create function pg_temp.answer_with(setting text, value text, expression text) returns text
language plpgsql as $$
declare
    saved text := coalesce(current_setting(setting, true), '');
    result text;
begin
    perform set_config(setting, value, true);
    result := pg_temp.answer(expression);
    perform set_config(setting, saved, true);
    return result;
end $$;

create role regress_verify_client nologin;
set role regress_verify_client;

-- 2. As a client role: the mode is visible, and a claims setting is not an identity.
show pg_jwt_claims.mode;
set request.jwt.claims = '{"sub":"victim","o":{"id":"org_1","rol":"admin"}}';
select requesting_user_id() is null as no_user, jwt_claims() is null as no_claims,
       requesting_org_id() is null as no_org, jwt_has_org_role('admin') as admin;
-- (The guide's SQL function still reads the raw setting: policies must use the extension's
-- functions for verify mode to protect anything.)
select regress.guide_user_id() as guide_function;
set request.jwt.claims = 'not even JSON';
select requesting_user_id() is null as no_user_no_error;
reset request.jwt.claims;
-- Nor are the per-claim settings of PostgREST before 9 and PostGraphile.
set request.jwt.claim.sub = 'victim';
set jwt.claims.sub = 'victim';
select requesting_user_id() is null as no_user, jwt_claim('sub') is null as no_sub_claim;
reset request.jwt.claim.sub;
reset jwt.claims.sub;

-- 3. pg_jwt_claims.token: any role may set it; only a token that verifies with the configured
--    keys gives an identity. Every other token raises, so a policy never sees 'victim'.
select n, what, pg_temp.answer_with('pg_jwt_claims.token', token, 'requesting_user_id()') as requesting_user_id
from (values
    (1, 'no token', ''),
    (2, 'valid, signed with pg_jwt_claims.secret', :'alice_token'),
    (3, 'valid, signed with a key of pg_jwt_claims.jwks', :'service_token'),
    (4, 'forged: signed with another secret', :'forged_token'),
    (5, 'altered: payload swapped, signature kept', :'altered_token'),
    (6, 'expired', :'expired_token'),
    (7, 'unsigned (alg none)', :'unsigned_token'),
    (8, 'malformed', 'victim'),
    (9, 'valid, but a pending Clerk session (signed out)', :'pending_token')
) as cases(n, what, token)
order by n;
-- Every reader answers from the verified token, and raises for a token that fails.
set pg_jwt_claims.token = :'alice_token';
select requesting_user_id(), requesting_session_id(), requesting_org_id(), jwt_has_org_role('admin') as admin,
       jwt_claim('sub') as sub_claim;
set pg_jwt_claims.token = :'forged_token';
select n, regress.expect_error('select ' || expression) as error
from (values (1, 'requesting_user_id()'), (2, 'jwt_claims()'), (3, 'jwt_claim(''sub'')'),
             (4, 'requesting_org_id()'), (5, 'jwt_has_org_role(''admin'')')) as cases(n, expression)
order by n;
-- A token verified with keys of the caller's choosing is not an identity: jwt_verify with the
-- attacker's own secret succeeds (and is cached), the same token as pg_jwt_claims.token fails.
select jwt_verify(:'forged_token', :'other_secret') ->> 'sub' as verified_with_own_key;
select regress.expect_error('select requesting_user_id()') as as_identity;
reset pg_jwt_claims.token;
select requesting_user_id() is null as no_token_no_user;

-- 4. jwt_authenticate(token): verifies with the configured keys and keeps the token for the
--    rest of the transaction only.
begin;
select jwt_authenticate(:'alice_token') ->> 'sub' as authenticated;
select requesting_user_id(), current_setting('pg_jwt_claims.token') = :'alice_token' as token_kept;
commit;
select requesting_user_id() is null as gone_after_commit;
begin;
select jwt_authenticate(:'bob_token') ->> 'sub' as authenticated;
select requesting_user_id();
rollback;
select requesting_user_id() is null as gone_after_rollback;
-- Outside a transaction block it lasts for its own statement only.
select jwt_authenticate(:'alice_token') ->> 'sub' as authenticated;
select requesting_user_id() is null as gone_after_statement;
-- A token that fails raises, and leaves the identity as it was.
begin;
select jwt_authenticate(:'alice_token') ->> 'sub' as authenticated;
select n, regress.expect_error(format('select jwt_authenticate(%L)', token)) as error
from (values (1, :'forged_token'), (2, :'altered_token'), (3, :'expired_token'), (4, :'unsigned_token'),
             (5, 'victim')) as cases(n, token)
order by n;
select requesting_user_id() as still;
-- A savepoint rolled back undoes an authentication made inside it.
savepoint before_bob;
select jwt_authenticate(:'bob_token') ->> 'sub' as authenticated;
select requesting_user_id() as inside_savepoint;
rollback to savepoint before_bob;
select requesting_user_id() as after_rollback_to;
rollback;
select jwt_authenticate(NULL) is null as null_token;

-- 5. PostgREST passes the request's headers as request.headers (JSON, names in lower case):
--    its Bearer token is used when pg_jwt_claims.token is empty.
select n, what, pg_temp.answer_with('request.headers', headers, 'requesting_user_id()') as requesting_user_id
from (values
    (1, 'Bearer token', json_build_object('authorization', 'Bearer ' || :'alice_token')::text),
    (2, 'bearer, extra spaces', json_build_object('authorization', '  bearer   ' || :'bob_token' || ' ')::text),
    (3, 'among other headers', json_build_object('accept', '*/*', 'authorization', 'Bearer ' || :'bob_token',
                                                 'user-agent', 'curl')::text),
    (4, 'Basic credentials', '{"authorization":"Basic dXNlcjpwYXNz"}'),
    (5, 'Bearer without token', '{"authorization":"Bearer "}'),
    (6, 'no authorization header', '{"accept":"*/*"}'),
    (7, 'header name not lower case', json_build_object('Authorization', 'Bearer ' || :'alice_token')::text),
    (8, 'empty', ''),
    (9, 'forged Bearer token', json_build_object('authorization', 'Bearer ' || :'forged_token')::text),
    (10, 'expired Bearer token', json_build_object('authorization', 'Bearer ' || :'expired_token')::text),
    (11, 'headers not JSON', '{authorization: Bearer'),
    (12, 'headers a JSON array', '["authorization"]')
) as cases(n, what, headers)
order by n;
-- pg_jwt_claims.token wins over request.headers, whether it verifies or not.
begin;
select set_config('request.headers', json_build_object('authorization', 'Bearer ' || :'alice_token')::text, true)
    is not null as headers_set;
select requesting_user_id() as from_headers;
select jwt_authenticate(:'bob_token') ->> 'sub' as authenticated;
select requesting_user_id() as token_wins;
set local pg_jwt_claims.token = :'forged_token';
select regress.expect_error('select requesting_user_id()') as bad_token_wins;
rollback;

-- Identity is judged at each statement's start, never carried over from an earlier one: a
-- token that expires during a transaction stops counting at the next statement (one statement
-- keeps one answer), and so does a session-level token between two transactions.
reset role;
set pg_jwt_claims.leeway = 0;
begin;
select jwt_sign(jsonb_build_object('sub', 'user_alice', 'exp', floor(extract(epoch from statement_timestamp()))::bigint + 1),
                :'secret') as short_token
\gset
set pg_jwt_claims.token = :'short_token';
select requesting_user_id() as at_start;
select pg_sleep(1.2);
select regexp_replace(regress.expect_error('select requesting_user_id()'),
                      '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>') as later_in_the_same_transaction;
commit;
select regexp_replace(regress.expect_error('select requesting_user_id()'),
                      '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>') as next_transaction;
reset pg_jwt_claims.token;
reset pg_jwt_claims.leeway;
-- A new secret (key rotation by the superuser) turns away tokens signed with the old one, even
-- those verified before; without keys, a token raises 55000 and no token is still NULL.
set pg_jwt_claims.token = :'alice_token';
select requesting_user_id() as before_rotation;
begin;
set local pg_jwt_claims.secret = 'rotated-secret';
select regress.expect_error('select requesting_user_id()') as after_rotation;
rollback;
select requesting_user_id() as rotation_rolled_back;
reset pg_jwt_claims.token;
begin;
set local pg_jwt_claims.secret = '';
set local pg_jwt_claims.jwks = '';
select requesting_user_id() is null as no_token_no_keys;
set local pg_jwt_claims.token = :'alice_token';
select regress.expect_error('select requesting_user_id()') as token_no_keys;
rollback;
set role regress_verify_client;

-- 6. The client cannot change the configuration (42501 for SET, set_config and RESET) ...
select name,
       regress.expect_error(format('set %s = %L', name, value)) as "set",
       regress.expect_error(format('select set_config(%L, %L, true)', name, value)) as "set_config",
       regress.expect_error(format('reset %s', name)) as "reset"
from (values
    ('pg_jwt_claims.mode', 'trust'),
    ('pg_jwt_claims.secret', 'attacker-secret'),
    ('pg_jwt_claims.jwks', '{"keys":[]}'),
    ('pg_jwt_claims.issuer', 'https://evil.example.com'),
    ('pg_jwt_claims.audience', 'evil'),
    ('pg_jwt_claims.authorized_parties', 'https://evil.example.com'),
    ('pg_jwt_claims.algorithms', 'HS256'),
    ('pg_jwt_claims.leeway', '86400'),
    ('pg_jwt_claims.claims_setting', 'app.claims'),
    ('pg_jwt_claims.pending_session', 'allow')
) as settings(name, value)
order by name;
show pg_jwt_claims.mode;

-- ... nor read the keys. SHOW and current_setting() raise 42501 (the wording differs between
-- PostgreSQL versions, so only the SQLSTATE is shown), pg_settings has no row for them, and no
-- message contains the key material.
select name, what, left(error, 5) as sqlstate,
       strpos(error, :'secret') = 0 and strpos(error, :'jwks_secret') = 0
           and strpos(error, 'kty') = 0 as no_key_material
from (values ('pg_jwt_claims.secret'), ('pg_jwt_claims.jwks')) as settings(name),
     lateral (values
        (1, 'show', regress.expect_error(format('show %s', name))),
        (2, 'current_setting', regress.expect_error(format('select current_setting(%L)', name))),
        (3, 'current_setting missing_ok', regress.expect_error(format('select current_setting(%L, true)', name)))
     ) as attempts(n, what, error)
order by name, n;
select count(*) as key_rows_in_pg_settings
from pg_settings where name in ('pg_jwt_claims.secret', 'pg_jwt_claims.jwks');
select name from pg_settings where name like 'pg_jwt_claims.%' order by name;
reset role;

-- 7. The guide's todos, in verify mode: the owner's table, policies on requesting_user_id(),
--    requests made as the role authenticated.
select not exists (select from pg_roles where rolname = 'authenticated') as create_authenticated \gset
\if :create_authenticated
create role authenticated nologin;
\endif
create table verify_todos (
    id bigint generated by default as identity primary key,
    user_id text not null default requesting_user_id(),
    task text not null
);
alter table verify_todos enable row level security;
create policy todos_select on verify_todos for select to authenticated using (requesting_user_id() = user_id);
create policy todos_insert on verify_todos for insert to authenticated with check (requesting_user_id() = user_id);
create policy todos_update on verify_todos for update to authenticated
    using (requesting_user_id() = user_id) with check (requesting_user_id() = user_id);
create policy todos_delete on verify_todos for delete to authenticated using (requesting_user_id() = user_id);
grant select, insert, update, delete on verify_todos to authenticated;
set role authenticated;

-- Alice authenticates her token, Bob's token comes in request.headers.
begin;
select jwt_authenticate(:'alice_token') ->> 'sub' as alice;
insert into verify_todos (task) values ('alice: buy milk'), ('alice: call the bank');
select user_id, task from verify_todos order by id;
commit;
begin;
select set_config('request.headers', json_build_object('authorization', 'Bearer ' || :'bob_token')::text, true)
    is not null as headers_set;
insert into verify_todos (task) values ('bob: fix the bike');
select user_id, task from verify_todos order by id;
commit;
-- The other way round: Alice through request.headers, Bob through jwt_authenticate.
begin;
select set_config('request.headers', json_build_object('authorization', 'Bearer ' || :'alice_token')::text, true)
    is not null as headers_set;
insert into verify_todos (task) values ('alice: water the plants');
select user_id, task from verify_todos order by id;
commit;
begin;
select jwt_authenticate(:'bob_token') ->> 'sub' as bob;
insert into verify_todos (task) values ('bob: pay rent');
select user_id, task from verify_todos order by id;
-- Bob cannot touch Alice's rows, nor write one in her name.
update verify_todos set task = 'hacked' where user_id = 'user_alice';
delete from verify_todos where user_id = 'user_alice';
select regress.expect_error('insert into verify_todos (user_id, task) values (''user_alice'', ''from bob'')') as insert_as_alice;
update verify_todos set task = 'bob: pay rent today' where task = 'bob: pay rent';
commit;
-- Claiming Alice's sub through request.jwt.claims gives nothing: no rows, and no insert
-- (user_id's default is NULL, which the insert policy rejects before NOT NULL would).
set request.jwt.claims = '{"sub":"user_alice"}';
select count(*) as rows_seen from verify_todos;
select regress.expect_error('insert into verify_todos (task) values (''as alice'')') as insert_without_identity;
select regress.expect_error('insert into verify_todos (user_id, task) values (''user_alice'', ''as alice'')') as insert_as_alice;
-- ... nor alongside Bob's valid token.
begin;
select jwt_authenticate(:'bob_token') ->> 'sub' as bob;
select user_id, task from verify_todos order by id;
commit;
reset request.jwt.claims;
-- A forged token in the headers fails the request.
begin;
select set_config('request.headers', json_build_object('authorization', 'Bearer ' || :'forged_token')::text, true)
    is not null as headers_set;
select regress.expect_error('select count(*) from verify_todos') as forged_request;
rollback;
reset role;
select user_id, task from verify_todos order by id;

-- 8. Parallel workers receive the leader's settings and reach the same identity: the RLS count
--    with workers forced equals the serial one.
insert into verify_todos (user_id, task)
select case when g % 3 = 0 then 'user_alice' else 'user_bob' end, 'bulk ' || g
from generate_series(1, 3000) as g;
analyze verify_todos;
-- plan_lines(pattern, query): the lines of EXPLAIN ANALYZE that match pattern; row counts
-- without the decimals PostgreSQL 18 prints, and none for nodes that several processes ran
-- (their per-process average depends on how the work was shared).
create function pg_temp.plan_lines(pattern text, query text) returns setof text language plpgsql as $$
declare
    line text;
begin
    for line in execute 'explain (analyze, buffers off, costs off, timing off, summary off) ' || query loop
        if line ~ pattern then
            line := regexp_replace(line, '(rows=\d+)\.\d+', '\1');
            return next regexp_replace(line, ' \(actual rows=\d+ loops=[2-9]\)', '');
        end if;
    end loop;
end $$;
set role authenticated;
begin;
select jwt_authenticate(:'alice_token') ->> 'sub' as alice;
set local max_parallel_workers_per_gather = 0;
select count(*) as serial_count from verify_todos \gset
select :serial_count as serial_count;
-- One worker runs the whole plan (Single Copy): every row it keeps, it judged itself.
set local max_parallel_workers_per_gather = 2;
select set_config(case when current_setting('server_version_num')::int >= 160000
                       then 'debug_parallel_query' else 'force_parallel_mode' end, 'on', true);
select * from pg_temp.plan_lines('Gather|Workers|Single Copy|Seq Scan|Filter', 'select count(*) from verify_todos');
select count(*) = :serial_count as single_worker_equals_serial from verify_todos;
-- Two workers and the leader share a parallel scan.
set local parallel_setup_cost = 0;
set local parallel_tuple_cost = 0;
set local min_parallel_table_scan_size = 0;
select * from pg_temp.plan_lines('Workers|Parallel Seq Scan on|Filter: \(', 'select count(*) from verify_todos');
select count(*) = :serial_count as parallel_equals_serial from verify_todos;
commit;
-- The same with the token in request.headers (read by name in a worker).
begin;
select set_config('request.headers', json_build_object('authorization', 'Bearer ' || :'alice_token')::text, true)
    is not null as headers_set;
select set_config(case when current_setting('server_version_num')::int >= 160000
                       then 'debug_parallel_query' else 'force_parallel_mode' end, 'on', true);
select * from pg_temp.plan_lines('Workers Launched|Seq Scan', 'select count(*) from verify_todos');
set local parallel_setup_cost = 0;
set local parallel_tuple_cost = 0;
set local min_parallel_table_scan_size = 0;
select * from pg_temp.plan_lines('Workers Launched', 'select count(*) from verify_todos');
select count(*) = :serial_count as parallel_equals_serial from verify_todos;
commit;
-- A forged token fails in the workers as in the leader.
begin;
set local pg_jwt_claims.token = :'forged_token';
select set_config(case when current_setting('server_version_num')::int >= 160000
                       then 'debug_parallel_query' else 'force_parallel_mode' end, 'on', true);
select regress.expect_error('select count(*) from verify_todos') as forged_in_worker;
rollback;
reset role;

-- 9. What a preloaded library would rule out: in a new session the library is not loaded yet,
--    so its settings are placeholders that any role may SET. When the library loads, each value
--    is checked against the role that set it and the client's are refused with a warning. Any
--    such refusal fails closed: for the rest of the session every reader raises 42501, and
--    never answers from what the refusal left. (scripts/security-test.sh attacks the same way
--    over real connections, with and without preloading.)
create role regress_verify_login login;
alter role regress_verify_login set pg_jwt_claims.mode = 'verify';
alter role regress_verify_login set pg_jwt_claims.secret = :'secret';
\c - regress_verify_login
set pg_jwt_claims.mode = 'trust';
set pg_jwt_claims.secret = :'other_secret';
set request.jwt.claims = '{"sub":"victim"}';
set pg_jwt_claims.token = :'forged_token';
select jwt_sign('{}', 'any') is not null as library_loaded;
show pg_jwt_claims.mode;
select regress.expect_error('select requesting_user_id()') as forged_token;
set pg_jwt_claims.token = :'alice_token';
select requesting_user_id() as configured_secret;
\c - postgres

-- 10. pg_jwt_claims.jwks holds public keys only: a URL (or any other text) pasted there is
--     refused when used, an oct JWK when set (22023), never used as an HMAC secret anyone
--     could sign with (security_keys.sql tests every kind of private key material).
begin;
set local pg_jwt_claims.mode = verify;
set local pg_jwt_claims.secret = '';
select 'https://example.clerk.accounts.dev/.well-known/jwks.json' as url \gset
set local pg_jwt_claims.jwks = :'url';
set local pg_jwt_claims.token = :'forged_token';
select regress.expect_error(format('select jwt_verify(%L)', jwt_sign('{"sub":"victim","exp":4102444800}', :'url'))) as url_in_jwks,
       regress.expect_error('select requesting_user_id()') as url_in_jwks_verify_mode;
select regress.expect_error($$set local pg_jwt_claims.jwks = '{"keys":[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}]}'$$) as oct_in_jwks;
rollback;

-- 11. The secret in a file only the server can read (pg_jwt_claims.secret_file): one trailing
--     newline is ignored; a file with group or world access, a missing file, or both secret
--     settings at once are refused (F0000, F0000, 22023); a rotated file is read again at the
--     next statement. A relative path is relative to the data directory (where the server
--     runs the programs below, with its umask of 0077).
begin;
copy (select :'secret') to program 'cat > pg_jwt_claims_regress_secret';
set local pg_jwt_claims.mode = verify;
set local pg_jwt_claims.secret = '';
set local pg_jwt_claims.jwks = '';
set local pg_jwt_claims.secret_file = 'pg_jwt_claims_regress_secret';
set local pg_jwt_claims.token = :'alice_token';
select requesting_user_id() as from_secret_file;
set local pg_jwt_claims.secret = :'secret';
select regress.expect_error('select requesting_user_id()') as both_settings;
set local pg_jwt_claims.secret = '';
copy (select :'other_secret') to program 'cat > pg_jwt_claims_regress_secret';
select regress.expect_error('select requesting_user_id()') as rotated_file;
set local pg_jwt_claims.token = :'forged_token';
select requesting_user_id() as signed_with_rotated_secret;
copy (select :'secret') to program 'cat > pg_jwt_claims_regress_secret && chmod 644 pg_jwt_claims_regress_secret';
select regress.expect_error('select requesting_user_id()') as world_readable;
set local pg_jwt_claims.secret_file = 'pg_jwt_claims_no_such_file';
select regress.expect_error('select requesting_user_id()') as missing_file;
rollback;
copy (select 1) to program 'rm -f pg_jwt_claims_regress_secret';

drop table verify_todos;
drop role regress_verify_client;
drop role regress_verify_login;
\if :create_authenticated
drop role authenticated;
\endif
