-- claim_sources: where the claim readers find the claims, and how exactly they follow the
-- settings as transactions commit, roll back and nest.
--
-- PostgREST 9+ (and so Supabase) runs each request in a transaction that starts with
--     select set_config('request.jwt.claims', '<the JWT claims as JSON>', true);
-- The Clerk + Supabase guide then reads them with a SQL function:
--     nullif(current_setting('request.jwt.claims', true)::json->>'sub', '')::text
-- (created by setup.sql as regress.guide_user_id()). requesting_user_id() must give the same
-- answer, at every moment, whatever it cached before.
\set SHOW_CONTEXT never
\pset null '(null)'

-- 1. A fresh session, before anything has loaded the library: the setting does not exist,
--    and the guide's function answers NULL.
select current_setting('request.jwt.claims', true) is null as setting_absent,
       regress.guide_user_id() is null as guide_answers_null;
-- Calling any reader loads the library.
select requesting_user_id() is null as ours_answers_null;
-- Loading the library must not change what other code reads from the setting: the guide's
-- function (still used by existing policies and column defaults) keeps answering NULL.
select current_setting('request.jwt.claims', true) is null as setting_still_absent;
select regress.guide_user_id() is null as guide_still_answers_null;

-- 2. PostgREST's way: transaction-local claims, gone at COMMIT and at ROLLBACK.
begin;
select set_config('request.jwt.claims',
                  '{"sub":"user_2abc","role":"authenticated","sid":"sess_2xyz"}', true) is not null as claims_set;
select requesting_user_id(), requesting_session_id(), jwt_role();
commit;
select requesting_user_id() is null as null_after_commit,
       current_setting('request.jwt.claims', true) as setting_after_commit;

begin;
select set_config('request.jwt.claims', '{"sub":"user_rolled_back"}', true) is not null as claims_set;
select requesting_user_id();
rollback;
select requesting_user_id() is null as null_after_rollback;

-- 3. Unset and '' both mean "no claims": every reader answers NULL (or false), never an error.
with cases(n, claims) as (values
    (1, null),
    (2, '')
)
select n, coalesce(quote_literal(claims), '(not set)') as claims,
       regress.with_claims(claims, 'requesting_user_id()') as requesting_user_id,
       regress.with_claims(claims, 'jwt_claims()') as jwt_claims,
       regress.with_claims(claims, 'jwt_claim(''sub'')') as jwt_claim_sub,
       regress.with_claims(claims, 'requesting_org_id()') as requesting_org_id,
       regress.with_claims(claims, 'jwt_has_org_role(''admin'')') as has_admin
from cases order by n;

-- 4. Session-level values (SET) under transaction-local ones, and RESET.
set request.jwt.claims = '{"sub":"user_session"}';
select requesting_user_id() as session_level;
begin;
set local request.jwt.claims = '{"sub":"user_local"}';
select requesting_user_id() as local_over_session;
commit;
select requesting_user_id() as session_value_again;
begin;
reset request.jwt.claims;
select requesting_user_id() is null as null_after_reset_in_transaction;
rollback;
select requesting_user_id() as reset_rolled_back;
reset request.jwt.claims;
select requesting_user_id() is null as null_after_reset;
-- What a connection pooler runs between clients: RESET ALL, DISCARD ALL.
set request.jwt.claims = '{"sub":"user_previous_client"}';
select requesting_user_id() as previous_client;
reset all;
select requesting_user_id() is null as null_after_reset_all;
set request.jwt.claims = '{"sub":"user_previous_client"}';
select requesting_user_id() as previous_client;
discard all;
select requesting_user_id() is null as null_after_discard_all;

