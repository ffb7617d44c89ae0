-- Backend memory around 10M requesting_user_id() calls; prints 'anon0 anon1 rss0 rss1' (kB).
-- No variables.
select set_config('request.jwt.claims', bench_claims('user_42')::text, false) \gset ignored_
select count(requesting_user_id()) from generate_series(1, 1000) a, generate_series(1, 1000) b \gset ignored_
select backend_kb('RssAnon') as a0, backend_kb('VmRSS') as v0 \gset
select count(requesting_user_id()) from generate_series(1, 10000) a, generate_series(1, 1000) b \gset ignored_
select concat_ws(' ', :a0, backend_kb('RssAnon'), :v0, backend_kb('VmRSS'));
