-- The victim: holds claims and an authenticated token in an open transaction until another
-- session terminates its backend with pg_terminate_backend().
begin;
select 'victim', set_config('request.jwt.claims', stress.claims_of(41)::text, true) is not null,
  jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 41;
select 'victim', requesting_user_id();
select pg_sleep(60) /* stress-victim */;
commit;