-- 5. Subtransactions: ROLLBACK TO SAVEPOINT restores the claims of the savepoint,
--    RELEASE keeps the inner ones, and a plpgsql exception block undoes its own.
begin;
select set_config('request.jwt.claims', '{"sub":"user_a"}', true) is not null as claims_set;
savepoint before_b;
select set_config('request.jwt.claims', '{"sub":"user_b"}', true) is not null as claims_set;
select requesting_user_id() as inside_savepoint;
rollback to savepoint before_b;
select requesting_user_id() as after_rollback_to;
savepoint before_c;
select set_config('request.jwt.claims', '{"sub":"user_c"}', true) is not null as claims_set;
release savepoint before_c;
select requesting_user_id() as after_release;
do $$
begin
    perform set_config('request.jwt.claims', '{"sub":"user_in_block"}', true);
    if requesting_user_id() is distinct from 'user_in_block' then
        raise exception 'the block did not see its own claims';
    end if;
    raise exception 'fail the block';
exception when raise_exception then
    null;
end $$;
select requesting_user_id() as after_failed_block;
rollback;
select requesting_user_id() is null as null_after_rollback;

-- 6. A plpgsql loop that changes the claims between calls. The assignment keeps one call site
--    of requesting_user_id() for the whole loop; every call must see the claims of its step.
create temp table seen (step int, claims text, user_id text);
do $$
declare
    claims text[] := array[
        '{"sub":"user_a"}', '{"sub":"user_b"}', '{"sub":""}', '{"email":"x@example.com"}',
        '{"sub":"user_a"}', null, '{"sub":"user_c","sts":"pending"}', '{"sub":"user_c"}',
        '{"sub":"user_b"}'];
    who text;
begin
    for i in 1 .. array_length(claims, 1) loop
        perform set_config('request.jwt.claims', claims[i], true);
        who := requesting_user_id();
        insert into seen values (i, coalesce(claims[i], '(reset)'), who);
    end loop;
end $$;
select step, claims, user_id from seen order by step;
select requesting_user_id() is null as null_after_the_loop;

-- 7. set_config() and the readers in one statement: each call sees the claims as they are
--    when it runs, in target-list order and row by row.
select requesting_user_id() as before_set,
       set_config('request.jwt.claims', '{"sub":"user_same_statement"}', true) is not null as set,
       requesting_user_id() as after_set;
-- (A materialized CTE keeps each row's expressions together: with a plain ORDER BY the planner
-- would run the volatile set_config() after the sort, and so after every reader had run.)
with per_row as materialized (
    select i, set_config('request.jwt.claims', format('{"sub":"user_%s"}', i), true) as claims,
           requesting_user_id(), jwt_claim('sub') as jwt_claim_sub,
           regress.guide_user_id() as guide
    from generate_series(1, 3) i)
select * from per_row order by i;
select count(*) as rows, bool_and(user_id = format('user_%s', i)) as every_row_saw_its_own
from (select i, set_config('request.jwt.claims', format('{"sub":"user_%s"}', i), true) as claims,
             requesting_user_id() as user_id
      from generate_series(1, 10000) i) per_row;

-- 8. A function with its own claims (a SET clause) sees them; its caller gets its own back.
create schema claim_sources;
create function claim_sources.as_service() returns text language sql
    set request.jwt.claims = '{"sub":"service_worker"}'
    as $$ select requesting_user_id() $$;
begin;
select set_config('request.jwt.claims', '{"sub":"user_caller"}', true) is not null as claims_set;
select requesting_user_id() as caller, claim_sources.as_service() as inside, requesting_user_id() as caller_again;
rollback;

