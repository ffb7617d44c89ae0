-- statement_timeout during jwt_verify of a ~256 KiB token (100,000 calls) while the transaction
-- holds claims and an authenticated token: SQLSTATE 57014, then after ROLLBACK no identity and
-- the session (or the pooled server connection) still verifies tokens and takes a new identity.
select pg_backend_pid() as pid \gset
begin;
select 'before', set_config('request.jwt.claims', stress.claims_of(31)::text, true) is not null,
  jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 31;
set local statement_timeout = '500ms';
select count(jwt_verify(token)) from stress.big, generate_series(1, 100000);
\echo error :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
rollback;
select 'after', stress.no_identity('timeout') is not null, pg_backend_pid() = :pid as same_backend;
select 'usable', jwt_verify(token) ->> 'sub', length(token) > 250000 from stress.big;
begin;
select 'next', set_config('request.jwt.claims', stress.claims_of(32)::text, true) is not null,
  jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 32;
select 'next', requesting_user_id();
commit;
