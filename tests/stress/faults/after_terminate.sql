-- After the victim's backend was terminated: the pool still serves, on a new server connection
-- (:victim is the terminated backend's pid), with no identity.
select 'after terminate', stress.no_identity('terminate') is not null, pg_backend_pid() <> :victim as new_backend;
begin;
select 'next', set_config('request.jwt.claims', stress.claims_of(42)::text, true) is not null,
  jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 42;
select 'next', requesting_user_id();
commit;
select 'after next', stress.no_identity('terminate-next') is not null;