-- 9. The legacy per-claim settings: request.jwt.claim.<name> (PostgREST < 9) and then
--    jwt.claims.<name> (PostGraphile), read only while request.jwt.claims is unset or ''.
with cases(n, name, main, pgrst8, postgraphile, expected) as (values
    (1, 'the main setting', '{"sub":"user_main"}', null, null, 'user_main'),
    (2, 'PostgREST < 9', null, 'user_pgrst8', null, 'user_pgrst8'),
    (3, 'PostGraphile', null, null, 'user_pgraphile', 'user_pgraphile'),
    (4, 'both legacy: request.jwt.claim wins', null, 'user_pgrst8', 'user_pgraphile', 'user_pgrst8'),
    (5, 'legacy '''' falls through', null, '', 'user_pgraphile', 'user_pgraphile'),
    (6, 'main wins over legacy', '{"sub":"user_main"}', 'user_pgrst8', 'user_pgraphile', 'user_main'),
    (7, 'main '''': legacy read', '', 'user_pgrst8', null, 'user_pgrst8'),
    (8, 'main {}: legacy ignored', '{}', 'user_pgrst8', 'user_pgraphile', null),
    (9, 'main without sub: legacy ignored', '{"role":"anon"}', 'user_pgrst8', null, null),
    (10, 'legacy numeric sub', null, '42', null, '42'),
    -- Text with white space around a number is a string claim, never that number: the user
    -- ' 42' is not the user '42'. 'null' is the string, as no gateway writes a null claim.
    (11, 'legacy padded number is itself', null, ' 42', null, ' 42'),
    (12, 'legacy trailing space is itself', null, null, '42 ', '42 '),
    (13, 'legacy newline is itself', null, E'\n42', null, E'\n42'),
    (14, 'legacy null is the string null', null, 'null', null, 'null'),
    (15, 'legacy number notation kept', null, null, '1e3', '1e3'),
    (16, 'legacy +1 is a string', null, '+1', null, '+1')
)
select n, name, got, got is not distinct from expected as ok
from cases,
     lateral (select regress.with_settings(jsonb_build_object(
                  'request.jwt.claims', main, 'request.jwt.claim.sub', pgrst8,
                  'jwt.claims.sub', postgraphile), 'requesting_user_id()') as got) g
order by n;
-- Malformed main claims raise, even when legacy settings would answer.
select regress.with_settings('{"request.jwt.claims":"[1]","request.jwt.claim.sub":"user_pgrst8"}',
                             'requesting_user_id()') as malformed_main;

-- The legacy settings hold top-level claims: a path reads the top-level claim's setting, then
-- walks inside its JSON, as #>> does; jwt_claims() is the object of the settings that exist.
begin;
set local request.jwt.claim.sub = 'user_legacy';
set local request.jwt.claim.o = '{"id":"org_legacy","rol":"admin"}';
set local request.jwt.claim.v = '2';
set local request.jwt.claim.exp = '1713158460';
set local jwt.claims.email_verified = 'true';
select n, reader, answer from (values
    (1, 'requesting_user_id()', requesting_user_id()),
    (2, 'jwt_claim(''sub'')', jwt_claim('sub')),
    (3, 'jwt_claim(''o'')', jwt_claim('o')),
    (4, 'jwt_claim(''o'', ''id'')', jwt_claim('o', 'id')),
    (5, 'jwt_claim_json(''o'', ''id'')', jwt_claim_json('o', 'id')::text),
    (6, 'jwt_claim_bigint(''exp'')', jwt_claim_bigint('exp')::text),
    (7, 'jwt_claim_bool(''email_verified'')', jwt_claim_bool('email_verified')::text),
    (8, 'jwt_claims()', jwt_claims()::text),
    (9, 'requesting_org_id()', requesting_org_id()),
    (10, 'jwt_has_org_role(''admin'')', jwt_has_org_role('admin')::text)
) as readers(n, reader, answer) order by n;
set local request.jwt.claim.sts = 'pending';
select requesting_user_id() is null as pending_legacy_session_hidden;
rollback;

-- 10. pg_jwt_claims.claims_setting names another setting to read (superuser only).
select name, setting, context, vartype, enumvals
from pg_settings
where name in ('pg_jwt_claims.claims_setting', 'pg_jwt_claims.pending_session') order by name;
begin;
set local pg_jwt_claims.claims_setting = 'app.claims';
select set_config('request.jwt.claims', '{"sub":"user_postgrest"}', true) is not null as claims_set,
       set_config('app.claims', '{"sub":"user_app"}', true) is not null as app_claims_set;
