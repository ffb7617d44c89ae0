-- User :n's RLS results on stress.docs serially and with parallel workers forced, in one
-- transaction (identity from the claims of user :claims_n, or in verify mode from user :n's token,
-- authenticated in its own statement: jwt_authenticate is PARALLEL UNSAFE). Prints
-- "serial|n|count|hash|md5" and "parallel|…", then the parallel plans with EXPLAIN ANALYZE.
begin;
select set_config('request.jwt.claims', stress.claims_of(:claims_n)::text, true) \gset ignored_
select jwt_authenticate(token) is not null as authenticated from stress.tokens where id = :n \gset
set local role authenticated;
set local max_parallel_workers_per_gather = 0;
select 'serial', :n, count(*), sum(hashtext(id::text)) from stress.docs;
select 'serial', :n, md5(string_agg(id::text, ',' order by id)) from stress.docs;
set local force_parallel_mode = on;
set local parallel_setup_cost = 0;
set local parallel_tuple_cost = 0;
set local min_parallel_table_scan_size = 0;
set local max_parallel_workers_per_gather = 2;
select 'parallel', :n, count(*), sum(hashtext(id::text)) from stress.docs;
select 'parallel', :n, md5(string_agg(id::text, ',' order by id)) from stress.docs;
explain (analyze, costs off, timing off, summary off) select count(*), sum(hashtext(id::text)) from stress.docs;
explain (analyze, costs off, timing off, summary off) select md5(string_agg(id::text, ',' order by id)) from stress.docs;
commit;
