-- Backend memory around 10,000 claims changes x 1,000 calls (claims_loop); prints
-- 'anon0 anon1 rss0 rss1' (kB). No variables.
create function claims_loop(changes int) returns void language plpgsql as $$
begin
  for k in 1..changes loop
    perform set_config('request.jwt.claims', bench_claims('user_' || (k % 1000))::text, true);
    perform count(requesting_user_id()) from generate_series(1, 1000);
  end loop;
end $$;
select claims_loop(1000) \gset ignored_
select backend_kb('RssAnon') as a0, backend_kb('VmRSS') as v0 \gset
select claims_loop(10000) \gset ignored_
select concat_ws(' ', :a0, backend_kb('RssAnon'), :v0, backend_kb('VmRSS'));