select requesting_user_id() as from_app_claims, jwt_claim('sub') as jwt_claim_sub;
savepoint s;
select set_config('app.claims', '{"sub":"user_app_inner"}', true) is not null as app_claims_set;
select requesting_user_id() as inner_app_claims;
rollback to savepoint s;
select requesting_user_id() as app_claims_restored;
select set_config('app.claims', '', true) is not null as app_claims_emptied;
select requesting_user_id() is null as app_claims_empty_is_null;
commit;
-- After COMMIT the setting name is back to request.jwt.claims.
select current_setting('pg_jwt_claims.claims_setting') as claims_setting;
-- A setting that already holds a value (a placeholder, set before anyone read it) works too,
-- and is followed through later changes.
set app.preset_claims = '{"sub":"user_preset"}';
set pg_jwt_claims.claims_setting = 'app.preset_claims';
select requesting_user_id() as preset;
begin;
set local app.preset_claims = '{"sub":"user_preset_local"}';
select requesting_user_id() as preset_local;
rollback;
select requesting_user_id() as preset_again;
reset pg_jwt_claims.claims_setting;
reset app.preset_claims;
-- A non-superuser (the role a request runs as) can change neither setting.
begin;
create role claim_sources_reader;
set local role claim_sources_reader;
select regress.expect_error('set pg_jwt_claims.claims_setting = ''app.mine''') as claims_setting,
       regress.expect_error('set pg_jwt_claims.pending_session = allow') as pending_session;
rollback;

-- 11. Parallel workers read the same claims as the leader.
create table claim_sources.todos (id bigint, user_id text, task text) with (parallel_workers = 2);
insert into claim_sources.todos
select i, 'user_' || (i % 8), 'task ' || i from generate_series(1, 4000) i;
analyze claim_sources.todos;
begin;
set local parallel_setup_cost = 0;
set local parallel_tuple_cost = 0;
set local min_parallel_table_scan_size = 0;
set local parallel_leader_participation = off;
select set_config('request.jwt.claims', '{"sub":"user_3"}', true) is not null as claims_set;
explain (costs off) select count(*) from claim_sources.todos where user_id = requesting_user_id();
select count(*) as parallel_count from claim_sources.todos where user_id = requesting_user_id();
set local max_parallel_workers_per_gather = 0;
explain (costs off) select count(*) from claim_sources.todos where user_id = requesting_user_id();
select count(*) as serial_count from claim_sources.todos where user_id = requesting_user_id();
select count(*) as literal_count from claim_sources.todos where user_id = 'user_3';
rollback;
-- Every source, with the whole query forced into a worker.
begin;
select set_config(case when current_setting('server_version_num')::int >= 160000
                       then 'debug_parallel_query' else 'force_parallel_mode' end, 'on', true) as forced;
select set_config('request.jwt.claims',
                  '{"sub":"user_2abc","sts":"active","v":2,"o":{"id":"org_2abc","rol":"admin"}}', true) is not null as claims_set;
explain (costs off) select requesting_user_id();
select requesting_user_id(), jwt_claim('o', 'id'), requesting_org_id(), jwt_has_org_role('admin');
select set_config('request.jwt.claims', '{"sub":"user_2abc","sts":"pending"}', true) is not null as claims_set;
select requesting_user_id() is null as pending_hidden;
set local pg_jwt_claims.pending_session = allow;
select requesting_user_id() as pending_allowed;
select set_config('request.jwt.claims', '', true) is not null as claims_emptied;
set local request.jwt.claim.sub = 'user_legacy';
select requesting_user_id() as legacy;
set local pg_jwt_claims.claims_setting = 'app.claims';
select set_config('app.claims', '{"sub":"user_app"}', true) is not null as app_claims_set;
select requesting_user_id() as app_claims;
rollback;

