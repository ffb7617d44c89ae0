-- Backend memory over claim reads that are never kept (read by name on every call): :how is
-- 'legacy' (the per-claim setting request.jwt.claim.sub) or 'unowned' (the claims in a setting
-- the extension does not own, here application_name). A plpgsql loop reads requesting_user_id()
-- :n times in one call site; RssAnon after :warmup reads and after :n more. Prints "before kB"
-- and "after kB".
\set ON_ERROR_STOP 1
create or replace procedure stress.uncached_loop(n bigint, want text) language plpgsql as $$
declare
  who text;
begin
  for i in 1 .. n loop
    who := requesting_user_id();
  end loop;
  if who is distinct from want then
    raise exception 'identity %, wanted %', who, want;
  end if;
end $$;
select :'how' = 'legacy' as legacy \gset
\if :legacy
select set_config('request.jwt.claim.sub', 'user_legacy', false) as want \gset
\else
set pg_jwt_claims.claims_setting = 'application_name';
set application_name = '{"sub":"user_unowned"}';
select 'user_unowned' as want \gset
\endif
select pg_backend_pid() as pid \gset
\setenv STRESS_PID :pid
call stress.uncached_loop(:warmup, :'want');
\! awk '/^RssAnon:/ { print "before", $2 }' /proc/$STRESS_PID/status
call stress.uncached_loop(:n, :'want');
\! awk '/^RssAnon:/ { print "after", $2 }' /proc/$STRESS_PID/status
