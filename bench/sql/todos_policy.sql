-- Sets the todos policy to user_id = :f and prints the plan of PostgREST's query under it.
-- Variables: :f (a function call, e.g. requesting_user_id()).
drop policy if exists own on todos;
create policy own on todos for select using (user_id = :f);
begin;
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', bench_claims('user_7')::text, true) \gset ignored_
explain (costs off) select * from todos order by id limit 20;
commit;