-- 12. The same answer as the guide's function on every claims text the guide accepts.
with cases(n, description, claims) as (values
    (1, 'string sub', '{"sub":"user_2abc","iss":"https://clerk.example.com"}'),
    (2, 'empty sub', '{"sub":""}'),
    (3, 'blank sub', '{"sub":" "}'),
    (4, 'JSON null sub', '{"sub":null}'),
    (5, 'no sub', '{"iss":"https://clerk.example.com"}'),
    (6, 'empty object', '{}'),
    (7, 'sub only nested', '{"user":{"sub":"user_nested"}}'),
    (8, 'numeric sub 1e2', '{"sub":1e2}'),
    (9, 'numeric sub -0', '{"sub":-0}'),
    (10, 'numeric sub 1.50', '{"sub":1.50}'),
    (11, 'numeric sub beyond bigint', '{"sub":123456789012345678901234567890}'),
    (12, 'boolean sub', '{"sub":true}'),
    (13, 'object sub, odd whitespace', E'{ "sub" :\t{ "id" : 1e2 ,"tags":[ "a",\n"b" ] } }'),
    (14, 'array sub', '{"sub":["user_a", "user_b"]}'),
    (15, 'duplicate sub: the last wins', '{"sub":"user_first","sub":"user_second"}'),
    (16, 'duplicate sub: last is null', '{"sub":"user_first","sub":null}'),
    (17, 'duplicate sub: last is ""', '{"sub":"user_first","sub":""}'),
    (18, 'duplicate sub: string then number', '{"sub":"user_first","sub":7}'),
    (19, 'unicode escapes', '{"sub":"user_caf\u00e9_\u4e2d_\ud83d\ude00"}'),
    (20, 'escaped quote, backslash, slash', '{"sub":"a\"b\\c\/d\n"}'),
    (21, 'escaped key', '{"s\u0075b":"user_escaped_key"}'),
    (22, 'whitespace around the object', E' \n {"sub":"user_padded"} \n '),
    (23, 'many claims, sub last', '{' || (select string_agg(format('"claim_%s":%s', i, i), ',') from generate_series(1, 2000) i) || ',"sub":"user_last"}'),
    (24, '1 MB claims', '{"pad":"' || repeat('x', 1024 * 1024) || '","sub":"user_big"}'),
    (25, 'full Clerk v2 token', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:dashboard","fva":[7,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"3","id":"org_2abcDEF","per":"manage,read","rol":"admin","slg":"acme"},"pla":"o:pro","sid":"sess_2xyz","sts":"active","sub":"user_2abc","v":2}')
)
select n, description, ours, guide, ours is not distinct from guide as ok
from cases,
     lateral (select regress.with_claims(claims, 'requesting_user_id()') as ours,
                     regress.with_claims(claims, 'regress.guide_user_id()') as guide) answers
order by n;

-- Where the answers differ, on purpose:
--  * claims that are JSON but not an object are a broken request: 22P02, not NULL;
--  * '' (what a transaction-local setting leaves behind) means no claims: NULL, not 22P02;
--  * a pending Clerk session (sts = pending) is signed out, as Clerk's SDKs treat it, unless
--    pg_jwt_claims.pending_session = allow;
--  * claims nested deeper than 128 levels are refused (54000) rather than parsed;
--  * a \u0000 escape in a claim that is not read does not matter.
with cases(n, description, claims) as (values
    (1, 'an array', '[{"sub":"user_2abc"}]'),
    (2, 'a string', '"user_2abc"'),
    (3, 'a number', '42'),
    (4, 'JSON null', 'null'),
    (5, 'empty', ''),
    (6, 'pending session', '{"sub":"user_2abc","sts":"pending"}'),
    (7, '200 levels deep', '{"sub":"user_deep","a":' || repeat('[', 199) || repeat(']', 199) || '}'),
    (8, '\u0000 in another claim', '{"sub":"user_2abc","name":"a\u0000b"}')
)
select n, description, ours, guide
from cases,
     lateral (select regress.with_claims(claims, 'requesting_user_id()') as ours,
                     regress.with_claims(claims, 'regress.guide_user_id()') as guide) answers
order by n;
-- With pending sessions allowed, a pending session reads as the guide reads it.
set pg_jwt_claims.pending_session = allow;
select regress.with_claims('{"sub":"user_2abc","sts":"pending"}', 'requesting_user_id()') as pending_allowed;
reset pg_jwt_claims.pending_session;
-- Invalid JSON is an error for both.
select regress.with_claims('not json', 'requesting_user_id()') as ours,
       regress.with_claims('not json', 'regress.guide_user_id()') as guide;

drop schema claim_sources cascade;
