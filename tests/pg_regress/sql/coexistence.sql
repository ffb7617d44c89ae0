-- coexistence: another module that defines request.jwt.claims and request.headers (Neon's
-- pg_session_jwt defines request.jwt.claims) loads before or after this extension in one
-- backend, with no error either way, and every reader stays exact: transaction-local values,
-- COMMIT, ROLLBACK, savepoints, RESET, one call site in a loop, one statement that sets and
-- reads, parallel workers. The stand-in module (tests/standin) defines both settings as
-- pg_session_jwt does: user-settable, no hooks.
\set SHOW_CONTEXT never
\pset null '(null)'

-- A. This extension first: it watches request.jwt.claims, then the other module defines it
--    (LOAD, as a call of one of its functions would) and takes the setting over, value and
--    transaction-local stack included.
select set_config('request.jwt.claims', '{"sub":"session_user_a"}', false) is not null as set_in_session;
select requesting_user_id() as watched_by_us;
begin;
select set_config('request.jwt.claims', '{"sub":"local_user_a"}', true) is not null as set_locally;
select requesting_user_id() as before_takeover;
load 'pg_jwt_claims_standin';
select requesting_user_id() as after_takeover;
select set_config('request.jwt.claims', '{"sub":"changed_after_takeover"}', true) is not null as set_again;
select requesting_user_id() as changed_after_takeover;
savepoint s;
select set_config('request.jwt.claims', '{"sub":"in_savepoint"}', true) is not null as set_in_savepoint;
select requesting_user_id() as in_savepoint;
rollback to savepoint s;
select requesting_user_id() as after_rollback_to_savepoint;
rollback;
select requesting_user_id() as after_rollback;
reset request.jwt.claims;
select requesting_user_id() as after_reset;

-- One statement that sets and reads, and one call site that follows every change in a loop.
select set_config('request.jwt.claims', '{"sub":"same_statement"}', true) is not null as set,
       requesting_user_id() as read;
do $$
declare
  seen text := '';
begin
  for i in 1 .. 6 loop
    perform set_config('request.jwt.claims', format('{"sub":"u%s"}', i % 3), true);
    seen := seen || requesting_user_id() || ' ';
  end loop;
  raise notice 'loop saw: %', seen;
end $$;

-- request.headers, taken over the same way: verify mode reads its Bearer token.
begin;
set local pg_jwt_claims.mode = verify;
set local pg_jwt_claims.secret = 'coexistence-secret-coexistence-secret';
select set_config('request.headers',
    json_build_object('authorization', 'Bearer ' || jwt_sign('{"sub":"header_user","exp":4102444800}', 'coexistence-secret-coexistence-secret'))::text,
    true) is not null as headers_set;
select requesting_user_id() as from_headers;
select set_config('request.headers', '{}', true) is not null as headers_cleared;
select requesting_user_id() as no_token;
rollback;

-- Parallel workers read the same settings and reach the same answer.
create table coexistence_rows as select i from generate_series(1, 1000) i;
begin;
select set_config('request.jwt.claims', '{"sub":"parallel_user"}', true) is not null as set;
select set_config(case when current_setting('server_version_num')::int >= 160000
                       then 'debug_parallel_query' else 'force_parallel_mode' end, 'on', true) is not null as forced;
select count(*) filter (where requesting_user_id() = 'parallel_user') as counted_in_parallel from coexistence_rows;
commit;
drop table coexistence_rows;

-- B. The other module first (as from shared_preload_libraries): this extension chains its own
--    watch onto the other module's setting.
\c
load 'pg_jwt_claims_standin';
select set_config('request.jwt.claims', '{"sub":"session_user_b"}', false) is not null as set_in_session;
select requesting_user_id() as chained;
begin;
select set_config('request.jwt.claims', '{"sub":"local_user_b"}', true) is not null as set_locally;
select requesting_user_id() as local_value;
select set_config('request.jwt.claims', '{"sub":"local_user_b2"}', true) is not null as set_again;
select requesting_user_id() as changed;
rollback;
select requesting_user_id() as after_rollback;
reset request.jwt.claims;
select requesting_user_id() as after_reset;
do $$
declare
  seen text := '';
begin
  for i in 1 .. 6 loop
    perform set_config('request.jwt.claims', format('{"sub":"v%s"}', i % 3), true);
    seen := seen || requesting_user_id() || ' ';
  end loop;
  raise notice 'loop saw: %', seen;
end $$;
