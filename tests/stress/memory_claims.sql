-- Backend memory over claim reads with changing claims: a procedure commits after each change
-- (as PostgREST's transactions end) and reads 1,000 claims per change with four readers; RssAnon
-- of this backend (read by psql's \! from /proc, as root) after a warm-up pass and after
-- :changes more changes. Prints "before kB" and "after kB".
\set ON_ERROR_STOP 1
create procedure stress.claims_loop(first int, changes int) language plpgsql as $$
declare
  reads bigint;
begin
  for k in first .. first + changes - 1 loop
    -- Distinct claims text on every change (jti), users cycling through 1..500.
    perform set_config('request.jwt.claims',
      (stress.claims_of(k % 500 + 1) || jsonb_build_object('jti', 'jti_' || k))::text, true);
    select count(requesting_user_id()) + count(requesting_org_id()) + count(jwt_claim('email'))
           + count(nullif(jwt_has_permission('org:docs:read'), false))
      into reads from generate_series(1, 250);
    if reads <> 1000 or requesting_user_id() is distinct from 'user_' || (k % 500 + 1) then
      raise exception 'change %: % reads, identity %', k, reads, requesting_user_id();
    end if;
    commit;
  end loop;
end $$;
select pg_backend_pid() as pid \gset
\setenv STRESS_PID :pid
call stress.claims_loop(1, :warmup);
\! awk '/^RssAnon:/ { print "before", $2 }' /proc/$STRESS_PID/status
call stress.claims_loop(:warmup + 1, :changes);
\! awk '/^RssAnon:/ { print "after", $2 }' /proc/$STRESS_PID/status
