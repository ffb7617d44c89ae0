-- One RLS item: policy using (:expr) on t, timed as bench_reader; prints 'rows TAB ms ms …'.
-- Variables: :preload (a load statement or empty), :expr, :runs.
:preload
drop policy if exists p on t;
create policy p on t using (:expr);
select set_config('request.jwt.claims', bench_claims('user_42')::text, false) \gset ignored_
set role bench_reader;
select (select count(*) from t) || E'\t' || bench_runs('select count(*) from t', :runs);
