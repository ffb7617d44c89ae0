-- An ERROR inside a subtransaction after the identity changed in it: the outer identity is back
-- after ROLLBACK TO SAVEPOINT and in a plpgsql exception handler; none after the transaction.
-- Each step sets both the claims and the token of the same user, so the output is the same in
-- trust and in verify mode. Runs on one connection (direct, or a PgBouncer pool of one).
select pg_backend_pid() as pid \gset
begin;
select 'outer', set_config('request.jwt.claims', stress.claims_of(11)::text, true) is not null,
  jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 11;
select 'outer', requesting_user_id(), requesting_org_id();
savepoint s1;
select 'inner', set_config('request.jwt.claims', stress.claims_of(12)::text, true) is not null,
  jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 12;
select 'inner', requesting_user_id(), requesting_org_id();
select 1 / (id - id) from stress.tokens where id = 12;
\echo error :LAST_ERROR_SQLSTATE
rollback to savepoint s1;
select 'after rollback to savepoint', requesting_user_id(), requesting_org_id();
-- The change and the error in the same statement.
savepoint s2;
select set_config('request.jwt.claims', stress.claims_of(13)::text, true), jwt_authenticate(token),
  requesting_user_id(), 1 / (id - id) from stress.tokens where id = 13;
\echo error :LAST_ERROR_SQLSTATE
rollback to savepoint s2;
select 'after an error in the changing statement', requesting_user_id();
-- A forged token (user 14's header and claims, user 15's signature) is refused in a subtransaction.
savepoint s3;
select jwt_authenticate(split_part(a.token, '.', 1) || '.' || split_part(a.token, '.', 2) || '.' || split_part(b.token, '.', 3))
  from stress.tokens a, stress.tokens b where a.id = 14 and b.id = 15;
\echo error :LAST_ERROR_SQLSTATE
rollback to savepoint s3;
select 'after a forged token', requesting_user_id();
-- plpgsql exception blocks (subtransactions): each iteration changes the identity, reads it at
-- one call site, raises; the handler reads the outer identity at another.
do $$
declare inner_id text; outer_id text;
begin
  for i in 16..18 loop
    begin
      perform set_config('request.jwt.claims', stress.claims_of(i)::text, true),
              jwt_authenticate((select token from stress.tokens where id = i));
      inner_id := requesting_user_id();
      if inner_id is distinct from 'user_' || i then raise exception 'inner identity %, expected user_%', inner_id, i; end if;
      raise sqlstate 'P0001' using message = 'boom';
    exception when sqlstate 'P0001' then
      if sqlerrm <> 'boom' then raise; end if;
      outer_id := requesting_user_id();
      if outer_id is distinct from 'user_11' then raise exception 'after exception block %: identity %', i, outer_id; end if;
    end;
  end loop;
end $$;
select 'after exception blocks', requesting_user_id(), requesting_org_id();
commit;
select 'after commit', stress.no_identity('subxact') is not null, pg_backend_pid() = :pid as same_backend;
