-- Verify mode: an ERROR after jwt_authenticate, then ROLLBACK (or COMMIT, which rolls back a
-- failed transaction), leaves no identity; neither does an autocommit statement that
-- authenticates. Runs on one connection (direct, or a PgBouncer pool of one).
select pg_backend_pid() as pid \gset
begin;
select 'authenticated', jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 21;
select 'identity', requesting_user_id(), current_setting('pg_jwt_claims.token') <> '' as has_token;
select 1 / (id - id) from stress.tokens where id = 21;
\echo error :LAST_ERROR_SQLSTATE
select requesting_user_id();
\echo error :LAST_ERROR_SQLSTATE
rollback;
select 'after rollback', stress.no_identity('verify-rollback') is not null;
begin;
select 'authenticated', jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 22;
select 1 / (id - id) from stress.tokens where id = 22;
\echo error :LAST_ERROR_SQLSTATE
commit;
select 'after commit of a failed transaction', stress.no_identity('verify-commit-failed') is not null;
select jwt_authenticate(token), 1 / (id - id) from stress.tokens where id = 23;
\echo error :LAST_ERROR_SQLSTATE
select 'after a failed autocommit statement', stress.no_identity('verify-autocommit-failed') is not null;
select 'autocommit', jwt_authenticate(token) ->> 'sub', requesting_user_id() from stress.tokens where id = 24;
select 'after an autocommit statement', stress.no_identity('verify-autocommit') is not null,
  pg_backend_pid() = :pid as same_backend;
